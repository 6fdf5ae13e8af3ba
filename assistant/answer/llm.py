"""Answers written by a LangChain chat model, kept only where the cited passages support them.

extractive answer first (abstention and out-of-scope decisions stay calibrated on evidence, and it
is the fallback) → passages as [P1]…[Pn] → grounded prompt (prompts/<lang>.toml [llm]) → the
model's text, streamed → each sentence verified (verify.py) → an `Answer` with real citations.
The model is reached only through `init_chat_model`, so any provider LangChain knows works; this
module is imported only when `answer_backend = "llm"`.
"""

from __future__ import annotations

import contextlib
import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np

from ..index.embeddings import canonical_name, embed_array
from ..index import Generation, Index
from ..prompts import Phrases
from ..provenance import citation_key, cite
from ..retrieve.hybrid import Retrieval, glossary, retrieve
from ..settings import Settings
from ..types import Answer, AnswerPart, Chunk, Citation, Hit, Rejection, Statement
from ..retrieve.understanding import Part, Understanding, understand
from . import from_plan
from .extractive import UNCOVERED_KINDS, _merge, select_evidence
from .extractive import answer as extractive_answer
from .render import render_markdown
from .verify import (Check, Organisations, Passage, Verifier, make_passage, parse,
                     passage_sentences, quotable, support_threshold)

log = logging.getLogger(__name__)


class GenerationTimeout(TimeoutError):
    pass


class LLMAnswerer:
    """The `llm` backend (see base.py)."""

    name = "llm"

    def __init__(self, settings: Settings):
        self._model = None
        self._model_key: tuple | None = None
        self._lock = threading.Lock()
        try:
            chat_model_factory(settings)  # fail now when the packages or the model name are wrong
        except ImportError as exc:
            raise ImportError(f"the llm answer backend needs LangChain's chat-model packages: pip install "
                              f"'belgian-health-reimbursement-assistant[llm]' ({exc})") from exc

    def answer(self, question: str, language: str, index: Index, settings: Settings, phrases: Phrases,
               threshold: float, *, asked: str | None = None,
               on_token: Callable[[str], None] | None = None) -> Answer:
        fallback = extractive_answer(question, language, index, settings, phrases, threshold, asked=asked)
        if fallback.abstained:
            # Too little evidence, or not what the assistant is for: the model has nothing to add.
            return fallback
        understanding = understand(question, language)
        gen = index.load()
        passages = self._passages(index, gen, question, language, settings, understanding)
        messages = prompt_messages(question if asked is None else asked, understanding, passages, phrases)
        try:
            output = self._generate(messages, settings, on_token)
        except Exception as exc:  # a dead server, a timeout, a refused key: the quoted answer stands
            log.warning("llm backend failed (%s: %s); giving the extractive answer", type(exc).__name__, exc)
            reason = "timeout" if _is_timeout(exc) else f"error: {type(exc).__name__}"
            return _fall_back(fallback, reason, phrases)
        return compose(output, fallback, understanding, passages, index, gen, settings, phrases)

    # ------------------------------------------------------------ model

    def _chat_model(self, settings: Settings):
        key = (settings.llm_model, settings.llm_base_url, settings.llm_api_key, settings.llm_timeout,
               settings.llm_max_tokens, settings.llm_temperature)
        with self._lock:
            if self._model is None or self._model_key != key:
                self._model, self._model_key = chat_model_factory(settings)(), key
            return self._model

    def _generate(self, messages: list[tuple[str, str]], settings: Settings,
                  on_token: Callable[[str], None] | None) -> str:
        model = self._chat_model(settings)
        attempts = max(0, settings.llm_max_retries) + 1
        for attempt in range(attempts):
            pieces: list[str] = []
            deadline = time.monotonic() + settings.llm_timeout
            try:
                # Streamed even without a listener: the deadline is checked between pieces, so a
                # server that trickles tokens forever is cut off too.
                with _no_tracing():
                    for chunk in model.stream(messages):
                        piece = _text_of(chunk)
                        if piece:
                            pieces.append(piece)
                            if on_token is not None:
                                on_token(piece)
                        if time.monotonic() > deadline:
                            raise GenerationTimeout(f"no complete answer within {settings.llm_timeout:g} s")
                return "".join(pieces)
            except Exception as exc:
                # Retry only what a second request can fix: not a timeout (the server is slow and
                # would be again), not a request whose text was already shown to the user.
                if attempt + 1 == attempts or pieces or _is_timeout(exc):
                    raise
                log.info("llm request failed (%s), retrying", exc)
        raise RuntimeError("unreachable")

    # ------------------------------------------------------------ passages

    def _passages(self, index: Index, gen: Generation, question: str, language: str, settings: Settings,
                  understanding: Understanding) -> list[Passage]:
        whole = retrieve(index, question, language, settings)
        hits: list[Hit] = whole.hits
        for part in understanding.parts:
            if part.query != understanding.question:
                hits = _merge(retrieve(index, part.query, language, settings).hits, hits)
        chunks = planned_chunks(whole, understanding, language, settings, from_plan.kind_guesser(index, settings))
        for hit in select_evidence(hits, language, settings.llm_passages):
            if len(chunks) < settings.llm_passages and all(c.chunk_id != hit.chunk.chunk_id for c in chunks):
                chunks.append(hit.chunk)
        return [passage_for(f"P{i}", chunk, gen, index) for i, chunk in enumerate(chunks, start=1)]


