"""`assistant fetch` against a local HTTP server: no request leaves 127.0.0.1.

The server serves pages and PDFs generated here, plus the failures a real crawl meets: a 404, a
server slower than the timeout, an image where a page was expected, a body that is not what its
type claims.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from assistant.cli import main
from assistant.load.fetch import FetchError, as_utf8_html, document_suffix, download, fetch_sources, select_targets
from assistant.load.readers import corpus_files
from assistant.settings import Settings
from assistant.types import Source

pytestmark = pytest.mark.slow

FIRST_DAY = dt.date(2031, 5, 17)
NEXT_DAY = dt.date(2031, 6, 1)
TIMEOUT = 0.5  # seconds: the slow route answers far later

# ---------------------------------------------------------------- local server


@dataclass
class Route:
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    delay: float = 0.0  # seconds before answering
    location: str = ""  # for redirects


class Site:
    """A local web server whose pages a test can change between two fetches."""

    def __init__(self):
        self.routes: dict[str, Route] = {}
        self.requests: list[str] = []
        self.user_agents: list[str] = []
        self.release = threading.Event()  # ends slow answers when the test is over
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                site.requests.append(self.path)
                site.user_agents.append(self.headers.get("User-Agent", ""))
                route = site.routes.get(self.path)
                if route is None:
                    self.send_error(404, "Not Found")
                    return
                if route.delay:
                    site.release.wait(route.delay)
                self.send_response(route.status)
                self.send_header("Content-Type", route.content_type)
                self.send_header("Content-Length", str(len(route.body)))
                if route.location:
                    self.send_header("Location", route.location)
                self.end_headers()
                self.wfile.write(route.body)

            def log_message(self, *args):  # keep pytest output clean
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        # The client hangs up on the slow route before it answers: not an error worth printing.
        self.server.handle_error = lambda request, address: None
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def close(self):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


def pilot_page(fee: str = "4321", extra_nav: str = "") -> bytes:
    """An official-looking page: the content sits between a header, a navigation menu, a cookie
    banner and a footer, whose words (Quokka, Wombat, Numbat) must never reach the index."""
    return f"""<!doctype html>
<html lang="en"><head><title>Fictivia remote rehabilitation pilot</title>
<script>var build = "{extra_nav}";</script></head>
<body>
<header><p>Site header with the Platypus logo</p></header>
<nav><ul><li><a href="/">Home</a></li><li><a href="/q">Quokka services menu</a> {extra_nav}</li></ul></nav>
<div id="cookie-banner" class="cookie-consent"><p>We use cookies to measure the Wombat audience of this site.</p>
<button>Accept all cookies</button></div>
<main>
<h1>Fictivia remote rehabilitation pilot</h1>
<h2>Who receives the grant</h2>
<p>The Fictivia remote rehabilitation pilot pays hospitals a flat fee of {fee} euros per patient followed at home for twelve weeks.</p>
<h2>How to apply</h2>
<p>Hospitals send the Fictivia application form to the insurance committee before 30 June 2031.</p>
</main>
<footer><p>Copyright Numbat 2031, all rights reserved, contact the webmaster.</p></footer>
</body></html>""".encode()


def pilot_page_fr() -> bytes:
    return """<!doctype html>
<html lang="fr"><head><title>Projet pilote Fictivia de revalidation à distance</title></head>
<body><nav><p>Menu Quokka</p></nav><main>
<h1>Projet pilote Fictivia de revalidation à distance</h1>
<h2>Qui reçoit le subside</h2>
<p>Le projet pilote Fictivia de revalidation à distance verse aux hôpitaux un forfait de 4321 euros par patient suivi à domicile pendant douze semaines.</p>
</main></body></html>""".encode()


def convention_pdf() -> bytes:
    """Three pages; the fact asked about is on page 2 only."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("Helvetica", size=12)
    pages = [
        "Quillwort telemonitoring convention. This document sets out the general framework agreed "
        "between the insurance committee and the participating hospitals.",
        "The Quillwort convention reimburses 87 euros per month of telemonitoring for each enrolled "
        "patient with chronic heart failure.",
        "Annex: list of definitions used in the Quillwort convention and the contact points of the "
        "insurance committee.",
    ]
    for text in pages:
        pdf.add_page()
        pdf.multi_cell(0, 8, text)
    return bytes(pdf.output())


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch):
    # A proxy configured on the machine must not see (or break) requests to the local server.
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def site():
    site = Site()
    site.routes.update({
        "/pilot.en": Route(pilot_page()),
        "/pilot.fr": Route(pilot_page_fr()),
        "/convention.pdf": Route(convention_pdf(), "application/pdf"),
        "/slow": Route(pilot_page(), delay=10),
        "/logo.png": Route(PNG, "image/png"),
    })
    yield site
    site.close()


