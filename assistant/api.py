"""The public Python API: `Assistant`. The CLI and the web app are thin layers over it."""

from __future__ import annotations

import datetime as dt
import re
import threading
import tomllib
import unicodedata
from collections.abc import Callable, Iterable
from functools import lru_cache
from pathlib import Path

from .answer.base import Answerer, answerer_for
from .plan import Plan, Profile, Readiness, load_pathway, make_plan
from .plan.asked import kind_classifier
from .plan.pdf import report_pdf
from .plan.profile import as_profile
from .plan.readiness import SEARCH_DEPTH, make_readiness
from .plan.render import report_markdown
from .conversation import contextualise
from .load.corpus import load_notes
from .index.embeddings import canonical_name
from .index import Index
from .index.layered import LayeredIndex
from .languages import detect_language, words
from .prompts import load_phrases
from .load.documents import forget_document, ingest_files, list_documents
from .retrieve.hybrid import retrieve
from .settings import Settings
from .types import LANGUAGES, Answer, Hit, IndexStatus, IngestReport, StoredDocument
from .index.workspaces import OpenWorkspaces, WorkspaceError, WorkspaceNotFound, WorkspaceStore, check_id

MAX_QUESTION_CHARS = 2000
CALIBRATION_FILE = Path(__file__).resolve().parent / "calibration.toml"


