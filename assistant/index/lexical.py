"""BM25 over stemmed terms, each passage stemmed in its own language.

A question is stemmed once per language present in the index and scored against the passages of
that language only, so "remboursement" meets "remboursements" in French notes and "terugbetaling"
meets "terugbetalingen" in Dutch ones.
"""

from __future__ import annotations

import json
import math
import re
import tomllib
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np

from ..languages import terms

K1 = 1.2
B = 0.75


class Glossary:
    """Groups of names for one body or notion across languages (corpus/glossary.toml)."""

    def __init__(self, groups: list[list[str]]):
        self.groups = [g for g in groups if len(g) > 1]
        self._patterns = [re.compile("|".join(rf"(?<!\w){re.escape(n)}(?!\w)" for n in sorted(g, key=len, reverse=True)),
                                     re.IGNORECASE) for g in self.groups]

    @classmethod
    def load(cls, path: Path) -> Glossary:
        try:
            with open(path, "rb") as handle:
                return cls(tomllib.load(handle).get("groups", []))
        except FileNotFoundError:
            return cls([])

    def expand(self, question: str) -> str:
        """The question followed by the other names of every group it mentions."""
        extra = [name for group, pattern in zip(self.groups, self._patterns) if pattern.search(question)
                 for name in group]
        return question if not extra else question + " " + " ".join(extra)


class _LanguageIndex:
    def __init__(self, rows: list[int], counts: list[dict[str, int]]):
        self.rows = np.asarray(rows, dtype=np.int64)  # positions in the global chunk list
        lengths = np.asarray([sum(c.values()) for c in counts], dtype=np.float32)
        self.norm = K1 * (1 - B + B * lengths / max(float(lengths.mean()) if len(lengths) else 1.0, 1e-9))
        # Postings built with numpy (a stable sort of term ids) rather than a list per term:
        # opening a 10,000-page index spent 2 s here. Each term's passages stay in order.
        vocab: dict[str, int] = {}
        ids: list[int] = []
        locs: list[int] = []
        tfs: list[int] = []
        for local, count in enumerate(counts):
            ids.extend([vocab.setdefault(term, len(vocab)) for term in count])
            tfs.extend(count.values())
            locs.extend([local] * len(count))
        order = np.argsort(np.asarray(ids, dtype=np.int64), kind="stable")
        sorted_ids = np.asarray(ids, dtype=np.int64)[order]
        all_locs = np.asarray(locs, dtype=np.int64)[order]
        all_tfs = np.asarray(tfs, dtype=np.float32)[order]
        bounds = np.searchsorted(sorted_ids, np.arange(len(vocab) + 1)).tolist()
        n = len(counts)
        self.postings = {}
        for term, i in vocab.items():
            start, end = bounds[i], bounds[i + 1]
            df = end - start
            self.postings[term] = (all_locs[start:end], all_tfs[start:end], math.log(1 + (n - df + 0.5) / (df + 0.5)))

    def score(self, query_terms: list[str]) -> tuple[np.ndarray, np.ndarray]:
        scores = np.zeros(len(self.rows), dtype=np.float32)
        for term, qtf in Counter(query_terms).items():
            posting = self.postings.get(term)
            if posting is None:
                continue
            locs, tfs, idf = posting
            scores[locs] += qtf * idf * tfs * (K1 + 1) / (tfs + self.norm[locs])
        hit = np.nonzero(scores)[0]
        return self.rows[hit], scores[hit]


class LexicalIndex:
    def __init__(self, chunk_ids: list[str], languages: list[str], counts: list[dict[str, int]]):
        self.chunk_ids = chunk_ids
        self.languages = languages
        self.counts = counts
        by_language: dict[str, list[int]] = defaultdict(list)
        for row, language in enumerate(languages):
            by_language[language].append(row)
        self._indexes = {lang: _LanguageIndex(rows, [counts[r] for r in rows]) for lang, rows in by_language.items()}
        self.vocabulary = {term for index in self._indexes.values() for term in index.postings}

    @classmethod
    def build(cls, items: list[tuple[str, str, str]]) -> LexicalIndex:
        """items: (chunk_id, language, text)."""
        return cls([i for i, _, _ in items], [lang for _, lang, _ in items],
                   [dict(Counter(terms(text, lang))) for _, lang, text in items])

    def search(self, question: str, limit: int, synonyms: Glossary | None = None) -> list[tuple[str, float]]:
        if synonyms is not None:
            question = synonyms.expand(question)
        rows_all, scores_all = [], []
        for language, index in self._indexes.items():
            rows, scores = index.score(terms(question, language))
            rows_all.append(rows)
            scores_all.append(scores)
        if not rows_all:
            return []
        rows, scores = np.concatenate(rows_all), np.concatenate(scores_all)
        order = np.argsort(-scores, kind="stable")[:limit]
        return [(self.chunk_ids[rows[i]], float(scores[i])) for i in order]

    def idf(self, term: str, language: str) -> float:
        """Inverse document frequency of a stemmed term among passages of that language
        (the highest value for a term they never use)."""
        index = self._indexes.get(language)
        if index is None:
            return 0.0
        posting = index.postings.get(term)
        if posting is not None:
            return posting[2]
        n = len(index.rows)
        return math.log(1 + (n + 0.5) / 0.5)

    def languages_of(self, word: str) -> tuple[str, ...]:
        """The languages whose passages use the word, stemmed as each language stems it."""
        return tuple(lang for lang, index in self._indexes.items()
                     if any(t in index.postings for t in terms(word, lang)))

    def known_fraction(self, question: str, language: str) -> float:
        """Share of the question's search terms that occur anywhere in the index."""
        query = terms(question, language)
        if not query:
            return 0.0
        return sum(1 for t in query if t in self.vocabulary) / len(query)

    def save(self, path: Path) -> None:
        payload = {"chunk_ids": self.chunk_ids, "languages": self.languages, "counts": self.counts}
        path.write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> LexicalIndex:
        payload = json.loads(path.read_text(encoding="utf-8"))
        return cls(payload["chunk_ids"], payload["languages"], payload["counts"])
