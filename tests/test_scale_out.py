"""Scale-out: two app processes, one Chroma server, one workspace store, the same workspaces."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from assistant import Assistant, Settings
from test_chroma_server import _free_port, chroma_server  # noqa: F401  (the fixture)

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parent.parent
QUESTION = "What does the Quandrill committee approve?"


def start_app(port: int, env: dict, log: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "assistant.cli", "serve", "--port", str(port)],
                            env=env, cwd=str(ROOT), stdout=open(log, "w"), stderr=subprocess.STDOUT)


def wait_ready(url: str, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the app stopped: {log.read_text()[-2000:]}")
        try:
            if httpx.get(url + "/api/v1/status", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"the app did not start: {log.read_text()[-2000:]}")


def sources(answer: dict) -> set[str]:
    return {c["source_id"] for c in answer["citations"] + answer["closest"]}


def test_two_processes_share_workspaces_through_one_chroma_server(chroma_server, tmp_path):  # noqa: F811
    chroma_port, client = chroma_server
    index_dir, workspaces = tmp_path / "index", tmp_path / "workspaces"
    Assistant(settings=Settings.from_env(index_dir=index_dir, chroma_host="127.0.0.1", chroma_port=chroma_port,
                                         show_progress=False))  # the shared corpus, built once
    env = {**os.environ, "PYTHONPATH": str(ROOT), "ASSISTANT_INDEX_DIR": str(index_dir),
           "ASSISTANT_WORKSPACES_DIR": str(workspaces), "ASSISTANT_CHROMA_HOST": "127.0.0.1",
           "ASSISTANT_CHROMA_PORT": str(chroma_port), "ASSISTANT_SHOW_PROGRESS": "false"}
    ports = [_free_port(), _free_port()]
    procs = [start_app(p, env, tmp_path / f"app-{i}.log") for i, p in enumerate(ports)]
    try:
        urls = [f"http://127.0.0.1:{p}" for p in ports]
        for url, proc, i in zip(urls, procs, range(2)):
            wait_ready(url, proc, tmp_path / f"app-{i}.log")
        one, two = (httpx.Client(base_url=u, timeout=60) for u in urls)
        key = {"X-API-Key": one.post("/api/v1/workspaces", json={"id": "acme"}).json()["api_key"]}
        text = b"Quandrill committee\n\nThe Quandrill committee approves telemonitoring pilots within 17 days.\n"
        assert one.post("/api/v1/documents", headers=key, files=[("files", ("dossier.txt", text, "text/plain"))]
                        ).json()["outcomes"][0]["status"] == "added"
        # The workspace's collection is on the server, beside the shared corpus's.
        assert len([c for c in client.list_collections()]) >= 2

        assert "dossier.txt" in sources(two.post("/api/v1/ask", headers=key, json={"question": QUESTION}).json())
        assert [d["source_id"] for d in two.get("/api/v1/documents", headers=key).json()] == ["dossier.txt"]
        assert two.delete("/api/v1/documents/dossier.txt", headers=key).status_code == 204
        assert "dossier.txt" not in sources(one.post("/api/v1/ask", headers=key, json={"question": QUESTION}).json())

        assert one.delete("/api/v1/workspace", headers=key).status_code == 204
        assert two.get("/api/v1/documents", headers=key).status_code == 401
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
