"""Data objects shared by every step: load → chunk → index → retrieve → answer → present."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from typing import Any

LANGUAGES = ("fr", "nl", "en")


@dataclass(frozen=True)
class Block:
    """A structural unit of a document (paragraph, list item, heading), as a span of its text."""

    start: int
    end: int
    heading: str = ""  # the nearest section heading above the block
    page: int | None = None  # 1-based page number, for paginated sources
    is_heading: bool = False
    # Manifest ids of the sources this block rests on (bundled notes only; "meta" marks
    # commentary about the sources, which is never quoted).
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class Document:
    """One source in one language, with its text exactly as read and its structure."""

    doc_id: str  # stable id: a note id ("topic.lang") or a user file name
    title: str
    publisher: str
    url: str  # primary URL (official page, or file:// for a user's file)
    language: str
    checked: str  # ISO date the source was last checked or fetched
    text: str
    blocks: tuple[Block, ...]
    topic: str = ""  # shared by the language versions of one note
    kind: str = "note"  # note | user | fetched
    source_urls: tuple[str, ...] = ()
    path: str = ""

    @property
    def content_hash(self) -> str:
        # Metadata is hashed with the text: a new checked date or title must reach the index too.
        h = hashlib.sha256()
        for part in (self.text, self.title, self.publisher, self.url, self.language, self.checked, self.topic,
                     "\n".join(self.source_urls)):
            h.update(part.encode("utf-8"))
            h.update(b"\0")
        return h.hexdigest()


@dataclass(frozen=True)
class Chunk:
    """A passage of a document; `text` is a verbatim slice of the document text."""

    chunk_id: str
    doc_id: str
    ordinal: int
    text: str
    title: str
    publisher: str
    url: str
    language: str
    checked: str
    locator: str  # section heading or page, as shown to the user
    topic: str
    kind: str
    start: int = 0
    end: int = 0
    # Number of the section in the document: the language versions of a note share their
    # structure, so (topic, section) names the same facts in every language.
    section: int = 0
    # Manifest ids of the sources the passage rests on; a passage never spans two sets of ids.
    sources: tuple[str, ...] = ()

    def metadata(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("text")
        data["sources"] = list(self.sources)
        return data

    @classmethod
    def from_metadata(cls, text: str, meta: dict[str, Any]) -> Chunk:
        fields = {k: meta[k] for k in cls.__dataclass_fields__ if k not in ("text", "sources")}
        return cls(text=text, sources=tuple(meta.get("sources") or ()), **fields)


@dataclass(frozen=True)
class Hit:
    """A chunk found for a question, with the scores that ranked it."""

    chunk: Chunk
    score: float  # fused score used for ranking
    dense: float = 0.0  # cosine similarity with the question (0 when not scored)
    lexical: float = 0.0  # BM25 score (0 when not matched)


SOURCE_KINDS = ("official", "secondary", "user")


@dataclass(frozen=True)
class Citation:
    """A numbered source of an answer: the page that states the quoted passage.

    `source_id`, `title`, `publisher` and `url` are those of the supporting source in the
    manifest (for a user's file: the file); `note` and `locator` say where the passage sits in
    the bundled note that restates that source."""

    n: int
    source_id: str
    title: str
    publisher: str
    url: str
    locator: str
    quote: str
    checked: str
    language: str
    kind: str = "official"  # official | secondary | user
    note: str = ""  # id of the note or document the passage was quoted from
    also: tuple[str, ...] = ()  # further manifest ids the same passage rests on

    @property
    def secondary(self) -> bool:
        return self.kind == "secondary"

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["also"] = list(self.also)
        return data


@dataclass(frozen=True)
class Statement:
    """One sentence of an answer and the citation it comes from (None for fixed phrases)."""

    text: str
    citation: int | None
    role: str  # direct | point | phrase | uncovered
    part: int = 0  # which sub-question of the question it answers
    # True: a generated sentence checked against its cited passage (llm backend). None: nothing
    # was generated (a verbatim quote or a fixed phrase), so there was nothing to check.
    verified: bool | None = None


@dataclass(frozen=True)
class AnswerPart:
    """One question within the user's message, and whether the sources answer it."""

    question: str
    intent: str  # steps | yesno | duration | cost | who | documents | definition | comparison | date | general
    covered: bool


@dataclass(frozen=True)
class Rejection:
    """A generated sentence that verification removed, with the reason (for audits and eval)."""

    text: str
    reason: str
    cited: tuple[str, ...] = ()  # the passage ids it cited ("P2")
    replaced_by: str = ""  # the quote shown instead, when one supported the same point

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["cited"] = list(self.cited)
        return data


@dataclass
class Answer:
    question: str
    language: str
    text: str
    abstained: bool
    citations: list[Citation] = field(default_factory=list)
    statements: list[Statement] = field(default_factory=list)
    confidence: float = 0.0
    closest: list[Citation] = field(default_factory=list)  # offered when abstaining
    parts: list[AnswerPart] = field(default_factory=list)
    situation: dict[str, Any] = field(default_factory=dict)  # what the question says of the founder's product
    refusal: str = ""  # "" | uncertain (sources do not answer) | out_of_scope (not what this assistant is for)
    backend: str = "extractive"  # the answerer that wrote it: extractive | llm
    generated: int = 0  # sentences the model wrote (llm backend)
    removed: int = 0  # of those, how many verification removed (dropped or replaced by a quote)
    rejected: list[Rejection] = field(default_factory=list)  # the removed sentences and why
    fallback: str = ""  # why the llm backend fell back to the extractive answer ("" when it did not)

    @property
    def direct(self) -> str:
        """The first statement: the answer to the (first) question asked."""
        return self.statements[0].text if self.statements else ""

    @property
    def uncovered(self) -> list[str]:
        """The parts of the question that the sources do not answer."""
        return [p.question for p in self.parts if not p.covered]

    def statements_of(self, part: int) -> list[Statement]:
        return [s for s in self.statements if s.part == part]

    def to_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "language": self.language,
            "text": self.text,
            "abstained": self.abstained,
            "refusal": self.refusal,
            "confidence": round(float(self.confidence), 4),
            "direct": self.direct,
            "parts": [{**asdict(p), "statements": [asdict(s) for s in self.statements_of(i)]}
                      for i, p in enumerate(self.parts)],
            "uncovered": self.uncovered,
            "situation": self.situation,
            "citations": [c.to_dict() for c in self.citations],
            "statements": [asdict(s) for s in self.statements],
            "closest": [c.to_dict() for c in self.closest],
            "backend": self.backend,
            "generated": self.generated,
            "removed": self.removed,
            "rejected": [r.to_dict() for r in self.rejected],
            "fallback": self.fallback,
        }