def source(id_, type_, urls, topic, secondary=False) -> Source:
    return Source(id=id_, publisher="INAMI/RIZIV", title=id_.replace("-", " ").capitalize(), type=type_,
                  urls=urls, topics=(topic,), secondary=secondary)


def manifest_for(site: Site, without: tuple[str, ...] = ()) -> dict[str, Source]:
    sources = [
        source("fictivia-pilot", "html", {"en": site.url("/pilot.en"), "fr": site.url("/pilot.fr")}, "fictivia"),
        source("quillwort-convention", "pdf", {"en": site.url("/convention.pdf")}, "quillwort"),
        source("missing-page", "html", {"en": site.url("/missing")}, "fictivia"),
        source("slow-page", "html", {"en": site.url("/slow")}, "fictivia"),
        source("logo-instead", "html", {"en": site.url("/logo.png")}, "fictivia"),
    ]
    return {s.id: s for s in sources if s.id not in without}


@pytest.fixture
def assistant(fresh_assistant, tmp_path):
    """An assistant over a private index copy, with its own fetch cache and a short timeout."""
    fresh_assistant.settings = fresh_assistant.settings.with_(cache_dir=tmp_path / "cache", fetch_timeout=TIMEOUT)
    return fresh_assistant


def fetch(assistant, site, today=FIRST_DAY, **kwargs):
    kwargs.setdefault("manifest", manifest_for(site))
    return fetch_sources(assistant.index, assistant.settings, lock=assistant._lock, today=today, **kwargs)


def statuses(report) -> dict[str, str]:
    return {o.doc_id: o.status for o in report.outcomes}


def doc_text(assistant, doc_id: str) -> str:
    gen = assistant.index.load()
    entry = gen.docs[doc_id]
    return "\n".join(c.text for c in gen.chunks[entry.first:entry.first + entry.count])


def checked_of(assistant, doc_id: str) -> set[str]:
    gen = assistant.index.load()
    entry = gen.docs[doc_id]
    return {c.checked for c in gen.chunks[entry.first:entry.first + entry.count]}


GOOD = {"fetched:fictivia-pilot.en", "fetched:fictivia-pilot.fr", "fetched:quillwort-convention.en"}

# ---------------------------------------------------------------- first fetch


def test_first_fetch_reports_changed_and_failures_with_reasons(assistant, site):
    report = fetch(assistant, site)

    assert statuses(report) == {
        "fetched:fictivia-pilot.en": "changed", "fetched:fictivia-pilot.fr": "changed",
        "fetched:quillwort-convention.en": "changed",
        "fetched:missing-page.en": "failed", "fetched:slow-page.en": "failed", "fetched:logo-instead.en": "failed",
    }
    reasons = {o.source_id: o.reason for o in report.failed}
    assert reasons["missing-page"].startswith("HTTP 404")
    assert "timed out" in reasons["slow-page"]
    assert "image/png" in reasons["logo-instead"]
    assert all(o.reason == "first fetch" and o.chunks > 0 for o in report.changed)
    assert report.embedded_chunks == sum(o.chunks for o in report.changed)
    # Failures never reach the index; the successes sit beside the notes, which are all still there.
    docs = assistant.index.load().docs
    assert GOOD <= set(docs) and not {"fetched:missing-page.en", "fetched:slow-page.en"} & set(docs)
    assert all(docs[i].kind == "fetched" for i in GOOD)
    assert sum(1 for e in docs.values() if e.kind == "note") == len(corpus_files(Settings().corpus_dir))
    assert "3 changed, 0 unchanged, 0 removed, 3 failed" in report.summary()


def test_cache_records_url_time_hash_status_and_type(assistant, site):
    fetch(assistant, site)

    cache = assistant.settings.cache_dir
    records = json.loads((cache / "manifest.json").read_text(encoding="utf-8"))["documents"]
    record = records["fetched:quillwort-convention.en"]
    body = site.routes["/convention.pdf"].body
    assert record["url"] == site.url("/convention.pdf")
    assert record["sha256"] == hashlib.sha256(body).hexdigest()
    assert record["http_status"] == 200 and record["content_type"] == "application/pdf"
    assert dt.datetime.fromisoformat(record["retrieved_at"]).tzinfo is not None
    assert (cache / record["file"]).read_bytes() == body  # the raw bytes, kept outside git
    failed = records["fetched:missing-page.en"]["last_attempt"]
    assert failed["ok"] is False and failed["http_status"] == 404