class Assistant:
    """Answers questions from the bundled official sources and the user's own documents.

    >>> a = Assistant()
    >>> ans = a.ask("Comment faire rembourser une application mobile par l'INAMI ?")
    >>> ans.text, ans.language, ans.abstained, ans.citations
    """

    def __init__(self, index_dir: str | Path | None = None, settings: Settings | None = None, *,
                 workspace: str | None = None, **overrides):
        if settings is None:
            settings = Settings.from_env(index_dir=index_dir, **overrides)
        elif index_dir is not None or overrides:
            settings = settings.with_(**({"index_dir": Path(index_dir)} if index_dir else {}), **overrides)
        self.settings = settings
        self.answerer: Answerer = answerer_for(settings)  # fails now on an unknown backend
        self.index = Index(settings)
        self._lock = threading.Lock()
        self.workspaces = WorkspaceStore(settings)
        self._open = OpenWorkspaces(settings.max_open_workspaces)
        self.sync_corpus()
        # Assistant(workspace="acme"): ask, search, ingest, documents, forget go to that workspace.
        self._workspace_id = self.workspace(workspace).id if workspace else None

    @property
    def _workspace(self) -> Workspace | None:
        # Looked up on each call, not held: the open-workspace cache may have closed it since,
        # and once deleted it must stay deleted (WorkspaceNotFound) rather than come back empty.
        return self.workspace(self._workspace_id, create=False) if self._workspace_id else None

    # ------------------------------------------------------------ workspaces

    def workspace(self, workspace_id: str, *, create: bool = True) -> Workspace:
        """The workspace `workspace_id` (created without a key when missing and `create`): its
        documents beside the shared corpus, visible to no other workspace."""
        check_id(workspace_id)
        if not self.workspaces.exists(workspace_id):
            if not create:
                raise WorkspaceNotFound(f"no workspace named {workspace_id!r}")
            self.workspaces.ensure(workspace_id, kind="named")
        found = self._open.get(workspace_id, lambda: Workspace(self, workspace_id))
        if found.created != self.workspaces.info(workspace_id).created:
            # Deleted and created again by another process: what this one holds open (a Chroma
            # client on removed files) belongs to the old workspace.
            self._closing(workspace_id)
            found = self._open.get(workspace_id, lambda: Workspace(self, workspace_id))
        return found

    def session_workspace(self, owner: str = "") -> Workspace:
        """A new private workspace for one web session, deleted settings.session_ttl_hours after
        its last use."""
        self.sweep_workspaces()
        info, _ = self.workspaces.create(kind="session", owner=owner, ttl_hours=self.settings.session_ttl_hours,
                                         with_key=False)
        return self.workspace(info.id, create=False)

    def sweep_workspaces(self, force: bool = False) -> list[str]:
        """Delete the workspaces whose time ran out (checked at most once a minute unless forced)."""
        return self.workspaces.sweep(force, closing=self._closing)

    def _closing(self, workspace_id: str) -> None:
        found = self._open.pop(workspace_id)
        if found is not None:
            found.close()

    def delete_workspace(self, workspace_id: str | None = None) -> bool:
        """Delete a workspace (this assistant's own when no id is given) with all its documents."""
        if workspace_id is None:
            if self._workspace_id is None:
                raise WorkspaceError("this assistant has no workspace: Assistant(workspace=...)")
            workspace_id = self._workspace_id
        found = self._open.pop(workspace_id)
        return self.workspaces.delete(workspace_id, found.index if found else None)

    # ------------------------------------------------------------ index

    def sync_corpus(self) -> dict[str, list[str]]:
        """Bring the bundled notes into the index; only changed notes are embedded again."""
        documents = load_notes(self.settings.corpus_dir)
        with self._lock:
            changes = self.index.update(documents, keep=lambda entry: entry.kind != "note")
        if (changes.get("added") or changes.get("updated")) and self.settings.kind_guess is not None:
            # Trained with the index it belongs to, so that no question waits for it.
            kind_classifier(self.settings.corpus_dir, self.settings.index_dir, self.index.embeddings,
                            self.settings.embedding_model)
        return changes

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
        if (workspace := self._workspace) is not None:
            return workspace.ingest(paths)
        return ingest_files(self.index, paths, self._lock, self.settings)

    def documents(self) -> list[StoredDocument]:
        """The user's documents: the workspace's, or those ingested into the shared index."""
        if (workspace := self._workspace) is not None:
            return workspace.documents()
        return list_documents(self.index)

    def forget(self, document: str) -> bool:
        """Remove a user document: its vectors, BM25 entries and passages. False when unknown."""
        if (workspace := self._workspace) is not None:
            return workspace.forget(document)
        return forget_document(self.index, document, self._lock)

    def fetch(self, include_secondary: bool = False, only: Iterable[str] | None = None,
              timeout: float | None = None, manifest=None):
        """Download the manifest's official documents into settings.cache_dir and index them beside
        the notes; only changed documents are embedded again. Returns a FetchReport (changed,
        unchanged, removed, failed with the reason). `manifest` ({id: Source}) replaces
        corpus/sources.toml."""
        from .load.fetch import fetch_sources

        return fetch_sources(self.index, self.settings, manifest=manifest, include_secondary=include_secondary,
                             only=only, timeout=timeout, lock=self._lock)

    # ------------------------------------------------------------ questions

    def ask(self, question: str, language: str | None = None, *, history: list[str] | None = None,
            on_token: Callable[[str], None] | None = None) -> Answer:
        """`history`: the earlier user questions of the conversation, oldest first; a follow-up
        ("and how long does that take?") is retrieved together with the question it continues.
        `on_token`: called with each piece of generated text as it arrives (llm backend only);
        the returned Answer holds only what verification kept."""
        if (workspace := self._workspace) is not None:
            return workspace.ask(question, language, history=history, on_token=on_token)
        return self._answer(self.index, question, language, history, on_token)

    def search(self, question: str, language: str | None = None, k: int = 5) -> list[Hit]:
        """The k best passages for a question, ranked as the answer step sees them."""
        if (workspace := self._workspace) is not None:
            return workspace.search(question, language, k)
        return self._search(self.index, question, language, k)

    def as_retriever(self, k: int = 5, language: str | None = None):
        """A LangChain BaseRetriever over this assistant's hybrid retrieval (with its workspace)."""
        from .retrieve.retriever import AssistantRetriever

        return AssistantRetriever(searcher=self, k=k, language=language)

    def _answer(self, index, question: str, language: str | None, history: list[str] | None,
                on_token: Callable[[str], None] | None = None) -> Answer:
        question = clean_question(question)
        if language is not None and language not in LANGUAGES:
            raise ValueError(f"language must be one of {', '.join(LANGUAGES)} or None")
        lang = language or _detect(question, index)
        lang = lang if lang in LANGUAGES else "en"
        phrases = load_phrases(self.settings.prompts_dir, lang)
        if not question:
            return Answer(question, lang, phrases("errors.empty"), True)
        if not any(any(c.isalpha() for c in w) for w in words(question)):
            return Answer(question, lang, phrases("errors.unreadable"), True)
        query = contextualise(question, [clean_question(h) for h in history or [] if isinstance(h, str)])
        answerer = self.answerer
        if answerer.name != self.settings.answer_backend:  # settings replaced after construction (eval does)
            answerer = self.answerer = answerer_for(self.settings)
        return answerer.answer(query, lang, index, self.settings, phrases, self.threshold, asked=question,
                               on_token=on_token)

    def _search(self, index, question: str, language: str | None, k: int) -> list[Hit]:
        question = clean_question(question)
        lang = language or _detect(question, index)
        if not question:
            return []
        return retrieve(index, question, lang, self.settings, limit=k).hits

    # ------------------------------------------------------------ route planner

    def plan(self, profile: Profile | dict | str | Path) -> Plan:
        """The ordered, cited steps for a founder's profile (a Profile, a dict of its fields, or
        a YAML/JSON file). Deterministic: the same profile gives the same plan."""
        return make_plan(as_profile(profile), load_pathway(self.settings.corpus_dir), self.settings.prompts_dir)

    def readiness(self, profile: Profile | dict | str | Path, *, documents: bool = True) -> Readiness:
        """The pre-submission checklist for a profile. With `documents`, each item also points to
        the passage of the user's own documents (the workspace's, if any) that appears to cover it."""
        if (workspace := self._workspace) is not None:
            return workspace.readiness(profile, documents=documents)
        search = (lambda query, language: self.search(query, language, k=SEARCH_DEPTH)) \
            if documents and self.has_user_documents() else None
        return self._readiness(as_profile(profile), search)

    def report(self, profile: Profile | dict | str | Path, format: str = "markdown", *,
               today: dt.date | None = None) -> str | bytes:
        """The readiness report: Markdown text, or PDF bytes with `format="pdf"`."""
        profile = as_profile(profile)
        return self._report(self.readiness(profile), profile, format, today)

    def _readiness(self, profile: Profile, search) -> Readiness:
        pathway = load_pathway(self.settings.corpus_dir)
        plan = make_plan(profile, pathway, self.settings.prompts_dir)
        return make_readiness(profile, plan, pathway, self.settings.prompts_dir, search)

    def _report(self, readiness: Readiness, profile: Profile, format: str, today: dt.date | None) -> str | bytes:
        if format == "pdf":
            return report_pdf(readiness, self.settings.prompts_dir, name=profile.name,
                              corpus_version=load_pathway(self.settings.corpus_dir).version, today=today)
        if format in ("markdown", "md"):
            return report_markdown(readiness, self.settings.prompts_dir, name=profile.name, today=today)
        raise ValueError("format must be 'markdown' or 'pdf'")

    def has_user_documents(self) -> bool:
        gen = self.index.load()
        return gen is not None and any(entry.kind == "user" for entry in gen.docs.values())

    @property
    def threshold(self) -> float:
        if self.settings.abstain_threshold is not None:
            return self.settings.abstain_threshold
        return calibrated_threshold(self.settings)


