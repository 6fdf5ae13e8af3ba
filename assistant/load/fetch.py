"""`assistant fetch`: download the manifest's official documents and index them beside the notes.

Each Source of corpus/sources.toml has one URL per language; each (source, language) pair becomes
one Document `fetched:<source-id>.<lang>`. The raw bytes go to settings.cache_dir (outside git),
with a record per document in `<cache_dir>/manifest.json` (URL, retrieval time, sha256 of the
bytes, HTTP status, content type). The text is read by the same readers as any file:
readers.read_html drops navigation, cookie banners and footers; readers.read_pdf keeps page numbers.

A download that fails (HTTP error, timeout, unexpected content type, unreadable body) is reported
and changes nothing: the version fetched before, if any, stays cached and indexed.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import http.client
import json
import os
import re
import shutil
import time
import urllib.error
import urllib.request
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .corpus import load_manifest
from .readers import ReadError, read_document
from ..settings import Settings
from ..types import Document, Source

KIND = "fetched"
ID_PREFIX = "fetched:"
MAX_BYTES = 30 * 1024 * 1024
MAX_WORKERS = 4  # a few parallel downloads; more would be impolite to the publishers' servers
# urllib's timeout bounds each socket operation, not the download: a server trickling bytes would
# never trip it. The whole download gets this many timeouts.
TOTAL_TIME_FACTOR = 6
USER_AGENT = ("belgian-health-reimbursement-assistant/0.1 (assistant fetch: reads official "
              "reimbursement and market-access guidance; Python urllib)")
CACHE_MANIFEST = "manifest.json"

HTML_TYPES = {"text/html", "application/xhtml+xml"}
PDF_TYPES = {"application/pdf", "application/x-pdf"}
# Servers that do not say what they send: the body itself must show it is a PDF.
OPAQUE_TYPES = {"", "application/octet-stream", "binary/octet-stream", "application/download",
                "application/force-download"}
STATUSES = ("changed", "unchanged", "removed", "failed")


class FetchError(Exception):
    """A document that could not be fetched; the message is the reason shown to the user."""

    def __init__(self, reason: str, http_status: int | None = None, content_type: str = ""):
        super().__init__(reason)
        self.http_status = http_status
        self.content_type = content_type


# ---------------------------------------------------------------- report

@dataclass(frozen=True)
class FetchOutcome:
    """What happened to one document (one source in one language)."""

    source_id: str
    language: str
    status: str  # changed | unchanged | removed | failed
    url: str = ""
    doc_id: str = ""
    reason: str = ""
    http_status: int | None = None
    content_type: str = ""
    sha256: str = ""
    checked: str = ""  # date of the version now indexed (fetch date of its content)
    chunks: int = 0

    @property
    def label(self) -> str:
        return f"{self.source_id} ({self.language})" if self.language else self.source_id


@dataclass
class FetchReport:
    outcomes: list[FetchOutcome] = field(default_factory=list)
    embedded_chunks: int = 0  # passages embedded by the index update (the rest were reused)
    cache_dir: str = ""

    def of(self, status: str) -> list[FetchOutcome]:
        return [o for o in self.outcomes if o.status == status]

    @property
    def changed(self) -> list[FetchOutcome]:
        return self.of("changed")

    @property
    def unchanged(self) -> list[FetchOutcome]:
        return self.of("unchanged")

    @property
    def removed(self) -> list[FetchOutcome]:
        return self.of("removed")

    @property
    def failed(self) -> list[FetchOutcome]:
        return self.of("failed")

    def counts(self) -> dict[str, int]:
        return {status: len(self.of(status)) for status in STATUSES}

    def to_dict(self) -> dict[str, Any]:
        return {"outcomes": [asdict(o) for o in self.outcomes], "counts": self.counts(),
                "embedded_chunks": self.embedded_chunks, "cache_dir": self.cache_dir}

    def summary(self) -> str:
        lines = []
        for o in self.outcomes:
            detail = o.reason
            if o.status == "changed":
                detail = f"{o.chunks} passages, {o.reason}"
            lines.append(f"{o.status:9} {o.label}" + (f" — {detail}" if detail else ""))
        counts = ", ".join(f"{n} {status}" for status, n in self.counts().items())
        lines.append(f"{counts}; {self.embedded_chunks} passages embedded")
        return "\n".join(lines)


# ---------------------------------------------------------------- what to fetch

@dataclass(frozen=True)
class Target:
    source: Source
    language: str
    url: str

    @property
    def doc_id(self) -> str:
        return doc_id(self.source.id, self.language)


def doc_id(source_id: str, language: str) -> str:
    return f"{ID_PREFIX}{source_id}.{language}"


def select_targets(manifest: dict[str, Source], include_secondary: bool = False,
                   only: Iterable[str] | None = None) -> list[Target]:
    """Every (source, language) to download, in manifest order."""
    wanted = list(dict.fromkeys(only or ()))
    unknown = [i for i in wanted if i not in manifest]
    if unknown:
        raise ValueError(f"unknown source id(s): {', '.join(unknown)} (see corpus/sources.toml)")
    secondary = [i for i in wanted if manifest[i].secondary]
    if secondary and not include_secondary:
        raise ValueError(f"secondary source(s) {', '.join(secondary)}: add --include-secondary to fetch them")
    sources = [manifest[i] for i in wanted] if wanted else list(manifest.values())
    return [Target(s, lang, url) for s in sources if include_secondary or not s.secondary
            for lang, url in s.urls.items()]


def manifest_doc_ids(manifest: dict[str, Source]) -> set[str]:
    """Every fetched document the manifest still names, fetched this time or not."""
    return {doc_id(s.id, lang) for s in manifest.values() for lang in s.urls}


# ---------------------------------------------------------------- download

@dataclass(frozen=True)
class Download:
    url: str  # after redirects
    http_status: int
    content_type: str
    body: bytes
    retrieved_at: str


class _HttpOnlyRedirects(urllib.request.HTTPRedirectHandler):
    """Follow redirects, but never off the web (urllib would follow one to ftp:)."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        if urlsplit(newurl).scheme not in ("http", "https"):
            raise FetchError(f"redirected to a non-http URL ({newurl})", code)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def download(url: str, timeout: float, max_bytes: int = MAX_BYTES) -> Download:
    """GET one URL; raise FetchError with the reason when it does not give a usable body."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchError(f"not an http(s) URL: {url}")
    request = urllib.request.Request(url, headers={
        "User-Agent": USER_AGENT,
        "Accept": "text/html,application/xhtml+xml,application/pdf;q=0.9,*/*;q=0.1",
    })
    opener = urllib.request.build_opener(_HttpOnlyRedirects())
    try:
        with opener.open(request, timeout=timeout) as response:
            retrieved_at = _now()
            content_type = response.headers.get("Content-Type", "")
            body = _read_limited(response, max_bytes, time.monotonic() + timeout * TOTAL_TIME_FACTOR)
            return Download(response.geturl(), response.status, content_type, body, retrieved_at)
    except FetchError:
        raise
    except urllib.error.HTTPError as exc:
        exc.close()
        raise FetchError(f"HTTP {exc.code} {exc.reason}", exc.code, exc.headers.get("Content-Type", "")) from exc
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, TimeoutError):
            raise FetchError(f"timed out after {timeout:g} s") from exc
        raise FetchError(f"connection failed ({exc.reason})") from exc
    except TimeoutError as exc:
        raise FetchError(f"timed out after {timeout:g} s") from exc
    except (http.client.HTTPException, OSError, ValueError) as exc:
        raise FetchError(f"connection failed ({type(exc).__name__}: {exc})") from exc


def _read_limited(response, max_bytes: int, deadline: float) -> bytes:
    length = response.headers.get("Content-Length", "")
    if length.isdigit() and int(length) > max_bytes:
        raise FetchError(f"the document is larger than {_mb(max_bytes)}", response.status)
    parts, total = [], 0
    while chunk := response.read(64 * 1024):
        total += len(chunk)
        if total > max_bytes:
            raise FetchError(f"the document is larger than {_mb(max_bytes)}", response.status)
        if time.monotonic() > deadline:
            raise FetchError("the download took too long", response.status)
        parts.append(chunk)
    return b"".join(parts)


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):g} MB"


def document_suffix(content_type: str, body: bytes, expected: str) -> str:
    """The reader to use (".html" or ".pdf"), from the declared type and the body itself.

    A PDF link that answers with an HTML page is usually an error or login page: refused, since
    indexing it would cite it as the official document.
    """
    mime = content_type.split(";", 1)[0].strip().lower()
    is_pdf = b"%PDF-" in body[:1024]
    if mime in PDF_TYPES or (mime in OPAQUE_TYPES and is_pdf):
        found = "pdf"
    elif mime in HTML_TYPES or (not mime and re.search(rb"<(!doctype html|html)", body[:2048], re.I)):
        found = "html"
    elif mime in OPAQUE_TYPES:
        raise FetchError(f"unexpected content type {mime or '(none)'} and the body is not a PDF")
    else:
        raise FetchError(f"unexpected content type {mime}")
    if expected in ("html", "pdf") and found != expected:
        raise FetchError(f"expected {expected}, got {mime or found}")
    return "." + found


def as_utf8_html(body: bytes, content_type: str) -> bytes:
    """HTML bytes as UTF-8: the HTML reader decodes UTF-8 only, so a page the server declares in
    another charset (ISO-8859-1, say) is converted, or its accented letters would be lost."""
    match = re.search(r"charset=[\"']?([\w.:-]+)", content_type, re.I)
    if not match or match.group(1).lower().replace("_", "-") in ("utf-8", "utf8"):
        return body
    try:
        body.decode("utf-8")
        return body  # valid UTF-8 despite the header: the bytes are right, the header is not
    except UnicodeDecodeError:
        pass
    try:
        return body.decode(match.group(1), errors="replace").encode("utf-8")
    except LookupError:  # a charset Python does not know
        return body


# ---------------------------------------------------------------- cache

class Cache:
    """Raw downloads under cache_dir and their records in cache_dir/manifest.json.

    New bytes are staged first and take their final place only once the index update succeeded,
    so the cache always holds the version that is indexed.
    """

    def __init__(self, root: Path):
        self.root = Path(root)
        self.staging = self.root / ".staging"
        self.records: dict[str, dict[str, Any]] = {}

    @contextlib.contextmanager
    def locked(self):
        """One fetch at a time per cache: two would overwrite each other's records."""
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / ".lock", "a+") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                self.records = self._load()
                yield self
            finally:
                shutil.rmtree(self.staging, ignore_errors=True)
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _load(self) -> dict[str, dict[str, Any]]:
        try:
            data = json.loads((self.root / CACHE_MANIFEST).read_text(encoding="utf-8"))
        except (FileNotFoundError, json.JSONDecodeError):
            return {}  # a lost or damaged record only costs a re-download
        return data.get("documents", {}) if isinstance(data, dict) else {}

    def file_name(self, target: Target, suffix: str) -> str:
        return re.sub(r"[^A-Za-z0-9._-]", "_", f"{target.source.id}.{target.language}") + suffix

    def stage(self, target: Target, suffix: str, body: bytes) -> Path:
        self.staging.mkdir(parents=True, exist_ok=True)
        path = self.staging / self.file_name(target, suffix)
        path.write_bytes(body)
        return path

    def commit(self, staged: Path, record: dict[str, Any]) -> None:
        previous = self.records.get(record["doc_id"], {}).get("file")
        os.replace(staged, self.root / staged.name)
        if previous and previous != staged.name:  # the document changed format (HTML → PDF)
            (self.root / previous).unlink(missing_ok=True)
        self.records[record["doc_id"]] = record

    def note_failure(self, target: Target, attempt: dict[str, Any]) -> None:
        record = self.records.setdefault(target.doc_id, {
            "doc_id": target.doc_id, "source_id": target.source.id, "language": target.language, "url": target.url})
        record["last_attempt"] = attempt

    def forget(self, doc_id_: str) -> None:
        record = self.records.pop(doc_id_, {})
        if record.get("file"):
            (self.root / record["file"]).unlink(missing_ok=True)

    def save(self) -> None:
        path = self.root / CACHE_MANIFEST
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_text(json.dumps({"documents": self.records}, ensure_ascii=False, indent=1, sort_keys=True),
                       encoding="utf-8")
        os.replace(tmp, path)


