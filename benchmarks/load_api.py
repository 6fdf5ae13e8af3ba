"""Load test of the HTTP API: N clients asking M questions each through POST /api/v1/ask (follow-ups
carry the client's own history) while uploads run into other workspaces.

    python -m benchmarks.load_api --url http://127.0.0.1:7860 --clients 20 --questions 10 --uploads 3

Checks as it goes: every answer is the answer to the question its client sent (no cross-talk),
and no client without a key ever sees a workspace's upload.
"""

from __future__ import annotations

import argparse
import json
import statistics
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx

TOPICS = ["Comment faire rembourser une application mobile par l'INAMI ?",
          "Wat moet een app doen voor niveau M2 van de mHealthBelgium-piramide?",
          "Which criteria must an app meet for the eHealth platform?",
          "Do I need to notify the AFMPS of my CE-marked medical device?"]
FOLLOW_UPS = ["and how long does that take?", "who decides?", "what does it cost?"]


def run_load_api(url: str, clients: int = 20, questions: int = 10, uploads: int = 3, timeout: float = 120.0) -> dict:
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    run = uuid.uuid4().hex[:6]

    with httpx.Client(base_url=url, timeout=timeout) as setup:
        keys = []
        for i in range(uploads):
            r = setup.post("/api/v1/workspaces", json={"id": f"load-{run}-{i}"})
            r.raise_for_status()
            keys.append({"X-API-Key": r.json()["api_key"]})

    def upload(i: int) -> None:
        text = f"Dossier {i}\n\n" + " ".join(f"Section {j} of the Zorblax-{i} dossier describes pilot {j}."
                                             for j in range(400))
        with httpx.Client(base_url=url, timeout=timeout) as c:
            r = c.post("/api/v1/documents", headers=keys[i],
                       files=[("files", (f"upload-{i}.txt", text.encode(), "text/plain"))])
            if r.status_code != 200 or r.json()["outcomes"][0]["status"] != "added":
                with lock:
                    errors.append(f"upload {i}: {r.status_code} {r.text[:200]}")

    def client(n: int) -> None:
        history: list[str] = []
        with httpx.Client(base_url=url, timeout=timeout) as c:
            for q in range(questions):
                question = TOPICS[n % len(TOPICS)] if q % 4 == 0 else FOLLOW_UPS[(n + q) % len(FOLLOW_UPS)]
                start = time.perf_counter()
                try:
                    r = c.post("/api/v1/ask", json={"question": question, "history": history})
                except httpx.HTTPError as exc:
                    with lock:
                        errors.append(f"client {n}: {type(exc).__name__}: {exc}")
                    continue
                elapsed = time.perf_counter() - start
                with lock:
                    latencies.append(elapsed)
                    if r.status_code != 200:
                        errors.append(f"client {n}: {r.status_code} {r.text[:200]}")
                        continue
                    body = r.json()
                    if body["question"] != question:
                        errors.append(f"client {n}: got the answer to {body['question']!r}")
                    cited = {s["source_id"] for s in body["citations"] + body["closest"]}
                    if any(s.startswith("upload-") for s in cited):
                        errors.append(f"client {n}: saw a workspace's upload")
                history = (history + [question])[-5:] if q % 4 else [question]

    started = time.perf_counter()
    with ThreadPoolExecutor(clients + uploads) as pool:
        jobs = [pool.submit(upload, i) for i in range(uploads)] + [pool.submit(client, n) for n in range(clients)]
        for job in jobs:
            job.result()
    wall = time.perf_counter() - started
    with httpx.Client(base_url=url, timeout=timeout) as cleanup:
        for key in keys:
            cleanup.delete("/api/v1/workspace", headers=key)
    latencies.sort()
    return {
        "clients": clients, "questions": questions, "uploads": uploads,
        "answered": len(latencies), "errors": len(errors), "error_samples": errors[:5],
        "p50_ms": round(statistics.median(latencies) * 1000) if latencies else None,
        "p95_ms": round(latencies[max(0, int(0.95 * len(latencies)) - 1)] * 1000) if latencies else None,
        "answers_per_s": round(len(latencies) / wall, 1), "wall_s": round(wall, 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Load test of POST /api/v1/ask with uploads running.")
    parser.add_argument("--url", default="http://127.0.0.1:7860")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--questions", type=int, default=10)
    parser.add_argument("--uploads", type=int, default=3)
    args = parser.parse_args(argv)
    result = run_load_api(args.url, args.clients, args.questions, args.uploads)
    print(json.dumps(result, indent=1))
    return 0 if result["errors"] == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
