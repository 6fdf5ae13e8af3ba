"""The bundled knowledge base: the source manifest and the notes that rest on it."""

from __future__ import annotations

import tomllib
from dataclasses import replace
from pathlib import Path

from .readers import corpus_files, read_document
from .types import Document, Source


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


def load_notes(corpus_dir: Path) -> list[Document]:
    """Every note, its link pointing at the first official source in the note's language."""
    manifest = load_manifest(corpus_dir)
    notes = []
    for path in corpus_files(corpus_dir):
        doc = read_document(path, kind="note")
        sources = [manifest[i] for i in note_source_ids(path) if i in manifest]
        official = [s for s in sources if not s.secondary] or sources
        url = next((s.urls[doc.language] for s in official if doc.language in s.urls), None)
        url = url or next((u for s in official for u in s.urls.values()), doc.url)
        notes.append(replace(doc, url=url))
    return notes