# ---------------------------------------------------------------- fetch and index

@dataclass
class _Fresh:
    """A download read into a Document, waiting for the index update."""

    target: Target
    download: Download
    document: Document
    staged: Path
    changed: bool
    reason: str = ""


def fetch_sources(index, settings: Settings, *, manifest: dict[str, Source] | None = None,
                  include_secondary: bool = False, only: Iterable[str] | None = None,
                  timeout: float | None = None, max_bytes: int = MAX_BYTES, lock=None,
                  today: dt.date | None = None) -> FetchReport:
    """Download the manifest's documents into settings.cache_dir and bring the index up to date
    in one update: changed documents re-embedded, unchanged ones reused, documents whose source
    left the manifest removed, failed ones left as they were.

    `manifest` replaces corpus/sources.toml (tests point it at a local server); `lock` guards the
    index update (the Assistant's lock); `today` is the fetch date given to new content.
    """
    manifest = load_manifest(settings.corpus_dir) if manifest is None else manifest
    targets = select_targets(manifest, include_secondary, only)
    timeout = settings.fetch_timeout if timeout is None else float(timeout)
    fetch_date = (today or dt.date.today()).isoformat()
    report = FetchReport(cache_dir=str(settings.cache_dir))
    with Cache(settings.cache_dir).locked() as cache:
        generation = index.load()
        outcomes, fresh = _download_and_read(targets, generation, cache, fetch_date, timeout, max_bytes,
                                             settings.show_progress)
        removed = _removed(generation, manifest)
        try:
            with lock or contextlib.nullcontext():
                index.update([f.document for f in fresh if f.changed], remove=removed)
        except Exception as exc:  # the previous generation stays live; the cache is left untouched
            reason = f"indexing failed ({type(exc).__name__}: {exc})"
            outcomes.update({f.target.doc_id: _failed(f.target, FetchError(reason), generation) for f in fresh})
            report.outcomes = [outcomes[t.doc_id] for t in targets]
            report.outcomes += [replace(_removed_outcome(i), status="failed", reason=reason) for i in removed]
            return report
        report.embedded_chunks = index.last_embedded_chunks
        outcomes.update(_commit(cache, fresh, removed, index.load()))
    report.outcomes = [outcomes[t.doc_id] for t in targets] + [_removed_outcome(i) for i in removed]
    return report


