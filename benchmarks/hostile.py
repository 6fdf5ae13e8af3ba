"""Hostile uploads, generated on the spot, and what each one costs the process that ingests it.

    python -m benchmarks.hostile [--index-dir DIR]   # a table: outcome, seconds, RSS per file
    python -m benchmarks.hostile --latency           # answers' latency while an upload is being read

Each file is ingested by a fresh process (`measure`), which reports the outcome, the seconds
`ingest()` took, how much its own resident memory rose during the ingest (the server's cost) and
the peak of the reader processes it started.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

_W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
_CONTENT_TYPES = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
                  'package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/>'
                  '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
                  'officedocument.wordprocessingml.document.main+xml"/></Types>')
_STYLES = (f'<?xml version="1.0" encoding="UTF-8"?><w:styles {_W}>'
           '<w:style w:type="paragraph" w:styleId="Heading1"><w:name w:val="heading 1"/></w:style>'
           '<w:style w:type="paragraph" w:styleId="Normal"><w:name w:val="Normal"/></w:style></w:styles>')


def _docx(path: Path, paragraphs, heading: str = "Hostile") -> Path:
    """A minimal Word file whose document.xml is written as a stream (never held in memory)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("word/styles.xml", _STYLES)
        with archive.open("word/document.xml", "w", force_zip64=True) as out:
            out.write(f'<?xml version="1.0" encoding="UTF-8"?><w:document {_W}><w:body>'.encode())
            out.write(f'<w:p><w:pPr><w:pStyle w:val="Heading1"/></w:pPr><w:r><w:t>{heading}</w:t></w:r></w:p>'.encode())
            for text in paragraphs:
                out.write(f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>".encode())
            out.write(b"</w:body></w:document>")
    return path


def make_files(folder: Path) -> dict[str, Path]:
    """The issue's hostile uploads: 50k paragraphs, a ~200 MB document.xml, a 39 MB page, a 30 MB line."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {}
    files["paragraphs-50k.docx"] = _docx(folder / "paragraphs-50k.docx",
                                         (f"Paragraphe {i}." for i in range(50_000)))
    line = "Le dossier de remboursement est déposé auprès de l'INAMI. " * 30
    files["bomb-200mb.docx"] = _docx(folder / "bomb-200mb.docx",
                                     (line for _ in range(200 * 1024 * 1024 // len(line.encode()))))
    page = folder / "page-39mb.html"
    with open(page, "w", encoding="utf-8") as out:
        out.write("<html><head><title>INAMI</title></head><body><main>")
        row = "<div><p>Une demande de remboursement <b>doit</b> être introduite.</p><span>x</span></div>\n"
        for _ in range(39 * 1024 * 1024 // len(row)):
            out.write(row)
        out.write("</main></body></html>")
    files["page-39mb.html"] = page
    text = folder / "one-line-30mb.txt"
    with open(text, "w", encoding="utf-8") as out:
        chunk = "remboursement INAMI application mobile " * 1000
        for _ in range(30 * 1024 * 1024 // len(chunk)):
            out.write(chunk)
        out.write("\n")
    files["one-line-30mb.txt"] = text
    return files


# The same files with a size cap lifted: the reader process's own limits must then hold.
LIFTED = [
    ("paragraphs-50k.docx", "paragraph cap lifted", {"max_paragraphs": 100_000}),
    ("page-39mb.html", "HTML cap lifted", {"max_html_bytes": 64 * 1024 * 1024}),
    ("page-39mb.html", "HTML cap lifted, 5 s budget", {"max_html_bytes": 64 * 1024 * 1024, "ingest_seconds": 5,
                                                      "ingest_memory_mb": 8192}),
]

_MEASURE = r"""
import json, os, sys, threading, time
from pathlib import Path
from assistant import Assistant, Settings

def status(key, pid="self"):
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1]) // 1024
    except OSError:
        pass
    return 0

reader_peak = 0
def watch():
    # The reader processes' own peak (VmHWM covers their whole life), sampled while they run.
    global reader_peak
    while True:
        for task in Path(f"/proc/{os.getpid()}/task").iterdir():
            try:
                children = (task / "children").read_text().split()
            except OSError:
                continue
            for child in children:
                reader_peak = max(reader_peak, status("VmHWM", child))
        time.sleep(0.02)
threading.Thread(target=watch, daemon=True).start()

