"""The public Python API: `Assistant`. The CLI and the web app are thin layers over it."""

from __future__ import annotations

import re
import threading
import tomllib
import unicodedata
from collections.abc import Iterable
from dataclasses import replace
from functools import lru_cache
from pathlib import Path

from .answer.extractive import answer as extractive_answer
from .conversation import contextualise
from .corpus import load_notes
from .embeddings import canonical_name
from .extraction import Extractor
from .index import Index
from .languages import detect_language, words
from .prompts import load_phrases
from .readers import ReadError
from .retrieval import retrieve
from .settings import Settings
from .types import LANGUAGES, Answer, FileOutcome, Hit, IndexStatus, IngestReport

MAX_QUESTION_CHARS = 2000
CALIBRATION_FILE = Path(__file__).resolve().parent / "calibration.toml"


class Assistant:
    """Answers questions from the bundled official sources and the user's own documents.

    >>> a = Assistant()
    >>> ans = a.ask("Comment faire rembourser une application mobile par l'INAMI ?")
    >>> ans.text, ans.language, ans.abstained, ans.citations
    """

    def __init__(self, index_dir: str | Path | None = None, settings: Settings | None = None, **overrides):
        if settings is None:
            settings = Settings.from_env(index_dir=index_dir, **overrides)
        elif index_dir is not None or overrides:
            settings = settings.with_(**({"index_dir": Path(index_dir)} if index_dir else {}), **overrides)
        self.settings = settings
        self.index = Index(settings)
        self._lock = threading.Lock()
        self.sync_corpus()

    # ------------------------------------------------------------ index

    def sync_corpus(self) -> dict[str, list[str]]:
        """Bring the bundled notes into the index; only changed notes are embedded again."""
        documents = load_notes(self.settings.corpus_dir)
        with self._lock:
            return self.index.update(documents, keep=lambda entry: entry.kind != "note")

    def rebuild(self) -> dict[str, list[str]]:
        """Embed every passage again (after a model change, say); user documents are kept."""
        with self._lock:
            return self.index.update(load_notes(self.settings.corpus_dir),
                                     keep=lambda entry: entry.kind != "note", force=True)

    def status(self) -> IndexStatus | None:
        return self.index.status()

    def user_documents(self) -> list[str]:
        """The names of the user's own documents in the index."""
        gen = self.index.load()
        return sorted(d.doc_id for d in gen.docs.values() if d.kind == "user") if gen else []

    def check(self) -> list[str]:
        """What a full check of the index finds wrong (checksums, Chroma, stored originals)."""
        return self.index.check()

    def repair(self) -> list[str]:
        """Repair what a full check finds: damaged generations are set aside (not deleted), the
        Chroma collection is rewritten from the stored vectors and the user's documents are read
        again from their stored originals. Returns the problems that were found."""
        problems = self.index.repair()
        if problems:
            self.sync_corpus()
        return problems

    def ingest(self, paths: Iterable[str | Path]) -> IngestReport:
        """Add the user's own files. Unreadable files are skipped with the reason; the rest is
        indexed in one atomic update, so a bad file never leaves the index half-written."""
        report = IngestReport()
        documents = []
        names = set()
        # Each file is read in a separate process with memory and time limits (assistant/extraction.py);
        # an accepted file is copied into the index's own storage and cited by its name only.
        with Extractor.from_settings(self.settings) as extractor:
            for raw in paths:
                path = Path(raw)
                name = safe_name(path.name)
                try:
                    if not path.is_file():
                        raise ReadError("no such file")
                    if name in names:
                        raise ReadError("another file of this batch has the same name")
                    doc = extractor.read(path, kind="user", display_name=name)
                    doc = replace(doc, path=self.index.originals.add(path))
                except (ReadError, OSError) as exc:
                    report.outcomes.append(FileOutcome(name, "skipped", reason=str(exc)))
                    continue
                names.add(doc.doc_id)
                documents.append(doc)
        if not documents:
            return report
        try:
            with self._lock:
                result = self.index.update(documents)
        except Exception as exc:  # the previous generation stays live: nothing is lost
            for doc in documents:
                report.outcomes.append(FileOutcome(doc.doc_id, "skipped", doc.doc_id,
                                                   reason=f"indexing failed ({type(exc).__name__}: {exc})"))
            return report
        gen = self.index.load()
        for doc in documents:
            status = ("added" if doc.doc_id in result["added"] else
                      "updated" if doc.doc_id in result["updated"] else "unchanged")
            entry = gen.docs.get(doc.doc_id)
            reason = "already indexed with the same content" if status == "unchanged" else ""
            report.outcomes.append(FileOutcome(doc.doc_id, status, doc.doc_id, reason, entry.count if entry else 0))
        return report

    def fetch(self, include_secondary: bool = False, only: Iterable[str] | None = None,
              timeout: float | None = None, manifest=None):
        """Download the manifest's official documents into settings.cache_dir and index them beside
        the notes; only changed documents are embedded again. Returns a FetchReport (changed,
        unchanged, removed, failed with the reason). `manifest` ({id: Source}) replaces
        corpus/sources.toml."""
        from .fetch import fetch_sources

        return fetch_sources(self.index, self.settings, manifest=manifest, include_secondary=include_secondary,
                             only=only, timeout=timeout, lock=self._lock)

    # ------------------------------------------------------------ questions

    def ask(self, question: str, language: str | None = None, *, history: list[str] | None = None) -> Answer:
        """`history`: the earlier user questions of the conversation, oldest first; a follow-up
        ("and how long does that take?") is retrieved together with the question it continues."""
        question = clean_question(question)
        if language is not None and language not in LANGUAGES:
            raise ValueError(f"language must be one of {', '.join(LANGUAGES)} or None")
        lang = language or detect_language(question)
        lang = lang if lang in LANGUAGES else "en"
        phrases = load_phrases(self.settings.prompts_dir, lang)
        if not question:
            return Answer(question, lang, phrases("errors.empty"), True)
        if not any(any(c.isalpha() for c in w) for w in words(question)):
            return Answer(question, lang, phrases("errors.unreadable"), True)
        query = contextualise(question, [clean_question(h) for h in history or [] if isinstance(h, str)])
        return extractive_answer(query, lang, self.index, self.settings, phrases, self.threshold, asked=question)

    def search(self, question: str, language: str | None = None, k: int = 5) -> list[Hit]:
        """The k best passages for a question, ranked as the answer step sees them."""
        question = clean_question(question)
        lang = language or detect_language(question)
        if not question:
            return []
        return retrieve(self.index, question, lang, self.settings, limit=k).hits

    @property
    def threshold(self) -> float:
        if self.settings.abstain_threshold is not None:
            return self.settings.abstain_threshold
        return calibrated_threshold(self.settings)


