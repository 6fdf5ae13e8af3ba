"""The shared corpus and one workspace searched as one index, without copying the shared one.

A workspace is an `Index` of its own (its own folder, Chroma collection, BM25 and sentence
vectors). Retrieval and the answer step read one `Generation`; `LayeredIndex` hands them a
`LayeredGeneration` that puts the workspace's rows after the shared ones. The shared arrays are
never copied (rows are looked up in whichever layer holds them), so an open workspace costs
what its own documents cost. BM25 scores both layers with document frequencies counted over
both, so a workspace passage and a shared passage with the same words score the same.

This is the one place where the two are merged: `retrieve()` and the answer step do not know
whether they read one index or two.
"""

from __future__ import annotations

import bisect
import math
from collections import Counter
from collections.abc import Iterator, Sequence

import numpy as np

from .generations import Generation, Index
from ..languages import terms
from .lexical import K1, Glossary, LexicalIndex

# Workspaces up to this many passages are searched exactly with numpy; larger ones through
# their Chroma collection.
EXACT_SEARCH_LIMIT = 20_000


class StackedRows:
    """Rows of several arrays read as one array (row i of the second follows the first's last)."""

    def __init__(self, parts: Sequence[np.ndarray]):
        self.parts = [p for p in parts]
        self.starts = [0]
        for part in self.parts:
            self.starts.append(self.starts[-1] + len(part))
        width = next((p.shape[1:] for p in self.parts if p.ndim > 1 and len(p)), self.parts[0].shape[1:])
        self.shape = (self.starts[-1], *width)
        self.size = int(np.prod(self.shape)) if self.shape else 0
        self.dtype = self.parts[0].dtype

    def __len__(self) -> int:
        return self.starts[-1]

    def __getitem__(self, key):
        if isinstance(key, (int, np.integer)):
            layer = bisect.bisect_right(self.starts, int(key)) - 1
            return self.parts[layer][int(key) - self.starts[layer]]
        rows = np.asarray(key, dtype=np.int64)
        if len(rows):
            # The usual case, one passage's sentences: all in one layer, read directly. Only the
            # ends are looked at (a reduction per call was a tenth of a search); a row of another
            # layer in between would index past the end of this one, which numpy refuses, or fall
            # below zero, which the check on `local` catches: both take the general path below.
            first = bisect.bisect_right(self.starts, int(rows[0])) - 1
            if first == bisect.bisect_right(self.starts, int(rows[-1])) - 1:
                local = rows - self.starts[first] if first else rows
                if not first or local.min() >= 0:
                    try:
                        return self.parts[first][local]
                    except IndexError:
                        pass
        out = np.empty((len(rows), *self.shape[1:]), dtype=self.dtype)
        for layer, part in enumerate(self.parts):
            mask = (rows >= self.starts[layer]) & (rows < self.starts[layer + 1])
            if mask.any():
                out[mask] = part[rows[mask] - self.starts[layer]]
        return out


class _StackedList(Sequence):
    def __init__(self, parts: Sequence[Sequence]):
        self.parts = list(parts)
        self.starts = [0]
        for part in self.parts:
            self.starts.append(self.starts[-1] + len(part))

    def __len__(self) -> int:
        return self.starts[-1]

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        layer = bisect.bisect_right(self.starts, i) - 1
        return self.parts[layer][i - self.starts[layer]]

    def __iter__(self) -> Iterator:
        for part in self.parts:
            yield from part


class _RowsById:
    """chunk id → row in the layered generation."""

    def __init__(self, shared: dict[str, int], own: dict[str, int], offset: int):
        self.shared, self.own, self.offset = shared, own, offset

    def __contains__(self, chunk_id) -> bool:
        return chunk_id in self.own or chunk_id in self.shared

    def __getitem__(self, chunk_id: str) -> int:
        row = self.own.get(chunk_id)
        return self.shared[chunk_id] if row is None else row + self.offset

    def get(self, chunk_id: str, default=None):
        return self[chunk_id] if chunk_id in self else default

    def __len__(self) -> int:
        return len(self.shared) + len(self.own)


class _SentencesOf:
    """row → indexes of its sentences in the layered sentence arrays."""

    def __init__(self, shared: dict, own: dict, row_offset: int, sentence_offset: int):
        self.shared, self.own = shared, own
        self.row_offset, self.sentence_offset = row_offset, sentence_offset

    def get(self, row: int, default=None):
        row = int(row)
        if row < self.row_offset:
            return self.shared.get(row, default)
        found = self.own.get(row - self.row_offset)
        return default if found is None else found + self.sentence_offset


class _Vocabulary:
    def __init__(self, *sets: set[str]):
        self.sets = sets

    def __contains__(self, term) -> bool:
        return any(term in s for s in self.sets)


