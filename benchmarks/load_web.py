"""Load test of the web chat: N concurrent sessions, each asking M questions through the /ask
endpoint, from a second process or thread on localhost. Bounded in count and time.

    python -m benchmarks.load_web --url http://127.0.0.1:7860/ --sessions 20 --questions 10
"""

from __future__ import annotations

import argparse
import json
import statistics
import threading
import time

from assistant.evaluation import load_gold


def run_load(url: str, sessions: int = 20, questions: int = 10, timeout: float = 300.0) -> dict:
    from gradio_client import Client

    gold = [q.question for q in load_gold()]
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()

    def session(number: int) -> None:
        try:
            client = Client(url, verbose=False)
        except Exception as exc:  # a refused session counts as errors for all its questions
            with lock:
                errors.extend([f"session {number}: {type(exc).__name__}: {exc}"] * questions)
            return
        for i in range(questions):
            question = gold[(number * questions + i) % len(gold)]
            start = time.perf_counter()
            try:
                answer = client.predict(question, api_name="/ask")
                if not isinstance(answer, dict) or not answer.get("text"):
                    raise ValueError(f"empty answer to {question!r}")
            except Exception as exc:
                with lock:
                    errors.append(f"session {number}: {type(exc).__name__}: {exc}")
                continue
            with lock:
                latencies.append(time.perf_counter() - start)

    threads = [threading.Thread(target=session, args=(n,), daemon=True) for n in range(sessions)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(max(0.0, timeout - (time.perf_counter() - started)))
    wall = time.perf_counter() - started
    ordered = sorted(latencies)

    def pct(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(round(p * len(ordered))) - 1)] * 1000 if ordered else float("nan")

    return {
        "sessions": sessions, "questions_per_session": questions, "requests": sessions * questions,
        "answered": len(latencies), "errors": len(errors) + (sessions * questions - len(latencies) - len(errors)),
        "error_samples": errors[:5], "wall_s": round(wall, 2),
        "p50_ms": round(statistics.median(ordered) * 1000, 1) if ordered else None,
        "p95_ms": round(pct(0.95), 1) if ordered else None,
        "throughput_rps": round(len(latencies) / wall, 1) if wall else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:7860/")
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--questions", type=int, default=10)
    args = parser.parse_args()
    print(json.dumps(run_load(args.url, args.sessions, args.questions), indent=2))


if __name__ == "__main__":
    main()
