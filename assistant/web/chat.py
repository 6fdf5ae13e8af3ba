"""The chat tab: its handlers, the answer and sources rendering, over the public `Assistant` API.

Everything shown comes from documents or
from the user, so every piece of it is escaped here: the chat renders Markdown with HTML
sanitised, and the sources panel is HTML built with html.escape.
"""

from __future__ import annotations

import os

# Gradio reads this when it is imported: no usage statistics leave the machine.
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"

import html  # noqa: E402
import logging  # noqa: E402
import queue  # noqa: E402
import re  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
import tomllib  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from functools import lru_cache  # noqa: E402
from pathlib import Path  # noqa: E402
from urllib.parse import urlsplit  # noqa: E402

import gradio as gr  # noqa: E402

from ..api import Assistant  # noqa: E402
from ..prompts import load_phrases  # noqa: E402
from ..answer.render import render_markdown  # noqa: E402
from ..types import LANGUAGES, Answer, Citation, IngestReport  # noqa: E402

log = logging.getLogger(__name__)

LANGUAGE_NAMES = {"fr": "Français", "nl": "Nederlands", "en": "English"}
LINK_SCHEMES = ("http", "https", "file")
# The answer is computed at once; a short pause between statements lets the reader see it build
# up instead of jumping in as a block. Tests set it to 0.
STREAM_PAUSE = 0.04


# ---------------------------------------------------------------- labels

@lru_cache(maxsize=4)
def load_ui(prompts_dir: Path) -> dict:
    with open(Path(prompts_dir) / "ui.toml", "rb") as handle:
        return tomllib.load(handle)


class Labels:
    """The interface strings of one language (prompts/ui.toml), English for anything missing."""

    def __init__(self, prompts_dir: Path, language: str):
        self.prompts_dir = Path(prompts_dir)
        table = load_ui(self.prompts_dir)
        self.language = language if language in LANGUAGES else "en"
        self._own, self._fallback = table.get(self.language, {}), table.get("en", {})

    def __call__(self, key: str, **values) -> str:
        text = self._own.get(key) or self._fallback.get(key) or key
        return text.format(**values) if values else text


def examples(prompts_dir: Path) -> list[str]:
    table = load_ui(Path(prompts_dir)).get("examples", {})
    return [q for lang in LANGUAGES for q in table.get(lang, [])]


