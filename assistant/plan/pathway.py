"""The Belgian route as data: corpus/pathway.yaml, its facts resolved to quotes of the notes.

A fact is located by an anchor in the English note; the French and Dutch quotes are the same
paragraph of the other notes (every note has the same paragraphs, tagged with the same sources,
in its three languages). Provenance comes from the paragraph's source tags, not from the YAML.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from ..load.corpus import load_manifest
from ..provenance import cite_sources
from ..load.readers import read_note_markdown
from ..index.sentences import sentence_spans
from ..types import LANGUAGES, Citation, Source

PATHWAY_FILE = "pathway.yaml"
META = ("meta",)


class PathwayError(ValueError):
    """corpus/pathway.yaml does not match the notes (an anchor moved, a step names an unknown fact)."""


@dataclass(frozen=True)
class Fact:
    id: str
    note: str  # topic of the note
    sources: tuple[str, ...]  # manifest ids of the paragraph
    quotes: dict[str, str]  # language -> the quoted sentence(s)
    sections: dict[str, str]  # language -> heading of the paragraph's section
    checked: str

    def quote(self, language: str) -> str:
        return self.quotes.get(language) or self.quotes["en"]


@dataclass(frozen=True)
class Label:
    """Our own words in three languages, resting on facts (or on none: a heading)."""

    text: dict[str, str]
    facts: tuple[str, ...] = ()

    def __call__(self, language: str) -> str:
        return self.text.get(language) or self.text["en"]


@dataclass(frozen=True)
class StepSpec:
    id: str
    name: Label
    body: Label
    requires: tuple[str, ...]
    prepare: tuple[Label, ...]
    facts: tuple[str, ...]
    durations: tuple[str, ...] = ()
    gaps: tuple[str, ...] = ()
    optional: bool = False
    route: str = "inami"  # inami | convention | other
    lead: str = ""  # the fact that stands for the step in a chat answer

    @property
    def lead_fact(self) -> str:
        return self.lead or self.facts[0]


@dataclass(frozen=True)
class ChecklistSpec:
    id: str
    label: Label
    facts: tuple[str, ...]
    search: str


@dataclass(frozen=True)
class AnswerKind:
    """A kind of question some facts answer ("who may apply?"), recognised from a part's words."""

    asked: re.Pattern
    unless: re.Pattern | None  # look-alikes ("notified body" is not a notification)
    facts: tuple[str, ...]  # quoted in this order
    typed: frozenset[str] = frozenset()  # the fee, duration or date parts it also answers
    # What the sources do not state about it, said with its facts ("what must the dossier
    # contain?": the facts, then that the sources do not reproduce the template).
    gaps: tuple[str, ...] = ()
    # A detail of the kind that one of its facts answers best ("notify before applying to INAMI?"
    # is answered by INAMI's condition, not by the notification's legal status): (pattern, fact),
    # the first whose pattern the question matches leads.
    leads: tuple[tuple[re.Pattern, str], ...] = ()

    def facts_for(self, text: str) -> list[str]:
        """The kind's facts for a question worded `text` (the part, with its situation)."""
        facts = list(self.facts)
        lead = next((fact for pattern, fact in self.leads if pattern.search(text)), None)
        if lead:
            facts = [lead] + [f for f in facts if f != lead]
        return facts

    def matches(self, text: str, typed: str = "") -> bool:
        return bool(self.asked.search(text)) and self.admits(text, typed)

    def admits(self, text: str, typed: str = "") -> bool:
        """Whether a part this kind was recognised in (by its patterns or by the classifier of
        plan/asked.py) may be answered by it: not a look-alike, not a fee or a duration its
        facts do not state."""
        if typed and typed not in self.typed:
            return False
        return not (self.unless and self.unless.search(text))


# "faut il", "peut on", "est ce que": French inversions typed without their hyphen, as the
# patterns spell them ("faut-il").
_INVERSION = re.compile(r"\b(faut|faudra|faudrait|peut|peux|doit|doivent|dois|est|sont|existe|va|vont|"
                        r"pouvons|devons|puis)\s+(?:t\s+)?(il|elle|on|ils|elles|nous|je|ce)\b", re.I)


