"""`assistant` command line: a thin layer over the Python API."""

from __future__ import annotations

import argparse
import json
import logging
import re
import sys
from dataclasses import asdict
from pathlib import Path

from .evaluation import GOLD_SETS
from .settings import PRESETS, PROJECT_ROOT, Settings

# ESC/CSI sequences whole (an OSC title change, a screen clear), then any other control character.
_ESCAPE = re.compile(r"\x9b[0-?]*[ -/]*[@-~]|\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[PX^_][^\x1b]*(?:\x1b\\)?|.?)"
                     r"|\x9d[^\x07\x9c]*[\x07\x9c]?")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def terminal_safe(text: str) -> str:
    """Text fit for a terminal: escape sequences removed, other control characters shown as
    visible codes. Whatever a document or a file name holds, it can only ever print as text."""
    text = _ESCAPE.sub("", str(text))
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 256 else f"\\u{ord(m.group()):04x}",
                        text)


def out(text: str = "", file=None) -> None:
    print(terminal_safe(text), file=file or sys.stdout)


def _json(data) -> str:
    # ensure_ascii=False keeps accents readable; C1 controls would then pass unescaped.
    return json.dumps(data, ensure_ascii=False, indent=2)


def _settings(args, **extra) -> Settings:
    return Settings.from_env(index_dir=getattr(args, "index_dir", None), **extra)


def cmd_ask(args) -> int:
    from .api import Assistant

    settings = _settings(args, answer_backend=args.backend)
    # The model's draft goes to standard error as it comes; standard output gets the verified answer.
    on_token = None if args.json or settings.answer_backend == "extractive" else (
        lambda piece: print(terminal_safe(piece), end="", file=sys.stderr, flush=True))
    answer = Assistant(settings=settings).ask(args.question, language=args.language, on_token=on_token)
    if on_token is not None:
        print(file=sys.stderr)
    out(_json(answer.to_dict()) if args.json else answer.text)
    return 0


def cmd_ingest(args) -> int:
    from .api import Assistant

    report = Assistant(settings=_settings(args)).ingest(args.files)
    out(_json(report.to_dict()) if args.json else report.summary())
    return 0 if not report.skipped else 1


def cmd_index(args) -> int:
    from .api import Assistant

    if args.action == "check":
        return _index_check(args)
    assistant = Assistant(settings=_settings(args))  # builds or syncs on open; repairs damage it finds
    if args.action == "rebuild":
        assistant.rebuild()
    if args.action == "repair":
        problems = assistant.index.repaired + assistant.repair()  # what opening repaired, then the rest
        remaining = assistant.check()
        for problem in problems:
            out(f"repaired: {problem}")
        for problem in remaining:
            out(f"still damaged: {problem}", file=sys.stderr)
        if not problems and not remaining:
            out("the index is intact: nothing to repair")
        if remaining:
            return 1
    status = assistant.status()
    out(_json(asdict(status)) if args.json else
        f"index:      {status.index_dir}\ngeneration: {status.generation} (built {status.built_at})\n"
        f"documents:  {status.documents}\npassages:   {status.chunks} {status.languages}\n"
        f"embeddings: {status.embedding_model}\nsize:       {status.disk_bytes / 1e6:.1f} MB on disk")
    return 0


def cmd_plan(args) -> int:
    from .api import Assistant
    from .plan import ProfileError
    from .plan.render import plan_markdown

    try:
        from .plan import Profile

        profile = Profile.from_file(args.profile)
        if args.language:
            profile = profile.model_copy(update={"language": args.language})
    except ProfileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    assistant = Assistant(settings=_settings(args, show_progress=False))
    if args.out:
        suffix = args.out.suffix.lower()
        if suffix not in (".pdf", ".md", ".markdown"):
            print("error: --out must end in .pdf or .md", file=sys.stderr)
            return 2
        report = assistant.report(profile, "pdf" if suffix == ".pdf" else "markdown")
        args.out.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(report, bytes):
            args.out.write_bytes(report)
        else:
            args.out.write_text(report, encoding="utf-8")
        print(f"report written to {args.out}", file=sys.stderr)
    plan = assistant.plan(profile)
    if args.json:
        out(_json(plan.to_dict()))
    elif not args.out:
        out(plan_markdown(plan, assistant.settings.prompts_dir, name=profile.name))
    return 0