def language_from_header(accept_language: str | None) -> str:
    """The first of fr/nl/en the browser asks for ("nl-BE,nl;q=0.9,en;q=0.8" → "nl")."""
    for part in (accept_language or "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return "en"


# ---------------------------------------------------------------- safe rendering

# "<", ">" and "&" are left to html.escape: a backslash before an entity would show it raw.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]{}|~$#!])")
_LIST_START = re.compile(r"^(\s*)(\d+)([.)])")


def md_text(text: str) -> str:
    """Document text as inert Markdown: no markup, link, image, list or HTML comes through."""
    text = _MD_SPECIAL.sub(r"\\\1", " ".join(str(text).split()))
    text = _LIST_START.sub(r"\1\2\\\3", text)
    if text and text[0] in "-+=":
        text = "\\" + text
    # Backslash escapes cover Markdown; entities cover the HTML a sanitiser might let through.
    return html.escape(text, quote=False)


def safe_url(url: str) -> str | None:
    """The URL if it may become a link (http, https, file), else None: no javascript: or data:."""
    url = (url or "").strip()
    try:
        scheme = urlsplit(url).scheme.lower()
    except ValueError:
        return None
    if scheme not in LINK_SCHEMES or any(c.isspace() or ord(c) < 32 for c in url):
        return None
    return url


def anchor(turn: int, n: int) -> str:
    return f"src-{turn}-{n}"


def cite(turn: int, n: int) -> str:
    """The [n] marker of a statement, a link to its entry in the sources panel."""
    return f'<a class="cite" href="#{anchor(turn, n)}">[{n}]</a>'


# ---------------------------------------------------------------- conversation state

@dataclass
class Turn:
    question: str
    citations: list[Citation]
    abstained: bool = False
    quoted: dict[int, list[str]] = field(default_factory=dict)  # citation n -> sentences the answer took

    @classmethod
    def of(cls, answer: Answer) -> Turn:
        quoted: dict[int, list[str]] = {}
        for statement in answer.statements:
            if statement.citation is not None:
                quoted.setdefault(statement.citation, []).append(statement.text)
        return cls(answer.question, answer.citations or answer.closest, answer.abstained, quoted)


@dataclass
class Conversation:
    """What one browser session remembers: its questions (for follow-ups) and their sources."""

    questions: list[str] = field(default_factory=list)
    turns: list[Turn] = field(default_factory=list)


# ---------------------------------------------------------------- answer messages

def answer_markdown(answer: Answer, turn: int, labels: Labels, upto: int | None = None) -> str:
    """The chat message of an answer: its first `upto` statements, then (when complete) the
    short list of sources. Abstentions get their own calm style."""
    phrases = load_phrases(labels.prompts_dir, answer.language)
    body = render_markdown(answer, phrases, cite=lambda n: cite(turn, n), text=md_text, upto=upto,
                           source_line=lambda c: source_line(c, labels))
    return notice("abstention", body) if answer.abstained else body


def source_line(c: Citation, labels: Labels) -> str:
    """Title, publisher and section: several passages of one page differ by their section."""
    publisher = c.publisher or labels("your_file")
    if c.kind == "secondary":
        publisher += f" ({labels('secondary')})"
    parts = [c.title or c.source_id, publisher] + ([c.locator] if c.locator else [])
    return " — ".join(md_text(p) for p in parts)


def answer_steps(answer: Answer, turn: int, labels: Labels) -> Iterator[str]:
    """The chat message as it builds up: one statement more each time, then the complete one."""
    if not answer.abstained:
        for upto in range(1, len(answer.statements)):
            yield answer_markdown(answer, turn, labels, upto)
    yield answer_markdown(answer, turn, labels)


def draft_markdown(text: str, labels: Labels) -> str:
    """The model's text while it is being written: shown as a draft until verification is done."""
    return notice("draft", f"{md_text(text)}\n\n*{md_text(labels('verifying'))}*")


def notice(kind: str, markdown: str) -> str:
    # Blank lines around the body let the Markdown inside the <div> be rendered.
    return f'<div class="notice {kind}">\n\n{markdown}\n\n</div>'


# ---------------------------------------------------------------- sources panel

def sources_html(convo: Conversation, labels: Labels) -> str:
    """Every answer's sources, latest first; built here with every value escaped."""
    if not convo.turns:
        return f'<div class="sources-scroll"><p class="sources-empty">{html.escape(labels("sources_empty"))}</p></div>'
    parts = []
    last = len(convo.turns) - 1
    for index in range(last, -1, -1):
        turn = convo.turns[index]
        heading = html.escape(turn.question)
        if turn.abstained:
            heading += f' <span class="closest">({html.escape(labels("closest_title"))})</span>'
        entries = "".join(source_entry(index, c, labels, turn.quoted.get(c.n, ())) for c in turn.citations)
        opened = " open" if index == last else ""
        parts.append(f'<details class="turn" data-turn="{index}"{opened}><summary>{heading}</summary>'
                     f'<ol class="source-list">{entries}</ol></details>')
    return f'<div class="sources-scroll">{"".join(parts)}</div>'


def source_entry(turn: int, c: Citation, labels: Labels, quoted=()) -> str:
    esc = html.escape
    url = safe_url(c.url)
    title = esc(c.title or c.source_id)
    if url:
        link = (f'<a class="source-title" href="{esc(url, quote=True)}" target="_blank" '
                f'rel="noopener noreferrer" title="{esc(labels("open_page"), quote=True)}">{title}</a>')
        shown_url = f'<div class="source-url">{esc(url)}</div>'
    else:
        link = f'<span class="source-title">{title}</span>'
        shown_url = f'<div class="source-url">{esc(labels("no_link"))}</div>'
    meta = [esc(c.publisher or labels("your_file")) + (f" ({esc(labels('secondary'))})" if c.kind == "secondary" else "")]
    if c.locator:
        meta.append(esc(c.locator))
    meta.append(f'{esc(labels("checked"))} {esc(c.checked)}')
    return (f'<li class="source" id="{anchor(turn, c.n)}" value="{int(c.n)}">'
            f'<span class="source-n">[{int(c.n)}]</span> {link}'
            f'<div class="source-meta">{" · ".join(meta)}</div>{shown_url}'
            f'<details class="quote"><summary>{esc(labels("passage"))}</summary>'
            f'<blockquote>{quote_html(c.quote, quoted)}</blockquote></details></li>')


def quote_html(passage: str, sentences) -> str:
    """The passage, escaped, with the sentences the answer quoted from it marked."""
    passage = passage.strip()
    spans = []
    for sentence in sentences:
        start = passage.find(sentence)
        if sentence and start >= 0:
            spans.append((start, start + len(sentence)))
    out, pos = [], 0
    for start, end in sorted(spans):
        if start < pos:  # overlapping sentences: the first mark covers them
            continue
        out += [html.escape(passage[pos:start]), f"<mark>{html.escape(passage[start:end])}</mark>"]
        pos = end
    out.append(html.escape(passage[pos:]))
    return "".join(out)


# ---------------------------------------------------------------- upload report

def report_html(report: IngestReport, labels: Labels) -> str:
    counts = {"added": len(report.added), "unchanged": len(report.unchanged), "skipped": len(report.skipped)}
    rows = []
    for o in report.outcomes:
        detail = labels("passages", n=o.chunks) if o.status in ("added", "updated") else o.reason
        rows.append(f'<li class="outcome {html.escape(o.status)}"><strong>{html.escape(labels("status_" + o.status))}'
                    f'</strong> {html.escape(o.path)}'
                    + (f" — {html.escape(detail)}" if detail else "") + "</li>")
    return (f'<div class="upload-report"><p>{html.escape(labels("upload_summary", **counts))}</p>'
            f'<ul>{"".join(rows)}</ul></div>')


def message_html(kind: str, text: str) -> str:
    return f'<div class="notice {kind}"><p>{html.escape(text, quote=False)}</p></div>'


# ---------------------------------------------------------------- handlers

class Handlers:
    """The functions the page calls. Each one catches its own failures: the user sees a short
    message in the interface language, the log keeps the traceback."""

    def __init__(self, assistant: Assistant, stream_pause: float = STREAM_PAUSE, sessions=None):
        self.assistant = assistant
        # SessionWorkspaces (workspace_ui.py): each browser session's own documents.
        self.sessions = sessions
        self.prompts_dir = Path(assistant.settings.prompts_dir)
        self.stream_pause = stream_pause

    def labels(self, language: str) -> Labels:
        return Labels(self.prompts_dir, language)

    def respond(self, message: str, chat: list | None, convo: Conversation | None,
                language: str, request: gr.Request = None) -> Iterator[tuple[list, Conversation, str, str]]:
        """Answer `message`, yielding (chat, conversation, sources panel, question box) as the
        answer builds up, statement by statement."""
        labels = self.labels(language)
        chat = list(chat or [])
        convo = convo or Conversation()
        question = (message or "").strip()
        if not question:
            yield chat, convo, sources_html(convo, labels), ""
            return
        chat.append({"role": "user", "content": md_text(question)})
        yield list(chat), convo, sources_html(convo, labels), ""  # the question shows while it is answered
        try:
            reader = self._reader(request)  # the session's workspace, or the shared corpus
            if self.assistant.settings.answer_backend == "extractive":
                answer = reader.ask(question, history=list(convo.questions))
            else:
                answer = yield from self._generated(reader, question, chat, convo, labels)
        except Exception:
            log.exception("answering failed for %r", question)
            chat.append({"role": "assistant", "content": notice("error", md_text(labels("error_answer")))})
            yield chat, convo, sources_html(convo, labels), question  # back in the box, to try again
            return
        turn = len(convo.turns)
        convo.questions.append(question)
        convo.turns.append(Turn.of(answer))
        panel = sources_html(convo, labels)
        chat.append({"role": "assistant", "content": ""})
        for i, content in enumerate(answer_steps(answer, turn, labels)):
            if i:
                time.sleep(self.stream_pause)
            chat[-1] = {"role": "assistant", "content": content}
            yield list(chat), convo, panel, ""  # a snapshot: the list changes after the yield

    def _generated(self, reader, question: str, chat: list, convo: Conversation, labels: Labels):
        """Ask in a thread and show the model's text as it arrives, marked as being checked; the
        verified answer (returned) then replaces it. Yields like `respond`."""
        pieces: queue.Queue = queue.Queue()
        outcome: dict = {}

        def run():
            try:
                outcome["answer"] = reader.ask(question, history=list(convo.questions), on_token=pieces.put)
            except Exception as exc:  # re-raised in the handler, which shows the error message
                outcome["error"] = exc
            finally:
                pieces.put(None)

        threading.Thread(target=run, daemon=True, name="answer").start()
        panel = sources_html(convo, labels)
        chat.append({"role": "assistant", "content": ""})
        text, shown = "", 0.0
        while (piece := pieces.get()) is not None:
            text += piece
            if time.monotonic() - shown >= self.stream_pause:
                chat[-1] = {"role": "assistant", "content": draft_markdown(text, labels)}
                yield list(chat), convo, panel, ""
                shown = time.monotonic()
        chat.pop()  # the verified answer takes the draft's place
        if "error" in outcome:
            raise outcome["error"]
        return outcome["answer"]

    def upload(self, files: list | None, language: str, progress=gr.Progress(track_tqdm=True),
               request: gr.Request = None) -> str:
        """Ingest the uploaded files; the report says what was added or skipped, and why."""
        labels = self.labels(language)
        paths = [_file_path(f) for f in files or []]
        paths = [p for p in paths if p]
        if not paths:
            return message_html("info", labels("upload_none"))
        try:
            progress(0.05, desc=labels("upload_progress", n=len(paths)))
            report = self._writer(request).ingest(paths)
            progress(1.0)
        except Exception:
            log.exception("ingesting %d uploaded files failed", len(paths))
            return message_html("error", labels("error_upload"))
        finally:
            _remove_uploaded_copies(paths)
        return report_html(report, labels)

    def _reader(self, request):
        return self.sessions.reader(request) if self.sessions is not None else self.assistant

    def _writer(self, request):
        return self.sessions.writer(request) if self.sessions is not None else self.assistant

    def intro(self, t: Labels) -> str:
        """The page's header: it says every sentence is official only while no user file can be quoted."""
        return f"# {t('title')}\n\n{t('intro_user' if self._user_files() else 'intro')}"

    def footer(self, t: Labels) -> str:
        return f"<small>{html.escape(t('disclaimer_user' if self._user_files() else 'disclaimer'))}</small>"

    def header_and_footer(self, language: str) -> tuple[str, str]:
        t = self.labels(language)
        return self.intro(t), self.footer(t)

    def _user_files(self) -> bool:
        try:
            return bool(self.assistant.user_documents())
        except Exception:  # the header must render whatever the index's state
            log.exception("listing the user's documents failed")
            return True

    def api_ask(self, question: str, language: str | None = None, history: list[str] | None = None) -> dict:
        """The `/ask` endpoint: the answer as JSON (Answer.to_dict)."""
        language = (language or "").strip().lower() or None
        if language is not None and language not in LANGUAGES:
            raise gr.Error(f"language must be one of {', '.join(LANGUAGES)} or empty")
        try:
            return self.assistant.ask(question or "", language, history=list(history or [])).to_dict()
        except Exception as exc:
            log.exception("API answer failed for %r", question)
            raise gr.Error("the question could not be answered; see the server log") from exc

    def new_conversation(self, language: str) -> tuple[list, Conversation, str]:
        return [], Conversation(), sources_html(Conversation(), self.labels(language))

    def relabel(self, language: str, convo: Conversation | None) -> tuple:
        """Interface strings in the chosen language, in the order of `relabelled` in build_app."""
        t = self.labels(language)
        return (
            self.intro(t),
            gr.update(label=t("language")),
            gr.update(label=t("chat_label"), placeholder=t("chat_placeholder")),
            gr.update(label=t("question_label"), placeholder=t("question_placeholder")),
            gr.update(value=t("send")),
            gr.update(value=t("clear")),
            gr.update(label=t("examples")),
            f"### {t('sources_title')}",
            sources_html(convo or Conversation(), t),
            gr.update(label=t("upload_title")),
            t("upload_hint"),
            gr.update(label=t("upload_files")),
            gr.update(value=t("upload_button")),
            self.footer(t),
            gr.update(label=t("tab_chat")),
        )

    def initial_language(self, request: gr.Request | None = None) -> str:
        headers = getattr(request, "headers", None) or {}
        return language_from_header(headers.get("accept-language"))


def _remove_uploaded_copies(paths: list[str]) -> None:
    """Delete Gradio's temporary copies of the uploads: the index keeps its own private copy of
    each accepted file, and the temporary folder is served by Gradio to whoever knows the path."""
    import tempfile

    upload_dir = Path(os.environ.get("GRADIO_TEMP_DIR") or Path(tempfile.gettempdir()) / "gradio").resolve()
    for raw in paths:
        path = Path(raw).resolve()
        if upload_dir in path.parents:
            path.unlink(missing_ok=True)
            try:
                path.parent.rmdir()  # Gradio puts each upload in a folder of its own
            except OSError:
                pass


def _file_path(item) -> str | None:
    """Gradio hands files over as paths or as objects with a .name, depending on the version."""
    if isinstance(item, (str, Path)):
        return str(item)
    return getattr(item, "path", None) or getattr(item, "name", None)
