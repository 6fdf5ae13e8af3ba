"""Sentence spans inside a passage, so that answers quote whole sentences verbatim."""

from __future__ import annotations

import re

# Abbreviations after which a full stop does not end a sentence (fr, nl, en).
_ABBREVIATIONS = {
    "art", "arts", "e.g", "i.e", "etc", "p", "pp", "n°", "no", "nr", "cf", "ex", "vs", "dr", "prof",
    "mr", "mrs", "m", "mme", "st", "al", "fig", "resp", "bv", "o.a", "z", "enz", "incl", "min", "max",
    "ca", "approx", "vol", "ed", "eds", "jan", "feb", "febr", "aug", "sept", "oct", "okt", "nov", "dec",
}
_BOUNDARY = re.compile(r"[.!?…]+[\"»”’)\]]*\s+|\n\s*\n|\n(?=\s*(?:[-*+]|\d+[.)])\s)")


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """(start, end) offsets of the sentences of text[start:end], whitespace trimmed."""
    end = len(text) if end is None else end
    spans, cursor = [], start
    for match in _BOUNDARY.finditer(text, start, end):
        before = text[cursor:match.start()]
        last_word = re.split(r"[\s('’]", before.rstrip())[-1].lower().rstrip(".") if before.strip() else ""
        if match.group(0).strip().startswith(".") and (last_word in _ABBREVIATIONS or re.fullmatch(r"\w", last_word)):
            continue
        following = text[match.end():match.end() + 1]
        if following and following.islower() and "\n" not in match.group(0):
            continue  # "art. 9 du RGPD" style continuation
        spans.append(_trim(text, cursor, match.end()))
        cursor = match.end()
    if cursor < end:
        spans.append(_trim(text, cursor, end))
    return [(s, e) for s, e in spans if e > s and any(c.isalnum() for c in text[s:e])]


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    # A list marker belongs to the layout, not to the sentence.
    marker = re.match(r"(?:[-*+]|\d+[.)])\s+", text[start:end])
    if marker:
        start += marker.end()
    return start, end