def planned_chunks(whole: Retrieval, understanding: Understanding, language: str, settings: Settings,
                   guess_kind: Callable[[Part], str] | None = None) -> list[Chunk]:
    """The passages stating what the route planner chose for "what next?" (the founder's next
    steps, in order) and "how long?" (the procedure's durations), first: the model writes from the
    same plan as the quoted answer, not from look-alike passages."""
    out: list[Chunk] = []
    for part in understanding.parts:
        _, sentences = from_plan.planned_sentences(part, understanding, language, settings.corpus_dir,
                                                   settings.prompts_dir, guess_kind)
        for topic, quote in sentences:
            found = from_plan.locate(whole, topic, language, quote)
            chunk = whole.generation.chunks[found[0]] if found else None
            if chunk is not None and all(c.chunk_id != chunk.chunk_id for c in out) and len(out) < settings.llm_passages:
                out.append(chunk)
    return out


def passage_for(pid: str, chunk: Chunk, gen: Generation | None, index: Index) -> Passage:
    """The passage with its sentence vectors: the index's when it holds them, else computed."""
    row = gen.by_id.get(chunk.chunk_id) if gen is not None else None
    if row is not None and len(gen.sentences_of.get(row, ())):
        idx = gen.sentences_of[row]
        spans = [(int(gen.sentence_rows[i][1]), int(gen.sentence_rows[i][2])) for i in idx]
        return make_passage(pid, chunk, spans, gen.sentence_vectors[idx])
    spans = passage_sentences(chunk)
    return make_passage(pid, chunk, spans, embed_array(index.embeddings, [chunk.text[s:e] for s, e in spans]))


def chat_model_factory(settings: Settings) -> Callable[[], Any]:
    """A function making the configured LangChain chat model. Imports LangChain here only."""
    from langchain.chat_models import init_chat_model

    provider, _, model = settings.llm_model.partition(":")
    if not model or not provider:
        raise ValueError(f"llm_model must be 'provider:model' (e.g. ollama:llama3.2), not {settings.llm_model!r}")
    kwargs: dict[str, Any] = {"temperature": settings.llm_temperature}
    if provider == "ollama":
        kwargs.update(num_predict=settings.llm_max_tokens, client_kwargs={"timeout": settings.llm_timeout})
    else:
        # Retries are ours (LLMAnswerer._generate), the same for every provider.
        kwargs.update(max_tokens=settings.llm_max_tokens, timeout=settings.llm_timeout, max_retries=0)
        if settings.llm_api_key:
            kwargs["api_key"] = settings.llm_api_key
        elif provider == "openai" and settings.llm_base_url:
            kwargs["api_key"] = "unused"  # local OpenAI-compatible servers want none; the client insists on one
    if settings.llm_base_url:
        kwargs["base_url"] = settings.llm_base_url
    return lambda: init_chat_model(model, model_provider=provider, **kwargs)


