"""Web chat for founders: `python app.py` (or `./run.sh chat`, or `assistant serve`), then open
http://127.0.0.1:7860. The HTTP API is on the same server, at /api/v1 (docs at /api/docs).

Thin on purpose: the page lives in assistant/web/, over the public Python API.
"""

from __future__ import annotations

import argparse
import os
import sys

# Before anything imports gradio: no usage statistics leave the machine.
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"

from assistant.web.serve import add_arguments, run  # noqa: E402


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Web chat: cited answers on Belgian digital health reimbursement and market access.")
    return add_arguments(parser).parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    return run(parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
