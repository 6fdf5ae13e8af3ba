"""Chroma, embedded (a folder under the index) or as a client of a Chroma server.

The store only ever receives our own vectors: collections are created without an embedding
function, so Chroma's default model is never loaded or downloaded. Each index generation has
its own collection, written once and never changed, so its size is read once.

Server mode (settings.chroma_host): the collections live in a server started with
`chroma run --path DIR --host 127.0.0.1 --port P`; nothing is written under the index's
chroma/ folder. Several indexes may share one server: each only ever drops collections of its
own generations.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
from pathlib import Path

import numpy as np

from ..types import Chunk

# Chroma reads this before its settings object exists; the product sends nothing anywhere.
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")


def _chroma_settings():
    from chromadb.config import Settings as ChromaSettings

    return ChromaSettings(anonymized_telemetry=False, allow_reset=False)


class MissingCollection(LookupError):
    """The collection of a generation is not in the store (a new server, a deleted folder)."""


class StoreUnavailable(RuntimeError):
    """The Chroma server cannot be reached."""


class VectorStore:
    def __init__(self, root: Path, host: str | None = None, port: int = 8000):
        import chromadb

        self.remote = bool(host)
        self.location = f"http://{host}:{port}" if host else str(root)
        if host:
            try:
                self.client = chromadb.HttpClient(host=host, port=int(port), settings=_chroma_settings())
            except Exception as exc:  # connection refused, DNS, wrong service on that port
                raise StoreUnavailable(
                    f"cannot reach the Chroma server at {self.location} ({type(exc).__name__}: {exc}); "
                    f"start one with `chroma run --path DIR --host {host} --port {port}` "
                    "or unset ASSISTANT_CHROMA_HOST to use the embedded store") from exc
        else:
            root.mkdir(parents=True, exist_ok=True)
            self.client = chromadb.PersistentClient(path=str(root), settings=_chroma_settings())
        self._collections: dict = {}
        self._counts: dict[str, int] = {}

    @classmethod
    def recreate(cls, root: Path) -> VectorStore:
        """A new, empty embedded store in place of one that cannot be read. Its content is
        derived from the generations' own vectors, which rewrite it."""
        from chromadb.api.shared_system_client import SharedSystemClient

        # Chroma caches one system per path, also a broken one: forget it before opening again.
        SharedSystemClient._identifier_to_system.pop(str(root), None)
        SharedSystemClient._identifier_to_refcount.pop(str(root), None)
        shutil.rmtree(root, ignore_errors=True)
        return cls(root)

    def count(self, name: str) -> int:
        return self._collection(name).count()

    def compact(self, min_free_share: float = 0.25) -> None:
        """Remove the HNSW segment folders of dropped collections (Chroma leaves them behind) and
        VACUUM the SQLite file once a quarter of its pages are free. Embedded store only."""
        if self.remote:
            return
        root = Path(self.location)
        database = root / "chroma.sqlite3"
        try:
            with sqlite3.connect(f"file:{database}?mode=rw", uri=True, timeout=2) as db:
                live = {row[0] for row in db.execute("SELECT id FROM segments")}
                free = db.execute("PRAGMA freelist_count").fetchone()[0]
                pages = db.execute("PRAGMA page_count").fetchone()[0]
            for folder in root.iterdir():
                if folder.is_dir() and _UUID.fullmatch(folder.name) and folder.name not in live:
                    shutil.rmtree(folder, ignore_errors=True)
            if pages and free / pages >= min_free_share:
                db = sqlite3.connect(f"file:{database}?mode=rw", uri=True, timeout=2, isolation_level=None)
                try:
                    db.execute("VACUUM")
                finally:
                    db.close()
        except sqlite3.Error:
            pass  # busy (another process reading) or not Chroma's layout: try again next update

    def _collection(self, name: str):
        if name not in self._collections:
            from chromadb.errors import NotFoundError

            try:
                self._collections[name] = self.client.get_collection(name=name, embedding_function=None)
            except (NotFoundError, ValueError) as exc:
                raise MissingCollection(name) from exc
        return self._collections[name]

    def write_collection(self, name: str, chunks: list[Chunk], vectors: np.ndarray, progress=None) -> None:
        """Create `name` holding these passages (replacing a partial one left by a crash)."""
        if name in self.collection_names():
            self.client.delete_collection(name)
        collection = self.client.create_collection(
            name=name, embedding_function=None, configuration={"hnsw": {"space": "cosine"}}
        )
        # Batches of 1,000: as fast as 5,000, and Chroma keeps ~40 % less memory after writing 30,000.
        batch = max(1, min(1000, self.client.get_max_batch_size()))
        for i in range(0, len(chunks), batch):
            part = chunks[i:i + batch]
            # No `documents`: the passage text is kept by the generation (chunks.jsonl) and
            # Chroma would build a full-text index of it that nothing queries; at 10,000 pages
            # that was half of the write time and a third of the store's size.
            collection.add(
                ids=[c.chunk_id for c in part],
                embeddings=vectors[i:i + batch],
                metadatas=[_flat(c.metadata()) for c in part],
            )
            if progress is not None:
                progress(len(part))
        self._collections[name] = collection
        self._counts[name] = len(chunks)

    def query(self, name: str, vector: np.ndarray, limit: int) -> list[tuple[str, float]]:
        collection = self._collection(name)
        if name not in self._counts:  # a generation's collection never changes: count it once
            self._counts[name] = collection.count()
        count = self._counts[name]
        if count == 0:
            return []
        result = collection.query(query_embeddings=[vector], n_results=min(limit, count), include=["distances"])
        return [(cid, 1.0 - float(d)) for cid, d in zip(result["ids"][0], result["distances"][0])]

    def collection_names(self) -> set[str]:
        return {getattr(c, "name", c) for c in self.client.list_collections()}

    def close(self, everywhere: bool = False) -> None:
        """Release the client (an embedded store's files are closed, so its folder can go).

        `everywhere`: the folder is being deleted. Chroma shares one embedded store per folder
        among all clients of a process; other clients of it would keep writing to the deleted
        files, so the store is stopped for all of them (they fail instead of losing writes)."""
        self._collections.clear()
        close = getattr(self.client, "close", None)
        if close is not None:
            close()
        if everywhere and not self.remote:
            from chromadb.api.shared_system_client import SharedSystemClient

            with SharedSystemClient._refcount_lock:
                SharedSystemClient._identifier_to_refcount.pop(self.location, None)
                system = SharedSystemClient._identifier_to_system.pop(self.location, None)
            if system is not None:
                system.stop()

    def drop(self, name: str) -> None:
        self._collections.pop(name, None)
        self._counts.pop(name, None)
        if name in self.collection_names():
            self.client.delete_collection(name)


_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _flat(meta: dict) -> dict:
    # Chroma metadata values must be scalars and not None.
    return {k: ("" if v is None else ",".join(v) if isinstance(v, (list, tuple)) else v) for k, v in meta.items()}
