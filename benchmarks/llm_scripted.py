"""How the verifier of the llm backend does on the gold questions, without a real model.

    python -m benchmarks.llm_scripted [--max-questions N] [--out PATH]

A scripted OpenAI-compatible server (tests/llm_server.py) plays the model. For each gold question
it answers with one faithful sentence (verbatim from a passage it was given, cited correctly) and
one planted error made from another passage's sentence: a changed number, another body named, a
negation added, a true sentence cited to the wrong passage, or an id it was not given. Measured:
the share of faithful sentences kept and of planted errors removed, per kind, and the time the
answer takes beside the model (retrieval, verification, composition).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import statistics
import sys
import time
from pathlib import Path

from assistant.answer.verify import negated, quotable
from assistant.evaluation import CALIBRATION_SETS, GOLD_SETS, load_gold
from assistant.index.sentences import sentence_spans
from assistant.settings import PROJECT_ROOT, Settings

if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))
from tests.llm_server import ScriptedLLM, passages  # noqa: E402

KINDS = ("number", "body", "negation", "wrong-passage", "unknown-id")
_SWAP = {"INAMI": "AFMPS", "RIZIV": "FAGG", "NIHDI": "FAMHP", "AFMPS": "INAMI", "FAGG": "RIZIV", "FAMHP": "NIHDI",
         "eHealth": "INAMI", "mHealthBelgium": "AFMPS", "APD": "INAMI", "GBA": "RIZIV", "HDA": "AFMPS"}
_BODY = re.compile(r"\b(" + "|".join(_SWAP) + r")\b")
_NEGATE = [
    (re.compile(r"\b(is|are|must|can|may|will|has|have)\b"), r"\1 not"),
    (re.compile(r"\b(est)\b"), "n'est pas"), (re.compile(r"\b(sont|doit|doivent|peut|peuvent)\b"), r"ne \1 pas"),
    (re.compile(r"\b(zijn|moet|moeten|kan|kunnen|mag|wordt|worden)\b"), r"\1 niet"),
]


def sentences_of(text: str) -> list[str]:
    return [text[s:e] for s, e in sentence_spans(text) if quotable(text[s:e]) and not text[s:e].endswith(":")]


def plant(kind: str, given: dict[str, str], seed: int) -> tuple[str, str, str, str] | None:
    """(faithful sentence, its id, planted sentence, the id it cites), or None when the passages
    offer nothing to plant this kind of error in."""
    ids = sorted(given, key=lambda p: int(p[1:]))
    pool = [(pid, s) for pid in ids for s in sentences_of(given[pid])]
    if len(pool) < 2:
        return None
    fid, faithful = pool[seed % len(pool)]
    others = [(pid, s) for pid, s in pool if s != faithful]
    for offset in range(len(others)):
        pid, s = others[(seed + offset) % len(others)]
        if kind == "number":
            m = re.search(r"(?<![\d.,/])\d+(?![\d.,/])", s)
            if m:
                return faithful, fid, s[:m.start()] + str(int(m.group()) + 7) + s[m.end():], pid
        elif kind == "body":
            m = _BODY.search(s)
            if m:
                return faithful, fid, s[:m.start()] + _SWAP[m.group()] + s[m.end():], pid
        elif kind == "negation":
            if negated(s):
                continue
            for pattern, repl in _NEGATE:
                if pattern.search(s):
                    return faithful, fid, pattern.sub(repl, s, count=1), pid
        elif kind == "wrong-passage":
            wrong = [p for p in ids if p != pid]
            if wrong:
                return faithful, fid, s, wrong[seed % len(wrong)]
        elif kind == "unknown-id":
            return faithful, fid, s, f"P{len(ids) + 1 + seed % 5}"
    return None


def run(max_questions: int | None = None, index_dir: Path | None = None) -> dict:
    questions = [q for name in CALIBRATION_SETS for q in load_gold(GOLD_SETS[name]) if not q.out_of_scope]
    if max_questions:
        questions = questions[:max_questions]
    current: dict = {}

    def script(messages):
        planted = plant(current["kind"], passages(messages), current["seed"])
        current["planted"] = planted
        if planted is None:
            return "The sources do not state this."
        faithful, fid, wrong, wid = planted
        return f"{faithful} [{fid}] {wrong} [{wid}]"

    from assistant import Assistant

    results: dict[str, dict] = {}
    extra_ms: list[float] = []
    with ScriptedLLM(script, piece_chars=40) as server:
        settings = Settings.from_env(index_dir=index_dir or PROJECT_ROOT / ".cache" / "eval-index" / "use-multilingual",
                                     show_progress=False, answer_backend="llm", llm_model="openai:scripted",
                                     llm_base_url=server.openai_url, llm_timeout=30, llm_max_retries=0)
        assistant = Assistant(settings=settings)
        for kind in KINDS:
            row = {"questions": 0, "applicable": 0, "faithful_kept": 0, "planted_removed": 0, "fallbacks": 0,
                   "missed": []}
            for q in questions:
                current.update(kind=kind, seed=int(hashlib.sha1(q.id.encode()).hexdigest(), 16) % 1000, planted=None)
                start = time.perf_counter()
                answer = assistant.ask(q.question, language=q.language)
                elapsed = time.perf_counter() - start
                if current["planted"] is None or answer.abstained:
                    continue
                row["questions"] += 1
                row["applicable"] += 1
                extra_ms.append(elapsed * 1000)
                faithful, _, wrong, _ = current["planted"]
                kept = {" ".join(s.text.split()) for s in answer.statements if s.verified}
                removed = {" ".join(r.text.split()) for r in answer.rejected}
                row["fallbacks"] += bool(answer.fallback)
                row["faithful_kept"] += " ".join(faithful.split()) in kept
                if " ".join(wrong.split()) in removed or (answer.fallback and " ".join(wrong.split()) not in kept):
                    row["planted_removed"] += 1
                elif len(row["missed"]) < 5:
                    row["missed"].append(wrong)
            n = max(row["applicable"], 1)
            row["faithful_kept_share"] = round(row["faithful_kept"] / n, 3)
            row["planted_removed_share"] = round(row["planted_removed"] / n, 3)
            results[kind] = row
            print(f"{kind:14} n={row['applicable']:4}  faithful kept {row['faithful_kept_share']:.3f}  "
                  f"planted removed {row['planted_removed_share']:.3f}  fallbacks {row['fallbacks']}", flush=True)
    return {"kinds": results, "ask_ms": {"p50": statistics.median(extra_ms),
                                         "p95": sorted(extra_ms)[int(0.95 * (len(extra_ms) - 1))]},
            "questions": len(questions), "embedding_model": settings.embedding_model}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--max-questions", type=int, default=None)
    parser.add_argument("--index-dir", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "results" / "llm_scripted.json")
    args = parser.parse_args(argv)
    report = run(args.max_questions, args.index_dir)
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"ask() with the scripted model p50 {report['ask_ms']['p50']:.0f} ms, p95 {report['ask_ms']['p95']:.0f} ms; "
          f"written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
