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
import hashlib
import json
import logging
import os
import shutil
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .chunking import chunk_document, embedding_text
from .embeddings import canonical_name, embed_array, load_embeddings
from .lexical import LexicalIndex
from .originals import Originals
from .sentences import sentence_spans
from ..settings import Settings
from ..types import Chunk, Document, IndexStatus
from .vectorstore import MissingCollection, StoreUnavailable, VectorStore
from . import usepool

log = logging.getLogger(__name__)

POINTER = "CURRENT"
FORMAT_VERSION = 3  # bumped when the stored layout changes: an older index is rebuilt
WHOLE_TEXT = "whole-text"  # passage vectors embedded from embedding_text(chunk) in one piece
DATA_FILES = ("vectors.npy", "sentence_rows.npy", "sentence_vectors.npy", "lexical.json", "chunks.jsonl")
# On open, files up to this size are hashed; bigger ones only have their size checked (hashing
# the 350 MB of a 10,000-page index would add a second to every start). `index check` hashes all.
QUICK_HASH_BYTES = 64 * 1024 * 1024
DAMAGED = "damaged"  # where generations the loader could not read are set aside (the newest few kept)


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
    recipe: str = WHOLE_TEXT  # how the passage vectors were made (Index.recipe)
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

    def __init__(self, settings: Settings, repair_store: bool = True):
        """`repair_store=False` (for `index check`): an unreadable Chroma store is reported, not
        started again."""
        self.settings = settings
        self._repair_store = repair_store
        self.root = Path(settings.index_dir)
        self.root.mkdir(parents=True, exist_ok=True)
        self.model_name = canonical_name(settings.embedding_model)
        self._embeddings = None
        self.current: Generation | None = None
        self._pointer_mtime = 0.0
        self.last_embedded_chunks = 0  # passages embedded by the last update (the rest were reused)
        self.last_timings: dict[str, float] = {}  # seconds per step of the last written generation
        self.originals = Originals(self.root)
        # What is wrong with the index as found on disk, in words; repaired by the next update.
        self.damage: list[str] = []
        self.repaired: list[str] = []  # damage this process found and repaired
        self.damaged_generations: set[str] = set()
        self.store_reset = False
        self.store = self._open_store()

    def _open_store(self) -> VectorStore:
        settings = self.settings
        try:
            return VectorStore(self.root / "chroma", settings.chroma_host, settings.chroma_port)
        except StoreUnavailable:
            raise
        except Exception as exc:
            if settings.chroma_host or not is_corruption(exc):
                raise
            # The embedded store is derived data (every generation keeps its vectors): start it
            # again and write the live collection back from the stored vectors.
            self._note(f"the Chroma store is unreadable ({_short(exc)})")
            if not self._repair_store:
                return None
            self.store_reset = True
            return VectorStore.recreate(self.root / "chroma")

    def _note(self, damage: str) -> None:
        if damage not in self.damage:
            self.damage.append(damage)

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
        except (OSError, ValueError):
            return None

    def load(self) -> Generation | None:
        """Load the live generation (again, if another process switched it).

        A generation that fails its checks is not used: the newest complete one is, and the
        damage is noted (self.damage) for the next update to repair."""
        pointer_path = self.root / POINTER
        try:
            mtime = pointer_path.stat().st_mtime
        except FileNotFoundError:
            mtime = -1.0
        if self.current is not None and mtime == self._pointer_mtime:
            return self.current
        pointer = self._read_pointer() if mtime >= 0 else None
        name = pointer.get("generation") if isinstance(pointer, dict) else None
        gen = None
        if not isinstance(name, str) or "/" in name or not name:
            if mtime >= 0:
                self._note("the CURRENT pointer is unreadable")
            elif self._generation_dirs():
                self._note("the CURRENT pointer is missing")
        else:
            directory = self.root / "generations" / name
            if _format_of(directory) not in (None, FORMAT_VERSION):
                return None  # written by another version: the next update rebuilds from scratch
            gen = self._try_load(directory)
        if gen is None:
            gen = self._fallback()
        self.current = gen
        self._pointer_mtime = mtime
        return gen

    def _try_load(self, directory: Path, full: bool = False) -> Generation | None:
        problem = verify_generation(directory, full=full)
        if problem is None:
            try:
                return _load_generation(directory)
            except Exception as exc:  # a file that passed the size check but does not parse
                problem = f"unreadable ({_short(exc)})"
        self._note(f"generation {directory.name}: {problem}")
        self.damaged_generations.add(directory.name)
        return None

    def _generation_dirs(self) -> list[Path]:
        gens = self.root / "generations"
        return sorted((d for d in gens.iterdir() if d.is_dir()), reverse=True) if gens.exists() else []

    def _fallback(self) -> Generation | None:
        """The newest complete generation other than the damaged ones (names start with the time)."""
        for directory in self._generation_dirs():
            if directory.name in self.damaged_generations or not (directory / "meta.json").exists():
                continue
            if _format_of(directory) not in (None, FORMAT_VERSION):
                continue
            gen = self._try_load(directory)
            if gen is not None:
                return gen
        return None

    def status(self) -> IndexStatus | None:
        gen = self.load()
        if gen is None:
            return None
        languages: dict[str, int] = {}
        for chunk in gen.chunks:
            languages[chunk.language] = languages.get(chunk.language, 0) + 1
        return IndexStatus(str(self.root), gen.name, len(gen.docs), len(gen.chunks), gen.embedding_model,
                           languages, gen.built_at, disk_bytes=disk_usage(self.root))

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
            damage = list(self.damage)
            set_aside = set(self.damaged_generations)
            if damage:
                # The user's documents the damaged generation held come back from their originals.
                removed_now = removed | {e.doc_id for e in (old.docs.values() if old else []) if not keep(e)}
                for doc in self._recover_user_documents(old, incoming, removed_now):
                    incoming[doc.doc_id] = doc
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
            if old is not None and reuse and not (incoming or report["removed"] or damage):
                self._ensure_collection(old)
                return report
            if reuse and old.recipe != self.recipe:
                reuse = False  # passage vectors made another way: embed everything again
            started = time.perf_counter()
            try:
                gen = self._write_generation(old, carried, list(incoming.values()), reuse)
                self._write_manifest(gen)
                self._switch(gen, old)
            except Exception as exc:
                if damage:
                    log.warning(f"assistant: index damaged: {'; '.join(damage)}; repair failed ({_short(exc)}); "
                                f"run `assistant index repair --index-dir {self.root}`")
                raise
            if damage:
                self._quarantine()
                recovered = [d for d in incoming.values() if d.kind == "user"]
                log.warning(f"assistant: index damaged: {'; '.join(damage)}; repaired in "
                            f"{time.perf_counter() - started:.1f} s as generation {gen.name}"
                            + (f", {len(recovered)} of your documents re-read from their stored originals"
                               if recovered else "")
                            + (f"; damaged generation kept in {self.root / DAMAGED}" if set_aside else ""))
                self.repaired += damage
                self.damage = []
                self.damaged_generations = set()
                self.store_reset = False
            return report

    # ------------------------------------------------------------ damage

    def _recover_user_documents(self, old: Generation | None, incoming: dict[str, Document],
                                removed: set[str]) -> list[Document]:
        """The user's documents listed in the originals' manifest that `old` lacks (or holds in an
        older version), read again from their stored copies."""
        from dataclasses import replace

        from ..load.extraction import Extractor
        from ..load.readers import ReadError

        wanted = {doc_id: rel for doc_id, rel in self.originals.manifest().items()
                  if doc_id not in incoming and doc_id not in removed
                  and (old is None or doc_id not in old.docs or old.docs[doc_id].path != rel)}
        out = []
        if not wanted:
            return out
        with Extractor.from_settings(self.settings) as extractor:
            for doc_id, rel in sorted(wanted.items()):
                try:
                    doc = extractor.read(self.originals.path(rel), kind="user", display_name=doc_id)
                except ReadError as exc:
                    self._note(f"your document {doc_id} could not be re-read from its original ({exc})")
                    continue
                out.append(replace(doc, path=rel))
        return out

    def _write_manifest(self, gen: Generation) -> None:
        user = {d.doc_id: d.path for d in gen.docs.values() if d.kind == "user" and Originals.is_original(d.path)}
        if user or (self.originals.root / "manifest.json").exists():
            self.originals.write_manifest(user, _write_atomic)

    def _quarantine(self) -> None:
        """Move the generations that failed their checks out of the way, for inspection; only the
        newest `damaged_kept` stay, so that an index damaged again and again does not fill the disk.
        Nothing the user gave is lost: their files come back from originals/, not from a generation."""
        for name in sorted(self.damaged_generations):
            source = self.root / "generations" / name
            if source.exists() and (self.current is None or name != self.current.name):
                target = self.root / DAMAGED / name
                target.parent.mkdir(parents=True, exist_ok=True)
                if target.exists():
                    target = target.with_name(f"{name}-{uuid.uuid4().hex[:6]}")
                shutil.move(str(source), str(target))
                os.utime(target)  # when it was set aside, which orders what is kept
        aside = self.root / DAMAGED
        if aside.is_dir():
            kept = sorted(aside.iterdir(), key=lambda p: p.stat().st_mtime, reverse=True)
            for old in kept[max(0, self.settings.damaged_kept):]:
                shutil.rmtree(old, ignore_errors=True)

    def _ensure_collection(self, gen: Generation) -> None:
        """The live generation's Chroma collection, written back from its stored vectors when the
        store lost it or holds it incomplete."""
        try:
            count = self.store.count(gen.collection)
        except MissingCollection:
            count = -1
        if count != len(gen.chunks):
            self.store.write_collection(gen.collection, gen.chunks, gen.vectors)
            if self.damage:
                log.warning(f"assistant: index damaged: {'; '.join(self.damage)}; repaired: Chroma collection "
                            f"rewritten from the stored vectors of generation {gen.name}")
                self.repaired += self.damage
                self.damage = []
                self.store_reset = False

    def check(self) -> list[str]:
        """Every problem a full check finds, in words; nothing is changed."""
        problems = []
        pointer = self._read_pointer()
        live = pointer.get("generation") if isinstance(pointer, dict) else None
        if not isinstance(live, str) or not (self.root / "generations" / live).is_dir():
            problems.append("the CURRENT pointer is unreadable or names no generation")
        for directory in self._generation_dirs():
            if not (directory / "meta.json").exists():
                continue  # an unfinished build: the next writer removes it
            problem = verify_generation(directory, full=True)
            if problem is None:
                try:
                    _load_generation(directory)
                except Exception as exc:
                    problem = f"unreadable ({_short(exc)})"
            if problem:
                problems.append(f"generation {directory.name}" + (" (live)" if directory.name == live else "")
                                + f": {problem}")
        problems += [d for d in self.damage if d.startswith("the Chroma store")]
        gen = self.load()
        if gen is not None and self.store is not None and not self.store_reset:
            try:
                count = self.store.count(gen.collection)
                if count != len(gen.chunks):
                    problems.append(f"the Chroma collection of generation {gen.name} holds {count} of "
                                    f"{len(gen.chunks)} passages")
            except MissingCollection:
                problems.append(f"the Chroma collection of generation {gen.name} is missing")
            except Exception as exc:
                problems.append(f"the Chroma store is unreadable ({_short(exc)})")
        if gen is not None:
            for entry in gen.docs.values():
                if entry.kind == "user" and Originals.is_original(entry.path) and not self.originals.intact(entry.path):
                    problems.append(f"the stored original of your document {entry.doc_id} is missing or damaged")
        return list(dict.fromkeys(problems))

    def repair(self) -> list[str]:
        """Mark what a full check finds as damage, so that the next update repairs it; returns
        the problems found. A store that cannot be read is started again."""
        problems = self.check()
        for problem in problems:
            self._note(problem)
            if problem.startswith("generation "):
                self.damaged_generations.add(problem.split()[1].rstrip(":"))
            if problem.startswith("the Chroma store") and not self.store_reset and not self.store.remote:
                self.store = VectorStore.recreate(self.root / "chroma")
                self.store_reset = True
        self._pointer_mtime = 0.0
        self.current = None
        return problems

    def _write_generation(self, old: Generation | None, carried: list[DocEntry], fresh: list[Document],
                          reuse: bool) -> Generation:
        name = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:8]
        directory = self.root / "generations" / name
        directory.mkdir(parents=True)
        timer = _StepTimer()

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
        timer.step("chunk")
        recipe = (self.recipe if to_embed else old.recipe) if old is not None else self.recipe
        fresh_vectors, fresh_sentence_vectors = self._embed_passages(chunks, to_embed, spans)
        self.last_embedded_chunks = len(to_embed)
        dim = fresh_vectors.shape[1] if to_embed else (old.vectors.shape[1] if old is not None else 0)

        vectors = np.zeros((len(chunks), dim), dtype=np.float32)
        if to_embed:
            vectors[to_embed] = fresh_vectors
        del fresh_vectors
        s_rows = np.asarray(spans, dtype=np.int64).reshape(-1, 3)
        s_vectors = fresh_sentence_vectors.reshape(len(spans), dim)
        if copied:
            new_rows, old_rows = (np.asarray(x, dtype=np.int64) for x in zip(*copied))
            vectors[new_rows] = old.vectors[old_rows]
            # The carried sentences, in one gather rather than one small copy per passage.
            parts = [old.sentences_of[int(r)] for r in old_rows]
            idx = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
            rows = old.sentence_rows[idx].copy()
            rows[:, 0] = np.repeat(new_rows, [len(part) for part in parts])
            s_rows = np.vstack([s_rows, rows])
            carried_vectors = np.empty((len(s_vectors) + len(idx), dim), dtype=np.float32)
            carried_vectors[:len(s_vectors)] = s_vectors
            carried_vectors[len(s_vectors):] = old.sentence_vectors[idx]
            s_vectors = carried_vectors
        del fresh_sentence_vectors
        timer.step("embed")
        lexical = LexicalIndex.build([(c.chunk_id, c.language, embedding_text(c)) for c in chunks])
        timer.step("lexical")

        collection = f"chunks-{name}"
        progress = self._progress(len(chunks) if len(chunks) > 5000 else 0, "Writing vectors to Chroma", "passage")
        try:
            self.store.write_collection(collection, chunks, vectors, progress=progress.update)
        finally:
            progress.close()
        timer.step("chroma")

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
            "vector_recipe": recipe,
            "built_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "docs": [vars(d) for d in docs.values()],
            # Checked when the generation is opened: a truncated or overwritten file is found
            # before it is used, and the previous complete generation serves instead.
            "files": {f: {"bytes": (directory / f).stat().st_size, "sha256": _sha256(directory / f)}
                      for f in DATA_FILES},
        }
        _write_atomic(directory / "meta.json", json.dumps(meta, ensure_ascii=False, indent=1))
        _fsync_tree(directory)
        timer.step("save")
        self.last_timings = timer.steps
        return Generation(name, collection, self.model_name, meta["built_at"], docs, chunks, vectors,
                          s_rows, s_vectors, lexical, recipe=recipe)

    @property
    def recipe(self) -> str:
        """How passage vectors are made: old vectors are reused only for the same recipe."""
        supports = getattr(self.embeddings, "supports_passages", None)
        return usepool.RECIPE if supports is not None and supports() else WHOLE_TEXT

    def _embed_passages(self, chunks: list[Chunk], rows: list[int],
                        spans: list[tuple[int, int, int]]) -> tuple[np.ndarray, np.ndarray]:
        """Vectors of the passages at `rows` and of their sentences `spans` (row, start, end).

        With the USE model, a passage and its sentences share one pass of the model
        (assistant/index/usepool.py); other models embed the passage text and each sentence."""
        if not rows:
            return np.zeros((0, 0), dtype=np.float32), np.zeros((0, 0), dtype=np.float32)
        by_row: dict[int, list[str]] = {}
        for row, start, end in spans:
            by_row.setdefault(row, []).append(chunks[row].text[start:end])
        recipe = self.recipe
        embed = self.embeddings.embed_passages if recipe == usepool.RECIPE else None
        progress = self._progress(len(rows) + (0 if embed else len(spans)), "Embedding passages", "passage")
        # Filled in place, batch by batch: at 10,000 pages the sentence vectors alone are ~250 MB,
        # and collecting parts to stack them at the end held them two or three times over.
        vectors = sentence_vectors = None
        try:
            if embed is not None:
                batch, filled = 128, 0
                for i in range(0, len(rows), batch):
                    groups, prefixes = [], []
                    for row in rows[i:i + batch]:
                        prefix = _prefix_segments(chunks[row])
                        prefixes.append(len(prefix))
                        groups.append(prefix + by_row.get(row, []))
                    passage_vectors, per_group = embed(groups)
                    if vectors is None:
                        dim = passage_vectors.shape[1]
                        vectors = np.empty((len(rows), dim), dtype=np.float32)
                        sentence_vectors = np.empty((len(spans), dim), dtype=np.float32)
                    vectors[i:i + len(groups)] = passage_vectors
                    for part, n in zip(per_group, prefixes):
                        sentence_vectors[filled:filled + len(part) - n] = part[n:]
                        filled += len(part) - n
                    progress.update(len(groups))
                assert filled == len(spans)
            else:
                vectors = self._embed([embedding_text(chunks[row]) for row in rows], progress)
                sentence_vectors = self._embed([chunks[r].text[s:e] for r, s, e in spans], progress)
                if not spans:
                    sentence_vectors = np.zeros((0, vectors.shape[1]), dtype=np.float32)
        finally:
            progress.close()
        return vectors, sentence_vectors

    def _progress(self, total: int, desc: str, unit: str):
        if self.settings.show_progress and total > 64:
            from tqdm import tqdm

            return tqdm(total=total, desc=desc, unit=unit)
        return _NoProgress()

    def _embed(self, texts: list[str], progress=None) -> np.ndarray:
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        batch = 64
        parts = []
        for i in range(0, len(texts), batch):
            parts.append(embed_array(self.embeddings, texts[i:i + batch]))
            if progress is not None:
                progress.update(len(texts[i:i + batch]))
        return np.vstack(parts).astype(np.float32)

    def _switch(self, gen: Generation, old: Generation | None) -> None:
        pointer = {"generation": gen.name, "collection": gen.collection,
                   "previous": old.name if old else None}
        _write_atomic(self.root / POINTER, json.dumps(pointer))
        self.current = gen
        self._pointer_mtime = (self.root / POINTER).stat().st_mtime
        self._collect_garbage(keep={gen.name, old.name if old else ""})

    def purge_previous(self) -> None:
        """Drop every generation but the live one, now: after a document is forgotten, its
        passages must not survive in the predecessor kept for other processes."""
        with self._writer_lock():
            self._pointer_mtime = 0.0
            gen = self.load()
            self._collect_garbage(keep={gen.name} if gen else set())

    def _collect_garbage(self, keep: set[str]) -> None:
        """Drop generations other than the live one and its predecessor (still read by other
        processes that have not reloaded yet), the Chroma files of dropped collections and the
        originals nothing refers to any more. A generation whose files fail their checks is
        moved aside (see _quarantine), not dropped here."""
        for directory in self._generation_dirs():
            if directory.name in keep:
                continue
            # its collection too, also when a crash left the folder without meta.json
            self.store.drop(f"chunks-{directory.name}")
            if (directory / "meta.json").exists() and verify_generation(directory) is not None:
                self.damaged_generations.add(directory.name)
                continue
            shutil.rmtree(directory, ignore_errors=True)
        self._quarantine()
        self.damaged_generations = set()
        if not self.store.remote:
            # The embedded store belongs to this index alone: sweep whatever else is left. A
            # server may hold other indexes' collections, so there only our own are dropped.
            for collection in self.store.collection_names():
                if collection.startswith("chunks-") and collection[len("chunks-"):] not in keep:
                    self.store.drop(collection)
            self.store.compact()
        referenced = set(self.originals.manifest().values())
        for name in keep:
            referenced |= _original_paths(self.root / "generations" / name)
        self.originals.sweep(referenced)

    # ------------------------------------------------------------ search helpers

    def dense_search(self, vector: np.ndarray, limit: int) -> list[tuple[str, float]]:
        gen = self.load()
        if gen is None:
            return []
        try:
            return self.store.query(gen.collection, vector, limit)
        except MissingCollection:
            # The store lost this generation's vectors (a new Chroma server, a deleted chroma/
            # folder): the generation keeps its own copy, so write them back once.
            self.store.write_collection(gen.collection, gen.chunks, gen.vectors)
            return self.store.query(gen.collection, vector, limit)
        except StoreUnavailable:
            raise
        except Exception as exc:
            # Only a damaged file, not a busy one: the folder is shared by every process serving it.
            if self.store.remote or not is_corruption(exc):
                raise
            # The embedded store broke under a running process: start it again from the vectors.
            log.warning(f"assistant: the Chroma store failed ({_short(exc)}); rebuilt from the stored vectors")
            self.store = VectorStore.recreate(self.root / "chroma")
            self.store.write_collection(gen.collection, gen.chunks, gen.vectors)
            return self.store.query(gen.collection, vector, limit)


