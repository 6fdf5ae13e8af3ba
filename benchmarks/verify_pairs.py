"""Labelled (sentence, passage, supported?) pairs for the semantic check of assistant/answer/verify.py,
and the threshold calibrated on them.

    python -m benchmarks.verify_pairs --build       # (re)write tests/gold/verify_pairs.jsonl from the notes
    python -m benchmarks.verify_pairs --calibrate   # score the pairs, store the threshold in verify.toml

Pairs built from the corpus (no model writes them): the three language versions of a note share
their sections, so a sentence of the French section is a translation (a paraphrase in another
language) of what the Dutch and English sections say: supported. The same sentence against
another section of the same note (hard: same vocabulary) or of another note: not supported.
Hand-written pairs (benchmarks/verify_pairs_manual.yaml) add same-language paraphrases and
plausible claims a passage does not make.

Score of a pair: the best cosine between the sentence and one sentence of the passage (what the
verifier computes). Threshold: the cut that maximises (supported accepted) − 2 × (unsupported
accepted), each as a share: accepting an unsupported sentence shows a false rule, refusing a
supported one only replaces it by a quote or drops it, so a false accept counts double.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import tomllib
from collections import defaultdict
from pathlib import Path

import numpy as np
import yaml

from assistant.answer.verify import VERIFY_FILE, quotable
from assistant.index.chunking import chunk_document
from assistant.load.corpus import load_notes
from assistant.index.embeddings import canonical_name, embed_array, load_embeddings
from assistant.index.sentences import sentence_spans
from assistant.settings import PROJECT_ROOT, Settings

PAIRS_FILE = PROJECT_ROOT / "tests" / "gold" / "verify_pairs.jsonl"
MANUAL_FILE = Path(__file__).resolve().parent / "verify_pairs_manual.yaml"
LANGS = ("fr", "nl", "en")


def sections(corpus_dir: Path) -> dict[tuple[str, int, str], str]:
    """(topic, section, language) -> the section's text, from the chunks the index would make."""
    out: dict[tuple[str, int, str], list[str]] = defaultdict(list)
    for doc in load_notes(corpus_dir):
        for chunk in chunk_document(doc):
            out[(chunk.topic, chunk.section, chunk.language)].append(chunk.text)
    return {k: "\n\n".join(v) for k, v in out.items()}


def passage_spans(text: str) -> list[tuple[int, int]]:
    """Sentences of a pair's passage, paragraph by paragraph as the index cuts them (a section
    joins several passages; "etc." closing one must still end its sentence)."""
    spans = []
    for para in re.finditer(r"[^\n]+(?:\n(?!\n)[^\n]*)*", text):
        spans += sentence_spans(text, para.start(), para.end())
    return spans


def build(corpus_dir: Path, seed: int = 0) -> list[dict]:
    rng = random.Random(seed)
    texts = sections(corpus_dir)
    keys = sorted({(t, s) for t, s, _ in texts})
    by_topic: dict[str, list[int]] = defaultdict(list)
    for t, s in keys:
        if all((t, s, lang) in texts for lang in LANGS):
            by_topic[t].append(s)
    pairs = []
    for topic in sorted(by_topic):
        for section in by_topic[topic]:
            for i, lang in enumerate(LANGS):
                text = texts[(topic, section, lang)]
                candidates = [text[s:e] for s, e in sentence_spans(text)]
                candidates = [c for c in candidates if quotable(c) and len(c) < 400 and not re.match(r"^\W", c)]
                if not candidates:
                    continue
                sentence = rng.choice(candidates)
                other = LANGS[(i + 1 + rng.randrange(2)) % 3]
                base = {"sentence": sentence, "sentence_language": lang, "passage_language": other}
                pairs.append({**base, "passage": texts[(topic, section, other)], "label": 1, "kind": "translation",
                              "topic": topic, "section": section})
                elsewhere = [s for s in by_topic[topic] if s != section]
                if elsewhere:
                    s2 = rng.choice(elsewhere)
                    pairs.append({**base, "passage": texts[(topic, s2, other)], "label": 0, "kind": "other-section",
                                  "topic": topic, "section": s2})
                t3 = rng.choice([t for t in by_topic if t != topic])
                s3 = rng.choice(by_topic[t3])
                pairs.append({**base, "passage": texts[(t3, s3, other)], "label": 0, "kind": "other-topic",
                              "topic": t3, "section": s3})
    return pairs


def manual_pairs() -> list[dict]:
    items = yaml.safe_load(MANUAL_FILE.read_text(encoding="utf-8")) or []
    return [{"sentence": i["sentence"], "sentence_language": i["language"], "passage_language": i.get("passage_language", i["language"]),
             "passage": i["passage"], "label": int(bool(i["supported"])), "kind": i.get("kind") or
             ("paraphrase" if i["supported"] else "unsupported")} for i in items]


def load_pairs(path: Path = PAIRS_FILE) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def scores(pairs: list[dict], model: str = "use-multilingual") -> np.ndarray:
    """Best cosine between each pair's sentence and one sentence of its passage."""
    embeddings = load_embeddings(model)
    passage_sentences = {}
    for p in pairs:
        if p["passage"] not in passage_sentences:
            passage_sentences[p["passage"]] = [p["passage"][s:e] for s, e in passage_spans(p["passage"])]
    unique = sorted({s for ss in passage_sentences.values() for s in ss} | {p["sentence"] for p in pairs})
    vectors = dict(zip(unique, embed_array(embeddings, unique)))
    out = []
    for p in pairs:
        mine = np.stack([vectors[s] for s in passage_sentences[p["passage"]]])
        out.append(float(np.max(mine @ vectors[p["sentence"]])))
    return np.array(out)


