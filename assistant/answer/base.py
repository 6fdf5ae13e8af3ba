"""The seam between the pipeline and whoever writes the answer.

An answerer gets the question, its language, the index, the settings, the fixed phrases of the
language and the calibrated abstention threshold, and returns an `Answer`. Two exist:
`extractive` (quotes only; the default and every other backend's fallback) and `llm` (a LangChain
chat model writes, `verify.py` checks every sentence). Another backend is one module with a class
that has `name` and `answer`, plus one line in BACKENDS.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from ..types import Answer

if TYPE_CHECKING:
    from ..index import Index
    from ..prompts import Phrases
    from ..settings import Settings

# name -> "module:class", imported on first use so that the default path never imports LangChain's
# chat-model packages.
BACKENDS = {
    "extractive": "assistant.answer.extractive:ExtractiveAnswerer",
    "llm": "assistant.answer.llm:LLMAnswerer",
}


@runtime_checkable
class Answerer(Protocol):
    name: str

    def answer(self, question: str, language: str, index: Index, settings: Settings, phrases: Phrases,
               threshold: float, *, asked: str | None = None,
               on_token: Callable[[str], None] | None = None) -> Answer:
        """`question` is what retrieval sees (with a follow-up's context), `asked` the user's own
        words; `on_token` receives generated text as it arrives (answerers that generate nothing
        never call it)."""
        ...


def answerer_for(settings: Settings) -> Answerer:
    """The answerer `settings.answer_backend` names; a clear error for a name or package missing."""
    name = settings.answer_backend
    if name not in BACKENDS:
        raise ValueError(f"answer_backend must be one of {', '.join(BACKENDS)}, not {name!r}")
    module_name, class_name = BACKENDS[name].split(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ImportError(f"the {name!r} answer backend needs extra packages: pip install "
                          f"'belgian-health-reimbursement-assistant[{name}]' ({exc})") from exc
    return getattr(module, class_name)(settings)
