"""Extractive answers: each part of the question answered by sentences quoted from the evidence.

understand → retrieve per part → score sentences → pick the direct answer and a few points per
part → say which parts the sources do not answer. No sentence is written here except the fixed
phrases of prompts/<lang>.toml. The confidence that decides abstention is computed from the
evidence; its threshold is calibrated on the gold sets.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

import numpy as np

from ..index import Index
from ..languages import terms, unknown_names
from ..prompts import Phrases
from ..provenance import citation_key, cite, source_kind, supporting_sources
from ..retrieve.hybrid import Retrieval, retrieve
from ..settings import Settings
from ..retrieve.spelling import speller_for
from ..types import Answer, AnswerPart, Chunk, Citation, Hit, Statement
from ..retrieve.hybrid import glossary
from ..retrieve.understanding import INTENT_CUES, Part, Understanding, fold, names_belgian_body, understand
from . import from_plan
from .cues import QUERY_HINTS, TYPED, dangles, holds, refers_back

MIN_SENTENCE_CHARS = 25
NEAR_DUPLICATE = 0.9  # sentence cosine above which two sentences say the same thing
# How much a sentence gains from the rank of its passage: the best passage is usually the
# section that answers, and its sentences beat look-alike sentences elsewhere.
RANK_PRIOR = (1.0, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2)
WEIGHTS = {"cosine": 0.5, "overlap": 0.35, "rank": 0.4, "intent": 0.2}
# Each name the sources never mention divides the confidence (a foreign agency, another country).
UNKNOWN_NAME_FACTOR = 0.6
CUTOFF = 0.6  # supporting points score at least this share of their part's direct answer
# ... or, after the pathway's facts, this share of the best sentence retrieval found for the part
# (realistic key facts 0.751 -> 0.771 at 0.8, median body 717 -> 840 characters; 0.6: 0.774, 856).
AFTER_PATHWAY = 0.8
# A part counts as answered when a sentence is at least this relevant to it (meaning and shared
# rare words, before the rank and intent bonuses).
COVERAGE = 0.12
# A founder reads three to six statements: the direct answers always, points while they fit.
BODY_CHARS = 900
# A fact the pathway chose for the kind of question may run this far past BODY_CHARS: otherwise a
# long one (the APD's list of DPIA cases, 397 characters) gave way to shorter retrieved sentences
# of far lower score. Measured on 2026-12-07: key facts +0.01 to +0.02 on the never-read sets,
# the notes' set -0.011, median bodies 25 to 55 characters longer (fresh7's 919).
PLANNED_OVERFLOW = 150
MAX_STATEMENTS = 8  # list items included
POINTS_PER_PART = {1: 5, 2: 3}  # more parts: one point each
MAX_LIST_ITEMS = 5
EVIDENCE_PASSAGES = 10
HEADING_SHARE = 0.5
OTHER_NAME_SHARE = 0.5
# A fact of the asked-for kind answers a typed part only if its sentence (or section heading)
# names at least this share of what the part is about.
SUBJECT_COVERAGE = 0.2
# Kinds of answer that are lists: a sentence announcing a list ("… three kinds of applicants:")
# holds them, with its items.
ENUMERATED = ("who", "documents", "steps")
# An official page's sentence goes before a secondary source's when both fit about as well: the
# assistant is for official answers, with secondary sources attributed when only they say it.
SECONDARY_PENALTY = 0.08
# Passages retrieved for the whole question still count for each part, below the part's own.
WHOLE_QUESTION_WEIGHT = 0.6
SENTENCE_SEARCH = 30  # the notes' sentences closest to the part, wherever their passage ranked
SENTENCE_PASSAGES = 2  # passages their search may add to the evidence


class ExtractiveAnswerer:
    """The default answerer (see base.py): quotes only, nothing generated."""

    name = "extractive"

    def __init__(self, settings: Settings | None = None):
        pass  # nothing to set up: the index and settings come with each question

    def answer(self, question: str, language: str, index: Index, settings: Settings, phrases: Phrases,
               threshold: float, *, asked: str | None = None, on_token=None) -> Answer:
        return answer(question, language, index, settings, phrases, threshold, asked=asked)


@dataclass(frozen=True)
class Candidate:
    chunk: Chunk
    start: int
    end: int
    score: float  # what ranks sentences for a part
    relevance: float  # meaning and shared words only: whether it bears on the part at all
    subject: float  # share of the part's subject (its words minus the kind-of-answer cue) it names
    vector: np.ndarray
    holds: bool  # holds the kind of fact the part asks for
    planned: bool = False  # placed by the pathway (a kind's facts, the next steps, the durations)

    @property
    def text(self) -> str:
        return self.chunk.text[self.start:self.end]


@dataclass
class _PartEvidence:
    part: Part
    retrieval: Retrieval
    evidence: list[Hit]
    candidates: list[Candidate]
    confidence: float
    planned: bool = False  # the pathway answers it (next steps, durations, a kind of question)
    # The best score of a sentence retrieval found (not one the pathway placed first): what the
    # supporting points after the pathway's facts are measured against.
    retrieved_top: float = 0.0


def answer(question: str, language: str, index: Index, settings: Settings, phrases: Phrases,
           threshold: float, *, asked: str | None = None) -> Answer:
    """`question` is what retrieval sees (with a follow-up's context); `asked` the user's words."""
    asked = asked if asked is not None else question
    generation = index.load()
    if generation is not None:
        question = speller_for(generation, settings.corpus_dir).correct(question, generation.lexical.vocabulary)
    understanding = understand(question, language)
    if understanding.declined:
        return decline(asked, language, phrases, understanding)
    whole = retrieve(index, question, language, settings)
    parts = [_gather(part, whole, index, language, settings, understanding) for part in understanding.parts]
    conf = max((p.confidence for p in parts), default=0.0)
    # A part the pathway answers ("how long does INAMI take?") is answered whatever the passages'
    # scores: its facts were chosen for that kind of question. So is a part that asks what the
    # sources are known not to state ("must the data be hosted in Belgium?"): that is said, unless
    # it asks about another country's scheme ("how does the DiGA fast track work in Germany?").
    if not any(p.candidates for p in parts) or (conf < threshold and not any(p.planned for p in parts)
                                                and not (any(from_plan.known_gaps(p.part, language, settings.corpus_dir,
                                                                                  understanding) for p in parts)
                                                         and not any(understanding.foreign_in(p.part) for p in parts))):
        return abstain(asked, language, select_evidence(whole.hits, language, settings.top_k) or whole.hits,
                       phrases, conf, settings, understanding)
    return _compose(asked, language, parts, phrases, conf, settings, understanding, threshold)


def _gather(part: Part, whole: Retrieval, index: Index, language: str, settings: Settings,
            understanding: Understanding) -> _PartEvidence:
    own = whole if part.query == understanding.question else retrieve(index, part.query, language, settings)
    hits = _merge(own.hits, whole.hits) if own is not whole else own.hits
    # Sentences are scored across more passages than retrieval reports: the sentence that answers
    # is often in the fifth to tenth passage, behind sections that share the question's words.
    evidence = select_evidence(hits, language, EVIDENCE_PASSAGES)
    if part.intent in TYPED:
        # The passages that state a fact of the asked-for kind, even below the top few. The hint
        # words only widen the search: confidence and sentence scores use the part as asked.
        hinted = retrieve(index, f"{part.query} {QUERY_HINTS[part.intent][language]}", language, settings)
        typed = [h for h in select_evidence(_merge(hinted.hits, hits), language, 4 * settings.top_k)
                 if h not in evidence and holds(h.chunk.text, part.intent)]
        evidence += typed[:2]
    evidence += _sentence_found(own, evidence, language)
    candidates = _candidates(own, evidence, part)
    kind, planned = from_plan.planned_sentences(part, understanding, language, settings.corpus_dir,
                                                settings.prompts_dir,
                                                from_plan.kind_guesser(index, settings, own.query_vector))
    placed: list[Candidate] = []
    if kind in ("steps", "facts"):
        placed = _located(own, planned, language, candidates)
    elif kind == "duration":
        durations = _located(own, planned, language, candidates)
        if _PHASE.search(part.text):
            # A part naming one phase ("how long is the admissibility check?") is answered by the
            # duration closest in meaning; otherwise ("how long does INAMI take to decide?") by the
            # whole procedure's, which the plan puts first.
            durations.sort(key=lambda c: -float(c.vector @ own.query_vector))
        top = durations[0].score if durations else 0.0
        placed = [replace(c, score=top - 0.01 * i) for i, c in enumerate(durations)]
    candidates = placed + candidates
    retrieved_top = max((c.score for c in candidates[len(placed):]), default=0.0)
    best_cosine = max((float(c.vector @ own.query_vector) for c in candidates), default=0.0)
    strangers = [n for n in unknown_names(part.text, own.generation.lexical.vocabulary)
                 if fold(n) not in understanding.context_names]
    strangers += [n for n in understanding.foreign_in(part) if n not in strangers]
    if strangers and names_belgian_body(part.text):
        # "We got CE via TÜV SÜD in Munich, is that ok for NIHDI?": the names are the founder's
        # situation; the question is about a Belgian body the sources cover.
        strangers = strangers[:1]
    return _PartEvidence(part, own, evidence, candidates,
                         confidence(own, evidence, best_cosine, part.query, language, len(strangers)),
                         planned=bool(kind and planned) and not understanding.foreign_in(part),
                         retrieved_top=retrieved_top)


_PHASE = re.compile(r"admissib|recevab|ontvankelijk|evaluat|[ée]valuation|beoordel|working group|groupe de travail|"
                    r"werkgroep|explanation|explication|toelichting|hearing|audition|hoorzitting|royal decree|"
                    r"arr[eê]t[ée] royal|koninklijk besluit|publication|publicatie|each step|chaque [ée]tape|elke stap|"
                    r"per stap|phase|fase", re.I)


def _sentence_found(retrieval: Retrieval, evidence: list[Hit], language: str) -> list[Hit]:
    """Passages of the notes holding one of the sentences closest in meaning to the part,
    wherever their section ranked: a founder's situation ("our COPD app, CE class IIa") pulls
    whole sections up by shared words while the one sentence that answers sits in a section
    ranked lower. Only the notes' sentences are searched (947 of them): with thousands of fetched
    pages or uploads the search would cost more than the rest of the answer."""
    gen = retrieval.generation
    notes = _note_sentences(gen)
    if not len(notes):
        return []
    have = {h.chunk.chunk_id for h in evidence}
    chosen_topics = {h.chunk.topic: h.chunk.language for h in evidence}
    cosines = gen.sentence_vectors[notes] @ retrieval.query_vector
    top = np.argpartition(-cosines, min(SENTENCE_SEARCH, len(cosines) - 1))[:SENTENCE_SEARCH]
    out: list[Hit] = []
    for i in top[np.argsort(-cosines[top])]:
        sentence = notes[i]
        chunk = gen.chunks[int(gen.sentence_rows[sentence][0])]
        wanted = chosen_topics.get(chunk.topic, language)
        if chunk.chunk_id in have or chunk.language != wanted:
            continue
        have.add(chunk.chunk_id)
        out.append(Hit(chunk, float(cosines[i]), float(cosines[i]), 0.0))
        if len(out) == SENTENCE_PASSAGES:
            break
    return out


_NOTE_SENTENCES: dict[int, tuple[object, np.ndarray]] = {}


def _note_sentences(gen) -> np.ndarray:
    """Rows of the notes' sentences in the generation's sentence arrays (computed once per generation)."""
    cached = _NOTE_SENTENCES.get(id(gen))
    if cached is None or cached[0] is not gen:
        parts = [gen.sentences_of.get(row, ()) for row, chunk in enumerate(gen.chunks) if chunk.kind == "note"]
        rows = np.concatenate([np.asarray(p, dtype=np.int64) for p in parts]) if parts else np.zeros(0, np.int64)
        if len(_NOTE_SENTENCES) > 8:  # generations replaced by updates are not kept alive
            _NOTE_SENTENCES.clear()
        cached = _NOTE_SENTENCES[id(gen)] = (gen, rows)
    return cached[1]


def _located(retrieval: Retrieval, sentences: list[tuple[str, str]], language: str,
             others: list[Candidate]) -> list[Candidate]:
    """Sentences the route planner chose (the next steps for the founder's situation, the
    durations of the procedure), ranked above every other sentence and in the planner's order:
    "what next?" is answered by the plan, not by look-alikes."""
    gen = retrieval.generation
    top = max((c.score for c in others), default=1.0) + 1.0
    out = []
    for topic, quote in sentences:
        found = from_plan.locate(retrieval, topic, language, quote)
        if found is None:
            continue
        row, sentence, start, end = found
        out.append(Candidate(gen.chunks[row], start, end, top - 0.01 * len(out), 1.0, 1.0,
                             gen.sentence_vectors[sentence], True, planned=True))
    return out


def _merge(own: list[Hit], whole: list[Hit]) -> list[Hit]:
    score: dict[str, float] = {}
    hit_of: dict[str, Hit] = {}
    for weight, hits in ((1.0, own), (WHOLE_QUESTION_WEIGHT, whole)):
        for rank, hit in enumerate(hits):
            cid = hit.chunk.chunk_id
            score[cid] = score.get(cid, 0.0) + weight / (60 + rank)
            hit_of.setdefault(cid, hit)
    return sorted(hit_of.values(), key=lambda h: (-score[h.chunk.chunk_id], h.chunk.chunk_id))


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
               language: str, strangers: int) -> float:
    """How well the evidence matches the question, roughly in [0, 1].

    Dense similarity alone rates "reimbursement of apps in Germany" close to the Belgian notes:
    the share of the question's terms the sources know, and the names they never mention
    ("DiGA", "BfArM"), pull such questions down. Names that describe the asker (a Belgian city,
    the patients' condition, the product's own name) are not counted.
    """
    if not evidence:
        return 0.0
    lexical = retrieval.generation.lexical
    top_dense = max(h.dense for h in evidence)
    known = lexical.known_fraction(question, language)
    base = 0.45 * top_dense + 0.35 * best_sentence + 0.2 * known
    return float(base * UNKNOWN_NAME_FACTOR ** min(strangers, 2))


def _candidates(retrieval: Retrieval, evidence: list[Hit], part: Part) -> list[Candidate]:
    """Every sentence of the evidence, scored for the part by meaning, shared rare words, passage
    rank and whether it holds the kind of fact asked for."""
    gen = retrieval.generation
    query_terms: dict[str, dict[str, float]] = {}  # per passage language: stemmed term -> idf
    subject_terms: dict[str, set[str]] = {}
    # "How much does an INAMI request cost?": a sentence about the cost per QALY of a diabetes
    # study names an amount but not the request; the subject is what is left without the cue.
    cue = INTENT_CUES.get(part.intent)
    names = glossary(retrieval.corpus_dir)
    subject_text = cue.sub(" ", part.query) if cue else part.query
    out = []
    for rank, hit in enumerate(evidence):
        lang = hit.chunk.language
        if lang not in query_terms:
            query_terms[lang] = {t: gen.lexical.idf(t, lang) for t in terms(part.query, lang)}
            subject_terms[lang] = set(terms(subject_text, lang))
        weights = query_terms[lang]
        total = sum(weights.values())
        subject = subject_terms[lang]
        row = gen.by_id[hit.chunk.chunk_id]
        idx = gen.sentences_of.get(row, np.zeros(0, dtype=np.int64))
        if not len(idx):
            continue
        cosines = gen.sentence_vectors[idx] @ retrieval.query_vector
        heading_terms = set(terms(hit.chunk.locator.split("§ ", 1)[-1], lang)) if "§ " in hit.chunk.locator else set()
        secondary = source_kind(hit.chunk, supporting_sources(hit.chunk, retrieval.corpus_dir)) == "secondary"
        for sentence_index, cosine in zip(idx, cosines):
            _, start, end = (int(x) for x in gen.sentence_rows[sentence_index])
            text = hit.chunk.text[start:end]
            # The section heading says what its sentences are about ("Conditions to meet before
            # applying"): its words count for them, at a discount.
            literal = set(terms(text, lang))
            own = literal & weights.keys()
            # Another name of a body or notion asked about counts too ("DPIA" asked, "AIPD" in the
            # sentence), at a discount: where the question names the agency as "FAGG", a sentence
            # that says "FAGG" answers it better than one that only says "AFMPS".
            named_terms = set(terms(names.expand(text), lang))
            by_other_name = (named_terms & weights.keys()) - own
            from_heading = (heading_terms & weights.keys()) - own - by_other_name
            overlap = ((sum(weights[t] for t in own) + HEADING_SHARE * sum(weights[t] for t in from_heading)
                        + OTHER_NAME_SHARE * sum(weights[t] for t in by_other_name)) / total if total else 0.0)
            relevance = WEIGHTS["cosine"] * float(cosine) + WEIGHTS["overlap"] * overlap
            fits = holds(text, part.intent) or (part.intent in ENUMERATED and text.rstrip().endswith(":"))
            named = subject & (named_terms | heading_terms)
            subject_share = len(named) / len(subject) if subject else 0.0
            score = (relevance + WEIGHTS["rank"] * RANK_PRIOR[min(rank, len(RANK_PRIOR) - 1)]
                     + (WEIGHTS["intent"] if fits else 0.0) - (SECONDARY_PENALTY if secondary else 0.0))
            out.append(Candidate(hit.chunk, start, end, score, relevance, subject_share,
                                 gen.sentence_vectors[sentence_index], fits))
    out.sort(key=lambda c: -c.score)
    return out


# ---------------------------------------------------------------- composition

def _compose(asked: str, language: str, parts: list[_PartEvidence], phrases: Phrases, conf: float,
             settings: Settings, understanding: Understanding, threshold: float) -> Answer:
    budget = POINTS_PER_PART.get(len(parts), 1)
    chosen: list[tuple[int, str, Candidate | None]] = []  # (part, role, candidate or None when uncovered)
    answer_parts: list[AnswerPart] = []
    used: list[Candidate] = []
    gaps = [from_plan.known_gaps(pe.part, language, settings.corpus_dir, understanding) for pe in parts]
    leading = [from_plan.leading_gaps(language, settings.corpus_dir, None if pe.planned else pe.part) for pe in parts]
    for number, pe in enumerate(parts):
        # A part the sources do not answer with confidence ("is there a DiGA-like fast track?")
        # is said to be uncovered, as a whole question would be refused, while the others answer.
        direct = _direct(pe, used) if pe.planned or pe.confidence >= threshold else None
        if gaps[number] and pe.part.intent in TYPED and not pe.planned:
            direct = None  # "is there a fee to file?": the known gap answers, not a nearby flat fee
        answer_parts.append(AnswerPart(pe.part.text, pe.part.intent, direct is not None and not gaps[number]))
        if direct is None:
            if not gaps[number]:
                chosen.append((number, "uncovered", None))
            continue
        group = _with_list(direct, pe.candidates)
        chosen += [(number, "direct" if i == 0 else "item", c) for i, c in enumerate(group)]
        used += group
        points = 0
        # After the pathway's facts (placed above every retrieved sentence), retrieved points
        # still fill the answer when they come close to the best retrieved sentence.
        floor = min(CUTOFF * direct.score, AFTER_PATHWAY * pe.retrieved_top) if pe.retrieved_top else CUTOFF * direct.score
        for cand in pe.candidates:
            if points >= budget or cand.score < floor:
                break
            if not _quotable(cand, used) or cand.relevance < COVERAGE:
                continue
            group = _with_list(cand, pe.candidates)
            chosen += [(number, "point" if i == 0 else "item", c) for i, c in enumerate(group)]
            used += group
            points += 1
    gap_texts = {text for texts in gaps for text in texts}
    chosen = _trim(chosen, PLANNED_OVERFLOW, sum(len(t) for t in gap_texts))

    numbers: dict[tuple, int] = {}
    citations: list[Citation] = []
    statements: list[Statement] = []
    for number, role, cand in chosen:
        if cand is None:
            kind = parts[number].part.intent if parts[number].part.intent in UNCOVERED_KINDS else "general"
            statements.append(Statement(phrases(f"uncovered.{kind}"), None, "uncovered", number))
            continue
        key = citation_key(cand.chunk)
        if key not in numbers:
            numbers[key] = len(numbers) + 1
            citations.append(cite(numbers[key], cand.chunk, language, settings.corpus_dir))
        statements.append(Statement(cand.text, numbers[key], role, number))
    citations = _merged_quotes(citations, chosen, numbers)
    statements = _with_gaps(statements, gaps, leading)
    result = Answer(asked, language, "", False, citations, statements, conf, parts=answer_parts,
                    situation=understanding.situation.to_dict())
    result.text = render_markdown(result, phrases)
    return result


UNCOVERED_KINDS = ("cost", "duration", "date", "who", "documents")


def _with_gaps(statements: list[Statement], gaps: list[list[str]], leading: list[frozenset[str]]
               ) -> list[Statement]:
    """Each part's known gaps, said after what the sources do say for that part (once per answer),
    or before it when the gap is the answer (`leading`, per part)."""
    out: list[Statement] = []
    said: set[str] = set()
    for number, texts in enumerate(gaps):
        first = [t for t in texts if t in leading[number] and t not in said]
        out += [Statement(text, None, "uncovered", number) for text in first]
        said.update(first)
        out += [s for s in statements if s.part == number]
        out += [Statement(text, None, "uncovered", number) for text in texts if text not in said]
        said.update(texts)
    return out + [s for s in statements if s.part is None or s.part >= len(gaps)]


def _direct(pe: _PartEvidence, used: list[Candidate]) -> Candidate | None:
    """The sentence that answers the part, or None when none of the evidence does."""
    usable = [c for c in pe.candidates if _quotable(c, used, allow_list=True) and c.relevance >= COVERAGE]
    if pe.part.intent in TYPED:
        usable = [c for c in usable if c.holds and c.subject >= SUBJECT_COVERAGE]
    if not usable:
        return None
    # A user's file is never the direct answer when a bundled or official source answers the same
    # part about as well as a supporting point would: the file may still be quoted as a point,
    # introduced as the user's document.
    if usable[0].chunk.kind == "user":
        return next((c for c in usable if c.chunk.kind != "user" and c.score >= CUTOFF * usable[0].score), usable[0])
    return usable[0]


def _quotable(cand: Candidate, used: list[Candidate], allow_list: bool = False) -> bool:
    text = cand.text.strip()
    if len(text) < MIN_SENTENCE_CHARS:
        return False
    if dangles(text) and not (allow_list and text.endswith(":")):
        return False
    if refers_back(text) and not any(_just_before(c, cand) for c in used):
        return False  # "INAMI pays this reimbursement…" only after the sentence that says which
    return not any(_overlaps(cand, c) or float(cand.vector @ c.vector) > NEAR_DUPLICATE or _restates(cand, c)
                   for c in used)


def _restates(a: Candidate, b: Candidate) -> bool:
    """One sentence is the other with a clause added: two notes restating one source's point."""
    shorter, longer = sorted((a.text.strip().rstrip("."), b.text.strip().rstrip(".")), key=len)
    return len(shorter) >= MIN_SENTENCE_CHARS and shorter in longer


def _with_list(cand: Candidate, candidates: list[Candidate]) -> list[Candidate]:
    """A sentence that announces a list ("… three kinds of applicants:") with its items."""
    if not cand.text.rstrip().endswith(":"):
        return [cand]
    items = sorted((c for c in candidates if c.chunk.chunk_id == cand.chunk.chunk_id and c.start >= cand.end),
                   key=lambda c: c.start)
    return [cand, *items[:MAX_LIST_ITEMS]]


def _trim(chosen: list[tuple[int, str, Candidate | None]], allowance: int = 0, reserved: int = 0
          ) -> list[tuple[int, str, Candidate | None]]:
    """Keep every part's direct answer (and its list); drop points beyond the length budget, which
    the pathway's facts may pass by `allowance`. The known gaps said after them (`reserved`) take
    their room first: a founder reads them as part of the answer."""
    essential = _essential(chosen)
    length, kept = reserved, []
    for (number, role, cand), keep in zip(chosen, essential):
        size = _size(cand)
        if not keep:
            limit = BODY_CHARS + (allowance if cand is not None and cand.planned else 0)
            if length + size > limit or len(kept) >= MAX_STATEMENTS:
                continue
            if role == "item" and kept and kept[-1][0] != number:
                continue  # the announcing sentence was dropped
        length += size
        kept.append((number, role, cand))
    return kept


def _size(cand: Candidate | None) -> int:
    return len(cand.text) if cand is not None else 80


def _essential(chosen: list[tuple[int, str, Candidate | None]]) -> list[bool]:
    """Direct answers, uncovered parts and the items of a direct answer's list."""
    out: list[bool] = []
    for i, (number, role, _) in enumerate(chosen):
        out.append(role in ("direct", "uncovered")
                   or (role == "item" and i > 0 and out[-1] and chosen[i - 1][0] == number
                       and chosen[i - 1][1] in ("direct", "item")))
    return out


def _merged_quotes(citations: list[Citation], chosen, numbers: dict[tuple, int]) -> list[Citation]:
    """A citation shared by several passages of one section quotes all of them."""
    texts: dict[int, list[str]] = {}
    for _, _, cand in chosen:
        if cand is None:
            continue
        n = numbers[citation_key(cand.chunk)]
        if cand.chunk.text not in texts.setdefault(n, []):
            texts[n].append(cand.chunk.text)
    out = []
    for c in citations:
        quote = "\n\n".join(texts.get(c.n, [c.quote]))
        out.append(c if quote == c.quote else Citation(**{**c.__dict__, "quote": quote}))
    return out


def _just_before(a: Candidate, b: Candidate) -> bool:
    """Whether `a` is the sentence right before `b` in the same passage."""
    return a.chunk.chunk_id == b.chunk.chunk_id and a.end <= b.start and not b.chunk.text[a.end:b.start].strip()


def _overlaps(a: Candidate, b: Candidate) -> bool:
    return a.chunk.chunk_id == b.chunk.chunk_id and a.start < b.end and b.start < a.end


# ---------------------------------------------------------------- refusals

def abstain(question: str, language: str, hits: list[Hit], phrases: Phrases, conf: float, settings: Settings,
            understanding: Understanding | None = None) -> Answer:
    closest, seen = [], set()
    for hit in hits:
        key = citation_key(hit.chunk)
        if key in seen:
            continue
        seen.add(key)
        closest.append(cite(len(closest) + 1, hit.chunk, language, settings.corpus_dir))
        if len(closest) == 3:
            break
    statements = [Statement(phrases("abstain.message"), None, "phrase")]
    result = Answer(question, language, "", True, [], statements, conf, closest, refusal="uncertain",
                    situation=understanding.situation.to_dict() if understanding else {})
    result.text = render_markdown(result, phrases)
    return result


def decline(question: str, language: str, phrases: Phrases, understanding: Understanding) -> Answer:
    """Requests outside what the assistant is for (writing a poem, chit-chat): a polite refusal."""
    statements = [Statement(phrases("decline.message"), None, "phrase")]
    result = Answer(question, language, "", True, [], statements, 0.0, refusal="out_of_scope")
    result.text = render_markdown(result, phrases)
    return result


from .render import render_markdown  # noqa: E402  (render imports nothing from here)