def _index_check(args) -> int:
    """A full check that changes nothing (unlike every other command, it does not open the index
    for writing): one line per problem and the command that repairs it."""
    from .index import Index

    settings = _settings(args, show_progress=False)
    index = Index(settings, repair_store=False)
    problems = index.check()
    if args.json:
        out(_json({"index_dir": str(settings.index_dir), "problems": problems}))
    elif problems:
        for problem in problems:
            out(f"damaged: {problem}")
        out(f"repair with: assistant index repair --index-dir {settings.index_dir}")
    else:
        out(f"the index in {settings.index_dir} is intact")
    return 1 if problems else 0


def cmd_eval(args) -> int:
    from .api import CALIBRATION_FILE, Assistant
    from .evaluation import CALIBRATION_SETS, GOLD_SETS, Report, calibrate_threshold, evaluate, load_gold

    if args.calibrate and args.backend == "llm":
        print("assistant eval: --calibrate sets the abstention threshold of the evidence; run it with the "
              "extractive backend", file=sys.stderr)
        return 2
    if args.gold:
        gold = {args.gold.name: load_gold(args.gold)}
        if not any(gold.values()):
            print(f"assistant eval: no gold questions (*.yaml) in {args.gold}", file=sys.stderr)
            return 2
    else:
        chosen = {"all": list(GOLD_SETS), "both": list(CALIBRATION_SETS)}.get(args.set, [args.set])
        gold = {name: load_gold(GOLD_SETS[name]) for name in chosen}
    presets = list(PRESETS) if args.compare else [args.preset]
    reports = []
    for name in presets:
        preset = PRESETS[name]
        index_dir = args.index_dir or (PROJECT_ROOT / ".cache" / "eval-index" / preset["embedding_model"])
        settings = Settings.from_env(index_dir=index_dir, **preset, show_progress=not args.json,
                                     answer_backend=args.backend)
        assistant = Assistant(settings=settings)
        label = f"threshold {assistant.threshold:.4f}" + (
            f", backend llm ({settings.llm_model})" if settings.answer_backend == "llm" else "")
        runs = {s: evaluate(assistant, qs, label=f"[{name}] {s} set, {label}") for s, qs in gold.items()}
        if args.calibrate:
            # One threshold for both sets: the notes' vocabulary and founders' own words.
            calibrating = [r for s, run in runs.items() if s in CALIBRATION_SETS for r in run.results]
            if not calibrating:
                print("assistant eval: --calibrate needs the notes' or the realistic set", file=sys.stderr)
                return 2
            threshold = calibrate_threshold(Report(calibrating))
            _store_threshold(CALIBRATION_FILE, f"{assistant.index.model_name}|{settings.retrieval}", threshold)
            assistant.settings = settings.with_(abstain_threshold=threshold)
            runs = {s: evaluate(assistant, qs, label=f"[{name}] {s} set, calibrated threshold {threshold:.4f}")
                    for s, qs in gold.items()}
        for report in runs.values():
            reports.append(report)
            if not args.json:
                out(report.table() + "\n")
                sys.stdout.flush()
    if args.json:
        out(_json([r.to_dict() for r in reports]))
    return 0


def cmd_fetch(args) -> int:
    from .api import Assistant
    from .load.corpus import read_manifest

    assistant = Assistant(settings=_settings(args))
    try:
        manifest = read_manifest(args.manifest) if args.manifest else None
        report = assistant.fetch(include_secondary=args.include_secondary, only=args.only,
                                 timeout=args.timeout, manifest=manifest)
    except (ValueError, OSError, KeyError) as exc:  # unknown --only id, unreadable --manifest
        out(f"assistant fetch: {exc}", file=sys.stderr)
        return 2
    out(_json(report.to_dict()) if args.json else report.summary())
    return 0 if not report.failed else 1


def _store_threshold(path: Path, key: str, value: float) -> None:
    import tomllib

    table = {}
    if path.exists():
        table = tomllib.loads(path.read_text(encoding="utf-8"))
    thresholds = table.setdefault("threshold", {})
    thresholds[key] = value
    lines = ["# Abstention thresholds per embedding model and retrieval mode, written by",
             "# `assistant eval --calibrate` from the gold set in tests/gold/.", "[threshold]"]
    lines += [f'"{k}" = {v}' for k, v in sorted(thresholds.items())]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _benchmarks():
    """The benchmark code lives beside the package (benchmarks/), not in it: it is a tool for a
    checkout of the repository, not part of the product."""
    if str(PROJECT_ROOT) not in sys.path:
        sys.path.insert(0, str(PROJECT_ROOT))
    try:
        from benchmarks import bench  # noqa: PLC0415
    except ImportError as exc:
        raise SystemExit(f"assistant bench needs a checkout of the repository (benchmarks/ not found: {exc})")
    return bench


