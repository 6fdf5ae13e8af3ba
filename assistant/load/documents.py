"""A user's documents in one index: read and add them, list them, forget one.

The same for a workspace's index and for the shared index of an `Assistant` without workspace.
"""

from __future__ import annotations

import threading
from dataclasses import replace
import unicodedata
from collections.abc import Iterable
from pathlib import Path

from .extraction import Extractor
from ..index import Index
from .readers import ReadError
from ..settings import Settings
from ..types import FileOutcome, IngestReport, StoredDocument
from ..index.workspaces import owned_upload


def ingest_files(index: Index, paths: Iterable[str | Path], lock: threading.Lock, settings: Settings) -> IngestReport:
    """Read and index the user's files into `index`; unreadable files are skipped with the reason.

    Each file is read in a separate process with memory and time limits (assistant/load/extraction.py);
    an accepted file is copied into the index's own storage (for repair) and cited by its name only."""
    report = IngestReport()
    documents = []
    names = set()
    with Extractor.from_settings(settings) as extractor:
        for raw in paths:
            path = Path(raw)
            name = safe_name(path.name)
            try:
                if not path.is_file():
                    raise ReadError("no such file")
                if name in names:
                    raise ReadError("another file of this batch has the same name")
                doc = extractor.read(path, kind="user", display_name=name)
                doc = replace(doc, path=index.originals.add(path))
            except (ReadError, OSError) as exc:
                report.outcomes.append(FileOutcome(name, "skipped", reason=str(exc)))
                continue
            names.add(doc.doc_id)
            documents.append(doc)
    if not documents:
        return report
    try:
        with lock:
            result = index.update(documents)
    except Exception as exc:  # the previous generation stays live: nothing is lost
        for doc in documents:
            report.outcomes.append(FileOutcome(doc.doc_id, "skipped", doc.doc_id,
                                               reason=f"indexing failed ({type(exc).__name__}: {exc})"))
        return report
    gen = index.load()
    for doc in documents:
        status = ("added" if doc.doc_id in result["added"] else
                  "updated" if doc.doc_id in result["updated"] else "unchanged")
        entry = gen.docs.get(doc.doc_id)
        reason = "already indexed with the same content" if status == "unchanged" else ""
        report.outcomes.append(FileOutcome(doc.doc_id, status, doc.doc_id, reason, entry.count if entry else 0))
    return report


def list_documents(index: Index) -> list[StoredDocument]:
    gen = index.load()
    if gen is None:
        return []
    out = []
    for entry in gen.docs.values():
        if entry.kind != "user":
            continue
        first = gen.chunks[entry.first] if entry.count else None
        out.append(StoredDocument(entry.doc_id, first.title if first else entry.doc_id, entry.kind,
                                  first.language if first else "", entry.count, first.checked if first else ""))
    return sorted(out, key=lambda d: d.source_id)


def forget_document(index: Index, document: str, lock: threading.Lock, uploads_root: Path | None = None) -> bool:
    """Remove a user document from `index`; the previous generation, which still holds it, goes
    too. Bundled notes and fetched documents cannot be forgotten this way."""
    gen = index.load()
    entry = gen.docs.get(document) if gen is not None else None
    if entry is None or entry.kind != "user":
        return False
    with lock:
        index.update(remove=[document])
        index.purge_previous()
    if uploads_root is not None and owned_upload(entry.path, uploads_root):
        Path(entry.path).unlink(missing_ok=True)
    return True



def safe_name(name: str) -> str:
    """A file name fit to show and to use as an id: no directories, no control characters."""
    name = Path(name.replace("\\", "/")).name
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C").strip()
    return name or "unnamed"