class Workspace:
    """One workspace: its documents beside the shared corpus. Questions search both; ingest,
    documents, forget and delete touch the workspace only, never the shared index."""

    def __init__(self, assistant: Assistant, workspace_id: str):
        self.assistant = assistant
        self.id = workspace_id
        self.store = assistant.workspaces
        self.directory = self.store.path(workspace_id)
        self.created = self.store.info(workspace_id).created
        self.index = self.store.open_index(workspace_id)
        # Questions read the shared corpus and this workspace as one index (assistant/index/layered.py).
        self.search_index = LayeredIndex(assistant.index, self.index)
        self._lock = threading.Lock()

    def _check(self) -> None:
        # Another process (or request) may have deleted it: its documents must not answer then.
        if not self.store.exists(self.id):
            raise WorkspaceNotFound(f"no workspace named {self.id!r}")
        self.store.touch(self.id)

    def ask(self, question: str, language: str | None = None, *, history: list[str] | None = None,
            on_token=None) -> Answer:
        self._check()
        return self.assistant._answer(self.search_index, question, language, history, on_token)

    def search(self, question: str, language: str | None = None, k: int = 5) -> list[Hit]:
        self._check()
        return self.assistant._search(self.search_index, question, language, k)

    def plan(self, profile: Profile | dict | str | Path) -> Plan:
        return self.assistant.plan(profile)

    def readiness(self, profile: Profile | dict | str | Path, *, documents: bool = True) -> Readiness:
        """The checklist, each item pointing to the passage of this workspace's documents that
        appears to cover it; the shared index's user files are never searched for it."""
        self._check()
        search = (lambda query, language: [h for h in self.search(query, language, k=SEARCH_DEPTH)
                                           if h.chunk.doc_id in self._document_ids()]) \
            if documents and self.documents() else None
        return self.assistant._readiness(as_profile(profile), search)

    def report(self, profile: Profile | dict | str | Path, format: str = "markdown", *,
               today: dt.date | None = None) -> str | bytes:
        profile = as_profile(profile)
        return self.assistant._report(self.readiness(profile), profile, format, today)

    def _document_ids(self) -> set[str]:
        return {d.source_id for d in self.documents()}

    def ingest(self, paths: Iterable[str | Path]) -> IngestReport:
        self._check()
        return ingest_files(self.index, paths, self._lock, self.assistant.settings)

    def documents(self) -> list[StoredDocument]:
        self._check()
        return list_documents(self.index)

    def forget(self, document: str) -> bool:
        """Remove one document: its vectors, BM25 entries, passages and the copy uploaded here."""
        self._check()
        return forget_document(self.index, document, self._lock, uploads_root=self.directory)

    def delete_workspace(self) -> bool:
        return self.assistant.delete_workspace(self.id)

    def status(self) -> IndexStatus | None:
        return self.index.status()

    def as_retriever(self, k: int = 5, language: str | None = None):
        from .retrieve.retriever import AssistantRetriever

        return AssistantRetriever(searcher=self, k=k, language=language)

    def close(self) -> None:
        self.index.store.close()


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


def _detect(question: str, index) -> str:
    """The question's language, its content words voting by the languages the sources use them in."""
    generation = index.load()
    return detect_language(question, owners=generation.lexical.languages_of if generation is not None else None)
