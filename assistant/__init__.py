"""Reimbursement-guidance assistant for Belgian digital health.

    from assistant import Assistant
    answer = Assistant().ask("Comment faire rembourser mon application par l'INAMI ?")
"""

import os

# Nothing leaves the machine unless the user configures a remote service.
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

__all__ = ["Assistant", "Answer", "Citation", "IngestReport", "Settings", "PRESETS"]


def __getattr__(name):
    # Imported on first use: the file-reading worker (assistant/load/extraction.py) imports only the
    # readers, not Chroma and the embedding model that `Assistant` pulls in.
    if name == "Assistant":
        from .api import Assistant

        return Assistant
    if name in ("Settings", "PRESETS"):
        from . import settings

        return getattr(settings, name)
    if name in ("Answer", "Citation", "IngestReport"):
        from . import types

        return getattr(types, name)
    raise AttributeError(f"module 'assistant' has no attribute {name!r}")
