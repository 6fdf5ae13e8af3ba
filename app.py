"""Web chat for founders: `python app.py` (or `./run.sh chat`), then open http://127.0.0.1:7860.

Thin on purpose: the page and its handlers live in assistant/web.py, over the public Python API.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

# Before anything imports gradio: no usage statistics leave the machine.
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Web chat: cited answers on Belgian digital health reimbursement and market access.")
    parser.add_argument("--host", default=os.environ.get("ASSISTANT_HOST", "127.0.0.1"),
                        help="address to listen on (env ASSISTANT_HOST; default 127.0.0.1, this machine only)")
    parser.add_argument("--port", type=int, default=int(os.environ.get("ASSISTANT_PORT", "7860")),
                        help="port to listen on (env ASSISTANT_PORT; default 7860)")
    parser.add_argument("--index-dir", type=Path, default=None,
                        help="index folder (env ASSISTANT_INDEX_DIR; default ./index, built on first start)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request drowns the log
    from assistant import Assistant
    from assistant.web import launch

    print("Opening the index (the first start builds it: a few seconds)…", flush=True)
    assistant = Assistant(index_dir=args.index_dir)
    launch(assistant, host=args.host, port=args.port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