def _download_and_read(targets: list[Target], generation, cache: Cache, fetch_date: str, timeout: float,
                       max_bytes: int, progress: bool) -> tuple[dict[str, FetchOutcome], list[_Fresh]]:
    """Failures (as outcomes) and the documents read, before anything reaches the index."""
    failures: dict[str, FetchOutcome] = {}
    fresh: list[_Fresh] = []
    for target, result in _download_all(targets, timeout, max_bytes, progress):
        try:
            if isinstance(result, FetchError):
                raise result
            fresh.append(_examine(target, result, generation, cache, fetch_date))
        except FetchError as exc:
            failures[target.doc_id] = _failed(target, exc, generation)
            cache.note_failure(target, {"at": _now(), "ok": False, "error": str(exc),
                                        "http_status": exc.http_status, "content_type": exc.content_type})
    return failures, fresh


def _commit(cache: Cache, fresh: list[_Fresh], removed: list[str], generation) -> dict[str, FetchOutcome]:
    """Once the index holds them: the new bytes to their place in the cache, removed ones out."""
    outcomes = {}
    for item in fresh:
        cache.commit(item.staged, _record(item))
        outcomes[item.target.doc_id] = _succeeded(item, generation)
    for doc_id_ in removed:
        cache.forget(doc_id_)
    cache.save()
    return outcomes


