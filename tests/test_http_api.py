"""The plain HTTP API on the running app: two workspaces with their own keys, bad input, load."""

from __future__ import annotations

import socket
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

pytestmark = pytest.mark.slow

PHRASE = "The Quandrill committee approves telemonitoring pilots of the Zorblax clinic within 17 days."
QUESTION = "What does the Quandrill committee approve?"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(fresh_assistant):
    from assistant import web

    port = free_port()
    demo = web.launch(fresh_assistant, port=port, prevent_thread_lock=True, quiet=True)
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
        yield client, fresh_assistant
    demo.close()


def new_key(client, name=None) -> dict:
    response = client.post("/api/v1/workspaces", json={"id": name} if name else {})
    assert response.status_code == 201, response.text
    return {"X-API-Key": response.json()["api_key"]}


def sources(answer: dict) -> set[str]:
    return {c["source_id"] for c in answer["citations"] + answer["closest"]}


def test_two_keys_see_their_own_documents_only(server):
    client, assistant = server
    a, b = new_key(client, "team-a"), new_key(client, "team-b")
    upload = client.post("/api/v1/documents", headers=a,
                         files=[("files", ("dossier.txt", f"Quandrill committee\n\n{PHRASE}\n".encode(), "text/plain"))])
    assert upload.status_code == 200 and upload.json()["outcomes"][0]["status"] == "added"

    seen_by_a = client.post("/api/v1/ask", headers=a, json={"question": QUESTION}).json()
    assert "dossier.txt" in sources(seen_by_a) and "17 days" in seen_by_a["text"]
    assert set(seen_by_a) >= {"question", "language", "text", "abstained", "citations", "statements", "closest"}
    for headers in (b, {}):
        answer = client.post("/api/v1/ask", headers=headers, json={"question": QUESTION}).json()
        assert "dossier.txt" not in sources(answer) and "Quandrill" not in answer["text"]
        hits = client.post("/api/v1/search", headers=headers, json={"question": QUESTION, "k": 50}).json()
        assert all(p["source_id"] != "dossier.txt" for p in hits["passages"])
    assert client.get("/api/v1/documents", headers=b).json() == []
    assert client.get("/api/v1/documents/dossier.txt", headers=b).status_code == 404
    assert client.get("/api/v1/documents/dossier.txt", headers=a).json()["passages"] == 1
    assert client.get("/api/v1/status", headers=a).json()["documents"] == 1
    top = client.post("/api/v1/search", headers=a, json={"question": QUESTION, "k": 3}).json()["passages"][0]
    assert top["source_id"] == "dossier.txt" and "Quandrill" in top["text"]

    assert client.delete("/api/v1/documents/dossier.txt", headers=b).status_code == 404
    assert client.delete("/api/v1/documents/dossier.txt", headers=a).status_code == 204
    after = client.post("/api/v1/ask", headers=a, json={"question": QUESTION}).json()
    assert "dossier.txt" not in sources(after) and "Quandrill" not in after["text"]
    assert client.get("/api/v1/documents", headers=a).json() == []

    assert client.delete("/api/v1/workspace", headers=b).status_code == 204
    assert client.get("/api/v1/documents", headers=b).status_code == 401  # the key died with it


