"""Where answers are lost, by how the first part of each question found its answer.

    .venv/bin/python -m benchmarks.kind_buckets realistic fresh9 ...

For each gold set, the in-scope questions are grouped by what answered their first part: a
pattern of corpus/pathway.yaml (`pattern`), the kind classifier's guess (`guess`), the route
planner's next steps (`steps`) or durations (`duration`), the sentence scorer alone (`none`), or
a refusal (`abstain`); each group's share, direct-answer rate and key-fact rate are printed. Only
aggregates are printed, so it may be run on sets nobody reads question by question.
"""

from __future__ import annotations

import sys
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass

from assistant.answer import extractive
from assistant.evaluation import GOLD_SETS, load_gold, normalise, run_question


@dataclass
class Bucket:
    questions: int = 0
    direct: int = 0
    facts_found: int = 0
    facts: int = 0

    def row(self, total: int) -> str:
        return (f"n={self.questions} ({self.questions / total:.0%}) direct={self.direct / self.questions:.2f} "
                f"key facts={self.facts_found / max(self.facts, 1):.2f}")


@contextmanager
def _recording(first_parts: list[str]):
    """Records how planned_sentences answered each first part, for the duration of the block."""
    planned = extractive.from_plan.planned_sentences

    def recorded(part, understanding, language, corpus_dir, prompts_dir, guess_kind=None):
        guesses: list[str] = []

        def guessing(p):
            guesses.append(guess_kind(p))
            return guesses[-1]

        kind, sentences = planned(part, understanding, language, corpus_dir, prompts_dir,
                                  guessing if guess_kind else None)
        if part is understanding.parts[0]:
            how = kind if kind in ("steps", "duration") else \
                "guess" if kind and guesses and guesses[-1] else "pattern" if kind else "none"
            first_parts.append(how)
        return kind, sentences

    extractive.from_plan.planned_sentences = recorded
    try:
        yield
    finally:
        extractive.from_plan.planned_sentences = planned


def buckets(assistant, questions) -> dict[str, Bucket]:
    out: dict[str, Bucket] = defaultdict(Bucket)
    for q in questions:
        if q.out_of_scope:
            continue
        first: list[str] = []
        with _recording(first):
            result = run_question(assistant, q)
        said = normalise(" ".join(s.text for s in result.answer.statements))
        bucket = out[first[0] if first and not result.answer.abstained else "abstain"]
        bucket.questions += 1
        bucket.direct += bool(result.direct_ok)
        bucket.facts_found += sum(normalise(f) in said for f in q.key_facts)
        bucket.facts += len(q.key_facts)
    return dict(out)


def main(argv: list[str]) -> None:
    from assistant.api import Assistant

    assistant = Assistant(show_progress=False)
    for name in argv or list(GOLD_SETS):
        found = buckets(assistant, load_gold(GOLD_SETS[name]))
        total = sum(b.questions for b in found.values())
        print(name, " | ".join(f"{how}: {b.row(total)}" for how, b in sorted(found.items())), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
