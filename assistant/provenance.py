"""Which page a quoted passage rests on.

A citation names the source that states the passage: for a bundled note, the manifest entry
its paragraph is tagged with (corpus/sources.toml), in the answer's language when that page
exists in it; for a user's file, the file. Provenance comes from the manifest only, never from
what a document says about itself.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from .load.corpus import load_manifest
from .types import Chunk, Citation, Source

# When the answer's language has no version of a page: the passage's language, then the
# languages Belgian official pages are most often published in.
FALLBACK_LANGUAGES = ("fr", "nl", "en", "de")


@lru_cache(maxsize=4)
def manifest(corpus_dir: Path) -> dict[str, Source]:
    return load_manifest(corpus_dir)


def supporting_sources(chunk: Chunk, corpus_dir: Path) -> list[Source]:
    known = manifest(Path(corpus_dir))
    return [known[i] for i in chunk.sources if i in known]


def source_kind(chunk: Chunk, sources: list[Source]) -> str:
    if chunk.kind == "user":
        return "user"
    if sources and all(s.secondary for s in sources):
        return "secondary"
    return "official"


def page_url(source: Source, *languages: str) -> str:
    for language in (*languages, *FALLBACK_LANGUAGES):
        if language in source.urls:
            return source.urls[language]
    return next(iter(source.urls.values()), "")


def citation_key(chunk: Chunk) -> tuple:
    """Passages with the same supporting source in the same section share one number."""
    if chunk.sources:
        return (chunk.sources, chunk.topic, chunk.section)
    return (chunk.doc_id, chunk.locator)


def cite(n: int, chunk: Chunk, answer_language: str, corpus_dir: Path, quote: str | None = None) -> Citation:
    sources = supporting_sources(chunk, corpus_dir)
    kind = source_kind(chunk, sources)
    if chunk.kind == "user":
        # "Your document <name>", whatever the file says of itself (also for passages indexed
        # before the readers stopped taking a user file's title and URL from it): no publisher,
        # no link, no server path.
        return Citation(n=n, source_id=chunk.doc_id, title=chunk.doc_id, publisher="", url="",
                        locator=chunk.locator, quote=quote if quote is not None else chunk.text,
                        checked=chunk.checked, language=chunk.language, kind="user", note=chunk.doc_id)
    if not sources:
        # A fetched page or an untagged passage: its own document is the source.
        return Citation(n=n, source_id=chunk.doc_id, title=chunk.title,
                        publisher=chunk.publisher, url=chunk.url,
                        locator=chunk.locator, quote=quote if quote is not None else chunk.text,
                        checked=chunk.checked, language=chunk.language, kind=kind, note=chunk.doc_id)
    return cite_sources(n, sources, answer_language, note=chunk.doc_id, locator=chunk.locator,
                        quote=quote if quote is not None else chunk.text, checked=chunk.checked,
                        passage_language=chunk.language)


def cite_sources(n: int, sources: list[Source], answer_language: str, *, note: str, locator: str, quote: str,
                 checked: str, passage_language: str) -> Citation:
    """The citation of a passage of a bundled note, from the manifest entries its paragraph is
    tagged with (answers and the route planner both cite this way)."""
    # An official page before a secondary one when a passage rests on both.
    main = sorted(sources, key=lambda s: s.secondary)[0]
    return Citation(n=n, source_id=main.id, title=main.title, publisher=main.publisher,
                    url=page_url(main, answer_language, passage_language), locator=locator,
                    quote=quote, checked=checked, language=passage_language,
                    kind="secondary" if main.secondary else "official",
                    note=note, also=tuple(s.id for s in sources if s.id != main.id))
