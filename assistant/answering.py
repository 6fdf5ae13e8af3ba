"""Extractive answers: whole sentences quoted from the retrieved passages, each with its [n].

No sentence is written here except the fixed phrases of prompts/<lang>.toml. The confidence that
decides abstention is computed from the evidence; its threshold is calibrated on the gold set.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .answer_types import answer_types, holds
from .languages import terms, unknown_names
from .prompts import Phrases
from .retrieval import Retrieval
from .types import Answer, Chunk, Citation, Hit, Statement

MIN_SENTENCE_CHARS = 25
NEAR_DUPLICATE = 0.9  # sentence cosine above which two sentences say the same thing
# How much a sentence gains from the rank of its passage: the best passage is usually the
# section that answers, and its sentences beat look-alike sentences elsewhere.
RANK_PRIOR = (1.0, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2)
WEIGHTS = {"cosine": 0.5, "overlap": 0.35, "rank": 0.4, "answer_type": 0.15}
# Each name the sources never mention divides the confidence (a foreign agency, another country).
UNKNOWN_NAME_FACTOR = 0.6
CUTOFF = 0.6  # supporting points score at least this share of the direct answer


@dataclass(frozen=True)
class Candidate:
    chunk: Chunk
    start: int
    end: int
    score: float
    vector: np.ndarray

    @property
    def text(self) -> str:
        return self.chunk.text[self.start:self.end]


def select_evidence(hits: list[Hit], language: str, top_k: int) -> list[Hit]:
    """The best passages, one language per topic: the question's when that topic has it.

    The three language versions of a note state the same facts; quoting more than one would
    repeat them.
    """
    languages_of_topic: dict[str, set[str]] = {}
    for hit in hits:
        languages_of_topic.setdefault(hit.chunk.topic, set()).add(hit.chunk.language)
    chosen_language: dict[str, str] = {}
    evidence = []
    for hit in hits:
        topic = hit.chunk.topic
        if topic not in chosen_language:
            chosen_language[topic] = language if language in languages_of_topic[topic] else hit.chunk.language
        if hit.chunk.language == chosen_language[topic]:
            evidence.append(hit)
        if len(evidence) == top_k:
            break
    return evidence


def confidence(retrieval: Retrieval, evidence: list[Hit], best_sentence: float, question: str,
               language: str) -> float:
    """How well the evidence matches the question, roughly in [0, 1].

    Dense similarity alone rates "reimbursement of apps in Germany" close to the Belgian notes:
    the share of the question's terms the sources know, and the names they never mention
    ("DiGA", "BfArM"), pull such questions down.
    """
    if not evidence:
        return 0.0
    lexical = retrieval.generation.lexical
    top_dense = max(h.dense for h in evidence)
    known = lexical.known_fraction(question, language)
    strangers = len(unknown_names(question, lexical.vocabulary))
    base = 0.45 * top_dense + 0.35 * best_sentence + 0.2 * known
    return float(base * UNKNOWN_NAME_FACTOR ** min(strangers, 2))


def _candidates(retrieval: Retrieval, evidence: list[Hit], question: str, language: str) -> list[Candidate]:
    """Every sentence of the evidence, scored by meaning, shared rare words and passage rank."""
    gen = retrieval.generation
    wanted = answer_types(question)
    query_terms: dict[str, dict[str, float]] = {}  # per passage language: stemmed term -> idf
    out = []
    for rank, hit in enumerate(evidence):
        lang = hit.chunk.language
        if lang not in query_terms:
            query_terms[lang] = {t: gen.lexical.idf(t, lang) for t in terms(question, lang)}
        weights = query_terms[lang]
        total = sum(weights.values())
        row = gen.by_id[hit.chunk.chunk_id]
        idx = gen.sentences_of.get(row, np.zeros(0, dtype=np.int64))
        if not len(idx):
            continue
        cosines = gen.sentence_vectors[idx] @ retrieval.query_vector
        for sentence_index, cosine in zip(idx, cosines):
            _, start, end = (int(x) for x in gen.sentence_rows[sentence_index])
            text = hit.chunk.text[start:end]
            shared = set(terms(text, lang)) & weights.keys()
            overlap = sum(weights[t] for t in shared) / total if total else 0.0
            score = (WEIGHTS["cosine"] * float(cosine) + WEIGHTS["overlap"] * overlap
                     + WEIGHTS["rank"] * RANK_PRIOR[min(rank, len(RANK_PRIOR) - 1)]
                     + (WEIGHTS["answer_type"] if wanted and holds(text, wanted) else 0.0))
            out.append(Candidate(hit.chunk, start, end, score, gen.sentence_vectors[sentence_index]))
    out.sort(key=lambda c: -c.score)
    return out


def compose(question: str, language: str, retrieval: Retrieval, phrases: Phrases, *, top_k: int,
            max_points: int, threshold: float) -> Answer:
    evidence = select_evidence(retrieval.hits, language, top_k)
    candidates = _candidates(retrieval, evidence, question, language)
    best = candidates[0].score if candidates else 0.0
    best_cosine = float(candidates[0].vector @ retrieval.query_vector) if candidates else 0.0
    conf = confidence(retrieval, evidence, best_cosine, question, language)
    if not candidates or conf < threshold:
        return abstain(question, language, evidence or retrieval.hits, phrases, conf)

    chosen: list[Candidate] = [candidates[0]]
    for cand in candidates[1:]:
        if len(chosen) > max_points or cand.score < CUTOFF * best:
            break
        if len(cand.text) < MIN_SENTENCE_CHARS:
            continue
        if any(float(cand.vector @ c.vector) > NEAR_DUPLICATE or _overlaps(cand, c) for c in chosen):
            continue
        chosen.append(cand)
    chosen = _with_announced_lists(_with_paragraph(chosen, candidates), candidates)

    numbers: dict[str, int] = {}
    citations: list[Citation] = []
    statements: list[Statement] = []
    for i, cand in enumerate(chosen):
        if cand.chunk.chunk_id not in numbers:
            numbers[cand.chunk.chunk_id] = len(numbers) + 1
            citations.append(_citation(numbers[cand.chunk.chunk_id], cand.chunk))
        statements.append(Statement(cand.text, numbers[cand.chunk.chunk_id], "direct" if i == 0 else "point"))
    text = render(statements, citations, phrases)
    return Answer(question, language, text, False, citations, statements, conf)


def _with_paragraph(chosen: list[Candidate], candidates: list[Candidate]) -> list[Candidate]:
    """The direct answer with the rest of its paragraph: the sentences around the best one
    usually finish its thought (the agency named, the deadline, the exception)."""
    best = chosen[0]
    text = best.chunk.text
    same = sorted((c for c in candidates if c.chunk.chunk_id == best.chunk.chunk_id), key=lambda c: c.start)
    position = next(i for i, c in enumerate(same) if c.start == best.start)
    first = last = position
    while first > 0 and "\n" not in text[same[first - 1].end:same[first].start]:
        first -= 1
    while last + 1 < len(same) and "\n" not in text[same[last].end:same[last + 1].start]:
        last += 1
    paragraph = same[first:last + 1]
    rest = [c for c in chosen[1:] if not any(_overlaps(c, p) for p in paragraph)]
    return paragraph + rest


def _with_announced_lists(chosen: list[Candidate], candidates: list[Candidate], limit: int = 8) -> list[Candidate]:
    """A sentence that announces a list ("… three kinds of applicants:") is useless without the
    items that follow it in the passage: bring them along."""
    out: list[Candidate] = []
    for cand in chosen:
        if any(_overlaps(cand, c) for c in out):
            continue
        out.append(cand)
        if cand.text.rstrip().endswith(":"):
            followers = sorted((c for c in candidates if c.chunk.chunk_id == cand.chunk.chunk_id and c.start >= cand.end),
                               key=lambda c: c.start)[:limit]
            out.extend(f for f in followers if not any(_overlaps(f, c) for c in out + chosen))
    return out


def _overlaps(a: Candidate, b: Candidate) -> bool:
    return a.chunk.chunk_id == b.chunk.chunk_id and a.start < b.end and b.start < a.end


def _citation(n: int, chunk: Chunk) -> Citation:
    return Citation(n=n, source_id=chunk.doc_id, title=chunk.title, publisher=chunk.publisher, url=chunk.url,
                    locator=chunk.locator, quote=chunk.text, checked=chunk.checked, language=chunk.language)


def abstain(question: str, language: str, hits: list[Hit], phrases: Phrases, conf: float) -> Answer:
    closest, seen = [], set()
    for hit in hits:
        if hit.chunk.doc_id in seen:
            continue
        seen.add(hit.chunk.doc_id)
        closest.append(_citation(len(closest) + 1, hit.chunk))
        if len(closest) == 3:
            break
    lines = [phrases("abstain.message")]
    if closest:
        lines += ["", phrases("abstain.closest")]
        lines += [f"- {_source_line(c, phrases)}" for c in closest]
    lines += ["", phrases("abstain.suggestion")]
    statements = [Statement(phrases("abstain.message"), None, "phrase")]
    return Answer(question, language, "\n".join(lines), True, [], statements, conf, closest)


def render(statements: list[Statement], citations: list[Citation], phrases: Phrases) -> str:
    """Markdown: the direct answer, the supporting points, then the numbered sources."""
    direct, points = statements[0], statements[1:]
    lines = [f"{direct.text} [{direct.citation}]"]
    if points:
        lines += ["", f"**{phrases('labels.points')}**"]
        lines += [f"- {s.text} [{s.citation}]" for s in points]
    lines += ["", f"**{phrases('labels.sources')}**"]
    lines += [f"[{c.n}] {_source_line(c, phrases)}" for c in citations]
    return "\n".join(lines)


def _source_line(c: Citation, phrases: Phrases) -> str:
    publisher = c.publisher or phrases("labels.your_file")
    parts = [f"[{c.title}]({c.url})", publisher]
    if c.locator:
        parts.append(c.locator)
    parts.append(f"{phrases('labels.checked')} {c.checked}")
    return " — ".join(parts)