def test_fetched_page_is_indexed_without_navigation_or_cookie_banner(assistant, site):
    fetch(assistant, site)

    text = doc_text(assistant, "fetched:fictivia-pilot.en")
    assert "flat fee of 4321 euros per patient" in text
    assert "application form to the insurance committee" in text
    for boilerplate in ("Quokka", "Wombat", "cookies", "Numbat", "Platypus"):
        assert boilerplate not in text
    hits = assistant.search("Fictivia remote rehabilitation pilot fee per patient", language="en", k=3)
    top = hits[0].chunk
    assert top.kind == "fetched" and top.doc_id == "fetched:fictivia-pilot.en"
    assert top.url == site.url("/pilot.en") and top.language == "en" and top.topic == "fictivia"
    assert top.locator == "§ Who receives the grant"


def test_fetched_pdf_keeps_page_numbers(assistant, site):
    fetch(assistant, site)

    hits = assistant.search("How much does the Quillwort convention reimburse per month?", language="en", k=3)
    top = hits[0].chunk
    assert top.doc_id == "fetched:quillwort-convention.en" and top.kind == "fetched"
    assert "87 euros per month" in top.text
    assert top.locator == "p. 2"


def test_answer_cites_the_fetch_date(assistant, site):
    """Issue 3 item 4: each source of an answer says when it was last checked or fetched."""
    fetch(assistant, site)

    answer = assistant.ask("How much does the Fictivia remote rehabilitation pilot pay per patient?", language="en")
    assert not answer.abstained
    cited = [c for c in answer.citations if c.source_id == "fetched:fictivia-pilot.en"]
    assert cited, answer.text
    citation = cited[0]
    assert citation.checked == FIRST_DAY.isoformat() and citation.url == site.url("/pilot.en")
    source_line = next(line for line in answer.text.splitlines() if line.startswith(f"[{citation.n}] "))
    assert site.url("/pilot.en") in source_line
    assert source_line.endswith(f"checked on {FIRST_DAY.isoformat()}")


# ---------------------------------------------------------------- re-running


def test_rerun_reports_unchanged_and_embeds_nothing(assistant, site):
    fetch(assistant, site)
    generation = assistant.index.load().name

    report = fetch(assistant, site, today=NEXT_DAY)

    assert {i: s for i, s in statuses(report).items() if i in GOOD} == dict.fromkeys(GOOD, "unchanged")
    assert len(report.failed) == 3
    assert assistant.index.last_embedded_chunks == 0 and report.embedded_chunks == 0
    assert assistant.index.load().name == generation  # no new generation was even written
    # Unchanged content keeps the date it was fetched: the index is not rewritten for a date.
    assert checked_of(assistant, "fetched:fictivia-pilot.en") == {FIRST_DAY.isoformat()}


def test_new_bytes_with_the_same_text_are_unchanged(assistant, site):
    """Pages differ between two downloads in scripts and menus; only the text read counts."""
    fetch(assistant, site)
    site.routes["/pilot.en"] = Route(pilot_page(extra_nav="build 2031-06-01 session 8f3a"))

    report = fetch(assistant, site, today=NEXT_DAY)

    assert statuses(report)["fetched:fictivia-pilot.en"] == "unchanged"
    assert report.embedded_chunks == 0
    record = json.loads((assistant.settings.cache_dir / "manifest.json").read_text())["documents"]
    # The cache holds the latest bytes, though the indexed text did not change.
    assert record["fetched:fictivia-pilot.en"]["sha256"] == hashlib.sha256(site.routes["/pilot.en"].body).hexdigest()


def test_changed_page_is_the_only_one_embedded_again(assistant, site):
    fetch(assistant, site)
    site.routes["/pilot.en"] = Route(pilot_page(fee="5555"))

    report = fetch(assistant, site, today=NEXT_DAY)

    changed = report.changed
    assert [o.doc_id for o in changed] == ["fetched:fictivia-pilot.en"]
    assert changed[0].reason == f"content changed since {FIRST_DAY.isoformat()}"
    assert {o.doc_id for o in report.unchanged} == GOOD - {"fetched:fictivia-pilot.en"}
    assert assistant.index.last_embedded_chunks == changed[0].chunks == report.embedded_chunks
    text = doc_text(assistant, "fetched:fictivia-pilot.en")
    assert "5555 euros" in text and "4321 euros" not in text
    assert checked_of(assistant, "fetched:fictivia-pilot.en") == {NEXT_DAY.isoformat()}
    assert checked_of(assistant, "fetched:fictivia-pilot.fr") == {FIRST_DAY.isoformat()}


