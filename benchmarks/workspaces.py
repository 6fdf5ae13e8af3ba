"""Workspace costs for the README: `python -m benchmarks.workspaces [--workspaces N]`.

- search and ask CPU time (this thread's) on the shared corpus alone and with one workspace;
- resident memory per open workspace (each with one small document, asked one question);
- the alternative considered, Chroma databases in one store, against a Chroma folder each.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

QUESTIONS = ["Comment faire rembourser une application par l'INAMI ?", "Wat is het mHealthBelgium-niveau M2?",
             "Which criteria must an app meet for the eHealth platform?", "Do I need a DPIA for my app?",
             "Combien de temps prend la procédure INAMI ?", "Wie beslist over de terugbetaling?"]


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def search_ms(who, rounds: int = 15, clock=time.thread_time) -> list[float]:
    """CPU time of this thread by default: on a shared 2-core machine wall time mostly measures
    the neighbours."""
    times = []
    for _ in range(rounds):
        for q in QUESTIONS:
            start = clock()
            who.search(q)
            times.append((clock() - start) * 1000)
    return times


def dossier(folder: Path, i: int, pages: int = 3) -> Path:
    path = folder / f"dossier-{i}.txt"
    body = "\n\n".join(f"Section {p}\n\nThe pilot {i}-{p} of the Zorblax clinic follows the INAMI convention "
                       f"for telemonitoring; the hospital files the request after {p + 2} months." for p in range(pages))
    path.write_text(body, encoding="utf-8")
    return path


def chroma_alternatives(folder: Path, n: int) -> dict:
    """n workspaces as Chroma databases of one store, then as one Chroma folder each."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    settings = ChromaSettings(anonymized_telemetry=False)
    vectors = np.random.default_rng(0).normal(size=(20, 512)).astype(np.float32)
    out = {}
    before, start = rss_mb(), time.perf_counter()
    chromadb.PersistentClient(path=str(folder / "databases"), settings=settings)
    admin = chromadb.AdminClient(ChromaSettings(anonymized_telemetry=False, is_persistent=True,
                                                persist_directory=str(folder / "databases")))
    for i in range(n):
        db = f"ws{i}"
        admin.create_database(db)
        c = chromadb.PersistentClient(path=str(folder / "databases"), settings=settings, database=db)
        col = c.create_collection("chunks", embedding_function=None, configuration={"hnsw": {"space": "cosine"}})
        col.add(ids=[str(k) for k in range(20)], embeddings=vectors)
        col.query(query_embeddings=[vectors[0]], n_results=5)
    out["databases"] = {"seconds_per_workspace": (time.perf_counter() - start) / n,
                        "rss_mb_per_workspace": (rss_mb() - before) / n}
    before, start = rss_mb(), time.perf_counter()
    for i in range(n):
        c = chromadb.PersistentClient(path=str(folder / f"folder-{i}"), settings=settings)
        col = c.create_collection("chunks", embedding_function=None, configuration={"hnsw": {"space": "cosine"}})
        col.add(ids=[str(k) for k in range(20)], embeddings=vectors)
        col.query(query_embeddings=[vectors[0]], n_results=5)
    out["folders"] = {"seconds_per_workspace": (time.perf_counter() - start) / n,
                      "rss_mb_per_workspace": (rss_mb() - before) / n}
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workspaces", type=int, default=20)
    parser.add_argument("--index-dir", type=Path, default=None, help="shared index (default: a fresh one)")
    args = parser.parse_args(argv)
    from assistant import Assistant, Settings

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        settings = Settings.from_env(index_dir=args.index_dir or tmp / "index", workspaces_dir=tmp / "ws",
                                     show_progress=False)
        a = Assistant(settings=settings)
        result = {"search_ms": {}, "ask_ms": {}}
        for pages in (3, 300):
            ws = a.workspace(f"bench-{pages}")
            ws.ingest([dossier(tmp, pages, pages=pages)])
            search_ms(a, 2), search_ms(ws, 2)  # warm
            shared, layered = [], []
            for _ in range(3):  # interleaved: both see the same machine load
                shared += search_ms(a, 5)
                layered += search_ms(ws, 5)
            size = ws.status().chunks
            result["search_ms"][f"{size} passages"] = {
                "shared_p50": round(statistics.median(shared), 2), "workspace_p50": round(statistics.median(layered), 2),
                "overhead": round(statistics.median(layered) / statistics.median(shared) - 1, 3)}
            shared, layered = [], []
            for _ in range(3):
                for q in QUESTIONS:
                    for who, out in ((a, shared), (ws, layered)):
                        start = time.thread_time()
                        who.ask(q)
                        out.append((time.thread_time() - start) * 1000)
            result["ask_ms"][f"{size} passages"] = {
                "shared_p50": round(statistics.median(shared), 2), "workspace_p50": round(statistics.median(layered), 2),
                "overhead": round(statistics.median(layered) / statistics.median(shared) - 1, 3)}
        before = rss_mb()
        start = time.perf_counter()
        for i in range(1, args.workspaces + 1):
            w = a.workspace(f"w{i}")
            w.ingest([dossier(tmp, i)])
            w.ask(QUESTIONS[i % len(QUESTIONS)])
        result["open_workspaces"] = {"n": args.workspaces,
                                     "rss_mb_per_workspace": (rss_mb() - before) / args.workspaces,
                                     "create_ingest_ask_seconds": (time.perf_counter() - start) / args.workspaces}
        result["chroma"] = chroma_alternatives(tmp, args.workspaces)
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
