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

from .api import Assistant  # noqa: E402
from .settings import PRESETS, Settings  # noqa: E402
from .types import Answer, Citation, IngestReport  # noqa: E402

__all__ = ["Assistant", "Answer", "Citation", "IngestReport", "Settings", "PRESETS"]
