"""The readiness report as a PDF (ReportLab): a table of contents, page numbers, clickable source
links and [n] references that jump to their source, the date and the corpus version.

ReportLab installs from PyPI with its fonts: the bundled Bitstream Vera faces cover the French,
Dutch and English text (accents, curly quotes, €), so no system font is needed.
"""

from __future__ import annotations

import datetime as dt
import html
import os
from io import BytesIO
from pathlib import Path

from .model import CheckItem, Cited, Readiness
from .planner import plan_phrases

FONT, BOLD, ITALIC = "Vera", "Vera-Bold", "Vera-Italic"
STATUS_COLOURS = {"done": "#2e7d32", "next": "#1565c0", "in_progress": "#ef6c00", "blocked": "#c62828",
                  "not_met": "#c62828", "to_confirm": "#8d6e00", "todo": "#455a64", "optional": "#607d8b",
                  "not_applicable": "#9e9e9e", "present": "#2e7d32", "missing": "#c62828"}


def _fonts() -> None:
    import reportlab
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if FONT in pdfmetrics.getRegisteredFontNames():
        return
    folder = os.path.join(os.path.dirname(reportlab.__file__), "fonts")
    for name, file in ((FONT, "Vera.ttf"), (BOLD, "VeraBd.ttf"), (ITALIC, "VeraIt.ttf"), ("Vera-BoldItalic", "VeraBI.ttf")):
        pdfmetrics.registerFont(TTFont(name, os.path.join(folder, file)))
    addMapping(FONT, 0, 0, FONT)
    addMapping(FONT, 1, 0, BOLD)
    addMapping(FONT, 0, 1, ITALIC)
    addMapping(FONT, 1, 1, "Vera-BoldItalic")


def _x(text: str) -> str:
    """Document text is data, never markup."""
    return html.escape(text, quote=False)