def _download_all(targets: list[Target], timeout: float, max_bytes: int, progress: bool):
    """(target, Download or FetchError) as downloads finish, a few in parallel."""
    if not targets:
        return
    bar = None
    if progress and len(targets) > 1:
        from tqdm import tqdm

        bar = tqdm(total=len(targets), desc="Fetching sources", unit="doc")
    with ThreadPoolExecutor(max_workers=min(MAX_WORKERS, len(targets))) as pool:
        futures = {pool.submit(_try_download, t.url, timeout, max_bytes): t for t in targets}
        for future in as_completed(futures):
            if bar is not None:
                bar.update(1)
            yield futures[future], future.result()
    if bar is not None:
        bar.close()


def _try_download(url: str, timeout: float, max_bytes: int) -> Download | FetchError:
    try:
        return download(url, timeout, max_bytes)
    except FetchError as exc:
        return exc
    except Exception as exc:  # one odd server must not stop the other downloads
        return FetchError(f"download failed ({type(exc).__name__}: {exc})")


def _examine(target: Target, result: Download, generation, cache: Cache, fetch_date: str) -> _Fresh:
    """Read a download into a Document and decide whether the index must change.

    The fetch date is part of the content hash, so the new text is first read with the date of
    the indexed version: the same text gives the same hash, and nothing is embedded again.
    """
    suffix = document_suffix(result.content_type, result.body, target.source.type)
    body = as_utf8_html(result.body, result.content_type) if suffix == ".html" else result.body
    staged = cache.stage(target, suffix, body)
    entry = generation.docs.get(target.doc_id) if generation else None
    previous_date = generation.chunks[entry.first].checked if entry and entry.count else None
    try:
        document = read_document(staged, kind=KIND, defaults=_defaults(target, previous_date or fetch_date))
    except ReadError as exc:
        raise FetchError(f"unreadable body: {exc}", result.http_status, result.content_type) from exc
    except Exception as exc:  # a hostile page (absurd nesting, say) fails alone, not the whole fetch
        raise FetchError(f"unreadable body ({type(exc).__name__})", result.http_status, result.content_type) from exc
    document = replace(document, path=str(cache.root / staged.name))
    if entry is not None and document.content_hash == entry.content_hash:
        return _Fresh(target, result, document, staged, changed=False)
    reason = f"content changed since {previous_date}" if previous_date else "first fetch"
    return _Fresh(target, result, replace(document, checked=fetch_date), staged, changed=True, reason=reason)


