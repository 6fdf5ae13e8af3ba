"""20 concurrent sessions x 10 questions against the running web chat: no errors."""

import socket

import pytest

from benchmarks.load_web import run_load

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_twenty_sessions_of_ten_questions_get_answers_without_error(assistant):
    from assistant import web

    port = free_port()
    demo = web.launch(assistant, port=port, prevent_thread_lock=True, quiet=True)
    try:
        result = run_load(f"http://127.0.0.1:{port}/", sessions=20, questions=10, timeout=240)
    finally:
        demo.close()
    print(result)
    assert result["answered"] == 200, result["error_samples"]
    assert result["errors"] == 0
