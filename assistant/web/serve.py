"""Starting the web app: the options shared by `python app.py` and `assistant serve`.

The assistant's own variables win over Gradio's, which are honoured so that a deployment
configured the Gradio way (GRADIO_SERVER_NAME, GRADIO_SERVER_PORT, GRADIO_ROOT_PATH behind a
reverse proxy) works unchanged.
"""

from __future__ import annotations

import argparse
import logging
import os
from pathlib import Path


def _env(*names: str, default: str | None = None) -> str | None:
    for name in names:
        value = os.environ.get(name)
        if value:
            return value
    return default


def add_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser.add_argument("--host", default=_env("ASSISTANT_HOST", "GRADIO_SERVER_NAME", default="127.0.0.1"),
                        help="address to listen on (env ASSISTANT_HOST or GRADIO_SERVER_NAME; default 127.0.0.1, "
                             "this machine only)")
    parser.add_argument("--port", type=int, default=int(_env("ASSISTANT_PORT", "GRADIO_SERVER_PORT", default="7860")),
                        help="port to listen on (env ASSISTANT_PORT or GRADIO_SERVER_PORT; default 7860)")
    parser.add_argument("--root-path", default=_env("ASSISTANT_ROOT_PATH", "GRADIO_ROOT_PATH"),
                        help="public path prefix behind a reverse proxy, e.g. /assistant "
                             "(env ASSISTANT_ROOT_PATH or GRADIO_ROOT_PATH)")
    if not any(a.dest == "index_dir" for a in parser._actions):
        parser.add_argument("--index-dir", type=Path, default=None,
                            help="index folder (env ASSISTANT_INDEX_DIR; default ./index, built on first start)")
    return parser


def run(args: argparse.Namespace) -> int:
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request drowns the log
    from ..api import Assistant
    from .page import launch

    print("Opening the index (the first start builds it: a few seconds)…", flush=True)
    assistant = Assistant(index_dir=args.index_dir)
    launch(assistant, host=args.host, port=args.port, root_path=args.root_path)
    return 0