def report_pdf(report: Readiness, prompts_dir: Path, *, name: str = "", corpus_version: str = "",
               today: dt.date | None = None) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_LEFT
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import (BaseDocTemplate, Frame, KeepTogether, PageBreak, PageTemplate, Paragraph,
                                    Spacer, Table, TableStyle)
    from reportlab.platypus.tableofcontents import TableOfContents

    _fonts()
    plan = report.plan
    t = plan_phrases(prompts_dir, plan.language)
    today = today or dt.date.today()
    title = t("report_title") + (f" — {name}" if name else "")

    base = ParagraphStyle("base", fontName=FONT, fontSize=9.5, leading=13, alignment=TA_LEFT)
    small = ParagraphStyle("small", parent=base, fontSize=8, leading=10.5, textColor=colors.HexColor("#444444"))
    quote = ParagraphStyle("quote", parent=base, leftIndent=10, textColor=colors.HexColor("#222222"))
    h0 = ParagraphStyle("h0", parent=base, fontName=BOLD, fontSize=17, leading=22, spaceAfter=8)
    h1 = ParagraphStyle("h1", parent=base, fontName=BOLD, fontSize=13, leading=17, spaceBefore=10, spaceAfter=5)
    h2 = ParagraphStyle("h2", parent=base, fontName=BOLD, fontSize=10.5, leading=14, spaceBefore=8, spaceAfter=3)

    class Report(BaseDocTemplate):
        def afterFlowable(self, flowable):
            # Headings feed the table of contents and the PDF outline.
            level = {"h1": 0, "h2": 1}.get(getattr(flowable, "style", None) and flowable.style.name)
            if level is None:
                return
            text = flowable.getPlainText()
            key = f"h{self.seq.nextf('heading')}"
            self.canv.bookmarkPage(key)
            self.canv.addOutlineEntry(text, key, level=level, closed=level > 0)
            self.notify("TOCEntry", (level, text, self.page, key))

    def footer(canvas, doc):
        canvas.saveState()
        canvas.setFont(FONT, 7.5)
        canvas.setFillColor(colors.HexColor("#666666"))
        canvas.drawString(18 * mm, 10 * mm, f"{title[:90]} · {today.isoformat()}"
                                            + (f" · corpus {corpus_version}" if corpus_version else ""))
        canvas.drawRightString(A4[0] - 18 * mm, 10 * mm, t("page", n=doc.page))
        canvas.restoreState()

    buffer = BytesIO()
    doc = Report(buffer, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=16 * mm,
                 bottomMargin=18 * mm, title=title, author="Belgian digital-health reimbursement assistant",
                 subject=t("report_title"), lang=plan.language)
    frame = Frame(doc.leftMargin, doc.bottomMargin, doc.width, doc.height, id="body")
    doc.addPageTemplates([PageTemplate(id="page", frames=[frame], onPage=footer)])

    def refs(numbers) -> str:
        return "".join(f'<a href="#src-{n}" color="#1565c0">[{n}]</a>' for n in numbers)

    def cited(item: Cited) -> str:
        text = f"“{_x(item.text)}”" if item.quoted else _x(item.text)
        return f"{text} {refs(item.citations)}"

    def status(key: str, label: str) -> str:
        return f'<font color="{STATUS_COLOURS.get(key, "#333333")}"><b>{_x(label)}</b></font>'

    story = [Paragraph(_x(title), h0),
             Paragraph(_x(t("generated", date=today.isoformat(), checked=plan.corpus_checked))
                       + (f" Corpus {_x(corpus_version)}." if corpus_version else ""), small),
             Spacer(1, 4), Paragraph(_x(plan.route_text), base), Spacer(1, 8),
             Paragraph(_x(t("contents")), ParagraphStyle("contents", parent=h2))]
    toc = TableOfContents()
    toc.levelStyles = [ParagraphStyle("toc0", parent=base, fontSize=9.5, leading=12),
                       ParagraphStyle("toc1", parent=base, fontSize=8.5, leading=11, leftIndent=12)]
    story += [toc, PageBreak()]

    # Checklist
    story.append(Paragraph(_x(t("checklist_heading")), h1))
    story.append(Paragraph(" · ".join(f"{status(s, t('check.' + s))}: {n}" for s, n in report.counts.items() if n), base))
    story.append(Spacer(1, 4))
    rows = [[Paragraph("<b>#</b>", small), Paragraph(f"<b>{_x(t('checklist_heading'))}</b>", small),
             Paragraph(f"<b>{_x(t('state'))}</b>", small)]]
    for i, item in enumerate(report.items, 1):
        rows.append([Paragraph(str(i), small), _check_cell(item, t, small, cited),
                     Paragraph(status(item.status, t("check." + item.status)), small)])
    table = Table(rows, colWidths=[8 * mm, doc.width - 36 * mm, 28 * mm], repeatRows=1)
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#cccccc")),
                               ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef3f8"))]))
    story.append(table)

    # Next steps and questions
    if plan.next_steps:
        story.append(Paragraph(_x(t("next_heading")), h1))
        for i, step in enumerate(plan.next_steps, 1):
            story.append(Paragraph(f"{i}. <b>{_x(step.name)}</b> — {_x(' '.join(step.reasons))}", base))
    if plan.questions:
        story.append(Paragraph(_x(t("questions_heading")), h1))
        for q in plan.questions:
            story.append(Paragraph(f"• {_x(q.text)} {refs(q.citations)}", base))

    # Steps
    story.append(Paragraph(_x(t("steps_heading")), h1))
    for i, step in enumerate((s for s in plan.steps if s.status != "not_applicable" or s.reasons), 1):
        block = [Paragraph(f"{i}. {_x(step.name)}", h2),
                 Paragraph(f"{status(step.status, t('status.' + step.status))} · <i>{_x(t('body'))}:</i> {_x(step.body)}", base)]
        if step.reasons:
            block.append(Paragraph(f"<i>{_x(t('reasoning'))}:</i> {_x(' '.join(step.reasons))}", small))
        story.append(KeepTogether(block))
        for heading, items in ((t("prepare"), step.prepare), (t("facts"), step.facts), (t("durations"), step.durations)):
            if items:
                story.append(Paragraph(f"<b>{_x(heading)}</b>", base))
                story += [Paragraph(f"• {cited(item)}", quote) for item in items]
        if step.gaps and step.status != "done":
            story += [Paragraph(f"<i>{_x(gap)}</i>", small) for gap in step.gaps]

    if plan.open_questions:
        story.append(Paragraph(_x(t("open_heading")), h1))
        story += [Paragraph(f"• {_x(q)}", base) for q in plan.open_questions]

    story.append(Paragraph(_x(t("sources_heading")), h1))
    for c in plan.citations:
        label = f" ({_x(t('secondary'))})" if c.kind == "secondary" else ""
        story.append(Paragraph(
            f'<a name="src-{c.n}"/>[{c.n}] <b>{_x(c.title)}</b> — {_x(c.publisher)}{label}. '
            f'<a href="{_x(c.url)}" color="#1565c0">{_x(c.url)}</a> — {_x(c.locator)} ({_x(c.checked)})', small))
    doc.multiBuild(story)
    return buffer.getvalue()


def _check_cell(item: CheckItem, t, style, cited):
    from reportlab.platypus import Paragraph

    parts = [f"<b>{_x(item.label)}</b>"]
    if item.status != "not_applicable":
        parts.append(f"<i>{_x(t('why'))}:</i> " + " ".join(cited(w) for w in item.why))
        if item.searched:
            if item.evidence:
                for ev in item.evidence:
                    parts.append(f"<i>{_x(t('in_documents'))}:</i> {_x(ev['document'])} {_x(ev['locator'])}: "
                                 f"“{_x(' '.join(ev['passage'].split())[:220])}”")
            else:
                parts.append(f"<i>{_x(t('in_documents'))}:</i> {_x(t('not_in_documents'))}")
    return Paragraph("<br/>".join(parts), style)
