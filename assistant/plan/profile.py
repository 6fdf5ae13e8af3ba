"""The founder's profile: the facts that change the route. Filled in a form, loaded from a YAML
or JSON file, or read from a chat question."""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ..types import LANGUAGES

Status = Literal["yes", "no", "unknown"]
Progress = Literal["done", "in_progress", "not_started", "unknown"]


class ProductKind(str, Enum):
    app = "app"
    software = "software"  # software or API without its own patient app
    connected_device = "connected_device"
    implant = "implant"


class MDRClass(str, Enum):
    I = "I"  # noqa: E741 - the name of the class
    Is = "Is"
    Im = "Im"
    Ir = "Ir"
    IIa = "IIa"
    IIb = "IIb"
    III = "III"
    unknown = "unknown"


class Applicant(str, Enum):
    manufacturer = "manufacturer"
    distributor = "distributor"
    scientific_association = "scientific_association"
    professional_organisation = "professional_organisation"
    hospital = "hospital"
    unknown = "unknown"


class RequestStage(str, Enum):
    not_filed = "not_filed"
    filed = "filed"
    admissible = "admissible"
    evaluated = "evaluated"
    reimbursed = "reimbursed"


class Profile(BaseModel):
    """What the planner needs to know. Every field has a default meaning "not said yet", so a
    partial profile still gives a plan (with the unknowns as questions)."""

    model_config = ConfigDict(extra="forbid", use_enum_values=True)

    name: str = Field("", max_length=120, description="product name, shown in the report")
    language: Literal["fr", "nl", "en"] = "en"
    product_kind: ProductKind = ProductKind.app
    intended_purpose: str = Field("", max_length=2000)
    medical_purpose: Status = "unknown"  # diagnosis, prevention, monitoring, prediction, treatment…
    # Rule 11 answers, asked when the class is unknown.
    informs_clinical_decisions: Status = "unknown"
    monitors_physiology: Status = "unknown"
    monitors_vital_parameters: Status = "unknown"
    mdr_class: MDRClass = MDRClass.unknown
    ce_marking: Progress = "unknown"
    registered_famhp: Status = "unknown"
    notified_famhp: Status = "unknown"
    established_in_eu: Status = "unknown"
    authorised_representative: Status = "unknown"
    health_data: Status = "unknown"
    large_scale: Status = "unknown"
    connected_sensors: Status = "unknown"
    gdpr_declaration: Status = "unknown"
    dpia: Progress = "unknown"
    dpo: Status = "unknown"
    ehealth_services: Status = "unknown"
    ehealth_authorisation: Status = "unknown"
    ict_criteria: Status = "unknown"
    sworn_statement: Status = "unknown"
    patient_shares_from_home: Status = "unknown"
    remote_care_by_professional: Status = "unknown"
    patient_interface: Status = "unknown"
    ui_languages: list[str] = Field(default_factory=list)
    conditions: list[str] = Field(default_factory=list, max_length=20)
    care_setting: Literal["home", "hospital", "gp", "unknown"] = "unknown"
    care_process_described: Status = "unknown"
    hospital_in_convention: Status = "unknown"
    clinical_evidence: Status = "unknown"
    socio_economic_evidence: Status = "unknown"
    applicant: Applicant = Applicant.unknown
    request_stage: RequestStage = RequestStage.not_filed

    @field_validator("ui_languages")
    @classmethod
    def _languages(cls, value: list[str]) -> list[str]:
        codes = [v.strip().lower()[:2] for v in value if v and v.strip()]
        unknown = [c for c in codes if c not in ("fr", "nl", "de", "en")]
        if unknown:
            raise ValueError(f"ui_languages: use fr, nl, de or en (got {', '.join(unknown)})")
        return sorted(set(codes), key=codes.index)

    @field_validator("conditions")
    @classmethod
    def _conditions(cls, value: list[str]) -> list[str]:
        return [v.strip()[:80] for v in value if v and v.strip()]

    # ------------------------------------------------------------ reading

    @classmethod
    def from_file(cls, path: str | Path) -> Profile:
        """A YAML or JSON file. Errors name the field and the file, and nothing is guessed."""
        path = Path(path)
        try:
            raw = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ProfileError(f"{path}: cannot read the profile ({exc})") from exc
        try:
            data = json.loads(raw) if path.suffix.lower() == ".json" else yaml.safe_load(raw)
        except (json.JSONDecodeError, yaml.YAMLError) as exc:
            raise ProfileError(f"{path}: not valid {'JSON' if path.suffix.lower() == '.json' else 'YAML'} ({exc})") from exc
        return cls.from_data(data, origin=str(path))

    @classmethod
    def from_data(cls, data, origin: str = "profile") -> Profile:
        if not isinstance(data, dict):
            raise ProfileError(f"{origin}: expected a mapping of fields, got {type(data).__name__}")
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'profile'}: {e['msg']}" for e in exc.errors())
            raise ProfileError(f"{origin}: {problems}") from exc

    @classmethod
    def from_question(cls, question: str, language: str | None = None) -> Profile:
        """What a chat message says about the founder's product ("CE-marked class IIa app for COPD")."""
        from ..languages import detect_language
        from ..retrieve.understanding import understand

        lang = language or detect_language(question)
        lang = lang if lang in LANGUAGES else "en"
        return cls.from_situation(understand(question, lang).situation, lang)

    @classmethod
    def from_situation(cls, situation, language: str) -> Profile:
        """The profile a question's situation (assistant.retrieve.understanding.Situation) describes."""
        data: dict = {"language": language if language in LANGUAGES else "en"}
        if situation.device_class:
            data["mdr_class"] = situation.device_class
            data["medical_purpose"] = "yes"
        if situation.ce_marked is not None:
            data["ce_marking"] = "done" if situation.ce_marked else "not_started"
            if situation.ce_marked:
                data["medical_purpose"] = "yes"
        if situation.notified is not None:
            data["notified_famhp"] = "yes" if situation.notified else "no"
        if situation.conditions:
            data["conditions"] = list(situation.conditions)
        if situation.setting in ("home", "hospital"):
            data["care_setting"] = situation.setting
            if situation.setting == "home":
                data["patient_shares_from_home"] = "yes"
        return cls.model_validate(data)

    # ------------------------------------------------------------ derived

    @property
    def is_medical_device(self) -> bool | None:
        if self.medical_purpose == "yes" or self.mdr_class != MDRClass.unknown.value or self.ce_marking in ("done", "in_progress"):
            return True
        if self.medical_purpose == "no":
            return False
        return None

    @property
    def heart_failure(self) -> bool:
        return any(_is_heart_failure(c) for c in self.conditions)

    def rule11_class(self) -> str | None:
        """The class rule 11's wording points to from the profile's answers (an inference shown as
        such, never as a quoted fact); None when the answers do not decide it."""
        if self.monitors_vital_parameters == "yes":
            return "IIb"
        if self.informs_clinical_decisions == "yes" or self.monitors_physiology == "yes":
            return "IIa"
        if self.informs_clinical_decisions == "no" and self.monitors_physiology == "no":
            return "I"
        return None


class ProfileError(ValueError):
    """A profile that cannot be read: the message names the file and the field."""


_HEART_FAILURE = ("heart failure", "insuffisance cardiaque", "hartfalen", "hartinsufficiëntie", "hf")


def _is_heart_failure(condition: str) -> bool:
    text = condition.strip().lower()
    return any(text == h or h in text and len(h) > 2 for h in _HEART_FAILURE)


def as_profile(value) -> Profile:
    """A Profile from what callers have at hand: a Profile, a dict of fields, or a file path."""
    if isinstance(value, Profile):
        return value
    if isinstance(value, dict):
        return Profile.from_data(value)
    if isinstance(value, (str, Path)):
        return Profile.from_file(value)
    raise TypeError(f"profile must be a Profile, a dict or a file path, not {type(value).__name__}")
