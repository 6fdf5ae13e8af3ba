"""The plain HTTP API on the running app: two workspaces with their own keys, bad input, load."""

from __future__ import annotations

import socket

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
    assert client.post("/api/v1/workspaces", json={"id": key["X-API-Key"].split(".")[0]}).status_code == 409
    assert client.get("/api/docs").status_code == 200
    assert "/v1/ask" in client.get("/api/openapi.json").json()["paths"]


def test_twenty_clients_ten_questions_with_uploads_running(assistant):
    """20 clients x 10 questions (follow-ups carry their own history) while 3 uploads run."""
    from assistant import web
    from benchmarks.load_api import run_load_api

    port = free_port()
    demo = web.launch(assistant, port=port, prevent_thread_lock=True, quiet=True)
    try:
        result = run_load_api(f"http://127.0.0.1:{port}", clients=20, questions=10, uploads=3)
    finally:
        demo.close()
    print(f"/api/v1/ask under load: {result}")
    assert result["errors"] == 0, result["error_samples"]
    assert result["answered"] == 200


def test_workspace_creation_can_be_left_to_the_operator(bundled_index, tmp_path):
    from assistant import Assistant, Settings, web

    assistant = Assistant(settings=Settings.from_env(index_dir=bundled_index, workspaces_dir=tmp_path / "ws",
                                                     show_progress=False, api_create_workspaces=False))
    _, key = assistant.workspaces.create("operator-made")
    port = free_port()
    demo = web.launch(assistant, port=port, prevent_thread_lock=True, quiet=True)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
            refused = client.post("/api/v1/workspaces", json={"id": "mine"})
            assert refused.status_code == 403 and "operator" in refused.json()["error"]
            assert client.get("/api/v1/documents", headers={"X-API-Key": key}).json() == []
    finally:
        demo.close()


def test_plan_route_json_pdf_and_errors(server):
    client, _ = server
    body = {"profile": {"mdr_class": "IIa", "ce_marking": "done", "notified_famhp": "no", "language": "fr"}}
    reply = client.post("/api/v1/plan", json=body)
    assert reply.status_code == 200
    data = reply.json()
    assert data["plan"]["language"] == "fr" and "famhp_notification" in data["plan"]["next"]
    assert all(s["citations"] or s["status"] == "not_applicable" or not s["facts"] for s in data["plan"]["steps"])
    assert len(data["checklist"]) >= 15
    pdf = client.post("/api/v1/plan", json={**body, "format": "pdf"})
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    md = client.post("/api/v1/plan", json={**body, "format": "markdown", "language": "nl"})
    assert md.status_code == 200 and md.text.startswith("# Gereedheidsrapport")
    bad = client.post("/api/v1/plan", json={"profile": {"mdr_class": "IIc"}})
    assert bad.status_code == 422 and "mdr_class" in bad.json()["error"]
    unknown = client.post("/api/v1/plan", json={"profile": {}, "format": "docx"})
    assert unknown.status_code == 422
