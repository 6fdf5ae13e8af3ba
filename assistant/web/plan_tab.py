"""The "Plan my route" tab: a profile form, the plan, and the readiness report to download."""

from __future__ import annotations

import datetime as dt
import logging
import tempfile
from dataclasses import dataclass
from pathlib import Path

import gradio as gr

from ..api import Assistant
from ..plan import Profile, ProfileError
from ..plan.planner import plan_phrases
from ..plan.render import plan_markdown

log = logging.getLogger(__name__)

TRISTATE = ("yes", "no", "unknown")
PROGRESS = ("done", "in_progress", "not_started", "unknown")
# (profile field, widget, choices); the order is the form's, grouped by section.
SECTIONS: dict[str, list[tuple[str, str, tuple[str, ...]]]] = {
    "section_product": [
        ("name", "text", ()),
        ("product_kind", "dropdown", ("app", "software", "connected_device", "implant")),
        ("intended_purpose", "text", ()),
        ("medical_purpose", "radio", TRISTATE),
        ("informs_clinical_decisions", "radio", TRISTATE),
        ("monitors_physiology", "radio", TRISTATE),
        ("monitors_vital_parameters", "radio", TRISTATE),
    ],
    "section_regulatory": [
        ("mdr_class", "dropdown", ("unknown", "I", "Is", "Im", "Ir", "IIa", "IIb", "III")),
        ("ce_marking", "dropdown", PROGRESS),
        ("established_in_eu", "radio", TRISTATE),
        ("authorised_representative", "radio", TRISTATE),
        ("registered_famhp", "radio", TRISTATE),
        ("notified_famhp", "radio", TRISTATE),
    ],
    "section_data": [
        ("health_data", "radio", TRISTATE),
        ("large_scale", "radio", TRISTATE),
        ("connected_sensors", "radio", TRISTATE),
        ("gdpr_declaration", "radio", TRISTATE),
        ("dpia", "dropdown", PROGRESS),
        ("ehealth_services", "radio", TRISTATE),
        ("ehealth_authorisation", "radio", TRISTATE),
        ("ict_criteria", "radio", TRISTATE),
        ("sworn_statement", "radio", TRISTATE),
    ],
    "section_care": [
        ("patient_interface", "radio", TRISTATE),
        ("ui_languages", "checkboxes", ("fr", "nl", "de", "en")),
        ("patient_shares_from_home", "radio", TRISTATE),
        ("remote_care_by_professional", "radio", TRISTATE),
        ("conditions", "text", ()),
        ("care_setting", "dropdown", ("unknown", "home", "hospital", "gp")),
        ("care_process_described", "radio", TRISTATE),
        ("hospital_in_convention", "radio", TRISTATE),
        ("clinical_evidence", "radio", TRISTATE),
        ("socio_economic_evidence", "radio", TRISTATE),
        ("applicant", "dropdown", ("unknown", "manufacturer", "distributor", "scientific_association",
                                   "professional_organisation", "hospital")),
        ("request_stage", "dropdown", ("not_filed", "filed", "admissible", "evaluated", "reimbursed")),
    ],
}
FIELDS = [f for fields in SECTIONS.values() for f in fields]
DEFAULTS = Profile().model_dump(mode="json")


def _choices(t, values: tuple[str, ...]) -> list[tuple[str, str]]:
    return [(t(f"choice.{v}") if v not in ("I", "Is", "Im", "Ir", "IIa", "IIb", "III") else v, v) for v in values]


def profile_from_form(language: str, values: list) -> Profile:
    data = {"language": language}
    for (name, widget, _), value in zip(FIELDS, values):
        if widget == "text" and name == "conditions":
            value = [c for c in (value or "").split(",") if c.strip()]
        elif widget == "text":
            value = (value or "").strip()
        elif widget == "checkboxes":
            value = list(value or [])
        if value not in (None, ""):
            data[name] = value
    return Profile.from_data(data, origin="form")


