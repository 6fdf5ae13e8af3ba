"""Which kind of question in the pathway's `answers:` each part of unseen founder questions
matches, with the answer's first statement: a held-out check of the patterns' precision and
recall, read by a person.

    .venv/bin/python -m benchmarks.unseen.kinds benchmarks/unseen/questions_2.yaml

questions_1.yaml (60) was used to fix patterns; questions_2.yaml (45) and questions_3.yaml (45)
were each run once before any change, then tuned on (so neither is held out any more). All were
written by helpers who saw neither the notes nor the gold sets. questions_18.yaml and
questions_19.yaml (36 each, from helpers who saw only a paragraph on the domain) were read
answer by answer on 2026-12-07 (seventh session) and the patterns they showed missing were added:
neither is held out. questions_21.yaml (36, the same way) was read in the eighth session;
questions_22.yaml to questions_24.yaml (36 each, other personas: procurement, a sickness fund, a CRO,
a telecom operator; home nursing, a medtech lawyer, a cardiology pilot; a CFO, a hospital DPO, an
inadmissible request) were read in the ninth; questions_20.yaml is the source of tests/gold/fresh11, which nobody has read.
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

from assistant import Assistant
from assistant.answer.cues import TYPED
from assistant.plan import load_pathway
from assistant.retrieve.understanding import understand


def main(path: str) -> None:
    assistant = Assistant(show_progress=False)
    pathway = load_pathway(assistant.settings.corpus_dir)
    kind_of = {spec.facts: kind for kind, spec in pathway.answers.items()}
    for number, item in enumerate(yaml.safe_load(Path(path).read_text(encoding="utf-8"))):
        question, language = item["question"], item["language"]
        kinds = []
        for part in understand(question, language).parts:
            facts = pathway.facts_asked(part.text, part.intent if part.intent in TYPED else "")
            kinds.append(kind_of.get(tuple(facts), "-") if facts else "-")
        answer = assistant.ask(question, language=language)
        first = answer.statements[0].text if answer.statements else ""
        print(f"{number:02d} [{language}] {question}\n    kinds: {kinds}\n    first: {first[:160]}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else str(Path(__file__).with_name("questions_2.yaml")))
