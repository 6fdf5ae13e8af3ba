"""Cut documents into passages along their structure; passage text is a verbatim slice."""

from __future__ import annotations

from .sentences import sentence_spans
from ..types import Block, Chunk, Document

MAX_CHARS = 900
META = ("meta",)


def _locator(block: Block) -> str:
    parts = []
    if block.page is not None:
        parts.append(f"p. {block.page}")
    if block.heading:
        parts.append(f"§ {block.heading}")
    return " — ".join(parts)


def _pieces(doc: Document, block: Block, max_chars: int) -> list[tuple[int, int]]:
    """A block as one span, or as sentence groups when it is longer than max_chars."""
    if block.end - block.start <= max_chars:
        return [(block.start, block.end)]
    pieces, start, end = [], None, None
    for s, e in sentence_spans(doc.text, block.start, block.end):
        if start is not None and e - start > max_chars:
            pieces.append((start, end))
            start = None
        if start is None:
            start = s
        end = e
        while end - start > max_chars * 2:  # one endless "sentence": cut it at a space
            cut = doc.text.rfind(" ", start, start + max_chars)
            cut = cut if cut > start else start + max_chars
            pieces.append((start, cut))
            start = cut + 1
    if start is not None:
        pieces.append((start, end))
    return pieces


def chunk_document(doc: Document, max_chars: int = MAX_CHARS) -> list[Chunk]:
    """Group consecutive blocks of one section (and page) into passages of at most max_chars."""
    groups: list[tuple[int, int, Block, int]] = []
    current: list = []  # [start, end, first_block, section]
    section = 0
    for block in doc.blocks:
        if block.sources == META:
            continue  # commentary about the sources, never quoted
        if block.is_heading:
            section += 1
            if current:
                groups.append(tuple(current))
                current = []
            continue
        for start, end in _pieces(doc, block, max_chars):
            # A passage never mixes sources: its citation must link to the page that states it.
            same_place = (current and current[2].heading == block.heading and current[2].page == block.page
                          and current[2].sources == block.sources)
            if same_place and end - current[0] <= max_chars:
                current[1] = end
            else:
                if current:
                    groups.append(tuple(current))
                current = [start, end, block, section]
    if current:
        groups.append(tuple(current))

    return [
        Chunk(
            chunk_id=f"{doc.doc_id}#{i}",
            doc_id=doc.doc_id,
            ordinal=i,
            text=doc.text[start:end],
            title=doc.title,
            publisher=doc.publisher,
            url=doc.url,
            language=doc.language,
            checked=doc.checked,
            locator=_locator(first),
            topic=doc.topic,
            kind=doc.kind,
            start=start,
            end=end,
            section=section,
            sources=first.sources,
        )
        for i, (start, end, first, section) in enumerate(groups)
    ]


def embedding_text(chunk: Chunk) -> str:
    """What the retrievers see: the passage with its title and section, which carry its subject."""
    heading = chunk.locator.split("§ ", 1)[-1] if "§ " in chunk.locator else ""
    return " \n".join(part for part in (chunk.title, heading, chunk.text) if part)