@dataclass(frozen=True)
class FileOutcome:
    path: str
    status: str  # added | updated | unchanged | skipped
    source_id: str = ""
    reason: str = ""
    chunks: int = 0


@dataclass
class IngestReport:
    outcomes: list[FileOutcome] = field(default_factory=list)

    @property
    def added(self) -> list[FileOutcome]:
        return [o for o in self.outcomes if o.status in ("added", "updated")]

    @property
    def skipped(self) -> list[FileOutcome]:
        return [o for o in self.outcomes if o.status == "skipped"]

    @property
    def unchanged(self) -> list[FileOutcome]:
        return [o for o in self.outcomes if o.status == "unchanged"]

    def to_dict(self) -> dict[str, Any]:
        return {"outcomes": [asdict(o) for o in self.outcomes]}

    def summary(self) -> str:
        lines = []
        for o in self.outcomes:
            detail = f"{o.chunks} passages" if o.status in ("added", "updated") else o.reason
            lines.append(f"{o.status:9} {o.path}" + (f" — {detail}" if detail else ""))
        return "\n".join(lines)


@dataclass(frozen=True)
class StoredDocument:
    """A document of a workspace (or a user document of the shared index), as listed to its owner."""

    source_id: str  # the id `forget` and the HTTP API take
    title: str
    kind: str
    language: str
    passages: int
    checked: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class IndexStatus:
    index_dir: str
    generation: str
    documents: int
    chunks: int
    embedding_model: str
    languages: dict[str, int]
    built_at: str
    disk_bytes: int = 0  # the whole index folder: generations, Chroma, stored originals


@dataclass(frozen=True)
class Source:
    """An entry of the manifest corpus/sources.toml: one official (or secondary) document."""

    id: str
    publisher: str
    title: str
    type: str  # html | pdf
    urls: dict[str, str]  # language -> URL
    topics: tuple[str, ...] = ()
    secondary: bool = False