def cmd_bench(args) -> int:
    bench = _benchmarks()
    report = bench.run(out=args.out, scale_pages=args.scale_pages, cold_runs=0 if args.skip_cold_start else args.cold_runs,
                       baseline=not args.no_baseline, max_questions=args.max_questions,
                       chroma_host=args.chroma_host, chroma_port=args.chroma_port)
    out(_json(report) if args.json else bench.format_table(report))
    out(f"results written to {args.out}", file=sys.stderr)
    return 0


def cmd_serve(args) -> int:
    from .web.serve import run

    return run(args)


def cmd_mcp(args) -> int:
    import os

    from .api import Assistant
    from .mcp_server import run

    # stdout carries the protocol: progress bars and notices must stay off it.
    run(Assistant(settings=_settings(args, show_progress=False)),
        args.workspace_key or os.environ.get("ASSISTANT_WORKSPACE_KEY") or None)
    return 0


def cmd_workspace(args) -> int:
    from .settings import Settings
    from .index.workspaces import WorkspaceError, WorkspaceStore

    store = WorkspaceStore(Settings.from_env())
    try:
        if args.action == "create":
            info, key = store.create(args.id)
            print(f"workspace {info.id} created; its key (shown once, only its hash is stored):\n{key}")
        elif args.action == "new-key":
            print(store.new_key(args.id))
        elif args.action == "delete":
            from .api import Assistant

            deleted = Assistant(settings=_settings(args)).delete_workspace(args.id)
            print(f"workspace {args.id} deleted" if deleted else f"no workspace {args.id}")
        elif args.action == "sweep":
            from .api import Assistant

            print("\n".join(Assistant(settings=_settings(args)).sweep_workspaces(force=True)) or "nothing expired")
        else:
            for info in store.list():
                print(json.dumps(info.public()))
    except WorkspaceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


