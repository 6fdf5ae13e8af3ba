"""The plan and the readiness report as Markdown (the chat tab, the CLI and the PDF's outline)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from ..types import Citation
from .model import Cited, Plan, Readiness
from .planner import Phrases, plan_phrases

STATUS_MARK = {"done": "✅", "next": "➡️", "todo": "🔲", "in_progress": "⏳", "blocked": "⛔", "to_confirm": "❓",
               "not_met": "❌", "not_applicable": "—", "optional": "◽"}
CHECK_MARK = {"present": "✅", "missing": "❌", "to_confirm": "❓", "not_applicable": "—"}


def refs(numbers) -> str:
    return "".join(f"[{n}]" for n in numbers)


def cited(item: Cited) -> str:
    text = f"“{item.text}”" if item.quoted else item.text
    return f"{text} {refs(item.citations)}".strip()


def source_line(c: Citation, t: Phrases) -> str:
    label = f" ({t('secondary')})" if c.kind == "secondary" else ""
    return f"[{c.n}] {c.title} — {c.publisher}{label}. {c.url} — {c.locator} ({c.checked})"


def plan_markdown(plan: Plan, prompts_dir: Path, *, name: str = "", steps_detail: bool = True) -> str:
    t = plan_phrases(prompts_dir, plan.language)
    out = [f"# {t('title')}{' — ' + name if name else ''}", "", plan.route_text, ""]
    if plan.next_steps:
        out += [f"## {t('next_heading')}", ""]
        for i, step in enumerate(plan.next_steps, 1):
            out.append(f"{i}. **{step.name}** — {' '.join(step.reasons)}")
        out.append("")
    if plan.questions:
        out += [f"## {t('questions_heading')}", ""]
        out += [f"- {q.text} {refs(q.citations)}".rstrip() for q in plan.questions]
        out.append("")
    out += [f"## {t('steps_heading')}", ""]
    for i, step in enumerate(s for s in plan.steps if s.status != "not_applicable" or s.reasons):
        out.append(f"### {i + 1}. {step.name} — {STATUS_MARK[step.status]} {t('status.' + step.status)}")
        out.append("")
        if not steps_detail:
            continue
        out.append(f"*{t('body')}:* {step.body}")
        if step.reasons:
            out += ["", f"*{t('reasoning')}:* {' '.join(step.reasons)}"]
        for heading, items in ((t("prepare"), step.prepare), (t("facts"), step.facts), (t("durations"), step.durations)):
            if items:
                out += ["", f"**{heading}**", ""] + [f"- {cited(item)}" for item in items]
        if step.gaps and step.status != "done":
            out += [""] + [f"- *{gap}*" for gap in step.gaps]
        out.append("")
    if plan.open_questions:
        out += [f"## {t('open_heading')}", ""] + [f"- {q}" for q in plan.open_questions] + [""]
    out += [f"## {t('sources_heading')}", ""] + [source_line(c, t) for c in plan.citations]
    return "\n".join(out).rstrip() + "\n"


def report_markdown(report: Readiness, prompts_dir: Path, *, name: str = "", today: dt.date | None = None) -> str:
    plan = report.plan
    t = plan_phrases(prompts_dir, plan.language)
    today = today or dt.date.today()
    out = [f"# {t('report_title')}{' — ' + name if name else ''}", "",
           t("generated", date=today.isoformat(), checked=plan.corpus_checked), "", plan.route_text, "",
           f"## {t('checklist_heading')}", "",
           " · ".join(f"{CHECK_MARK[s]} {t('check.' + s)}: {n}" for s, n in report.counts.items() if n), ""]
    for item in report.items:
        out.append(f"- {CHECK_MARK[item.status]} **{item.label}** — {t('check.' + item.status)}")
        if item.status == "not_applicable":
            continue
        out.append(f"  - *{t('why')}:* " + " ".join(cited(w) for w in item.why))
        if item.searched:
            if item.evidence:
                for ev in item.evidence:
                    out.append(f"  - *{t('in_documents')}:* {ev['document']} {ev['locator']}: “{_clip(ev['passage'])}”")
            else:
                out.append(f"  - *{t('in_documents')}:* {t('not_in_documents')}")
    out.append("")
    body = plan_markdown(plan, prompts_dir, name=name)
    return "\n".join(out) + "\n" + body.split("\n", 2)[2]


def _clip(text: str, limit: int = 220) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + "…"
