"""Build tests/gold/paraphrased/ from rewordings of the realistic questions.

The hidden checks ask the same facts in other words. People who saw only the realistic questions
(never the notes, the patterns or the answers) reworded each in-scope question twice, in its own
language; each rewording asks what the original asks, so it keeps the original's annotations (key
facts, direct fact, the sources stating them, the unanswered parts).

    .venv/bin/python -m benchmarks.paraphrased para_fr.yaml para_nl.yaml para_en.yaml

Each input file is a YAML list of {id: <realistic id>, a: "...", b: "..."}. Variant a goes to
tests/gold/paraphrased/<language>.yaml (read when tuning), variant b to tests/gold/held_out/
<language>.yaml (measured, never read question by question).
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

from assistant.evaluation import HELD_OUT_DIR, PARAPHRASED_DIR, REALISTIC_DIR

KEPT = ("language", "topics", "key_facts", "direct_fact", "fact_sources", "unanswered", "parts")
HEADER = ("# Rewordings ({variant}) of the realistic questions in tests/gold/realistic/{language}.yaml, written by\n"
          "# people who saw only those questions; each keeps the annotations of the question it rewords\n"
          "# (built by benchmarks/paraphrased.py).{note}\n")
NOTES = {"a": "", "b": " Variant b is the held-out half: measure it, do not tune on its questions."}


def build(paths: list[Path]) -> dict[str, int]:
    originals = {}
    for path in sorted(REALISTIC_DIR.glob("*.yaml")):
        for item in yaml.safe_load(path.read_text(encoding="utf-8")):
            originals[item["id"]] = item
    written: dict[str, int] = {}
    for path in paths:
        rewordings = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        for variant in ("a", "b"):
            items, language = [], None
            for entry in rewordings:
                original = originals[entry["id"]]
                if original.get("out_of_scope"):
                    continue
                language = original["language"]
                item = {"id": f"{entry['id']}-{variant}", "rewords": entry["id"], "question": str(entry[variant]).strip()}
                item.update({k: original[k] for k in KEPT if k in original})
                items.append(item)
            if not items:
                continue
            out_dir = PARAPHRASED_DIR if variant == "a" else HELD_OUT_DIR
            out_dir.mkdir(parents=True, exist_ok=True)
            target = out_dir / f"{language}.yaml"
            body = yaml.safe_dump(items, allow_unicode=True, sort_keys=False, width=110)
            target.write_text(HEADER.format(variant=variant, language=language, note=NOTES[variant]) + body,
                              encoding="utf-8")
            written[f"{out_dir.name}/{target.name}"] = len(items)
    return written


if __name__ == "__main__":
    for name, count in build([Path(p) for p in sys.argv[1:]]).items():
        print(f"{name}: {count} questions")