@dataclass
class Pathway:
    facts: dict[str, Fact]
    steps: list[StepSpec]
    gaps: dict[str, Label]
    checklist: list[ChecklistSpec]
    manifest: dict[str, Source] = field(repr=False, default_factory=dict)
    version: str = ""  # hash of the pathway, the notes and the manifest: what the report was made from
    # What a question asks when it hits a gap ("how do we book the pre-submission meeting?").
    gap_questions: dict[str, re.Pattern] = field(default_factory=dict)
    answers: dict[str, AnswerKind] = field(default_factory=dict)  # from the most specific

    def gaps_asked(self, text: str) -> list[str]:
        """The gaps a question (part) asks about, in the file's order."""
        return [gap for gap, pattern in self.gap_questions.items() if pattern.search(text)]

    def facts_asked(self, text: str, typed: str = "", context: str = "") -> list[str]:
        """The facts that answer the kind of question a part asks ("who may apply?"), in order.
        Kinds are listed from the most specific: the first that matches answers ("is a DPIA
        mandatory for a medical device app?" is about the DPIA). `typed`: the kind of fact a part
        asks for when it is a fee, a duration or a date ("how much does the eHealth connection
        cost?" is not answered by the eHealth criteria), unless the answer lists it. `context`:
        what the founder says of the product, which may choose the fact that leads."""
        kind = self.kind_asked(text, typed)
        return kind.facts_for(f"{text} {context}") if kind else []

    def kind_asked(self, text: str, typed: str = "") -> AnswerKind | None:
        text = _INVERSION.sub(r"\1-\2", text)
        return next((kind for kind in self.answers.values() if kind.matches(text, typed)), None)

    def step(self, step_id: str) -> StepSpec:
        return next(s for s in self.steps if s.id == step_id)

    def cite(self, n: int, fact_id: str, language: str) -> Citation:
        fact = self.facts[fact_id]
        passage_language = language if language in fact.quotes else "en"
        sources = [self.manifest[i] for i in fact.sources]
        return cite_sources(n, sources, language, note=f"{fact.note}.{passage_language}",
                            locator=f"§ {fact.sections[passage_language]}", quote=fact.quote(passage_language),
                            checked=fact.checked, passage_language=passage_language)


def load_pathway(corpus_dir: Path) -> Pathway:
    return _load(Path(corpus_dir).resolve(), (Path(corpus_dir) / PATHWAY_FILE).stat().st_mtime)


