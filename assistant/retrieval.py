"""Hybrid retrieval: dense (Chroma) and lexical (BM25) candidates merged by reciprocal rank fusion."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .embeddings import embed_array
from .index import Generation, Index
from .settings import Settings
from .types import Hit


@dataclass(frozen=True)
class Retrieval:
    """What the answer step needs: the ranked passages and the question's vector."""

    hits: list[Hit]
    query_vector: np.ndarray
    generation: Generation


def retrieve(index: Index, question: str, language: str, settings: Settings, limit: int | None = None) -> Retrieval:
    gen = index.load()
    if gen is None:
        raise RuntimeError("the index is empty")
    limit = limit or settings.candidates
    query_vector = embed_array(index.embeddings, [question])[0]

    ranked_lists: list[list[str]] = []
    if settings.retrieval in ("hybrid", "dense"):
        ranked_lists.append([cid for cid, _ in index.dense_search(query_vector, settings.candidates)])
    lexical_scores: dict[str, float] = {}
    if settings.retrieval in ("hybrid", "lexical"):
        found = gen.lexical.search(question, settings.candidates)
        lexical_scores = dict(found)
        ranked_lists.append([cid for cid, _ in found])

    fused: dict[str, float] = {}
    for ranked in ranked_lists:
        for rank, chunk_id in enumerate(ranked):
            if chunk_id in gen.by_id:  # a stale id from a store being switched is ignored
                fused[chunk_id] = fused.get(chunk_id, 0.0) + 1.0 / (settings.rrf_k + rank + 1)
    if not fused:
        return Retrieval([], query_vector, gen)

    ids = list(fused)
    rows = np.fromiter((gen.by_id[i] for i in ids), dtype=np.int64, count=len(ids))
    dense = gen.vectors[rows] @ query_vector if gen.vectors.size else np.zeros(len(ids))
    hits = []
    for chunk_id, row, cosine in zip(ids, rows, dense):
        chunk = gen.chunks[row]
        score = fused[chunk_id]
        # A fact that the sources state in several languages is shown in the question's; a
        # passage that exists only in another language is not held back.
        if chunk.language == language or language not in gen.topic_languages.get(chunk.topic, ()):
            score *= 1.0 + settings.language_preference
        hits.append(Hit(chunk, score, float(cosine), lexical_scores.get(chunk_id, 0.0)))
    hits.sort(key=lambda h: (-h.score, h.chunk.chunk_id))
    return Retrieval(hits[:limit], query_vector, gen)
