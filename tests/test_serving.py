"""Serving knobs and optional sign-in."""

from __future__ import annotations

import socket
import sys
from pathlib import Path

import httpx
import pytest

from assistant import Settings
from assistant.web.auth import exposure_warning, hash_password, load_auth, parse_users

ROOT = Path(__file__).resolve().parent.parent


def app_module():
    sys.path.insert(0, str(ROOT))
    try:
        import app
    finally:
        sys.path.remove(str(ROOT))
    return app


def test_gradio_variables_are_honoured_and_ours_win(monkeypatch):
    app = app_module()
    for name in ("ASSISTANT_HOST", "ASSISTANT_PORT", "ASSISTANT_ROOT_PATH"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GRADIO_SERVER_NAME", "0.0.0.0")
    monkeypatch.setenv("GRADIO_SERVER_PORT", "7001")
    monkeypatch.setenv("GRADIO_ROOT_PATH", "/assistant")
    args = app.parse_args([])
    assert (args.host, args.port, args.root_path) == ("0.0.0.0", 7001, "/assistant")
    monkeypatch.setenv("ASSISTANT_HOST", "127.0.0.1")
    monkeypatch.setenv("ASSISTANT_PORT", "7002")
    args = app.parse_args([])
    assert (args.host, args.port) == ("127.0.0.1", 7002)
    from assistant.cli import build_parser

    serve = build_parser().parse_args(["serve", "--port", "7003"])
    assert (serve.host, serve.port, serve.root_path) == ("127.0.0.1", 7003, "/assistant")


def test_users_are_stored_hashed_and_checked(tmp_path):
    line = f"alice:{hash_password('correct horse')}"
    assert "correct horse" not in line
    users_file = tmp_path / "users"
    users_file.write_text(f"# team\n{line}\n")
    auth = load_auth(Settings.from_env(users_file=str(users_file)))
    assert auth.enabled and auth.check("alice", "correct horse")
    assert not auth.check("alice", "wrong") and not auth.check("mallory", "correct horse")
    with pytest.raises(ValueError, match="bcrypt"):
        parse_users("bob:plaintext")
    assert exposure_warning("0.0.0.0", auth) is None
    assert "without authentication" in exposure_warning("0.0.0.0", load_auth(Settings.from_env()))
    assert exposure_warning("127.0.0.1", load_auth(Settings.from_env())) is None


@pytest.mark.slow
def test_sign_in_guards_the_chat_and_users_get_their_own_workspace(bundled_index, tmp_path):
    from assistant import Assistant, web
    from assistant.web.workspace_ui import SessionWorkspaces

    settings = Settings.from_env(index_dir=bundled_index, workspaces_dir=tmp_path / "ws", show_progress=False,
                                 users=f"alice:{hash_password('pw-alice')}")
    assistant = Assistant(settings=settings)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    demo = web.launch(assistant, port=port, prevent_thread_lock=True, quiet=True)
    try:
        base = f"http://127.0.0.1:{port}"
        assert httpx.get(base + "/config").status_code == 401
        assert httpx.post(base + "/login", data={"username": "alice", "password": "nope"}).status_code == 400
        with httpx.Client(base_url=base) as c:
            assert c.post("/login", data={"username": "alice", "password": "pw-alice"}).status_code == 200
            assert c.get("/config").status_code == 200
    finally:
        demo.close()

    class Request:  # what Gradio hands a handler for a signed-in user
        username, session_hash = "alice", "abc"

    sessions = SessionWorkspaces(assistant)
    own = sessions.writer(Request())
    assert own.id == SessionWorkspaces.user_workspace_id("alice") and sessions.reader(Request()).id == own.id