def _no_tracing():
    """Questions and passages go to the configured model and nowhere else: LangSmith tracing, which
    a LANGSMITH_TRACING variable meant for other programs would switch on, stays off here."""
    try:
        from langsmith import tracing_context
    except ImportError:
        return contextlib.nullcontext()
    return tracing_context(enabled=False)


def _text_of(chunk) -> str:
    content = getattr(chunk, "content", chunk)
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # content blocks
        return "".join(b.get("text", "") if isinstance(b, dict) else str(b) for b in content)
    return ""


def _is_timeout(exc: BaseException) -> bool:
    while exc is not None:
        if isinstance(exc, TimeoutError) or "timeout" in type(exc).__name__.lower() or "timed out" in str(exc).lower():
            return True
        exc = exc.__cause__ or exc.__context__
    return False


# ---------------------------------------------------------------- prompt

def prompt_messages(question: str, understanding: Understanding, passages: list[Passage],
                    phrases: Phrases) -> list[tuple[str, str]]:
    blocks = []
    for p in passages:
        source = " — ".join(x for x in (p.chunk.title, p.chunk.locator) if x).replace('"', "'")
        # The passage text sits between tags the system prompt does not trust; a passage cannot
        # close its own tag.
        # Paragraph breaks kept: they end sentences the way the verifier reads them.
        text = "\n\n".join(" ".join(para.split()) for para in re.split(r"\n\s*\n", p.chunk.text) if para.strip())
        text = text.replace("</passage", "</ passage")
        blocks.append(f'<passage id="{p.pid}" source="{source}">\n{text}\n</passage>')
    parts = "\n".join(f"{i}. {part.text}" for i, part in enumerate(understanding.parts, start=1))
    user = phrases("llm.user").format(question=question, situation=situation_text(understanding, phrases),
                                      parts=parts, passages="\n\n".join(blocks))
    return [("system", phrases("llm.system")), ("human", user)]


def situation_text(understanding: Understanding, phrases: Phrases) -> str:
    s = understanding.situation
    if s.empty:
        return phrases("llm.situation_none")
    labels = phrases("llm.situation_labels")
    yes_no = {True: phrases("llm.yes"), False: phrases("llm.no")}
    facts = []
    for key, value in (("device_class", s.device_class), ("ce_marked", s.ce_marked), ("notified", s.notified),
                       ("conditions", ", ".join(s.conditions)), ("setting", s.setting)):
        if value not in (None, ""):
            facts.append(f"{labels[key]}: {yes_no.get(value, value) if isinstance(value, bool) else value}")
    return "; ".join(facts)


# ---------------------------------------------------------------- composition

