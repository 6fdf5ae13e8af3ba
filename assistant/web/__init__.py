"""The web front end: a Gradio page over the public Python API (`app.py` calls `launch`).

Names are imported on first use: `assistant serve --help` or `assistant index status` reach
`web.serve` and `web.auth` without paying the seconds Gradio takes to import.
"""

from importlib import import_module

_WHERE = {"Conversation": ".chat", "Handlers": ".chat", "Turn": ".chat",
          "build_app": ".page", "launch": ".page", "theme": ".page"}

__all__ = list(_WHERE)


def __getattr__(name: str):
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(_WHERE[name], __name__), name)
