"""The index: Chroma vectors + BM25 + sentence vectors, kept as immutable generations.

An update never edits the live generation. It writes a new one next to it (reusing the vectors
of every document whose content hash did not change), then switches the `CURRENT` pointer with
an atomic rename. A crash at any point before the rename leaves the previous generation live;
leftovers of an unfinished generation are cleaned up by the next writer.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import shutil
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .chunking import chunk_document, embedding_text
from .embeddings import canonical_name, embed_array, load_embeddings
from .lexical import LexicalIndex
from .sentences import sentence_spans
from .settings import Settings
from .types import Chunk, Document, IndexStatus
from .vectorstore import VectorStore

POINTER = "CURRENT"
FORMAT_VERSION = 2  # bumped when the stored layout changes: an older index is rebuilt


@dataclass
class DocEntry:
    doc_id: str
    content_hash: str
    kind: str
    path: str
    first: int  # rows [first, first + count) of the generation's chunk list
    count: int


@dataclass
class Generation:
    """One complete, immutable version of the index, loaded in memory for search."""

    name: str
    collection: str
    embedding_model: str
    built_at: str
    docs: dict[str, DocEntry]
    chunks: list[Chunk]
    vectors: np.ndarray  # one row per chunk
    sentence_rows: np.ndarray  # (n, 3): chunk row, start, end (offsets in the chunk text)
    sentence_vectors: np.ndarray
    lexical: LexicalIndex
    by_id: dict[str, int] = field(default_factory=dict)
    sentences_of: dict[int, np.ndarray] = field(default_factory=dict)
    topic_languages: dict[str, set[str]] = field(default_factory=dict)

    def __post_init__(self):
        self.by_id = {c.chunk_id: i for i, c in enumerate(self.chunks)}
        for chunk in self.chunks:
            self.topic_languages.setdefault(chunk.topic, set()).add(chunk.language)
        order = np.argsort(self.sentence_rows[:, 0], kind="stable") if len(self.sentence_rows) else np.zeros(0, int)
        rows = self.sentence_rows[order, 0] if len(order) else np.zeros(0, int)
        bounds = np.searchsorted(rows, np.arange(len(self.chunks) + 1))
        self.sentences_of = {i: order[bounds[i]:bounds[i + 1]] for i in range(len(self.chunks))}


class Index:
    """Opens, builds and updates the index under settings.index_dir."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.root = Path(settings.index_dir)
        self.root.mkdir(parents=True, exist_ok=True)
        self.store = VectorStore(self.root / "chroma", settings.chroma_host, settings.chroma_port)
        self.model_name = canonical_name(settings.embedding_model)
        self._embeddings = None
        self.current: Generation | None = None
        self._pointer_mtime = 0.0
        self.last_embedded_chunks = 0  # passages embedded by the last update (the rest were reused)

    # ------------------------------------------------------------ reading

    @property
    def embeddings(self):
        if self._embeddings is None:
            self._embeddings = load_embeddings(self.settings.embedding_model)
        return self._embeddings

    def _read_pointer(self) -> dict | None:
        path = self.root / POINTER
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (FileNotFoundError, json.JSONDecodeError):
            return None

    def load(self) -> Generation | None:
        """Load the live generation (again, if another process switched it)."""
        pointer_path = self.root / POINTER
        try:
            mtime = pointer_path.stat().st_mtime
        except FileNotFoundError:
            return None
        if self.current is not None and mtime == self._pointer_mtime:
            return self.current
        pointer = self._read_pointer()
        if pointer is None:
            return None
        directory = self.root / "generations" / pointer["generation"]
        if _format_of(directory) != FORMAT_VERSION:
            return None  # written by another version: the next update rebuilds from scratch
        self.current = _load_generation(directory)
        self._pointer_mtime = mtime
        return self.current

    def status(self) -> IndexStatus | None:
        gen = self.load()
        if gen is None:
            return None
        languages: dict[str, int] = {}
        for chunk in gen.chunks:
            languages[chunk.language] = languages.get(chunk.language, 0) + 1
        return IndexStatus(str(self.root), gen.name, len(gen.docs), len(gen.chunks), gen.embedding_model,
                           languages, gen.built_at)

    # ------------------------------------------------------------ writing

    @contextlib.contextmanager
    def _writer_lock(self):
        with open(self.root / ".lock", "a+") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def update(self, documents: Iterable[Document] = (), remove: Iterable[str] = (),
               keep=lambda entry: True, force: bool = False) -> dict[str, list[str]]:
        """Write a new generation: `documents` added or replaced, `remove` and entries failing
        `keep` dropped, everything else carried over without re-embedding (unless the embedding
        model changed or `force` asks for it).

        Returns which doc ids were added, updated, unchanged and removed.
        """
        incoming = {d.doc_id: d for d in documents}
        removed = set(remove)
        # An update with nothing to write returns early: it embedded nothing, not the last count.
        self.last_embedded_chunks = 0
        with self._writer_lock():
            self._pointer_mtime = 0.0  # re-read: another process may have switched meanwhile
            old = self.load()
            reuse = old is not None and old.embedding_model == self.model_name and not force
            report: dict[str, list[str]] = {"added": [], "updated": [], "unchanged": [], "removed": []}
            carried: list[DocEntry] = []
            for entry in (old.docs.values() if old else []):
                new = incoming.get(entry.doc_id)
                if new is None:
                    if entry.doc_id in removed or not keep(entry):
                        report["removed"].append(entry.doc_id)
                    else:
                        carried.append(entry)
                elif new.content_hash == entry.content_hash:
                    report["unchanged"].append(entry.doc_id)
                    carried.append(entry)
                    del incoming[entry.doc_id]
                else:
                    report["updated"].append(entry.doc_id)
            report["added"] = [i for i in incoming if i not in report["updated"]]
            if old is not None and reuse and not (incoming or report["removed"]):
                return report
            gen = self._write_generation(old, carried, list(incoming.values()), reuse)
            self._switch(gen, old)
            return report

    def _write_generation(self, old: Generation | None, carried: list[DocEntry], fresh: list[Document],
                          reuse: bool) -> Generation:
        name = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:8]
        directory = self.root / "generations" / name
        directory.mkdir(parents=True)

        docs: dict[str, DocEntry] = {}
        chunks: list[Chunk] = []
        copied: list[tuple[int, int]] = []  # (new row, old row) whose vectors are reused
        for entry in carried:
            first = len(chunks)
            chunks.extend(old.chunks[entry.first:entry.first + entry.count])
            if reuse:
                copied.extend((first + k, entry.first + k) for k in range(entry.count))
            docs[entry.doc_id] = DocEntry(entry.doc_id, entry.content_hash, entry.kind, entry.path, first, entry.count)
        for doc in fresh:
            doc_chunks = chunk_document(doc)
            docs[doc.doc_id] = DocEntry(doc.doc_id, doc.content_hash, doc.kind, doc.path, len(chunks), len(doc_chunks))
            chunks.extend(doc_chunks)

        reused = {new for new, _ in copied}
        to_embed = [row for row in range(len(chunks)) if row not in reused]
        spans = [(row, s, e) for row in to_embed for s, e in sentence_spans(chunks[row].text)]
        texts = [embedding_text(chunks[row]) for row in to_embed] + [chunks[r].text[s:e] for r, s, e in spans]
        embedded = self._embed(texts)
        self.last_embedded_chunks = len(to_embed)
        dim = embedded.shape[1] if embedded.size else (old.vectors.shape[1] if old is not None else 0)

        vectors = np.zeros((len(chunks), dim), dtype=np.float32)
        if to_embed:
            vectors[to_embed] = embedded[:len(to_embed)]
        s_rows_parts = [np.asarray(spans, dtype=np.int64).reshape(-1, 3)]
        s_vec_parts = [embedded[len(to_embed):].reshape(-1, dim)]
        if copied:
            new_rows, old_rows = (np.asarray(x) for x in zip(*copied))
            vectors[new_rows] = old.vectors[old_rows]
            for new_row, old_row in copied:
                idx = old.sentences_of[old_row]
                if len(idx):
                    rows = old.sentence_rows[idx].copy()
                    rows[:, 0] = new_row
                    s_rows_parts.append(rows)
                    s_vec_parts.append(old.sentence_vectors[idx])
        s_rows = np.vstack(s_rows_parts)
        s_vectors = np.vstack(s_vec_parts).astype(np.float32)
        lexical = LexicalIndex.build([(c.chunk_id, c.language, embedding_text(c)) for c in chunks])

        collection = f"chunks-{name}"
        self.store.write_collection(collection, chunks, vectors)

        np.save(directory / "vectors.npy", vectors)
        np.save(directory / "sentence_rows.npy", s_rows)
        np.save(directory / "sentence_vectors.npy", s_vectors)
        lexical.save(directory / "lexical.json")
        with open(directory / "chunks.jsonl", "w", encoding="utf-8") as out:
            for c in chunks:
                out.write(json.dumps({"text": c.text, **c.metadata()}, ensure_ascii=False) + "\n")
        meta = {
            "format": FORMAT_VERSION,
            "name": name,
            "collection": collection,
            "embedding_model": self.model_name,
            "built_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "docs": [vars(d) for d in docs.values()],
        }
        _write_atomic(directory / "meta.json", json.dumps(meta, ensure_ascii=False, indent=1))
        _fsync_tree(directory)
        return Generation(name, collection, self.model_name, meta["built_at"], docs, chunks, vectors,
                          s_rows, s_vectors, lexical)

    def _embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        batch = 64
        progress = None
        if self.settings.show_progress and len(texts) > batch:
            from tqdm import tqdm

            progress = tqdm(total=len(texts), desc="Embedding passages", unit="text")
        parts = []
        for i in range(0, len(texts), batch):
            parts.append(embed_array(self.embeddings, texts[i:i + batch]))
            if progress is not None:
                progress.update(len(texts[i:i + batch]))
        if progress is not None:
            progress.close()
        return np.vstack(parts).astype(np.float32)

    def _switch(self, gen: Generation, old: Generation | None) -> None:
        pointer = {"generation": gen.name, "collection": gen.collection,
                   "previous": old.name if old else None}
        _write_atomic(self.root / POINTER, json.dumps(pointer))
        self.current = gen
        self._pointer_mtime = (self.root / POINTER).stat().st_mtime
        self._collect_garbage(keep={gen.name, old.name if old else ""})

    def _collect_garbage(self, keep: set[str]) -> None:
        """Drop generations other than the live one and its predecessor (still read by other
        processes that have not reloaded yet)."""
        gens = self.root / "generations"
        for directory in gens.iterdir() if gens.exists() else []:
            if directory.name not in keep:
                shutil.rmtree(directory, ignore_errors=True)
        for collection in self.store.collection_names():
            if collection.startswith("chunks-") and collection[len("chunks-"):] not in keep:
                self.store.drop(collection)

    # ------------------------------------------------------------ search helpers

    def dense_search(self, vector: np.ndarray, limit: int) -> list[tuple[str, float]]:
        gen = self.load()
        if gen is None:
            return []
        return self.store.query(gen.collection, vector, limit)


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    with open(tmp, "w", encoding="utf-8") as out:
        out.write(text)
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_tree(directory: Path) -> None:
    for path in directory.iterdir():
        if path.is_file():
            with open(path, "rb") as handle:
                os.fsync(handle.fileno())
    _fsync_dir(directory)


def _format_of(directory: Path) -> int | None:
    try:
        return json.loads((directory / "meta.json").read_text(encoding="utf-8")).get("format")
    except (OSError, json.JSONDecodeError):
        return None


def _load_generation(directory: Path) -> Generation:
    meta = json.loads((directory / "meta.json").read_text(encoding="utf-8"))
    chunks = []
    with open(directory / "chunks.jsonl", encoding="utf-8") as lines:
        for line in lines:
            data = json.loads(line)
            chunks.append(Chunk.from_metadata(data.pop("text"), data))
    docs = {d["doc_id"]: DocEntry(**d) for d in meta["docs"]}
    return Generation(
        name=meta["name"],
        collection=meta["collection"],
        embedding_model=meta["embedding_model"],
        built_at=meta["built_at"],
        docs=docs,
        chunks=chunks,
        vectors=np.load(directory / "vectors.npy"),
        sentence_rows=np.load(directory / "sentence_rows.npy"),
        sentence_vectors=np.load(directory / "sentence_vectors.npy"),
        lexical=LexicalIndex.load(directory / "lexical.json"),
    )