def compose(output: str, fallback: Answer, understanding: Understanding, passages: list[Passage], index: Index,
            gen: Generation | None, settings: Settings, phrases: Phrases) -> Answer:
    """The verified answer, or the extractive one when no cited sentence survives."""
    sentences = parse(output)
    if not sentences:
        return _fall_back(fallback, "unverified", phrases, generated=0)
    model_name = canonical_name(settings.embedding_model)
    verifier = Verifier(passages, Organisations.from_glossary(glossary(settings.corpus_dir)),
                        support_threshold(model_name), understanding.question)
    vectors = embed_array(index.embeddings, [s.text for s in sentences])
    checks = _deduplicated([verifier.check(s, v) for s, v in zip(sentences, vectors)])
    part_of = _parts_of(checks, understanding, index)

    numbers: dict[tuple, int] = {}
    citations: list[Citation] = []
    quotes: dict[int, list[str]] = {}
    statements: list[Statement] = []
    rejected: list[Rejection] = []
    # A passage sentence that already backs a kept sentence is not quoted again in its place.
    used_quotes = {(c.passage.chunk.chunk_id, *c.quote) for c in checks if c.ok and c.passage and c.quote}

    def number(chunk: Chunk) -> int:
        key = citation_key(chunk)
        if key not in numbers:
            numbers[key] = len(numbers) + 1
            citations.append(cite(numbers[key], chunk, understanding.language, settings.corpus_dir))
        if chunk.text not in quotes.setdefault(numbers[key], []):
            quotes[numbers[key]].append(chunk.text)
        return numbers[key]

    for check, part in zip(checks, part_of):
        if check.ok and check.gap:
            statements.append(Statement(check.sentence.text, None, "uncovered", part, verified=True))
            continue
        if check.ok:
            statements.append(Statement(check.sentence.text, number(check.passage.chunk), "point", part, verified=True))
            continue
        replacement = ""
        if check.passage is not None and check.quote is not None and check.support >= verifier.threshold:
            start, end = check.quote
            key = (check.passage.chunk.chunk_id, start, end)
            text = check.passage.chunk.text[start:end].strip()
            if key not in used_quotes and quotable(text):
                used_quotes.add(key)
                replacement = text
                statements.append(Statement(text, number(check.passage.chunk), "point", part))
        rejected.append(Rejection(check.sentence.text, check.reason, check.sentence.cited, replacement))

    if not any(s.citation is not None for s in statements):
        return _fall_back(fallback, "unverified", phrases, generated=len(checks), rejected=rejected)

    statements, answer_parts = _arrange(statements, understanding, phrases)
    citations = [c if len(quotes.get(c.n, [])) < 2 else replace(c, quote="\n\n".join(quotes[c.n])) for c in citations]
    result = Answer(fallback.question, understanding.language, "", False, citations, statements,
                    fallback.confidence, parts=answer_parts, situation=understanding.situation.to_dict(),
                    backend="llm", generated=len(checks), removed=len(rejected), rejected=rejected)
    result.text = render_markdown(result, phrases)
    return result


def _deduplicated(checks: list[Check]) -> list[Check]:
    seen, out = set(), []
    for c in checks:
        key = " ".join(c.sentence.text.lower().split())
        if key not in seen:
            seen.add(key)
            out.append(c)
    return out


def _parts_of(checks: list[Check], understanding: Understanding, index: Index) -> list[int]:
    """The part of the question each sentence answers: the part it is closest to in meaning."""
    if len(understanding.parts) < 2:
        return [0] * len(checks)
    part_vectors = embed_array(index.embeddings, [p.text for p in understanding.parts])
    return [int(np.argmax(part_vectors @ c.vector)) if c.vector is not None else 0 for c in checks]


def _arrange(statements: list[Statement], understanding: Understanding,
             phrases: Phrases) -> tuple[list[Statement], list[AnswerPart]]:
    """Statements grouped by part, the first cited one of each part as its direct answer; a part
    nothing answers gets the fixed gap phrase unless the model said so itself."""
    out: list[Statement] = []
    answer_parts: list[AnswerPart] = []
    for number, part in enumerate(understanding.parts):
        mine = [s for s in statements if s.part == number]
        cited = [s for s in mine if s.citation is not None]
        answer_parts.append(AnswerPart(part.text, part.intent, bool(cited)))
        if not mine:
            kind = part.intent if part.intent in UNCOVERED_KINDS else "general"
            mine = [Statement(phrases(f"uncovered.{kind}"), None, "uncovered", number)]
        first = cited[0] if cited else None
        ordered = ([first] if first else []) + [s for s in mine if s is not first]
        out += [replace(s, role="direct") if s is first else s for s in ordered]
    return out, answer_parts


def _fall_back(fallback: Answer, reason: str, phrases: Phrases, generated: int = 0,
               rejected: list[Rejection] | None = None) -> Answer:
    rejected = rejected or []
    result = replace(fallback, fallback=reason, generated=generated, removed=len(rejected), rejected=rejected)
    result.text = render_markdown(result, phrases)
    return result