FALSE_ACCEPT_COST = 2.0


def full_checks(pairs: list[dict], threshold: float, corpus_dir: Path, model: str = "use-multilingual") -> list[str]:
    """The verifier's whole verdict on each pair (facts, names, negation and meaning): "" when
    accepted, else the reason. Shows what the fact checks cost faithful restatements."""
    from assistant.answer.verify import GeneratedSentence, Organisations, Verifier, make_passage
    from assistant.retrieve.hybrid import glossary
    from assistant.types import Chunk

    embeddings = load_embeddings(model)
    organisations = Organisations.from_glossary(glossary(corpus_dir))
    out = []
    for p in pairs:
        chunk = Chunk("pair#0", "pair", 0, p["passage"], "", "", "", p["passage_language"], "", "", "", "note")
        spans = passage_spans(p["passage"])
        passage = make_passage("P1", chunk, spans, embed_array(embeddings, [p["passage"][a:b] for a, b in spans]))
        verifier = Verifier([passage], organisations, threshold)
        check = verifier.check(GeneratedSentence(p["sentence"], ("P1",)), embed_array(embeddings, [p["sentence"]])[0])
        out.append(check.reason)
    return out


def calibrate(values: np.ndarray, labels: np.ndarray) -> tuple[float, dict]:
    """The cut maximising (supported accepted) − FALSE_ACCEPT_COST × (unsupported accepted)."""
    ordered = np.unique(values)
    cuts = (ordered[:-1] + ordered[1:]) / 2
    pos, neg = values[labels == 1], values[labels == 0]
    best, best_j = 0.0, -2.0
    for cut in cuts:
        j = float(np.mean(pos >= cut) - FALSE_ACCEPT_COST * np.mean(neg >= cut))
        if j > best_j:
            best, best_j = float(cut), j
    return round(best, 4), summary(values, labels, best)


def summary(values: np.ndarray, labels: np.ndarray, cut: float, kinds: list[str] | None = None) -> dict:
    out = {"threshold": round(cut, 4), "pairs": int(len(values)),
           "supported_accepted": float(np.mean(values[labels == 1] >= cut)),
           "unsupported_accepted": float(np.mean(values[labels == 0] >= cut)),
           "accuracy": float(np.mean((values >= cut) == (labels == 1)))}
    if kinds is not None:
        for kind in sorted(set(kinds)):
            mask = np.array([k == kind for k in kinds])
            out[f"accepted[{kind}]"] = float(np.mean(values[mask] >= cut))
    return out


def store(model: str, threshold: float) -> None:
    table = tomllib.loads(VERIFY_FILE.read_text(encoding="utf-8")).get("support", {})
    table[model] = threshold
    header = [line for line in VERIFY_FILE.read_text(encoding="utf-8").splitlines() if line.startswith("#")]
    lines = header + ["[support]"] + [f'"{k}" = {v}' if not k.isidentifier() else f"{k} = {v}"
                                      for k, v in sorted(table.items())]
    VERIFY_FILE.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build", action="store_true", help="rewrite the pairs file from the corpus and the manual pairs")
    parser.add_argument("--calibrate", action="store_true", help="store the calibrated threshold in verify.toml")
    parser.add_argument("--model", default="use-multilingual")
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    if args.build:
        pairs = build(settings.corpus_dir) + manual_pairs()
        PAIRS_FILE.write_text("".join(json.dumps(p, ensure_ascii=False) + "\n" for p in pairs), encoding="utf-8")
        print(f"{len(pairs)} pairs written to {PAIRS_FILE}")
    pairs = load_pairs()
    values, labels = scores(pairs, args.model), np.array([p["label"] for p in pairs])
    kinds = [p["kind"] for p in pairs]
    threshold, _ = calibrate(values, labels)
    print(json.dumps(summary(values, labels, threshold, kinds), indent=2))
    # The same cut chosen on half the pairs and measured on the other half: how it holds on new pairs.
    half = np.arange(len(pairs)) % 2 == 0
    cut, _ = calibrate(values[half], labels[half])
    print("held-out half:", json.dumps(summary(values[~half], labels[~half], cut)))
    reasons = full_checks(pairs, threshold, settings.corpus_dir, args.model)
    accepted = np.array([not r for r in reasons])
    print("whole verifier (facts, names, negation, meaning) at this threshold:",
          json.dumps({kind: round(float(np.mean(accepted[[k == kind for k in kinds]])), 3) for kind in sorted(set(kinds))}))
    for kind in ("translation", "paraphrase"):
        rejected = [(p["sentence"], r) for p, r in zip(pairs, reasons) if p["kind"] == kind and r]
        for sentence, reason in rejected[:8]:
            print(f"  rejected {kind}: {reason} | {sentence[:90]}")
    if args.calibrate:
        store(canonical_name(args.model), threshold)
        print(f"stored {canonical_name(args.model)} = {threshold} in {VERIFY_FILE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