class LayeredLexical:
    """BM25 over several LexicalIndexes as if they were one: idf from the summed counts."""

    def __init__(self, layers: Sequence[LexicalIndex]):
        self.layers = list(layers)
        self.vocabulary = _Vocabulary(*(layer.vocabulary for layer in self.layers))
        self._idf_cache: dict[tuple[str, str], float] = {}  # the layers never change: nor do idfs
        self._sizes: Counter[str] = Counter()
        for layer in self.layers:
            for language, index in layer._indexes.items():
                self._sizes[language] += len(index.rows)

    def _idf(self, term: str, language: str) -> float:
        cached = self._idf_cache.get((term, language))
        if cached is not None:
            return cached
        n = self._sizes.get(language, 0)
        df = sum(len(index.postings[term][0]) for layer in self.layers
                 if (index := layer._indexes.get(language)) is not None and term in index.postings)
        value = self._idf_cache[(term, language)] = math.log(1 + (n - df + 0.5) / (df + 0.5))
        return value

    def idf(self, term: str, language: str) -> float:
        if not self._sizes.get(language):
            return 0.0
        return self._idf(term, language)

    def search(self, question: str, limit: int, synonyms: Glossary | None = None) -> list[tuple[str, float]]:
        if synonyms is not None:
            question = synonyms.expand(question)
        layers, rows, scores = [], [], []
        for language in self._sizes:
            counts = Counter(terms(question, language))
            idf = {t: self._idf(t, language) for t in counts}
            for number, layer in enumerate(self.layers):
                index = layer._indexes.get(language)
                if index is None:
                    continue
                found = np.zeros(len(index.rows), dtype=np.float32)
                for term, qtf in counts.items():
                    posting = index.postings.get(term)
                    if posting is None:
                        continue
                    locs, tfs, _ = posting
                    found[locs] += qtf * idf[term] * tfs * (K1 + 1) / (tfs + index.norm[locs])
                hit = np.nonzero(found)[0]
                layers.append(np.full(len(hit), number))
                rows.append(index.rows[hit])
                scores.append(found[hit])
        if not scores:
            return []
        layer_of, row_of, score = np.concatenate(layers), np.concatenate(rows), np.concatenate(scores)
        order = np.argsort(-score, kind="stable")[:limit]
        return [(self.layers[layer_of[i]].chunk_ids[row_of[i]], float(score[i])) for i in order]

    def languages_of(self, word: str) -> tuple[str, ...]:
        return tuple(sorted({lang for layer in self.layers for lang in layer.languages_of(word)}))

    def known_fraction(self, question: str, language: str) -> float:
        query = terms(question, language)
        if not query:
            return 0.0
        return sum(1 for t in query if t in self.vocabulary) / len(query)


def layered_generation(shared: Generation, own: Generation) -> Generation:
    """One Generation view of both: shared rows first, then the workspace's."""
    rows, sentences = len(shared.chunks), len(shared.sentence_rows)
    own_rows = own.sentence_rows.copy()
    if len(own_rows):
        own_rows[:, 0] += rows
    view = object.__new__(Generation)  # no __post_init__: the lookups below replace its tables
    view.name = f"{shared.name}+{own.name}"
    view.collection = own.collection
    view.embedding_model = shared.embedding_model
    view.built_at = own.built_at
    view.docs = {**shared.docs, **own.docs}
    view.chunks = _StackedList([shared.chunks, own.chunks])
    view.vectors = StackedRows([shared.vectors, own.vectors])
    view.sentence_rows = StackedRows([shared.sentence_rows, own_rows])
    view.sentence_vectors = StackedRows([shared.sentence_vectors, own.sentence_vectors])
    view.lexical = LayeredLexical([shared.lexical, own.lexical])
    view.by_id = _RowsById(shared.by_id, own.by_id, rows)
    view.sentences_of = _SentencesOf(shared.sentences_of, own.sentences_of, rows, sentences)
    view.recipe = shared.recipe
    view.topic_languages = {t: set(v) for t, v in shared.topic_languages.items()}
    for topic, languages in own.topic_languages.items():
        view.topic_languages.setdefault(topic, set()).update(languages)
    return view


class LayeredIndex:
    """What retrieval reads for a workspace: the shared index and the workspace's own."""

    def __init__(self, shared: Index, own: Index):
        self.shared, self.own = shared, own
        self.settings = shared.settings
        self._view: tuple[tuple[str, str], Generation] | None = None

    @property
    def embeddings(self):
        return self.shared.embeddings

    def load(self) -> Generation | None:
        shared, own = self.shared.load(), self.own.load()
        if own is None or not own.chunks:
            return shared
        if shared is None:
            return own
        key = (shared.name, own.name)
        view = self._view
        if view is None or view[0] != key:
            # Built once per pair of generations: a new upload or a new shared corpus.
            view = (key, layered_generation(shared, own))
            self._view = view
        return view[1]

    def dense_search(self, vector: np.ndarray, limit: int) -> list[tuple[str, float]]:
        # Both layers hold vectors of the same model: cosines compare across them.
        found = self.shared.dense_search(vector, limit)
        own = self.own.load()
        if own is not None and own.chunks:
            if len(own.chunks) <= EXACT_SEARCH_LIMIT:
                # A dossier's few hundred passages: an exact product beats a round trip to
                # Chroma (1 ms, a third of the workspace's extra cost) and is never approximate.
                cosines = np.asarray(own.vectors @ vector, dtype=np.float32)
                top = np.argsort(-cosines, kind="stable")[:limit]
                found += [(own.chunks[int(i)].chunk_id, float(cosines[i])) for i in top]
            else:
                found += self.own.dense_search(vector, limit)
        found.sort(key=lambda item: -item[1])
        return found[:limit]
