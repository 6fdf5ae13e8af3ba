"""The pre-submission readiness checklist: what the dossier must hold, marked present, missing or
to confirm from the profile, each item with why it is needed (cited) and, when the founder has
uploaded their own files, the passage of their documents that appears to cover it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ..languages import terms
from ..types import Hit
from .model import CheckItem, Plan, Readiness
from .pathway import Pathway
from .planner import CitationRegistry, _missing_languages, plan_phrases
from .profile import Profile

# A passage of the user's documents covers an item when it shares at least this many distinct
# stemmed terms with the item's label and search terms: enough to skip passages that only share
# "app" or "patient", few enough to find a DPIA section titled in the founder's own words.
MIN_SHARED_TERMS = 3
SEARCH_DEPTH = 20
EVIDENCE_PER_ITEM = 2

Search = Callable[[str, str], list[Hit]]  # (query, language) -> hits, user documents included


def _yes(value: str) -> str:
    return {"yes": "present", "no": "missing"}.get(value, "to_confirm")


def _status(item_id: str, p: Profile, plan: Plan) -> str:
    if plan.route == "not_a_device" and item_id != "intended_purpose":
        return "not_applicable"
    if item_id == "intended_purpose":
        return "present" if p.is_medical_device is not None else "to_confirm"
    if item_id == "device_class":
        return "to_confirm" if plan.step("classify").status == "to_confirm" else \
            "present" if p.mdr_class != "unknown" else "missing"
    if item_id == "ce_certificate":
        return {"done": "present", "in_progress": "to_confirm"}.get(p.ce_marking, "missing")
    if item_id == "authorised_representative":
        if p.established_in_eu == "yes":
            return "not_applicable"
        if p.established_in_eu == "no":
            return "present" if p.authorised_representative == "yes" else "missing"
        return "to_confirm"
    if item_id == "famhp_registration":
        return _yes(p.registered_famhp)
    if item_id == "famhp_notification":
        return _yes(p.notified_famhp)
    if item_id == "gdpr_declaration":
        return _yes(p.gdpr_declaration)
    if item_id == "dpia":
        return {"done": "present", "not_started": "missing"}.get(p.dpia, "to_confirm")
    if item_id == "three_languages":
        missing = _missing_languages(p)
        return "to_confirm" if missing is None else "missing" if missing else \
            "not_applicable" if p.patient_interface == "no" else "present"
    if item_id == "home_use":
        both = (p.patient_shares_from_home, p.remote_care_by_professional)
        return "present" if both == ("yes", "yes") else "missing" if "no" in both else "to_confirm"
    if item_id == "ict_criteria":
        both = (p.ict_criteria, p.sworn_statement)
        return "present" if both == ("yes", "yes") else "missing" if "no" in both else "to_confirm"
    if item_id == "ehealth_authorisation":
        if p.ehealth_services == "no":
            return "not_applicable"
        if p.ehealth_services == "yes":
            return _yes(p.ehealth_authorisation)
        return "to_confirm"
    if item_id == "care_process":
        return _yes(p.care_process_described)
    if item_id == "applicant":
        return "missing" if p.applicant == "unknown" else "to_confirm" if p.applicant == "hospital" else "present"
    if item_id == "clinical_evidence":
        return _yes(p.clinical_evidence)
    if item_id == "socio_economic_evidence":
        return _yes(p.socio_economic_evidence)
    raise KeyError(f"no rule for checklist item {item_id}")


def make_readiness(profile: Profile, plan: Plan, pathway: Pathway, prompts_dir: Path,
                   search: Search | None = None) -> Readiness:
    """`search` looks in the founder's own documents (None: no documents to look in)."""
    language = profile.language
    t = plan_phrases(prompts_dir, language)
    # Continue the plan's numbering: the report shows one list of sources.
    registry = CitationRegistry(pathway, language, plan.citations, plan.fact_numbers)
    items = []
    for spec in pathway.checklist:
        status = _status(spec.id, profile, plan)
        item = CheckItem(id=spec.id, label=spec.label(language), status=status,
                         why=[registry.quote(f) for f in spec.facts],
                         reason=t(f"check.{status}"))
        if search is not None and status != "not_applicable":
            item.searched = True
            item.evidence = _evidence(spec.label(language) + " " + spec.search, language, search)
        items.append(item)
    plan.citations, plan.fact_numbers = registry.citations, registry.numbers
    return Readiness(plan=plan, items=items)


def _evidence(query: str, language: str, search: Search) -> list[dict]:
    wanted = set(terms(query, language)) | set(terms(query, "en"))
    found = []
    for hit in search(query, language)[:SEARCH_DEPTH]:
        chunk = hit.chunk
        if chunk.kind != "user":
            continue
        shared = wanted & (set(terms(chunk.text, chunk.language)) | set(terms(chunk.text, "en")))
        if len(shared) >= MIN_SHARED_TERMS:
            found.append({"document": chunk.doc_id, "locator": chunk.locator,
                          "passage": chunk.text[:400], "shared_terms": sorted(shared)})
        if len(found) >= EVIDENCE_PER_ITEM:
            break
    return found
