"""Nothing leaves the machine: the guard works, and the default path never reaches out."""

import os
import socket
import subprocess
import sys

import pytest


def test_the_network_guard_blocks_outbound_connections():
    with pytest.raises(RuntimeError, match="blocked"):
        socket.create_connection(("192.0.2.1", 443), timeout=1)
    with pytest.raises(RuntimeError, match="blocked"):
        socket.getaddrinfo("huggingface.co", 443)
    with pytest.raises(RuntimeError, match="blocked"):
        socket.socket().connect(("192.0.2.1", 80))


def test_telemetry_is_off_once_the_package_is_imported():
    import assistant  # noqa: F401

    # Each library reads its own spelling of a boolean; any of these means off.
    assert os.environ["ANONYMIZED_TELEMETRY"].lower() in ("false", "0")
    assert os.environ["HF_HUB_DISABLE_TELEMETRY"].lower() in ("1", "true")
    assert os.environ["GRADIO_ANALYTICS_ENABLED"].lower() in ("false", "0")


def test_a_question_in_a_fresh_process_makes_no_outbound_connection(bundled_index):
    # Every socket connection of a whole ask() in a new interpreter is recorded.
    script = f"""
import socket, sys
attempts = []
real = socket.socket.connect
def record(self, address):
    attempts.append(address)
    return real(self, address)
socket.socket.connect = record
from assistant import Assistant, Settings
a = Assistant(settings=Settings.from_env(index_dir={str(bundled_index)!r}, show_progress=False))
a.ask("Qu'est-ce que la plateforme eHealth ?")
outside = [x for x in attempts if isinstance(x, tuple) and not str(x[0]).startswith(("127.", "::1", "localhost"))]
print(outside)
sys.exit(1 if outside else 0)
"""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANONYMIZED", "HF_HUB"))}
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=180, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
