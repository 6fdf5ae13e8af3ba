"""Hybrid retrieval: dense (Chroma) and lexical (BM25) candidates merged by reciprocal rank fusion."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from ..index.embeddings import embed_array
from ..index import Generation, Index
from ..index.lexical import Glossary
from ..settings import Settings
from ..types import Hit


SENTENCE_WEIGHT = 0.3


@dataclass(frozen=True)
class Retrieval:
    """What the answer step needs: the ranked passages and the question's vector."""

    hits: list[Hit]
    query_vector: np.ndarray
    generation: Generation
    corpus_dir: Path = Path(".")


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
        found = gen.lexical.search(question, settings.candidates, glossary(settings.corpus_dir))
        lexical_scores = dict(found)
        ranked_lists.append([cid for cid, _ in found])

    fused: dict[str, float] = {}
    for ranked in ranked_lists:
        for rank, chunk_id in enumerate(ranked):
            if chunk_id in gen.by_id:  # a stale id from a store being switched is ignored
                fused[chunk_id] = fused.get(chunk_id, 0.0) + 1.0 / (settings.rrf_k + rank + 1)
    if not fused:
        return Retrieval([], query_vector, gen, Path(settings.corpus_dir))

    ids = list(fused)
    rows = np.fromiter((gen.by_id[i] for i in ids), dtype=np.int64, count=len(ids))
    dense = gen.vectors[rows] @ query_vector if gen.vectors.size else np.zeros(len(ids))
    weight = SENTENCE_WEIGHT if settings.retrieval != "lexical" else 0.0
    best_sentence = _best_sentence_cosines(gen, rows, query_vector) if weight else np.zeros(len(rows))
    top_fused = max(fused.values())
    hits = []
    for chunk_id, row, cosine, sentence in zip(ids, rows, dense, best_sentence):
        chunk = gen.chunks[row]
        # Rank fusion finds the right neighbourhood; the passage's single best-matching sentence
        # tells which section of it answers.
        score = (1 - weight) * fused[chunk_id] / top_fused + weight * float(sentence)
        # A fact that the sources state in several languages is shown in the question's; a
        # passage that exists only in another language is not held back.
        if chunk.language == language or language not in gen.topic_languages.get(chunk.topic, ()):
            score *= 1.0 + settings.language_preference
        hits.append(Hit(chunk, score, float(cosine), lexical_scores.get(chunk_id, 0.0)))
    hits.sort(key=lambda h: (-h.score, h.chunk.chunk_id))
    return Retrieval(one_language_per_section(hits, language)[:limit], query_vector, gen, Path(settings.corpus_dir))


@lru_cache(maxsize=4)
def glossary(corpus_dir: Path) -> Glossary:
    return Glossary.load(Path(corpus_dir) / "glossary.toml")


def _best_sentence_cosines(gen: Generation, rows: np.ndarray, query_vector: np.ndarray) -> np.ndarray:
    best = np.zeros(len(rows), dtype=np.float32)
    if not gen.sentence_vectors.size:
        return best
    for i, row in enumerate(rows):
        idx = gen.sentences_of.get(int(row))
        if idx is not None and len(idx):
            best[i] = float(np.max(gen.sentence_vectors[idx] @ query_vector))
    return best


def one_language_per_section(hits: list[Hit], language: str) -> list[Hit]:
    """Keep one language version of each section: the question's when it was found, else the
    best-ranked one. The versions state the same facts; listing all three wastes the ranking."""
    found: dict[tuple[str, int], set[str]] = {}
    for hit in hits:
        found.setdefault((hit.chunk.topic, hit.chunk.section), set()).add(hit.chunk.language)
    chosen: dict[tuple[str, int], str] = {}
    kept = []
    for hit in hits:
        key = (hit.chunk.topic, hit.chunk.section)
        if key not in chosen:
            chosen[key] = language if language in found[key] else hit.chunk.language
        if hit.chunk.language == chosen[key]:
            kept.append(hit)
    return kept