def calibrated_threshold(settings: Settings) -> float:
    key = f"{canonical_name(settings.embedding_model)}|{settings.retrieval}"
    return _stored_thresholds(CALIBRATION_FILE.stat().st_mtime if CALIBRATION_FILE.exists() else 0.0).get(key, 0.0)


@lru_cache(maxsize=4)
def _stored_thresholds(mtime: float) -> dict[str, float]:
    # Keyed by the file's mtime: read once, not on every question, yet a new calibration is seen.
    try:
        with open(CALIBRATION_FILE, "rb") as handle:
            return {k: float(v) for k, v in tomllib.load(handle).get("threshold", {}).items()}
    except FileNotFoundError:
        return {}


def clean_question(question: str) -> str:
    if not isinstance(question, str):
        raise TypeError("question must be a string")
    # Control characters carry no meaning and confuse tokenizers; a question longer than any
    # real one is cut rather than refused.
    question = "".join(c if unicodedata.category(c)[0] != "C" or c in "\n\t" else " " for c in question)
    return re.sub(r"\s+", " ", question).strip()[:MAX_QUESTION_CHARS]


def safe_name(name: str) -> str:
    """A file name fit to show and to use as an id: no directories, no control characters."""
    name = Path(name.replace("\\", "/")).name
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C").strip()
    return name or "unnamed"
