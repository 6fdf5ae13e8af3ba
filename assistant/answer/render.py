"""An answer as Markdown: the direct answer, the points, one short block per further part of the
question, then the numbered sources. The API's `Answer.text` and the web chat use the same
layout; the web page passes its own citation links and escaping."""

from __future__ import annotations

import re
from collections.abc import Callable

from ..prompts import Phrases
from ..types import Answer, Citation, Statement

# Sentences that already say where they come from ("According to Artsenkrant, …").
_ATTRIBUTED = re.compile(r"\b(?:according to|selon|d'après|volgens|aldus|reports?|rapporte|meldt|says|dit|zegt)\b", re.I)


def render_markdown(answer: Answer, phrases: Phrases, *, cite: Callable[[int], str] = lambda n: f"[{n}]",
                    text: Callable[[str], str] = lambda s: s, upto: int | None = None,
                    source_line: Callable[[Citation], str] | None = None) -> str:
    source_line = source_line or (lambda c: plain_source_line(c, phrases))
    if answer.abstained:
        if not answer.closest:
            return text(answer.statements[0].text if answer.statements else answer.text)
        lines = [text(phrases("abstain.message")), "", text(phrases("abstain.closest")), ""]
        lines += [f"- {cite(c.n)} {source_line(c)}" for c in answer.closest]
        return "\n".join(lines + ["", text(phrases("abstain.suggestion"))])

    by_n = {c.n: c for c in answer.citations}
    shown = answer.statements[:upto] if upto is not None else answer.statements

    def line(s: Statement) -> str:
        if s.citation is None:
            return f"*{text(s.text)}*"
        marker = cite(s.citation) + (" ✓" if s.verified else "")  # generated, and checked against it
        citation = by_n.get(s.citation)
        if citation is not None and citation.kind == "secondary" and not _ATTRIBUTED.search(s.text):
            marker += f" *({text(phrases('labels.secondary'))})*"
        elif citation is not None and citation.kind == "user":
            # The user's own file speaks as such, in the answer's language, before its words.
            intro = phrases("labels.according_to_user").format(name=citation.title or citation.source_id)
            return f"*{text(intro)}* {text(s.text)} {marker}"
        return f"{text(s.text)} {marker}"

    lines: list[str] = []
    for number, part in enumerate(answer.parts or [None]):
        mine = [s for s in shown if s.part == number]
        if not mine:
            continue
        if number > 0:
            lines += ["", f"**{text(part.question)}**"] if part is not None else [""]
        head, rest = mine[0], mine[1:]
        lines.append(line(head))
        if rest:
            if number == 0:
                lines += ["", f"**{text(phrases('labels.points'))}**"]
            lines += [f"- {line(s)}" for s in rest]
    if upto is None or upto >= len(answer.statements):
        # Generated answers say what verification removed, and when none could be used.
        if answer.removed and not answer.fallback:
            lines += ["", f"*{text(phrases('llm.removed').format(n=answer.removed))}*"]
        if answer.fallback:
            lines += ["", f"*{text(phrases('llm.fallback'))}*"]
        lines += ["", f"**{text(phrases('labels.sources'))}**"]
        lines += [f"- {cite(c.n)} {source_line(c)}" if cite(c.n) != f"[{c.n}]" else f"[{c.n}] {source_line(c)}"
                  for c in answer.citations]
    return "\n".join(lines)


def plain_source_line(c: Citation, phrases: Phrases) -> str:
    publisher = c.publisher or phrases("labels.your_file")
    if c.kind == "secondary":
        publisher += f" ({phrases('labels.secondary')})"
    parts = [f"[{c.title}]({c.url})" if c.url else c.title, publisher]
    if c.locator:
        parts.append(c.locator)
    parts.append(f"{phrases('labels.checked')} {c.checked}")
    return " — ".join(parts)