class _StepTimer:
    def __init__(self):
        self.steps: dict[str, float] = {}
        self._last = time.perf_counter()

    def step(self, name: str) -> None:
        now = time.perf_counter()
        self.steps[name] = round(now - self._last, 3)
        self._last = now


class _NoProgress:
    def update(self, n: int) -> None:
        pass

    def close(self) -> None:
        pass


def _prefix_segments(chunk: Chunk) -> list[str]:
    """What embedding_text puts before the passage text: its title and section heading."""
    heading = chunk.locator.split("§ ", 1)[-1] if "§ " in chunk.locator else ""
    prefix = [part for part in (chunk.title, heading) if part]
    return prefix or ([chunk.text] if not sentence_spans(chunk.text) else [])


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


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _short(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text[:120]}" if text else type(exc).__name__


_CORRUPTION = ("malformed", "not a database", "no such table", "file is encrypted", "disk i/o error",
               "could not connect to tenant", "unexpected end", "corrupt")


def is_corruption(exc: BaseException) -> bool:
    """Whether a store error means damaged files (start it again) rather than a busy or
    unreachable store (try again later)."""
    text = f"{exc} {exc.__cause__ or ''} {exc.__context__ or ''}".lower()
    return any(marker in text for marker in _CORRUPTION)


def verify_generation(directory: Path, full: bool = False) -> str | None:
    """What is wrong with a generation's files, or None. Sizes are always checked; contents are
    hashed when `full` or when the file is small enough to hash on every open."""
    try:
        meta = json.loads((directory / "meta.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        return "meta.json is missing"
    except (OSError, ValueError) as exc:
        return f"meta.json is unreadable ({_short(exc)})"
    if not isinstance(meta, dict) or not all(k in meta for k in ("name", "collection", "docs", "embedding_model")):
        return "meta.json is incomplete"
    files = meta.get("files")
    if not isinstance(files, dict):  # written before checksums existed: only presence is checked
        missing = [f for f in DATA_FILES if not (directory / f).exists()]
        return f"{missing[0]} is missing" if missing else None
    for name in DATA_FILES:
        expected = files.get(name) or {}
        path = directory / name
        try:
            size = path.stat().st_size
        except FileNotFoundError:
            return f"{name} is missing"
        if size != expected.get("bytes"):
            return f"{name} is truncated or altered ({size:,} of {expected.get('bytes', 0):,} bytes)"
        if (full or size <= QUICK_HASH_BYTES) and _sha256(path) != expected.get("sha256"):
            return f"{name} is corrupt (checksum mismatch)"
    return None


def _original_paths(directory: Path) -> set[str]:
    try:
        meta = json.loads((directory / "meta.json").read_text(encoding="utf-8"))
        return {d["path"] for d in meta["docs"] if d.get("kind") == "user" and Originals.is_original(d.get("path", ""))}
    except (OSError, ValueError, KeyError, TypeError):
        return set()


def disk_usage(root: Path) -> int:
    total = 0
    for dirpath, _, filenames in os.walk(root):
        for filename in filenames:
            try:
                total += os.lstat(os.path.join(dirpath, filename)).st_size
            except OSError:
                pass
    return total


def _format_of(directory: Path) -> int | None:
    try:
        return json.loads((directory / "meta.json").read_text(encoding="utf-8")).get("format")
    except (OSError, ValueError, AttributeError):
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
        # Memory-mapped, read-only: a generation never changes once written. Opening costs no
        # read (2 s for the 300 MB of a 10,000-page index), and only the rows that questions
        # touch become resident; the OS shares the pages between processes serving one index.
        vectors=np.load(directory / "vectors.npy", mmap_mode="r"),
        sentence_rows=np.load(directory / "sentence_rows.npy"),
        sentence_vectors=np.load(directory / "sentence_vectors.npy", mmap_mode="r"),
        lexical=LexicalIndex.load(directory / "lexical.json"),
        recipe=meta.get("vector_recipe", WHOLE_TEXT),
    )
