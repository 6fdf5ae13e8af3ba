"""The bundled knowledge base: the source manifest and the notes that rest on it."""

from __future__ import annotations

import tomllib
from dataclasses import replace
from pathlib import Path

from .readers import corpus_files, read_document
from ..types import Document, Source


def load_manifest(corpus_dir: Path) -> dict[str, Source]:
    return read_manifest(Path(corpus_dir) / "sources.toml")


def read_manifest(path: Path) -> dict[str, Source]:
    """A manifest file in the format of corpus/sources.toml (`assistant fetch --manifest` reads others)."""
    with open(path, "rb") as handle:
        table = tomllib.load(handle)
    return {
        entry["id"]: Source(
            id=entry["id"], publisher=entry["publisher"], title=entry["title"], type=entry.get("type", "html"),
            urls=dict(entry.get("url", {})), topics=tuple(entry.get("topics", ())),
            secondary=bool(entry.get("secondary", False)),
        )
        for entry in table.get("source", [])
    }


def note_source_ids(path: Path) -> list[str]:
    from .readers import split_front_matter

    meta, _ = split_front_matter(path.read_text(encoding="utf-8"))
    return [s["id"] for s in meta.get("sources", []) if isinstance(s, dict) and "id" in s]


def primary_url(doc: Document, sources: list[Source]) -> str:
    """The page a note's citation links to: an official page of the note's own publisher, in the
    note's language if there is one; an English note on INAMI links to INAMI's French page rather
    than to another agency's English one."""
    official = [s for s in sources if not s.secondary] or sources
    own = [s for s in official if s.publisher == doc.publisher]
    for group in (own, official):
        for language in (doc.language, "fr", "nl", "en", "de"):
            for source in group:
                if language in source.urls:
                    return source.urls[language]
    return doc.url


def load_notes(corpus_dir: Path) -> list[Document]:
    """Every note, its link pointing at its primary official source."""
    manifest = load_manifest(corpus_dir)
    notes = []
    for path in corpus_files(corpus_dir):
        doc = read_document(path, kind="note")
        sources = [manifest[i] for i in note_source_ids(path) if i in manifest]
        notes.append(replace(doc, url=primary_url(doc, sources)))
    return notes
