"""Chroma, embedded (a folder under the index) or as a client of a Chroma server.

The store only ever receives our own vectors: collections are created without an embedding
function, so Chroma's default model is never loaded or downloaded.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .types import Chunk

# Chroma reads this before its settings object exists; the product sends nothing anywhere.
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")


def _chroma_settings():
    from chromadb.config import Settings as ChromaSettings

    return ChromaSettings(anonymized_telemetry=False, allow_reset=False)


class VectorStore:
    def __init__(self, root: Path, host: str | None = None, port: int = 8000):
        import chromadb

        self.remote = host is not None
        if host is not None:
            self.client = chromadb.HttpClient(host=host, port=port, settings=_chroma_settings())
        else:
            root.mkdir(parents=True, exist_ok=True)
            self.client = chromadb.PersistentClient(path=str(root), settings=_chroma_settings())
        self._collections: dict = {}

    def _collection(self, name: str):
        if name not in self._collections:
            self._collections[name] = self.client.get_collection(name=name, embedding_function=None)
        return self._collections[name]

    def write_collection(self, name: str, chunks: list[Chunk], vectors: np.ndarray, progress=None) -> None:
        """Create `name` holding these passages (replacing a partial one left by a crash)."""
        if name in self.collection_names():
            self.client.delete_collection(name)
        collection = self.client.create_collection(
            name=name, embedding_function=None, configuration={"hnsw": {"space": "cosine"}}
        )
        batch = max(1, min(5000, self.client.get_max_batch_size()))
        for i in range(0, len(chunks), batch):
            part = chunks[i:i + batch]
            collection.add(
                ids=[c.chunk_id for c in part],
                embeddings=vectors[i:i + batch],
                documents=[c.text for c in part],
                metadatas=[_flat(c.metadata()) for c in part],
            )
            if progress is not None:
                progress(len(part))
        self._collections[name] = collection

    def query(self, name: str, vector: np.ndarray, limit: int) -> list[tuple[str, float]]:
        collection = self._collection(name)
        count = collection.count()
        if count == 0:
            return []
        result = collection.query(query_embeddings=[vector], n_results=min(limit, count), include=["distances"])
        return [(cid, 1.0 - float(d)) for cid, d in zip(result["ids"][0], result["distances"][0])]

    def collection_names(self) -> set[str]:
        return {getattr(c, "name", c) for c in self.client.list_collections()}

    def drop(self, name: str) -> None:
        self._collections.pop(name, None)
        if name in self.collection_names():
            self.client.delete_collection(name)


def _flat(meta: dict) -> dict:
    # Chroma metadata values must be scalars and not None.
    return {k: ("" if v is None else v) for k, v in meta.items()}