a = Assistant(settings=Settings.from_env(index_dir=sys.argv[1], show_progress=False))
a.ask("Qui peut introduire une demande ?")  # everything a serving process holds is loaded
Path("/proc/self/clear_refs").write_text("5")  # restart the peak (VmHWM) from here
before = status("VmRSS")
start = time.perf_counter()
report = a.ingest([sys.argv[2]])
seconds = time.perf_counter() - start
outcome = report.outcomes[0]
print(json.dumps({"status": outcome.status, "reason": outcome.reason, "chunks": outcome.chunks,
                  "seconds": round(seconds, 2), "server_rss_mb": before,
                  "server_rise_mb": status("VmHWM") - before,
                  "reader_peak_mb": reader_peak}))
"""


def measure(index_dir: Path, path: Path, **settings) -> dict:
    """Ingest `path` into `index_dir` from a fresh process (`settings`: ASSISTANT_* overrides);
    its cost as a dict."""
    env = {**os.environ, **{f"ASSISTANT_{k.upper()}": str(v) for k, v in settings.items()}}
    result = subprocess.run([sys.executable, "-c", _MEASURE, str(index_dir), str(path)],
                            capture_output=True, text=True, timeout=600, env=env)
    if result.returncode != 0:
        raise RuntimeError(result.stderr[-2000:])
    return json.loads(result.stdout.strip().splitlines()[-1])


def latency_during_upload(index_dir: Path, hostile: Path, idle_questions: int = 60) -> dict:
    """`ask()` latency in one process, idle and while the same process ingests `hostile` with the
    HTML cap lifted (its reader then works until its 60 s limit)."""
    import threading
    import time

    from assistant import Assistant, Settings

    a = Assistant(settings=Settings.from_env(index_dir=index_dir, show_progress=False,
                                             max_html_bytes=64 * 1024 * 1024, ingest_seconds=60))
    questions = ["Qui peut introduire une demande de remboursement ?", "What is the M1 level of mHealthBelgium?",
                 "Wat doet het eHealth-platform?"]

    def ask(count=None, stop=None) -> list[float]:
        times, i = [], 0
        while (count is not None and i < count) or (count is None and not stop.is_set()):
            start = time.perf_counter()
            a.ask(questions[i % len(questions)])
            times.append(time.perf_counter() - start)
            i += 1
        return times

    idle = ask(idle_questions)
    stop, result = threading.Event(), {}

    def ingest():
        start = time.perf_counter()
        outcome = a.ingest([hostile]).outcomes[0]
        result.update(ingest_seconds=round(time.perf_counter() - start, 1), outcome=outcome.reason or outcome.status)
        stop.set()

    worker = threading.Thread(target=ingest)
    worker.start()
    busy = ask(stop=stop)
    worker.join()

    def q(xs, p):
        return round(1000 * sorted(xs)[int(p * (len(xs) - 1))], 1)

    return {"idle_p50_ms": q(idle, 0.5), "idle_p95_ms": q(idle, 0.95), "busy_p50_ms": q(busy, 0.5),
            "busy_p95_ms": q(busy, 0.95), "busy_questions": len(busy), **result}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index-dir", type=Path, default=None, help="an index to copy (default: build one)")
    parser.add_argument("--latency", action="store_true",
                        help="instead: other questions' latency while one upload keeps a reader busy")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        index_dir = tmp / "index"
        if args.index_dir:
            shutil.copytree(args.index_dir, index_dir)
        files = make_files(tmp / "files")
        if args.latency:
            print(json.dumps(latency_during_upload(index_dir, files["page-39mb.html"])))
            return
        print("| file | size | outcome | seconds | server RSS rise | reader peak RSS |")
        print("| --- | --- | --- | --- | --- | --- |")
        runs = [(name, path, {}) for name, path in files.items()] + [
            (f"{name}, {label}", files[name], lifted) for name, label, lifted in LIFTED]
        for name, path, lifted in runs:
            m = measure(index_dir, path, **lifted)
            outcome = f"{m['status']} ({m['chunks']} passages)" if m["status"] != "skipped" else m["reason"]
            print(f"| {name} | {path.stat().st_size / 1e6:.1f} MB | {outcome} | {m['seconds']} | "
                  f"{m['server_rise_mb']} MB | {m['reader_peak_mb']} MB |", flush=True)


if __name__ == "__main__":
    main()