def cmd_hash_password(args) -> int:
    import getpass

    from .web.auth import hash_password

    password = getpass.getpass("password: ") if sys.stdin.isatty() else sys.stdin.readline().rstrip("\n")
    if not password:
        print("error: empty password", file=sys.stderr)
        return 2
    print(f"{args.user}:{hash_password(password)}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="assistant",
        description="Cited answers on bringing digital health products to the Belgian market and getting them reimbursed.")
    sub = parser.add_subparsers(dest="command", required=True)

    def add(name, help_text, func):
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.add_argument("--index-dir", type=Path, default=None, help="index folder (default: ./index)")
        p.set_defaults(func=func)
        return p

    p = add("ask", "Answer a question from the indexed sources, with citations.", cmd_ask)
    p.add_argument("question")
    p.add_argument("--language", choices=["fr", "nl", "en"], default=None, help="answer language (default: detected)")
    p.add_argument("--json", action="store_true", help="print the answer as JSON")
    p.add_argument("--backend", choices=["extractive", "llm"], default=None,
                   help="who writes the answer (default: ASSISTANT_ANSWER_BACKEND or extractive); llm streams the "
                        "model's draft to standard error, then prints the verified answer")

    p = add("plan", "Plan the route to reimbursement for a founder's profile (YAML or JSON), with a "
                    "pre-submission readiness report.", cmd_plan)
    p.add_argument("--profile", type=Path, required=True, metavar="FILE",
                   help="the founder's profile, YAML or JSON (see examples/profiles/)")
    p.add_argument("--out", type=Path, default=None, metavar="FILE",
                   help="write the readiness report: FILE.pdf (typeset) or FILE.md (Markdown)")
    p.add_argument("--language", choices=["fr", "nl", "en"], default=None,
                   help="language of the plan (default: the profile's)")
    p.add_argument("--json", action="store_true", help="print the plan as JSON (steps with their citations)")

    p = add("ingest", "Add your own files (PDF, DOCX, HTML, Markdown, text) to the index.", cmd_ingest)
    p.add_argument("files", nargs="+", type=Path)
    p.add_argument("--json", action="store_true")

    p = add("index", "Build, rebuild, show, check or repair the index.", cmd_index)
    p.add_argument("action", choices=["build", "rebuild", "status", "check", "repair"],
                   help="build: create or update incrementally; rebuild: embed everything again; status: show "
                        "(with the size on disk); check: verify checksums, Chroma and stored originals, change "
                        "nothing; repair: set damaged versions aside, rebuild Chroma from the stored vectors and "
                        "re-read your documents from their stored originals")
    p.add_argument("--json", action="store_true")

    p = add("eval", "Evaluate on the gold sets (tests/gold: the notes' set and the realistic founders' set): "
                    "Recall@5, MRR, key facts, direct answer, citation attribution, gaps said, length, abstention.",
            cmd_eval)
    p.add_argument("--set", choices=["all", "both", *GOLD_SETS],
                   default="all", help="all: every set; both: the notes' and the realistic set (what --calibrate uses)")
    p.add_argument("--preset", choices=list(PRESETS), default="hybrid")
    p.add_argument("--compare", action="store_true", help="run every preset (MiniLM, USE, BM25, hybrid)")
    p.add_argument("--calibrate", action="store_true",
                   help="choose the abstention threshold on the gold set and store it in assistant/calibration.toml")
    p.add_argument("--backend", choices=["extractive", "llm"], default=None,
                   help="who writes the answers (default: ASSISTANT_ANSWER_BACKEND or extractive); llm uses "
                        "ASSISTANT_LLM_MODEL, ASSISTANT_LLM_BASE_URL… and also reports the share of generated "
                        "sentences verification removed")
    p.add_argument("--gold", type=Path, default=None, metavar="DIR",
                   help="a folder of gold *.yaml files to run instead of the bundled sets")
    p.add_argument("--json", action="store_true")
    p = add("fetch", "Download the official documents of corpus/sources.toml into the local cache and index "
                     "them beside the notes; only what changed is embedded again.", cmd_fetch)
    p.add_argument("--include-secondary", action="store_true",
                   help="also fetch the sources marked secondary = true (press, non-official sites)")
    p.add_argument("--only", nargs="+", metavar="ID", default=None, help="fetch only these source ids")
    p.add_argument("--timeout", type=float, default=None, metavar="S",
                   help="seconds to wait on each network operation (default: 20, or ASSISTANT_FETCH_TIMEOUT)")
    p.add_argument("--manifest", type=Path, default=None, metavar="PATH",
                   help="a sources.toml to fetch instead of corpus/sources.toml; fetched documents of "
                        "sources it does not name are removed from the index")
    p.add_argument("--json", action="store_true", help="print the report as JSON")

    from .web.serve import add_arguments

    add_arguments(add("serve", "Start the web chat and the HTTP API (the same app as `python app.py`).", cmd_serve))
    p = add("mcp", "Serve `ask` and `search` as MCP tools over stdio, for AI agents.", cmd_mcp)
    p.add_argument("--workspace-key", default=None, help="also read this workspace (env ASSISTANT_WORKSPACE_KEY)")
    p = add("workspace", "Create, list or delete private workspaces (ASSISTANT_WORKSPACES_DIR).", cmd_workspace)
    p.add_argument("action", choices=["create", "list", "new-key", "delete", "sweep"],
                   help="create: print a new workspace's key once; new-key: replace its key; sweep: delete expired")
    p.add_argument("id", nargs="?", default=None)
    p = add("hash-password", "Print a `user:bcrypt-hash` line for ASSISTANT_USERS_FILE (password read from the terminal "
                             "or stdin).", cmd_hash_password)
    p.add_argument("user")

    DEFAULT_OUT = PROJECT_ROOT / "benchmarks" / "results" / "latest.json"
    p = sub.add_parser("bench", help="Benchmark speed, memory and quality next to a naive LangChain RAG.",
                       description="Cold start, warm latency, index build (bundled, incremental, N synthetic "
                                   "pages), peak RSS and gold-set quality, beside a naive LangChain RAG.")
    p.set_defaults(func=cmd_bench)
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"JSON results file (default: {DEFAULT_OUT})")
    p.add_argument("--scale-pages", type=int, default=10_000, metavar="N",
                   help="synthetic pages added for the scale run (default: 10000; 0 skips it)")
    p.add_argument("--cold-runs", type=int, default=3, metavar="N", help="cold-start processes (default: 3)")
    p.add_argument("--skip-cold-start", action="store_true")
    p.add_argument("--no-baseline", action="store_true", help="skip the naive LangChain RAG")
    p.add_argument("--max-questions", type=int, default=None, metavar="N", help="use only N gold questions")
    p.add_argument("--chroma-host", default=None, help="measure against this Chroma server (server mode)")
    p.add_argument("--chroma-port", type=int, default=8000)
    p.add_argument("--json", action="store_true", help="print the whole report as JSON instead of the table")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # Damage found and repaired when the index opens is said in one line on standard error.
    logging.basicConfig(level=logging.WARNING, format="%(message)s", stream=_SafeStderr())
    try:
        return args.func(args)
    except KeyboardInterrupt:
        return 130


class _SafeStderr:
    def write(self, text: str) -> None:
        sys.stderr.write(terminal_safe(text))

    def flush(self) -> None:
        sys.stderr.flush()


if __name__ == "__main__":
    sys.exit(main())
