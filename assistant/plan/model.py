"""What the planner returns: a plan of cited steps, and a readiness checklist."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from ..types import Citation

STATUSES = ("done", "next", "todo", "in_progress", "blocked", "to_confirm", "not_met", "not_applicable", "optional")
CHECK_STATUSES = ("present", "missing", "to_confirm", "not_applicable")


@dataclass(frozen=True)
class Cited:
    """A quoted sentence of a note, or our own words resting on quoted facts: `citations` are the
    numbers of the plan's citations that support it."""

    text: str
    citations: tuple[int, ...]
    quoted: bool = True  # False: our own words (a label), resting on the cited facts

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "citations": list(self.citations), "quoted": self.quoted}


@dataclass
class PlanStep:
    id: str
    name: str
    body: str
    status: str
    route: str  # inami | convention | other
    optional: bool = False
    reasons: list[str] = field(default_factory=list)  # our reasoning from the profile, never a fact
    blocked_by: list[str] = field(default_factory=list)  # ids of the steps it waits for
    prepare: list[Cited] = field(default_factory=list)
    facts: list[Cited] = field(default_factory=list)
    durations: list[Cited] = field(default_factory=list)
    gaps: list[str] = field(default_factory=list)

    @property
    def citations(self) -> list[int]:
        numbers = []
        for item in (*self.facts, *self.durations, *self.prepare):
            numbers += [n for n in item.citations if n not in numbers]
        return numbers

    def to_dict(self) -> dict[str, Any]:
        data = {k: v for k, v in asdict(self).items() if k not in ("prepare", "facts", "durations")}
        data.update(prepare=[p.to_dict() for p in self.prepare], facts=[f.to_dict() for f in self.facts],
                    durations=[d.to_dict() for d in self.durations], citations=self.citations)
        return data


@dataclass
class Question:
    field: str  # the profile field the answer fills
    text: str
    citations: tuple[int, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"field": self.field, "text": self.text, "citations": list(self.citations)}


@dataclass
class Plan:
    language: str
    route: str  # inami | convention | not_a_device | outside_definition | undetermined
    route_text: str
    steps: list[PlanStep]
    questions: list[Question]
    open_questions: list[str]  # what the sources do not state, for the steps ahead
    citations: list[Citation]
    profile: dict[str, Any]
    corpus_checked: str
    fact_numbers: dict[str, int] = field(default_factory=dict)  # pathway fact id -> citation number

    @property
    def next_steps(self) -> list[PlanStep]:
        return [s for s in self.steps if s.status == "next"]

    def step(self, step_id: str) -> PlanStep:
        return next(s for s in self.steps if s.id == step_id)

    def citation(self, n: int) -> Citation:
        return self.citations[n - 1]

    def to_dict(self) -> dict[str, Any]:
        return {"language": self.language, "route": self.route, "route_text": self.route_text,
                "next": [s.id for s in self.next_steps], "steps": [s.to_dict() for s in self.steps],
                "questions": [q.to_dict() for q in self.questions], "open_questions": list(self.open_questions),
                "citations": [c.to_dict() for c in self.citations], "profile": dict(self.profile),
                "corpus_checked": self.corpus_checked,
                "facts": {fact: n for fact, n in sorted(self.fact_numbers.items(), key=lambda kv: kv[1])}}


@dataclass
class CheckItem:
    id: str
    label: str
    status: str  # present | missing | to_confirm | not_applicable
    why: list[Cited]
    reason: str = ""  # what in the profile decided the status
    evidence: list[dict[str, Any]] = field(default_factory=list)  # passages of the user's documents
    searched: bool = False  # the user's documents were searched for it

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "label": self.label, "status": self.status, "reason": self.reason,
                "why": [w.to_dict() for w in self.why], "evidence": list(self.evidence), "searched": self.searched}


@dataclass
class Readiness:
    plan: Plan
    items: list[CheckItem]

    @property
    def counts(self) -> dict[str, int]:
        return {s: sum(1 for i in self.items if i.status == s) for s in CHECK_STATUSES}

    def to_dict(self) -> dict[str, Any]:
        return {"plan": self.plan.to_dict(), "checklist": [i.to_dict() for i in self.items], "counts": self.counts}