def test_bad_requests_get_a_4xx_with_a_message(server):
    client, _ = server
    key = new_key(client)
    cases = [
        (client.post, "/api/v1/ask", {"content": b"{not json", "headers": {"content-type": "application/json"}}, 422),
        (client.post, "/api/v1/ask", {"json": {"q": "x"}}, 422),
        (client.post, "/api/v1/ask", {"json": {"question": ""}}, 422),
        (client.post, "/api/v1/ask", {"json": {"question": "x" * 5000}}, 422),
        (client.post, "/api/v1/ask", {"json": {"question": "ok?", "language": "de"}}, 422),
        (client.post, "/api/v1/ask", {"json": {"question": "ok?", "history": "not a list"}}, 422),
        (client.post, "/api/v1/ask", {"json": {"question": "x" * 200_000}}, 413),
        (client.post, "/api/v1/search", {"json": {"question": "INAMI", "k": 0}}, 422),
        (client.post, "/api/v1/search", {"json": [1, 2]}, 422),
        (client.get, "/api/v1/documents", {}, 401),
        (client.get, "/api/v1/documents", {"headers": {"X-API-Key": "nobody.secret"}}, 401),
        (client.post, "/api/v1/documents", {"headers": key}, 422),
        (client.post, "/api/v1/documents", {"headers": key, "content": b"garbage",
                                            "files": None}, 422),
        (client.post, "/api/v1/workspaces", {"json": {"id": "../etc"}}, 400),
        (client.get, "/api/v1/nothing-here", {}, 404),
    ]
    for method, path, kwargs, status in cases:
        kwargs = {k: v for k, v in kwargs.items() if v is not None}
        response = method(path, **kwargs)
        assert response.status_code == status, (path, kwargs, response.status_code, response.text)
        assert response.json()["error"], response.text
    # A body streamed without Content-Length is counted as it arrives.
    big = client.post("/api/v1/ask", content=iter([b'{"question": "' + b"x" * 70_000 + b'"}']),
                      headers={"content-type": "application/json"})
    assert big.status_code == 413
    # A skipped file is reported per file, not as an error.
    odd = client.post("/api/v1/documents", headers=key, files=[("files", ("x.exe", b"MZ...", "application/octet-stream"))])
    assert odd.status_code == 200 and odd.json()["outcomes"][0]["status"] == "skipped"
    assert client.get("/api/docs").status_code == 200
    assert "/v1/ask" in client.get("/api/openapi.json").json()["paths"]


def test_twenty_clients_ten_questions_with_uploads_running(assistant):
    """20 clients x 10 questions (follow-ups carry their own history) while 3 uploads run."""
    from assistant import web

    port = free_port()
    demo = web.launch(assistant, port=port, prevent_thread_lock=True, quiet=True)
    base = f"http://127.0.0.1:{port}"
    topics = ["Comment faire rembourser une application mobile par l'INAMI ?",
              "Wat moet een app doen voor niveau M2 van de mHealthBelgium-piramide?",
              "Which criteria must an app meet for the eHealth platform?",
              "Do I need to notify the AFMPS of my CE-marked medical device?"]
    follow_ups = ["and how long does that take?", "who decides?", "what does it cost?"]
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    try:
        with httpx.Client(base_url=base, timeout=120) as setup:
            keys = [new_key(setup, f"load-{i}") for i in range(3)]

        def upload(i: int) -> None:
            text = f"Dossier {i}\n\n" + " ".join(f"Section {j} of the Zorblax-{i} dossier describes pilot {j}." for j in range(400))
            with httpx.Client(base_url=base, timeout=120) as c:
                r = c.post("/api/v1/documents", headers=keys[i], files=[("files", (f"upload-{i}.txt", text.encode(), "text/plain"))])
                if r.status_code != 200 or r.json()["outcomes"][0]["status"] != "added":
                    with lock:
                        errors.append(f"upload {i}: {r.status_code} {r.text[:200]}")

        def client(n: int) -> None:
            history: list[str] = []
            with httpx.Client(base_url=base, timeout=120) as c:
                for q in range(10):
                    question = topics[n % len(topics)] if q % 4 == 0 else follow_ups[(n + q) % len(follow_ups)]
                    start = time.perf_counter()
                    r = c.post("/api/v1/ask", json={"question": question, "history": history})
                    elapsed = time.perf_counter() - start
                    with lock:
                        latencies.append(elapsed)
                        if r.status_code != 200:
                            errors.append(f"client {n}: {r.status_code} {r.text[:200]}")
                            continue
                        body = r.json()
                        if body["question"] != question:  # another client's question: cross-talk
                            errors.append(f"client {n}: got the answer to {body['question']!r}")
                        if any(s.startswith("upload-") for s in sources(body)):
                            errors.append(f"client {n}: saw a workspace's upload")
                    history = (history + [question])[-5:] if q % 4 else [question]

        started = time.perf_counter()
        with ThreadPoolExecutor(23) as pool:
            jobs = [pool.submit(upload, i) for i in range(3)] + [pool.submit(client, n) for n in range(20)]
            for job in jobs:
                job.result()
        wall = time.perf_counter() - started
    finally:
        demo.close()
    latencies.sort()
    p50, p95 = statistics.median(latencies), latencies[int(0.95 * len(latencies)) - 1]
    print(f"/api/v1/ask under load: {len(latencies)} answers, p50 {p50 * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, "
          f"{len(latencies) / wall:.1f} answers/s, {wall:.1f} s wall, errors {len(errors)}")
    assert errors == []
    assert len(latencies) == 200