def test_source_gone_from_the_manifest_is_removed(assistant, site):
    fetch(assistant, site)
    cached = assistant.settings.cache_dir / "quillwort-convention.en.pdf"
    assert cached.exists()

    report = fetch(assistant, site, manifest=manifest_for(site, without=("quillwort-convention",)))

    assert [(o.doc_id, o.status) for o in report.removed] == [("fetched:quillwort-convention.en", "removed")]
    assert report.removed[0].reason == "no longer in the manifest"
    docs = assistant.index.load().docs
    assert "fetched:quillwort-convention.en" not in docs and "fetched:fictivia-pilot.en" in docs
    assert not cached.exists()
    assert report.embedded_chunks == 0  # removing re-embeds nothing


@pytest.mark.parametrize("broken", [
    Route(b"", status=500),
    Route(pilot_page(), delay=10),
    Route(PNG, "image/png"),
], ids=["server-error", "timeout", "unexpected-type"])
def test_failure_keeps_the_previous_version_indexed(assistant, site, broken):
    fetch(assistant, site)
    before = doc_text(assistant, "fetched:fictivia-pilot.en")
    site.routes["/pilot.en"] = broken

    report = fetch(assistant, site, today=NEXT_DAY)

    outcome = next(o for o in report.outcomes if o.doc_id == "fetched:fictivia-pilot.en")
    assert outcome.status == "failed"
    assert outcome.reason.endswith(f"the version fetched on {FIRST_DAY.isoformat()} stays indexed")
    assert doc_text(assistant, "fetched:fictivia-pilot.en") == before
    assert (assistant.settings.cache_dir / "fictivia-pilot.en.html").read_bytes() == pilot_page()
    hits = assistant.search("Fictivia remote rehabilitation pilot fee per patient", language="en", k=1)
    assert hits[0].chunk.doc_id == "fetched:fictivia-pilot.en"