def _defaults(target: Target, checked: str) -> dict[str, Any]:
    """Metadata a downloaded file does not carry; the topic is the note topic the source supports,
    so that answers keep one language version per topic as they do for notes."""
    source = target.source
    return {"id": target.doc_id, "title": source.title, "publisher": source.publisher, "url": target.url,
            "language": target.language, "checked": checked, "topic": source.topics[0] if source.topics else source.id}


def _removed(generation, manifest: dict[str, Source]) -> list[str]:
    if generation is None:
        return []
    named = manifest_doc_ids(manifest)
    return sorted(e.doc_id for e in generation.docs.values() if e.kind == KIND and e.doc_id not in named)


def _record(item: _Fresh) -> dict[str, Any]:
    d = item.download
    return {
        "doc_id": item.target.doc_id, "source_id": item.target.source.id, "language": item.target.language,
        "url": item.target.url, "final_url": d.url, "retrieved_at": d.retrieved_at, "http_status": d.http_status,
        "content_type": d.content_type, "sha256": _sha256(d.body), "bytes": len(d.body),
        "file": item.staged.name, "checked": item.document.checked,
        "last_attempt": {"at": d.retrieved_at, "ok": True},
    }


def _succeeded(item: _Fresh, generation) -> FetchOutcome:
    entry = generation.docs.get(item.target.doc_id) if generation else None
    d = item.download
    return FetchOutcome(item.target.source.id, item.target.language, "changed" if item.changed else "unchanged",
                        item.target.url, item.target.doc_id, item.reason, d.http_status, d.content_type,
                        _sha256(d.body), item.document.checked, entry.count if entry else 0)


def _failed(target: Target, exc: FetchError, generation) -> FetchOutcome:
    entry = generation.docs.get(target.doc_id) if generation else None
    reason, checked = str(exc), ""
    if entry is not None and entry.count:
        checked = generation.chunks[entry.first].checked
        reason += f"; the version fetched on {checked} stays indexed"
    return FetchOutcome(target.source.id, target.language, "failed", target.url, target.doc_id, reason,
                        exc.http_status, exc.content_type, checked=checked, chunks=entry.count if entry else 0)


def _removed_outcome(doc_id_: str) -> FetchOutcome:
    source_id, _, language = doc_id_[len(ID_PREFIX):].rpartition(".")
    return FetchOutcome(source_id, language, "removed", doc_id=doc_id_, reason="no longer in the manifest")


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
