"""The web chat's handlers and rendering, without a browser (see test_web_browser.py for that)."""

from __future__ import annotations

import html
import logging
import re
import socket
import subprocess
import sys
import tomllib
from pathlib import Path

import gradio as gr
import pytest

from assistant import web
from assistant.web import chat
from assistant.types import Citation
from assistant.web import Conversation, Handlers, Turn

ROOT = Path(__file__).resolve().parent.parent
FR_QUESTION = "Comment faire rembourser une application mobile par l'INAMI ?"
OUT_OF_SCOPE = "What about reimbursement of health apps in Germany (DiGA, BfArM)?"
EVIL = "<img src=x onerror=alert(1)><script>alert(2)</script>"


@pytest.fixture
def handlers(assistant) -> Handlers:
    return Handlers(assistant, stream_pause=0)


def run(handlers: Handlers, question: str, convo: Conversation | None = None, chat=None, language="en"):
    """Every update the chat handler yields, and the last one."""
    updates = list(handlers.respond(question, chat or [], convo or Conversation(), language))
    return updates, updates[-1]


def cites(markdown: str) -> list[tuple[int, int]]:
    return [(int(t), int(n)) for t, n in re.findall(r'href="#src-(\d+)-(\d+)">\[\d+\]</a>', markdown)]


def citation(**changes) -> Citation:
    values = dict(n=1, source_id="doc", title="Title", publisher="INAMI/RIZIV", url="https://www.inami.fgov.be/x",
                  locator="§ Section", quote="A quoted passage. Another sentence.", checked="2026-11-22",
                  language="en")
    return Citation(**{**values, **changes})


class Broken:
    """Stands in for an Assistant whose every call fails."""

    def __init__(self, settings):
        self.settings = settings

    def ask(self, *args, **kwargs):
        raise RuntimeError("index is gone")

    def ingest(self, paths):
        raise RuntimeError("disk full")


# ---------------------------------------------------------------- safe rendering


def test_document_text_cannot_become_markup():
    text = chat.md_text(EVIL + " [click](javascript:alert(3)) ![x](http://e/x.png) **bold** `code` $x$")
    assert "<" not in text and ">" not in text
    assert "](" not in text.replace("\\](", "")  # every bracket is escaped: no link, no image
    assert "\\*\\*bold\\*\\*" in text and "\\`code\\`" in text and "\\$x\\$" in text


@pytest.mark.parametrize("start", ["1. item", "- item", "# heading", "> quote", "+ item"])
def test_document_text_cannot_start_a_block(start):
    text = chat.md_text(start)
    assert not re.match(r"^(\d+\.|[-+#>] )", text)


@pytest.mark.parametrize("url, expected", [
    ("https://www.inami.fgov.be/fr", True),
    ("http://example.org", True),
    ("file:///tmp/my%20file.pdf", True),
    ("javascript:alert(1)", False),
    ("JaVaScRiPt:alert(1)", False),
    ("data:text/html,<script>alert(1)</script>", False),
    ("vbscript:x", False),
    ("//evil.example/x", False),
    ("https://x.org/a b", False),
    ("", False),
])
def test_only_http_https_and_file_urls_become_links(url, expected):
    assert (chat.safe_url(url) is not None) is expected


def test_sources_panel_escapes_everything_and_links_safely():
    convo = Conversation(turns=[Turn(EVIL, [
        citation(n=1, title=EVIL, publisher="<b>pub</b>", quote="Before. " + EVIL + " After."),
        citation(n=2, url="javascript:alert(1)", title="No link"),
    ])])
    panel = chat.sources_html(convo, chat.Labels(ROOT / "prompts", "en"))
    assert "<img" not in panel and "<script" not in panel and "<b>" not in panel
    assert html.escape(EVIL) in panel
    link = re.search(r'<a class="source-title" href="([^"]+)" target="_blank" rel="noopener noreferrer"', panel)
    assert link and link.group(1) == "https://www.inami.fgov.be/x"
    unsafe = panel.split('id="src-0-2"')[1].split("</li>")[0]
    assert "href=" not in unsafe and '<span class="source-title">No link</span>' in unsafe and "no web link" in unsafe
    first = panel.split('id="src-0-1"')[1].split("</li>")[0]
    assert "§ Section" in first and "checked on 2026-11-22" in first and "&lt;b&gt;pub&lt;/b&gt;" in first


