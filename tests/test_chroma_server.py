"""Server mode: the index's vectors live in a real Chroma server started for the test."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from assistant import Assistant, Settings

QUESTION = "Comment faire rembourser une application mobile par l'INAMI ?"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _chroma_executable() -> str | None:
    beside = Path(sys.executable).parent / "chroma"
    return str(beside) if beside.exists() else shutil.which("chroma")


@pytest.fixture
def chroma_server(tmp_path):
    executable = _chroma_executable()
    if executable is None:
        pytest.skip("the chroma command (from the chromadb package) is not installed")
    port = _free_port()
    log = open(tmp_path / "chroma-server.log", "w")
    env = {**os.environ, "ANONYMIZED_TELEMETRY": "False"}
    proc = subprocess.Popen([executable, "run", "--path", str(tmp_path / "server-data"), "--host", "127.0.0.1",
                             "--port", str(port)], stdout=log, stderr=subprocess.STDOUT, env=env)
    try:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        deadline = time.monotonic() + 60
        while True:
            try:
                client = chromadb.HttpClient(host="127.0.0.1", port=port,
                                             settings=ChromaSettings(anonymized_telemetry=False))
                client.heartbeat()
                break
            except Exception:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the Chroma server did not start: "
                                       + (tmp_path / "chroma-server.log").read_text()[-2000:])
                time.sleep(0.3)
        yield port, client
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


@pytest.mark.slow
def test_index_built_into_a_chroma_server_answers_through_it(chroma_server, tmp_path):
    port, client = chroma_server
    # Another index's collection on the same server: ours must never drop it.
    foreign = client.create_collection("chunks-20200101T000000-0ther1dx", embedding_function=None)
    foreign.add(ids=["x"], embeddings=[[0.1] * 512], documents=["elsewhere"])

    index_dir = tmp_path / "index"
    settings = Settings.from_env(index_dir=index_dir, chroma_host="127.0.0.1", chroma_port=port, show_progress=False)
    assistant = Assistant(settings=settings)
    assert assistant.index.store.remote

    gen = assistant.index.load()
    names = {c.name for c in client.list_collections()}
    assert gen.collection in names
    assert client.get_collection(gen.collection).count() == len(gen.chunks)
    # The embedded store under the index folder was never created: vectors went to the server.
    assert not (index_dir / "chroma").exists()

    answer = assistant.ask(QUESTION)
    assert not answer.abstained
    assert any(c.note.startswith("inami-app-reimbursement") for c in answer.citations)

    # Two more generations: the oldest of ours is dropped from the server, the foreign one stays.
    first = gen.collection
    for n in range(2):
        note = tmp_path / f"note-{n}.md"
        note.write_text(f"# Note {n}\n\nA quokka rule number {n} for benchmark tests.\n", encoding="utf-8")
        assert not assistant.ingest([note]).skipped
    names = {c.name for c in client.list_collections()}
    live = assistant.index.load().collection
    assert live in names and first not in names
    assert "chunks-20200101T000000-0ther1dx" in names
    assert len([n for n in names if n.startswith("chunks-")]) == 3  # live, previous, foreign

    # A server that lost the collection (a new, empty server) gets the vectors back from the index.
    client.delete_collection(live)
    reopened = Assistant(settings=settings)
    assert any(c.note.startswith("inami-app-reimbursement") for c in reopened.ask(QUESTION).citations)
    assert client.get_collection(live).count() == len(reopened.index.load().chunks)


def test_an_unreachable_server_is_reported_with_what_to_do(tmp_path):
    from assistant.index.vectorstore import StoreUnavailable

    settings = Settings.from_env(index_dir=tmp_path / "index", chroma_host="127.0.0.1", chroma_port=_free_port(),
                                 show_progress=False)
    with pytest.raises(StoreUnavailable, match="chroma run"):
        Assistant(settings=settings)