@dataclass
class PlanTab:
    assistant: Assistant
    # The session's own documents (its private workspace) are what the readiness report searches.
    reader_of: object = None  # callable(gr.Request) -> Assistant | Workspace

    @property
    def prompts_dir(self) -> Path:
        return Path(self.assistant.settings.prompts_dir)

    def build(self, language: str) -> dict:
        """Lay the tab out inside the current gr.Tab; returns its components for wiring."""
        t = plan_phrases(self.prompts_dir, language)
        parts: dict = {"intro": gr.Markdown(t("form.intro"), elem_id="plan-intro"), "inputs": [], "sections": []}
        with gr.Row(equal_height=False):
            with gr.Column(scale=2, min_width=380):
                for section, fields in SECTIONS.items():
                    with gr.Accordion(t(f"form.{section}"), open=section in ("section_product", "section_regulatory"),
                                      elem_id=f"plan-{section}") as box:
                        parts["sections"].append(box)
                        # Short questions two by two: the form stays readable without scrolling forever.
                        pending = []
                        for name, widget, values in fields:
                            if widget in ("radio", "dropdown"):
                                pending.append((name, widget, values))
                                if len(pending) == 2:
                                    self._row(t, pending, parts)
                                    pending = []
                                continue
                            if pending:
                                self._row(t, pending, parts)
                                pending = []
                            parts["inputs"].append(self._widget(t, name, widget, values))
                        if pending:
                            self._row(t, pending, parts)
                parts["button"] = gr.Button(t("form.button"), variant="primary", elem_id="plan-button")
            with gr.Column(scale=3, min_width=420):
                with gr.Row():
                    parts["pdf"] = gr.DownloadButton(t("form.download"), visible=False, elem_id="plan-pdf")
                    parts["markdown"] = gr.DownloadButton(t("form.download_md"), visible=False, elem_id="plan-md")
                parts["output"] = gr.Markdown(elem_id="plan-output", sanitize_html=True, latex_delimiters=[],
                                              height=900)
        return parts

    def _row(self, t, fields, parts: dict) -> None:
        with gr.Row():
            for name, widget, values in fields:
                parts["inputs"].append(self._widget(t, name, widget, values))

    def _widget(self, t, name: str, widget: str, values: tuple[str, ...]):
        label, elem_id = t(f"form.{name}"), f"plan-{name.replace('_', '-')}"
        default = DEFAULTS.get(name)
        if widget == "text":
            return gr.Textbox(label=label, elem_id=elem_id, max_lines=3,
                              lines=2 if name == "intended_purpose" else 1)
        if widget == "radio":
            return gr.Radio(_choices(t, values), value=default, label=label, elem_id=elem_id)
        if widget == "checkboxes":
            return gr.CheckboxGroup(_choices(t, values), value=[], label=label, elem_id=elem_id)
        return gr.Dropdown(_choices(t, values), value=default, label=label, elem_id=elem_id)

    def make(self, language: str, *values, request: gr.Request = None):
        """The plan as Markdown, and the report files to download."""
        t = plan_phrases(self.prompts_dir, language)
        target = self.reader_of(request) if self.reader_of is not None else self.assistant
        try:
            profile = profile_from_form(language, list(values))
        except ProfileError as exc:
            return t("form.error", error=str(exc)), gr.update(visible=False), gr.update(visible=False)
        try:
            plan = target.plan(profile)
            folder = Path(tempfile.mkdtemp(prefix="plan-"))
            stem = "readiness-report" + (f"-{_slug(profile.name)}" if profile.name else "")
            pdf = folder / f"{stem}.pdf"
            readiness = target.readiness(profile)
            pdf.write_bytes(self.assistant._report(readiness, profile, "pdf", dt.date.today()))
            md = folder / f"{stem}.md"
            md.write_text(self.assistant._report(readiness, profile, "markdown", dt.date.today()), encoding="utf-8")
        except Exception:
            log.exception("planning failed")
            return t("form.error", error="see the server log"), gr.update(visible=False), gr.update(visible=False)
        text = plan_markdown(plan, self.prompts_dir, name=profile.name)
        return text, gr.update(value=str(pdf), visible=True), gr.update(value=str(md), visible=True)

    def wire(self, parts: dict, ui_language, tab, handlers) -> None:
        parts["button"].click(self.make, [ui_language, *parts["inputs"]],
                              [parts["output"], parts["pdf"], parts["markdown"]], api_visibility="private")
        relabelled = [parts["intro"], *parts["sections"], *parts["inputs"], parts["button"], parts["pdf"],
                      parts["markdown"], tab]
        ui_language.change(lambda lang: [*self.relabel(lang), gr.update(label=handlers.labels(lang)("tab_plan"))],
                           [ui_language], relabelled, api_visibility="private")

    def api_plan(self, profile: dict, language: str | None = None) -> dict:
        """The `/plan` endpoint: a profile (the fields of Profile) in, the plan (Plan.to_dict) out."""
        data = dict(profile or {})
        if language:
            data["language"] = language
        try:
            return self.assistant.plan(Profile.from_data(data, origin="profile")).to_dict()
        except ProfileError as exc:
            raise gr.Error(str(exc)) from exc

    def relabel(self, language: str) -> list:
        t = plan_phrases(self.prompts_dir, language)
        updates = [t("form.intro")]
        updates += [gr.update(label=t(f"form.{section}")) for section in SECTIONS]
        for name, widget, values in FIELDS:
            if widget in ("radio", "dropdown", "checkboxes"):
                updates.append(gr.update(label=t(f"form.{name}"), choices=_choices(t, values)))
            else:
                updates.append(gr.update(label=t(f"form.{name}")))
        updates += [gr.update(value=t("form.button")), gr.update(label=t("form.download")),
                    gr.update(label=t("form.download_md"))]
        return updates


def _slug(name: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in name.lower()).strip("-")[:40] or "product"