@lru_cache(maxsize=4)
def _load(corpus_dir: Path, _mtime: float) -> Pathway:
    with open(corpus_dir / PATHWAY_FILE, encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    manifest = load_manifest(corpus_dir)
    notes: dict[tuple[str, str], _Note] = {}

    def note(topic: str, language: str) -> _Note:
        if (topic, language) not in notes:
            path = corpus_dir / "notes" / f"{topic}.{language}.md"
            if not path.exists():
                raise PathwayError(f"no note {path.name}")
            notes[topic, language] = _Note.read(path)
        return notes[topic, language]

    _check_keys(data, {"version", "facts", "gaps", "answers", "steps", "checklist"}, "pathway.yaml")
    for fid, spec in data["facts"].items():
        _check_keys(spec, {"note", "anchor", "span"}, f"fact {fid}")
    for raw in data["steps"]:
        _check_keys(raw, {"id", "lead", "route", "name", "body", "requires", "optional", "prepare", "facts",
                          "durations", "gaps"}, f"step {raw.get('id')}")
    for raw in data["checklist"]:
        _check_keys(raw, {"id", "label", "facts", "search"}, f"checklist item {raw.get('id')}")
    facts = {fid: _resolve(fid, spec, note, manifest) for fid, spec in data["facts"].items()}

    def label(raw: dict) -> Label:
        missing = [lang for lang in LANGUAGES if not raw.get(lang)]
        if missing:
            raise PathwayError(f"label {raw.get('en', raw)!r} lacks {', '.join(missing)}")
        refs = tuple(raw.get("facts", ()))
        unknown = [r for r in refs if r not in facts]
        if unknown:
            raise PathwayError(f"label {raw['en']!r} names unknown facts {unknown}")
        return Label({lang: raw[lang] for lang in LANGUAGES}, refs)

    for gid, raw in data["gaps"].items():
        _check_keys(raw, {"en", "fr", "nl", "facts", "asked", "unless"}, f"gap {gid}")
    gaps = {gid: label(raw) for gid, raw in data["gaps"].items()}
    try:
        # `unless`: what the sources do state ("the FAMHP's address" is no missing contact).
        gap_questions = {gid: re.compile((f"^(?!.*(?:{raw['unless']})).*?" if raw.get("unless") else "")
                                         + "(?:" + "|".join(f"(?:{a})" for a in raw["asked"]) + ")", re.I)
                         for gid, raw in data["gaps"].items() if raw.get("asked")}
    except re.error as exc:
        raise PathwayError(f"a gap's `asked` pattern does not compile: {exc}") from exc
    answers = {}
    for aid, raw in (data.get("answers") or {}).items():
        _check_keys(raw, {"asked", "unless", "facts", "typed", "gaps", "leads"}, f"answer {aid}")
        unknown = [f for f in raw.get("facts", ()) if f not in facts] + [g for g in raw.get("gaps", ()) if g not in gaps]
        unknown += [lead["fact"] for lead in raw.get("leads", ()) if lead["fact"] not in facts]
        if unknown or not raw.get("facts") or not raw.get("asked"):
            raise PathwayError(f"answer {aid} needs `asked` patterns and known facts and gaps (unknown: {unknown})")
        try:
            answers[aid] = AnswerKind(re.compile("|".join(f"(?:{a})" for a in raw["asked"]), re.I),
                                      re.compile(raw["unless"], re.I) if raw.get("unless") else None,
                                      tuple(raw["facts"]), frozenset(raw.get("typed", ())), tuple(raw.get("gaps", ())),
                                      tuple((re.compile(lead["when"], re.I), lead["fact"]) for lead in raw.get("leads", ())))
        except re.error as exc:
            raise PathwayError(f"answer {aid}: a pattern does not compile: {exc}") from exc
    steps = []
    for raw in data["steps"]:
        refs = tuple(raw.get("facts", ())) + tuple(raw.get("durations", ())) + ((raw["lead"],) if raw.get("lead") else ())
        unknown = [r for r in refs if r not in facts] + [g for g in raw.get("gaps", ()) if g not in gaps]
        if unknown:
            raise PathwayError(f"step {raw['id']} names unknown facts or gaps {unknown}")
        steps.append(StepSpec(id=raw["id"], name=label(raw["name"]), body=label(raw["body"]),
                              requires=tuple(raw.get("requires", ())),
                              prepare=tuple(label(p) for p in raw.get("prepare", ())),
                              facts=tuple(raw.get("facts", ())), durations=tuple(raw.get("durations", ())),
                              gaps=tuple(raw.get("gaps", ())), optional=bool(raw.get("optional", False)),
                              route=raw.get("route", "inami"), lead=raw.get("lead", "")))
    ids = {s.id for s in steps}
    for s in steps:
        if set(s.requires) - ids:
            raise PathwayError(f"step {s.id} requires unknown steps {sorted(set(s.requires) - ids)}")
    checklist = [ChecklistSpec(id=raw["id"], label=label(raw["label"]), facts=tuple(raw["facts"]),
                               search=raw.get("search", "")) for raw in data["checklist"]]
    for item in checklist:
        if set(item.facts) - set(facts):
            raise PathwayError(f"checklist item {item.id} names unknown facts")
    return Pathway(facts=facts, steps=steps, gaps=gaps, checklist=checklist, manifest=manifest,
                   version=_corpus_version(corpus_dir), gap_questions=gap_questions, answers=answers)


def _check_keys(mapping, allowed: set[str], where: str) -> None:
    """The file's schema: a misspelt key would silently drop what it holds."""
    if not isinstance(mapping, dict):
        raise PathwayError(f"{where}: expected a mapping")
    unknown = set(mapping) - allowed
    if unknown:
        raise PathwayError(f"{where}: unknown keys {sorted(unknown)} (allowed: {sorted(allowed)})")


def _corpus_version(corpus_dir: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted([corpus_dir / PATHWAY_FILE, corpus_dir / "sources.toml", *(corpus_dir / "notes").glob("*.md")]):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


@dataclass
class _Note:
    text: str
    paragraphs: list  # non-heading blocks, meta included: positions match across languages
    checked: str

    @classmethod
    def read(cls, path: Path) -> _Note:
        meta, text, blocks = read_note_markdown(path.read_text(encoding="utf-8"))
        return cls(text, [b for b in blocks if not b.is_heading], str(meta.get("checked", "")))

    def sentences(self, block) -> list[tuple[int, int]]:
        return sentence_spans(self.text, block.start, block.end)


def _resolve(fact_id: str, spec: dict, note, manifest: dict[str, Source]) -> Fact:
    topic, anchor = spec["note"], spec["anchor"]
    english = note(topic, "en")
    found = [i for i, b in enumerate(english.paragraphs) if anchor in english.text[b.start:b.end]]
    if len(found) != 1:
        raise PathwayError(f"fact {fact_id}: anchor found in {len(found)} paragraphs of {topic}.en: {anchor!r}")
    index = found[0]
    block = english.paragraphs[index]
    if block.sources in ((), META):
        raise PathwayError(f"fact {fact_id}: the paragraph is commentary, not a sourced statement")
    unknown = [s for s in block.sources if s not in manifest]
    if unknown:
        raise PathwayError(f"fact {fact_id}: sources {unknown} are not in the manifest")
    at = english.text.index(anchor, block.start)
    spans = english.sentences(block)
    chosen = list(range(len(spans))) if spec.get("span") == "block" else \
        [i for i, (s, e) in enumerate(spans) if s < at + len(anchor) and e > at]
    quotes, sections = {}, {}
    for language in LANGUAGES:
        version = note(topic, language)
        if len(version.paragraphs) != len(english.paragraphs):
            raise PathwayError(f"{topic}.{language} does not have the paragraphs of {topic}.en")
        twin = version.paragraphs[index]
        if twin.sources != block.sources:
            raise PathwayError(f"fact {fact_id}: {topic}.{language} paragraph {index} has other sources")
        twin_spans = version.sentences(twin)
        # Same sentence when the paragraph has as many sentences; else the whole paragraph, which
        # still says only what that source says.
        picked = [twin_spans[i] for i in chosen] if len(twin_spans) == len(spans) else twin_spans
        quotes[language] = version.text[picked[0][0]:picked[-1][1]]
        sections[language] = twin.heading
    return Fact(fact_id, topic, block.sources, quotes, sections, english.checked)


__all__ = ["Fact", "Label", "Pathway", "PathwayError", "StepSpec", "ChecklistSpec", "load_pathway"]