def test_quoted_sentences_are_marked_in_the_passage():
    passage = "First sentence here. The <quoted> one. Last one."
    marked = chat.quote_html(passage, ["The <quoted> one."])
    assert marked == "First sentence here. <mark>The &lt;quoted&gt; one.</mark> Last one."
    assert chat.quote_html(passage, ["not in the passage"]) == html.escape(passage)


# ---------------------------------------------------------------- answering


def test_answer_streams_statement_by_statement(handlers):
    updates, (chat, convo, panel, box) = run(handlers, FR_QUESTION, language="fr")
    answer = handlers.assistant.ask(FR_QUESTION)
    assert len(answer.statements) > 2
    # First the question alone, then one update per statement.
    assert [m["role"] for m in updates[0][0]] == ["user"] and updates[0][3] == ""
    updates = updates[1:]
    assert len(updates) == len(answer.statements)
    # Each update shows one statement more than the one before.
    counts = [len(cites(u[0][-1]["content"].split("**Sources**")[0])) for u in updates]
    assert counts == sorted(counts) and counts[0] == 1 and counts[-1] == len(answer.statements)
    assert box == ""  # the question box is emptied
    assert [m["role"] for m in chat] == ["user", "assistant"]
    final = chat[-1]["content"]
    assert "**Points clés**" in final and "**Sources**" in final  # answer in the question's language
    assert answer.statements[0].text.split()[0] in final


def test_every_citation_number_points_at_a_panel_entry_with_the_quote(handlers):
    _, (chat, convo, panel, _) = run(handlers, FR_QUESTION)
    answer = handlers.assistant.ask(FR_QUESTION)
    numbers = {n for _, n in cites(chat[-1]["content"])}
    assert numbers == {c.n for c in answer.citations}
    for c in answer.citations:
        entry = panel.split(f'id="src-0-{c.n}"')[1].split("</li>")[0]
        assert html.escape(c.title) in entry and html.escape(c.url) in entry and c.checked in entry
        assert html.escape(c.quote[:60]) in entry.replace("<mark>", "").replace("</mark>", "")
        if c.locator:
            assert html.escape(c.locator) in entry


def test_later_answers_get_their_own_citation_anchors(handlers):
    _, (chat, convo, _, _) = run(handlers, FR_QUESTION)
    _, (chat, convo, panel, _) = run(handlers, "Which criteria must an app meet for the eHealth platform?",
                                     convo, chat)
    assert {t for t, _ in cites(chat[1]["content"])} == {0}
    assert {t for t, _ in cites(chat[3]["content"])} == {1}
    assert panel.index('data-turn="1"') < panel.index('data-turn="0"')  # latest first
    assert convo.questions == [FR_QUESTION, "Which criteria must an app meet for the eHealth platform?"]


def test_follow_up_uses_the_conversation(handlers):
    _, (chat, convo, _, _) = run(handlers, "How do I submit a reimbursement request to INAMI for my app?")
    _, (chat, convo, panel, _) = run(handlers, "and how long does that take?", convo, chat)
    assert 'class="notice' not in chat[-1]["content"]  # answered, not abstained
    assert convo.turns[-1].citations[0].note.startswith("inami-app-reimbursement")


def test_abstention_is_calm_not_an_error(handlers):
    _, (chat, convo, panel, _) = run(handlers, OUT_OF_SCOPE)
    message = chat[-1]["content"]
    assert message.startswith('<div class="notice abstention">') and "error" not in message
    assert "do not answer this question" in message
    assert cites(message)  # the closest passages, linked to the panel
    assert "Closest passages" in panel and convo.turns[0].abstained


def test_empty_question_changes_nothing(handlers):
    updates, (chat, convo, _, _) = run(handlers, "   ")
    assert len(updates) == 1 and chat == [] and convo.questions == []


