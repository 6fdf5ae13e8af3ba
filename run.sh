#!/usr/bin/env bash
# One command per Quickstart line:
#   ./run.sh chat   set up (first time) and start the web chat on the bundled corpus
#   ./run.sh test   set up (first time) and run the whole test suite, browser tests included
set -euo pipefail
cd "$(dirname "$0")"

PYTHON=${PYTHON:-python3}
VENV=.venv

setup() {
  if [ ! -x "$VENV/bin/python" ]; then
    "$PYTHON" -m venv "$VENV"
  fi
  # The CPU build of torch, pinned: anything looser pulls several GB of CUDA packages.
  "$VENV/bin/pip" install -q --disable-pip-version-check "torch==2.13.0"
  "$VENV/bin/pip" install -q --disable-pip-version-check -e ".[test]"
}

ensure_chromium() {
  if [ ! -x /usr/bin/chromium ]; then
    echo "Installing Chromium from Debian for the browser tests..."
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq && $SUDO apt-get install -y -qq chromium >/dev/null
  fi
}

# Nothing leaves the machine: no telemetry from Chroma, Gradio or Hugging Face.
export ANONYMIZED_TELEMETRY=False GRADIO_ANALYTICS_ENABLED=False HF_HUB_DISABLE_TELEMETRY=1 HF_HUB_OFFLINE=1

case "${1:-}" in
  chat)
    setup
    exec "$VENV/bin/python" app.py "${@:2}"
    ;;
  test)
    setup
    ensure_chromium
    # Two workers, one per core of the machines CI runs on: 10 minutes instead of 14.
    exec "$VENV/bin/python" -m pytest -q -n 2 "${@:2}"
    ;;
  *)
    echo "usage: ./run.sh chat | test" >&2
    exit 2
    ;;
esac
