"""The web front end: a Gradio page over the public Python API (`app.py` calls `launch`)."""

from .chat import Conversation, Handlers, Turn
from .page import build_app, launch, theme

__all__ = ["Conversation", "Handlers", "Turn", "build_app", "launch", "theme"]
