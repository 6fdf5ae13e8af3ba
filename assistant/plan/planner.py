"""From a founder's profile to an ordered, cited plan. Deterministic: same profile, same plan.

Each step's status is decided by rules on the profile (`_assess_*` below); the facts shown with a
step are quotes of the notes with their citation; our reasoning is shown as such, never as a
quoted fact; what the sources do not state is listed as an open question.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from ..types import Citation
from .model import Cited, Plan, PlanStep, Question
from .pathway import Label, Pathway, StepSpec
from .profile import Profile

# Steps a founder cannot start before what they require is done (the rest can run in parallel).
GATES = {"famhp_notification", "inami_request", "admissibility", "evaluation", "decision", "hf_convention"}
MEDICAL_DEVICE_STEPS = {"classify", "ce_marking", "famhp_registration", "famhp_notification", "inami_definition",
                        "ehealth_criteria", "care_process", "evidence", "presubmission", "inami_request",
                        "admissibility", "evaluation", "decision", "mhealthbelgium", "hf_convention"}
INAMI_ROUTE_STEPS = {"ehealth_criteria", "care_process", "evidence", "presubmission", "inami_request",
                     "admissibility", "evaluation", "decision"}
NOTIFIED_BODY_CLASSES = {"Is", "Im", "Ir", "IIa", "IIb", "III"}
CLASS_ORDER = {"I": 0, "Is": 0, "Im": 0, "Ir": 0, "IIa": 1, "IIb": 2, "III": 3}
STAGES = ("not_filed", "filed", "admissible", "evaluated", "reimbursed")
LANGUAGE_NAMES = {"en": {"fr": "French", "nl": "Dutch", "de": "German"},
                  "fr": {"fr": "français", "nl": "néerlandais", "de": "allemand"},
                  "nl": {"fr": "Frans", "nl": "Nederlands", "de": "Duits"}}
AND = {"en": " and ", "fr": " et ", "nl": " en "}


class Phrases:
    def __init__(self, table: dict, language: str):
        self.table, self.language = table, language

    def __call__(self, key: str, **values) -> str:
        node = self.table
        for part in key.split("."):
            node = node[part]
        return node.format(**values) if values else node


@lru_cache(maxsize=4)
def _phrase_table(prompts_dir: Path) -> dict:
    with open(prompts_dir / "plan.toml", "rb") as handle:
        return tomllib.load(handle)


def plan_phrases(prompts_dir: Path, language: str) -> Phrases:
    table = _phrase_table(Path(prompts_dir).resolve())
    return Phrases(table[language if language in table else "en"], language)


class CitationRegistry:
    """Numbers citations in order of first use: one number per quoted fact."""

    def __init__(self, pathway: Pathway, language: str, citations: list[Citation] | None = None,
                 numbers: dict[str, int] | None = None):
        self.pathway, self.language = pathway, language
        self.citations: list[Citation] = list(citations or [])
        self.numbers: dict[str, int] = dict(numbers or {})

    def number(self, fact_id: str) -> int:
        if fact_id not in self.numbers:
            self.numbers[fact_id] = len(self.citations) + 1
            self.citations.append(self.pathway.cite(self.numbers[fact_id], fact_id, self.language))
        return self.numbers[fact_id]

    def quote(self, fact_id: str) -> Cited:
        return Cited(self.pathway.facts[fact_id].quote(self.language), (self.number(fact_id),))

    def label(self, label: Label) -> Cited:
        return Cited(label(self.language), tuple(self.number(f) for f in label.facts), quoted=False)


@dataclass
class _Assessment:
    status: str
    reasons: list[str] = field(default_factory=list)
    blocked_by: list[str] = field(default_factory=list)


def make_plan(profile: Profile, pathway: Pathway, prompts_dir: Path) -> Plan:
    language = profile.language
    t = plan_phrases(prompts_dir, language)
    registry = CitationRegistry(pathway, language)
    route = _route(profile)
    assessed = {spec.id: _assess(spec, profile, route, t) for spec in pathway.steps}
    _order(pathway, assessed, t, language)

    steps = []
    for spec in pathway.steps:
        a = assessed[spec.id]
        step = PlanStep(id=spec.id, name=spec.name(language), body=spec.body(language), status=a.status,
                        route=spec.route, optional=spec.optional, reasons=a.reasons,
                        blocked_by=a.blocked_by)
        if a.status != "not_applicable":
            step.facts = [registry.quote(f) for f in spec.facts if f not in spec.durations]
            step.durations = [registry.quote(f) for f in spec.durations]
            step.prepare = [registry.label(p) for p in spec.prepare] if a.status != "done" else []
            step.gaps = [pathway.gaps[g](language) for g in spec.gaps]
        steps.append(step)

    questions = _questions(profile, route, t, registry)
    open_questions = []
    for step in steps:
        if step.status not in ("done", "not_applicable"):
            open_questions += [f"{step.name}: {g}" for g in step.gaps if f"{step.name}: {g}" not in open_questions]
    if profile.conditions and not profile.heart_failure and route in ("inami", "convention"):
        open_questions.append(f"{', '.join(profile.conditions)}: {pathway.gaps['no_condition_convention'](language)}")
    checked = max(f.checked for f in pathway.facts.values())
    return Plan(language=language, route=route, route_text=t(f"route_{route}"), steps=steps, questions=questions,
                open_questions=open_questions, citations=registry.citations, fact_numbers=registry.numbers,
                profile=profile.model_dump(mode="json"), corpus_checked=checked)


# ---------------------------------------------------------------- route and step rules

def _route(p: Profile) -> str:
    md = p.is_medical_device
    if md is None:
        return "undetermined"
    if md is False:
        return "not_a_device"
    if p.patient_shares_from_home == "no" or p.remote_care_by_professional == "no":
        return "outside_definition"
    return "convention" if p.heart_failure else "inami"


def _assess(spec: StepSpec, p: Profile, route: str, t: Phrases) -> _Assessment:
    if route == "not_a_device" and spec.id in MEDICAL_DEVICE_STEPS:
        return _Assessment("not_applicable", [t("reason.not_a_device")])
    if route == "outside_definition" and spec.id in INAMI_ROUTE_STEPS | {"hf_convention", "famhp_notification"}:
        # Notification serves INAMI reimbursement, not market access (see the step's facts).
        return _Assessment("not_applicable", [t("reason.outside_definition")])
    if route == "not_a_device" and spec.id == "data_protection" and p.health_data != "yes":
        return _Assessment("not_applicable", [t("reason.not_a_device")])
    if spec.id == "hf_convention" and not p.heart_failure:
        return _Assessment("not_applicable")
    rule = RULES.get(spec.id)
    if rule is None:
        return _Assessment("optional" if spec.optional else "todo")
    return rule(p, route, t)


def _medical_device(p: Profile, route: str, t: Phrases) -> _Assessment:
    md = p.is_medical_device
    if md is None:
        return _Assessment("to_confirm", [t("reason.md_unknown")])
    return _Assessment("done", [t("reason.md_yes" if md else "reason.md_no")])


def _classify(p: Profile, route: str, t: Phrases) -> _Assessment:
    rule = p.rule11_class()
    if p.mdr_class == "unknown":
        if rule:
            return _Assessment("to_confirm", [t("reason.class_rule11", rule=rule)])
        return _Assessment("to_confirm", [t("reason.class_unknown")])
    if rule and CLASS_ORDER[rule] > CLASS_ORDER[p.mdr_class]:
        return _Assessment("to_confirm", [t("reason.class_higher", cls=p.mdr_class, rule=rule)])
    return _Assessment("done", [t("reason.class_known", cls=p.mdr_class)])


def _ce_marking(p: Profile, route: str, t: Phrases) -> _Assessment:
    reasons = []
    if p.mdr_class in NOTIFIED_BODY_CLASSES:
        reasons.append(t("reason.ce_notified_body", cls=p.mdr_class))
    elif p.mdr_class == "I":
        reasons.append(t("reason.ce_self"))
    outside_eu = p.established_in_eu == "no" and p.authorised_representative != "yes"
    if outside_eu:
        reasons.insert(0, t("reason.needs_representative"))
    rule = p.rule11_class()
    self_certified_too_low = p.mdr_class == "I" and rule is not None and CLASS_ORDER[rule] > 0
    if self_certified_too_low:
        reasons.append(t("reason.ce_class_doubt", rule=rule))
    if p.ce_marking == "done":
        doubt = outside_eu or self_certified_too_low
        return _Assessment("to_confirm" if doubt else "done", [t("reason.ce_done"), *reasons])
    if p.ce_marking == "in_progress":
        return _Assessment("in_progress", [t("reason.ce_in_progress"), *reasons])
    return _Assessment("todo", [t("reason.ce_todo"), *reasons])


def _registration(p: Profile, route: str, t: Phrases) -> _Assessment:
    if p.registered_famhp == "yes":
        return _Assessment("done", [t("reason.registered")])
    return _Assessment("todo", [t("reason.not_registered")])


def _notification(p: Profile, route: str, t: Phrases) -> _Assessment:
    if p.notified_famhp == "yes":
        return _Assessment("done", [t("reason.notified")])
    return _Assessment("todo", [t("reason.not_notified")])


def _data_protection(p: Profile, route: str, t: Phrases) -> _Assessment:
    reasons = [t("reason.gdpr_declared" if p.gdpr_declaration == "yes" else "reason.gdpr_missing")]
    why = [t(f"reason.dpia_why_{k}") for k, on in (("large", p.large_scale == "yes"),
                                                   ("sensors", p.connected_sensors == "yes"),
                                                   ("implant", p.product_kind == "implant")) if on]
    dpia_needed = p.health_data != "no" and bool(why)
    if p.dpia == "done":
        reasons.append(t("reason.dpia_done"))
    elif dpia_needed:
        reasons.append(t("reason.dpia_likely", why=AND[p.language].join(why)))
    elif p.health_data == "yes":
        reasons.append(t("reason.dpia_check"))
    if p.dpo != "yes" and p.health_data == "yes" and p.large_scale == "yes":
        reasons.append(t("reason.dpo_missing"))
    done = p.gdpr_declaration == "yes" and (p.dpia == "done" or not dpia_needed) and len(reasons) == 1 + (p.dpia == "done")
    if done:
        return _Assessment("done", reasons)
    return _Assessment("in_progress" if p.gdpr_declaration == "yes" or p.dpia in ("done", "in_progress") else "todo",
                       reasons)


def _inami_definition(p: Profile, route: str, t: Phrases) -> _Assessment:
    reasons = []
    if p.patient_shares_from_home == "no":
        reasons.append(t("reason.home_no"))
    if p.remote_care_by_professional == "no":
        reasons.append(t("reason.remote_no"))
    if reasons:
        return _Assessment("not_met", reasons)
    unknown = p.patient_shares_from_home != "yes" or p.remote_care_by_professional != "yes"
    if unknown:
        reasons.append(t("reason.home_unknown"))
    missing = _missing_languages(p)
    if missing is None:
        reasons.append(t("reason.languages_unknown"))
    elif missing:
        names = LANGUAGE_NAMES[p.language]
        reasons.append(t("reason.languages_missing", missing=AND[p.language].join(names[m] for m in missing)))
    if p.notified_famhp != "yes":
        # CE marking and notification are the first feature of the definition.
        reasons.append(t("reason.not_notified"))
    if missing or p.notified_famhp != "yes":
        return _Assessment("todo", reasons)
    if unknown or missing is None:
        return _Assessment("to_confirm", reasons)
    return _Assessment("done", [t("reason.definition_met")])


def _missing_languages(p: Profile) -> list[str] | None:
    if p.patient_interface == "no":
        return []
    if not p.ui_languages:
        return None
    return [lang for lang in ("fr", "nl", "de") if lang not in p.ui_languages]


def _ehealth(p: Profile, route: str, t: Phrases) -> _Assessment:
    reasons = []
    ok = p.ict_criteria == "yes" and p.sworn_statement == "yes"
    reasons.append(t("reason.ict_done" if ok else "reason.ict_todo"))
    if p.ehealth_services == "yes" and p.ehealth_authorisation != "yes":
        reasons.append(t("reason.ehealth_authorisation_missing"))
        ok = False
    return _Assessment("done" if ok else "todo", reasons)


def _care_process(p: Profile, route: str, t: Phrases) -> _Assessment:
    reasons = []
    if p.applicant == "hospital":
        reasons.append(t("reason.applicant_hospital"))
    if p.applicant in ("manufacturer", "distributor") and p.registered_famhp != "yes":
        reasons.append(t("reason.applicant_unregistered"))
    if p.care_process_described == "yes" and p.applicant != "unknown":
        return _Assessment("to_confirm" if reasons else "done", [t("reason.care_done"), *reasons])
    return _Assessment("todo", [t("reason.care_todo"), *reasons])


def _evidence(p: Profile, route: str, t: Phrases) -> _Assessment:
    if p.clinical_evidence == "yes" and p.socio_economic_evidence == "yes":
        return _Assessment("done", [t("reason.evidence_both")])
    if p.clinical_evidence == "yes":
        return _Assessment("in_progress", [t("reason.evidence_clinical")])
    return _Assessment("todo", [t("reason.evidence_none")])


def _presubmission(p: Profile, route: str, t: Phrases) -> _Assessment:
    if STAGES.index(p.request_stage) > 0:
        return _Assessment("not_applicable", [t("reason.request_filed")])
    return _Assessment("optional", [t("reason.presubmission")])


def _stage_step(reached: str, running: str | None):
    """A step after the request: done once the profile's stage reaches `reached`, running while
    the stage is `running`."""
    def rule(p: Profile, route: str, t: Phrases) -> _Assessment:
        stage = STAGES.index(p.request_stage)
        if stage >= STAGES.index(reached):
            return _Assessment("done", [t("reason.stage", stage=p.request_stage)])
        if running is not None and stage == STAGES.index(running):
            return _Assessment("in_progress", [t("reason.stage", stage=p.request_stage)])
        return _Assessment("todo")
    return rule


def _hf_convention(p: Profile, route: str, t: Phrases) -> _Assessment:
    reasons = [t("reason.hf_applies")]
    if p.hospital_in_convention == "yes":
        reasons.append(t("reason.hf_hospital"))
    return _Assessment("todo", reasons)


def _other_funding(p: Profile, route: str, t: Phrases) -> _Assessment:
    if route in ("not_a_device", "outside_definition"):
        return _Assessment("todo", [t("reason.other_funding_main")])
    return _Assessment("optional", [t("reason.other_funding_meanwhile")])


RULES = {
    "medical_device": _medical_device, "classify": _classify, "ce_marking": _ce_marking,
    "famhp_registration": _registration, "famhp_notification": _notification, "data_protection": _data_protection,
    "inami_definition": _inami_definition, "ehealth_criteria": _ehealth, "care_process": _care_process,
    "evidence": _evidence, "presubmission": _presubmission,
    "inami_request": _stage_step("filed", None), "admissibility": _stage_step("admissible", "filed"),
    "evaluation": _stage_step("evaluated", "admissible"), "decision": _stage_step("reimbursed", "evaluated"),
    "hf_convention": _hf_convention, "other_funding": _other_funding,
}


def _order(pathway: Pathway, assessed: dict[str, _Assessment], t: Phrases, language: str) -> None:
    """A step to do becomes `next` when what it requires is done, else it waits: `blocked` for the
    gates a founder cannot pass early, `todo` for work that can start in parallel."""
    # A step to confirm (the class, say) does not hold up the work after it: confirming it is part of that work.
    settled = {"done", "not_applicable", "optional", "to_confirm"}
    names = {s.id: s.name(language) for s in pathway.steps}
    for spec in pathway.steps:
        a = assessed[spec.id]
        if a.status != "todo":
            continue
        # A gate waits for what it requires to be confirmed, not merely under review.
        waiting = [r for r in spec.requires if assessed[r].status not in settled
                   or (spec.id in GATES and assessed[r].status == "to_confirm")]
        if not waiting:
            a.status = "next"
        elif spec.id in GATES:
            a.status = "blocked"
            a.blocked_by = waiting
            a.reasons.append(t("reason.waiting_for", steps="; ".join(names[w] for w in waiting)))


def _questions(p: Profile, route: str, t: Phrases, registry: CitationRegistry) -> list[Question]:
    """What the founder should answer for a firmer plan, with the facts that make it matter."""
    asks: list[tuple[str, tuple[str, ...]]] = []
    if p.is_medical_device is None:
        asks.append(("medical_purpose", ("md_purpose", "md_software")))
    if route not in ("not_a_device",) and p.mdr_class == "unknown":
        for name in ("informs_clinical_decisions", "monitors_physiology", "monitors_vital_parameters"):
            if getattr(p, name) == "unknown":
                asks.append((name, ("rule11_decisions",) if name == "informs_clinical_decisions" else ("rule11_monitoring",)))
    if route == "not_a_device":
        return [Question(f, t(f"question.{f}"), tuple(registry.number(x) for x in facts)) for f, facts in asks]
    if p.established_in_eu == "unknown":
        asks.append(("established_in_eu", ("class_i_documents",)))
    if p.patient_shares_from_home == "unknown":
        asks.append(("patient_shares_from_home", ("definition_home",)))
    if p.remote_care_by_professional == "unknown":
        asks.append(("remote_care_by_professional", ("definition_remote",)))
    if not p.ui_languages and p.patient_interface != "no":
        asks.append(("ui_languages", ("three_languages",)))
    if p.health_data == "unknown":
        asks.append(("health_data", ("health_data_special", "dpia_when")))
    if p.applicant == "unknown" and route in ("inami", "convention", "undetermined"):
        asks.append(("applicant", ("applicant_company", "applicant_association", "applicant_professional")))
    return [Question(f, t(f"question.{f}"), tuple(registry.number(x) for x in facts)) for f, facts in asks]