def test_failure_shows_a_short_message_and_logs_the_traceback(assistant, caplog):
    handlers = Handlers(Broken(assistant.settings), stream_pause=0)
    with caplog.at_level(logging.ERROR, logger="assistant.web"):
        _, (chat, convo, _, box) = run(handlers, "Anything?", language="nl")
    assert box == "Anything?"  # kept, to try again
    message = chat[-1]["content"]
    assert message.startswith('<div class="notice error">') and "er ging iets mis" in message
    assert "Traceback" not in message and "RuntimeError" not in message and "index is gone" not in message
    assert "index is gone" in caplog.text and caplog.records[0].exc_info
    assert convo.questions == []  # a failed question is no context for the next one


def test_user_question_is_shown_as_text(handlers):
    _, (chat, _, _, _) = run(handlers, EVIL + " INAMI?")
    assert "<img" not in chat[0]["content"] and "&lt;img" in chat[0]["content"]


# ---------------------------------------------------------------- upload


def test_upload_reports_added_and_skipped_and_answers_cite_the_file(fresh_assistant, tmp_path):
    handlers = Handlers(fresh_assistant, stream_pause=0)
    good = tmp_path / "zorblax-dossier.md"
    good.write_text(f"# Dossier Zorblax {EVIL}\n\nLa startup Zorblax a déposé son dossier de remboursement "
                    f"auprès de l'INAMI le 3 mars 2026 {EVIL}, avec le soutien de son hôpital partenaire.\n",
                    encoding="utf-8")
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    odd = tmp_path / "notes.xyz"
    odd.write_text("text")
    report = handlers.upload([str(good), str(empty), odd], "en", progress=lambda *a, **k: None)
    assert "1 added, 0 already indexed, 2 skipped." in report
    assert re.search(r"<strong>added</strong> zorblax-dossier\.md — \d+ passage", report)
    assert "<strong>skipped</strong> empty.txt — the file is empty" in report
    assert "<strong>skipped</strong> notes.xyz — unsupported file type" in report

    _, (chat, convo, panel, _) = run(handlers, "Quand la startup Zorblax a-t-elle déposé son dossier ?")
    answer = chat[-1]["content"]
    assert "3 mars 2026" in answer and "<img" not in answer and "<script" not in answer
    entry = panel.split('id="src-0-1"')[1].split("</li>")[0]
    assert "zorblax-dossier.md" in entry or "Dossier Zorblax" in entry
    assert "href=" not in entry and "no web link" in entry and "your document" in entry
    assert "<img" not in panel and "<script" not in panel


def test_upload_of_the_same_file_twice_says_so(fresh_assistant, tmp_path):
    handlers = Handlers(fresh_assistant, stream_pause=0)
    doc = tmp_path / "note.txt"
    doc.write_text("Our startup sent its INAMI reimbursement file in March after the AFMPS notification.\n")
    handlers.upload([str(doc)], "fr", progress=lambda *a, **k: None)
    report = handlers.upload([str(doc)], "fr", progress=lambda *a, **k: None)
    assert "<strong>déjà indexé</strong> note.txt — already indexed with the same content" in report


def test_upload_without_files_asks_for_them(handlers):
    assert "Choose one or more files first." in handlers.upload([], "en", progress=lambda *a, **k: None)
    assert "Kies eerst" in handlers.upload(None, "nl", progress=lambda *a, **k: None)


def test_upload_failure_shows_a_short_message(assistant, tmp_path, caplog):
    handlers = Handlers(Broken(assistant.settings), stream_pause=0)
    doc = tmp_path / "a.txt"
    doc.write_text("text")
    with caplog.at_level(logging.ERROR, logger="assistant.web"):
        report = handlers.upload([str(doc)], "fr", progress=lambda *a, **k: None)
    assert "n'ont pas pu être ajoutés" in report and "disk full" not in report and "Traceback" not in report
    assert "disk full" in caplog.text


# ---------------------------------------------------------------- API endpoint