def test_index_failure_changes_neither_index_nor_cache(assistant, site, monkeypatch):
    fetch(assistant, site)
    generation = assistant.index.load().name
    site.routes["/pilot.en"] = Route(pilot_page(fee="5555"))

    def broken_update(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(assistant.index, "update", broken_update)
    report = fetch(assistant, site, today=NEXT_DAY)

    outcome = next(o for o in report.outcomes if o.doc_id == "fetched:fictivia-pilot.en")
    assert outcome.status == "failed" and outcome.reason.startswith("indexing failed (OSError: disk full)")
    assert assistant.index.load().name == generation
    assert "4321 euros" in doc_text(assistant, "fetched:fictivia-pilot.en")
    # The cache still holds the indexed version, so the next run sees the change again.
    assert (assistant.settings.cache_dir / "fictivia-pilot.en.html").read_bytes() == pilot_page()


def test_only_fetches_the_named_sources_and_keeps_the_others(assistant, site):
    fetch(assistant, site)
    site.requests.clear()

    report = fetch(assistant, site, only=["quillwort-convention"])

    assert statuses(report) == {"fetched:quillwort-convention.en": "unchanged"}
    assert site.requests == ["/convention.pdf"]
    assert GOOD <= set(assistant.index.load().docs)  # sources not fetched this time are kept


def test_cli_fetch_reads_a_manifest_file(assistant, site, tmp_path, monkeypatch, capsys):
    manifest = tmp_path / "sources.toml"
    manifest.write_text(f"""
[[source]]
id = "quillwort-convention"
publisher = "INAMI/RIZIV"
title = "Quillwort telemonitoring convention"
type = "pdf"
topics = ["quillwort"]
secondary = false
[source.url]
en = "{site.url('/convention.pdf')}"

[[source]]
id = "missing-page"
publisher = "INAMI/RIZIV"
title = "Missing"
type = "html"
topics = ["quillwort"]
[source.url]
nl = "{site.url('/missing')}"
""", encoding="utf-8")
    monkeypatch.setenv("ASSISTANT_CACHE_DIR", str(tmp_path / "cli-cache"))
    monkeypatch.setenv("ASSISTANT_SHOW_PROGRESS", "0")
    index_dir = str(assistant.settings.index_dir)

    code = main(["fetch", "--index-dir", index_dir, "--manifest", str(manifest), "--timeout", "2", "--json"])

    assert code == 1  # one source failed
    data = json.loads(capsys.readouterr().out)
    assert data["counts"] == {"changed": 1, "unchanged": 0, "removed": 0, "failed": 1}
    assert (tmp_path / "cli-cache" / "quillwort-convention.en.pdf").exists()
    assert main(["fetch", "--index-dir", index_dir, "--manifest", str(manifest), "--only", "nope"]) == 2
    assert "unknown source id(s): nope" in capsys.readouterr().err


# ---------------------------------------------------------------- single downloads (no index)


@pytest.mark.parametrize("route, expected", [
    (Route(b"\x00\x01binary", "application/octet-stream"), "application/octet-stream and the body is not a PDF"),
    (Route(b"not a pdf at all", "application/pdf"), None),  # passes the type check; fails when read
    (Route(b"<html><body><p>Login</p></body></html>"), "expected pdf, got text/html"),
    (Route(PNG, "image/png"), "unexpected content type image/png"),
])
def test_bodies_that_are_not_what_the_source_expects(site, route, expected):
    site.routes["/doc"] = route
    got = download(site.url("/doc"), TIMEOUT)
    if expected is None:
        assert document_suffix(got.content_type, got.body, "pdf") == ".pdf"
        return
    with pytest.raises(FetchError, match=re.escape(expected)):
        document_suffix(got.content_type, got.body, "pdf")


def test_unreadable_pdf_body_is_a_failure(assistant, site):
    site.routes["/convention.pdf"] = Route(b"%PDF-1.7 truncated garbage", "application/pdf")

    report = fetch(assistant, site, only=["quillwort-convention"])

    assert report.failed[0].reason.startswith("unreadable body: the PDF")
    assert "fetched:quillwort-convention.en" not in assistant.index.load().docs


def test_redirects_are_followed(site):
    site.routes["/old"] = Route(b"", status=301, location="/pilot.en")
    got = download(site.url("/old"), TIMEOUT)
    assert got.url == site.url("/pilot.en") and got.body == pilot_page()


@pytest.mark.parametrize("location", ["ftp://127.0.0.1/x", "file:///etc/passwd"])
def test_redirect_off_the_web_is_refused(site, location):
    site.routes["/sneaky"] = Route(b"", status=302, location=location)
    with pytest.raises(FetchError, match="(?i)redirect"):
        download(site.url("/sneaky"), TIMEOUT)


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://127.0.0.1/x", "http:///nohost"])
def test_only_http_urls_are_fetched(url):
    with pytest.raises(FetchError, match="not an http"):
        download(url, TIMEOUT)


def test_size_limit(site):
    site.routes["/big"] = Route(b"x" * 5000)
    with pytest.raises(FetchError, match="larger than"):
        download(site.url("/big"), TIMEOUT, max_bytes=1000)


def test_connection_refused_is_a_failure(site):
    url = site.url("/pilot.en")
    site.close()
    with pytest.raises(FetchError, match="connection failed"):
        download(url, TIMEOUT)


def test_user_agent_names_the_assistant(site):
    download(site.url("/pilot.en"), TIMEOUT)
    assert site.user_agents[-1].startswith("belgian-health-reimbursement-assistant/")


def test_declared_latin1_page_is_read_as_latin1():
    body = "<html><body><p>Bénéficiaires de l'intervention</p></body></html>".encode("latin-1")
    converted = as_utf8_html(body, "text/html; charset=ISO-8859-1")
    assert "Bénéficiaires" in converted.decode("utf-8")
    utf8 = "<p>Bénéficiaires</p>".encode()
    assert as_utf8_html(utf8, "text/html; charset=ISO-8859-1") == utf8  # right bytes, wrong header


def test_select_targets_skips_secondary_sources_unless_asked():
    manifest = {
        "official": source("official", "html", {"fr": "https://a.example/fr", "nl": "https://a.example/nl"}, "t"),
        "press": source("press", "html", {"nl": "https://b.example/nl"}, "t", secondary=True),
    }
    assert [t.doc_id for t in select_targets(manifest)] == ["fetched:official.fr", "fetched:official.nl"]
    assert "fetched:press.nl" in [t.doc_id for t in select_targets(manifest, include_secondary=True)]
    with pytest.raises(ValueError, match="unknown source"):
        select_targets(manifest, only=["nope"])
    with pytest.raises(ValueError, match="include-secondary"):
        select_targets(manifest, only=["press"])
