"""Typos in questions, corrected against the words of the bundled notes.

Founders type fast: "notifed body", "reimbursment", "recieve". A misspelt word matches nothing
in BM25, drags the dense vector away and counts as an unknown name. A word the sources never use
that is one edit (insertion, deletion, substitution or swap of neighbours) away from a word they
use often enough is read as that word. Only retrieval and understanding see the correction; the
question shown back to the user is theirs.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Container
from functools import cached_property
from pathlib import Path

import yaml

from ..languages import terms
from ..types import LANGUAGES

# Shorter words are too often real words the sources happen not to use ("suite", "notre"), one
# edit away from words they do use ("site", "note").
MIN_LENGTH = 7
MIN_FREQUENCY = 2  # a correction must be a word the sources use more than once
# Dutch "daarvoor", "hiermee", "waarvan": words of the language the notes may not use, one edit
# from those they do ("daarvoor" is not a typo of "waarvoor").
_PRONOMINAL_ADVERB = re.compile(r"(?:daar|waar|hier|er)(?:voor|mee|na|van|over|op|bij|door|uit|in|aan|om|tegen|"
                                r"toe|onder|achter|naast|tussen|zonder|binnen|buiten|langs|rond|boven)")
_WORD = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*", re.U)


class Speller:
    def __init__(self, texts, everyday=()):
        self.counts = Counter(w for text in texts for w in _WORD.findall(text.lower()))
        # Words founders use that the notes do not ("chances", not "changes"): the example
        # wordings of corpus/asked/. They are never corrected targets, only spared, and only when
        # used at least as often there as the word they would be corrected to (the wordings
        # carry deliberate typos too).
        self.everyday = Counter(w for text in everyday for w in _WORD.findall(text.lower()))
        self.by_key: dict[str, list[str]] = {}
        for word, count in self.counts.items():
            if len(word) < MIN_LENGTH - 1 or count < MIN_FREQUENCY:
                continue
            for key in {word, *_deletes(word)}:
                self.by_key.setdefault(key, []).append(word)

    def suggest(self, word: str, vocabulary: Container[str] = frozenset()) -> str | None:
        lowered = word.lower()
        if (len(lowered) < MIN_LENGTH or lowered in self.counts or self._elsewhere(lowered, vocabulary)
                or _PRONOMINAL_ADVERB.fullmatch(lowered)):
            return None
        options = {c for key in {lowered, *_deletes(lowered)} for c in self.by_key.get(key, ())}
        # An edit at the end is usually an inflection ("thing" → "things"), not a typo.
        options = [c for c in options if _one_edit(lowered, c) and c[:-1] != lowered and lowered[:-1] != c
                   and c[:-1] != lowered[:-1] and c.isalpha() == lowered.isalpha()]
        if not options:
            return None
        best = max(options, key=lambda c: (self.counts[c], c))
        if self.everyday[lowered] >= max(MIN_FREQUENCY, self.everyday[best]):
            return None
        return best if word.islower() else best.capitalize() if word[:1].isupper() else best

    def correct(self, text: str, vocabulary: Container[str] = frozenset()) -> str:
        """`vocabulary`: the stemmed terms of every indexed source. A word whose stem only other
        sources than the notes use (a product name in an upload) is theirs, left as typed; a stem
        the notes share ("notifed" and "notified" both stem to "notif") does not spare a typo."""
        return _WORD.sub(lambda m: self.suggest(m.group(0), vocabulary) or m.group(0), text)

    def _elsewhere(self, word: str, vocabulary: Container[str]) -> bool:
        stems = _stems(word)
        return any(s in vocabulary for s in stems) and not stems & self.stems

    @cached_property
    def stems(self) -> frozenset[str]:
        return frozenset(s for word in self.counts for s in _stems(word))


def _stems(word: str) -> set[str]:
    return {t for language in LANGUAGES for t in terms(word, language)}


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1:] for i in range(len(word))}


def _one_edit(a: str, b: str) -> bool:
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1
                                  and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]])
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:i] + long_[i + 1:] == short for i in range(len(long_)))


_SPELLERS: dict[tuple[str, str], Speller] = {}


def speller_for(generation, corpus_dir: Path | None = None) -> Speller:
    """One speller per index generation, from its notes: the domain's words a founder mistypes
    are theirs, and building it from 10,000 fetched pages took seconds on the first question.
    Words of the other sources are left alone through `correct(..., known=...)`. `corpus_dir`:
    where the example wordings of founders' questions are (corpus/asked/)."""
    key = (generation.name, str(corpus_dir))
    speller = _SPELLERS.get(key)
    if speller is None:
        speller = Speller((chunk.text for chunk in generation.chunks if chunk.kind == "note"),
                          _wordings(corpus_dir) if corpus_dir else ())
        if len(_SPELLERS) > 4:
            _SPELLERS.clear()
        _SPELLERS[key] = speller
    return speller


def _wordings(corpus_dir: Path) -> list[str]:
    out = []
    for path in sorted((Path(corpus_dir) / "asked").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        out += [w for wordings in data.values() for w in (wordings or ()) if isinstance(w, str)]
    return out