def test_api_ask_returns_the_answer_as_json(handlers):
    result = handlers.api_ask("How do I get my app reimbursed by INAMI?")
    assert result == handlers.assistant.ask("How do I get my app reimbursed by INAMI?").to_dict()
    assert result["citations"] and not result["abstained"]
    follow_up = handlers.api_ask("and how long does that take?", "en", ["How do I get my app reimbursed by INAMI?"])
    assert follow_up["question"] == "and how long does that take?" and not follow_up["abstained"]
    assert handlers.api_ask("Comment ça marche pour l'INAMI ?", "nl")["language"] == "nl"
    with pytest.raises(gr.Error):
        handlers.api_ask("question", "de")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_documented_gradio_client_example_runs_against_the_app(assistant, capsys):
    """The Python block of docs/web.md, run as written against a live app."""
    doc = (ROOT / "docs" / "web.md").read_text(encoding="utf-8")
    code = re.search(r"```python\n(.*?)```", doc, re.S).group(1)
    port = free_port()
    demo = web.launch(assistant, port=port, prevent_thread_lock=True, quiet=True)
    try:
        exec(compile(code.replace("http://127.0.0.1:7860/", f"http://127.0.0.1:{port}/"), "docs/web.md", "exec"), {})
    finally:
        demo.close()
    out = capsys.readouterr().out
    # Each [n] names the page that states its passage: INAMI's own among them.
    assert re.search(r"^\[1\] .+ \(.+\) https://", out, re.M)
    assert re.search(r"^\[\d\] .+ \(INAMI/RIZIV\) https://", out, re.M)
    assert re.search(r"^False \S", out, re.M)  # the follow-up is answered, not refused


# ---------------------------------------------------------------- labels, languages, app.py


def test_every_interface_language_has_every_label():
    table = tomllib.loads((ROOT / "prompts" / "ui.toml").read_text(encoding="utf-8"))
    keys = set(table["en"])
    for lang in ("fr", "nl"):
        assert set(table[lang]) == keys, lang
        assert all(table[lang][k] for k in keys)
    assert all(len(table["examples"][lang]) >= 2 for lang in ("fr", "nl", "en"))


def test_relabel_switches_the_interface_language(handlers):
    updates = handlers.relabel("nl", Conversation())
    assert updates[0].startswith("# Digitale gezondheid")
    assert updates[3]["label"] == "Uw vraag" and updates[4]["value"] == "Vragen"
    assert "De bronnen van elk antwoord" in updates[8]


@pytest.mark.parametrize("header, language", [
    ("nl-BE,nl;q=0.9,en;q=0.8", "nl"), ("fr-FR,fr;q=0.9", "fr"), ("de-DE,de;q=0.9,fr;q=0.5", "fr"),
    ("de-DE", "en"), ("", "en"), (None, "en"),
])
def test_interface_language_follows_the_browser(header, language):
    assert chat.language_from_header(header) == language


def test_app_has_the_ask_endpoint(assistant):
    demo = web.build_app(assistant)
    names = {getattr(fn, "api_name", None) for fn in demo.fns.values()}
    assert "ask" in names


def test_app_help_lists_the_flags():
    result = subprocess.run([sys.executable, str(ROOT / "app.py"), "--help"], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0
    for flag in ("--host", "--port", "--index-dir", "ASSISTANT_HOST", "ASSISTANT_PORT"):
        assert flag in result.stdout


def test_app_flags_default_to_localhost_and_read_the_environment(monkeypatch):
    sys.path.insert(0, str(ROOT))
    try:
        import app
    finally:
        sys.path.remove(str(ROOT))
    monkeypatch.delenv("ASSISTANT_HOST", raising=False)
    monkeypatch.delenv("ASSISTANT_PORT", raising=False)
    args = app.parse_args([])
    assert (args.host, args.port) == ("127.0.0.1", 7860)
    monkeypatch.setenv("ASSISTANT_HOST", "0.0.0.0")
    monkeypatch.setenv("ASSISTANT_PORT", "8123")
    assert (app.parse_args([]).host, app.parse_args([]).port) == ("0.0.0.0", 8123)
    assert app.parse_args(["--port", "9000"]).port == 9000
