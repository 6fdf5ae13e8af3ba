"""`ask`, `search` and `plan` as MCP tools, for AI agents (a desktop assistant, an IDE): `assistant mcp`.

Runs over stdio, the transport desktop clients start servers with. With a workspace key
(`--workspace-key` or ASSISTANT_WORKSPACE_KEY) the tools also read that workspace's documents.
"""

from __future__ import annotations

from typing import Any

from mcp.server.fastmcp import FastMCP

from .api import Assistant
from .plan import Profile


def build_server(assistant: Assistant, workspace_key: str | None = None) -> FastMCP:
    target = assistant.workspace(assistant.workspaces.authenticate(workspace_key), create=False) \
        if workspace_key else assistant
    server = FastMCP("belgian-health-reimbursement",
                     instructions="Cited answers on bringing digital health products to the Belgian market and "
                                  "getting them reimbursed (INAMI/RIZIV, AFMPS/FAGG, eHealth, mHealthBelgium). "
                                  "Every sentence of an answer is quoted from a cited source.")

    @server.tool()
    def ask(question: str, language: str | None = None, history: list[str] | None = None) -> dict[str, Any]:
        """Answer a question on Belgian digital-health market access and reimbursement, in French,
        Dutch or English. Returns the answer text (Markdown, every sentence cited with [n]), the
        citations (title, publisher, URL, quoted passage) and whether the assistant abstained.
        `language`: "fr", "nl", "en" or null to detect; `history`: earlier questions, oldest first."""
        answer = target.ask(question, language or None, history=history or [])
        data = answer.to_dict()
        return {k: data[k] for k in ("question", "language", "text", "abstained", "refusal", "direct",
                                     "citations", "uncovered")}

    @server.tool()
    def search(question: str, k: int = 5, language: str | None = None) -> list[dict[str, Any]]:
        """The k passages of the sources that best match the question, best first, with their
        title, publisher, URL and section."""
        hits = target.search(question, language or None, max(1, min(int(k), 50)))
        return [{"text": h.chunk.text, "source_id": h.chunk.doc_id, "title": h.chunk.title,
                 "publisher": h.chunk.publisher, "url": h.chunk.url, "locator": h.chunk.locator,
                 "language": h.chunk.language, "score": round(h.score, 4)} for h in hits]

    @server.tool()
    def plan(profile: dict[str, Any], language: str | None = None) -> dict[str, Any]:
        """The route to reimbursement in Belgium for a founder's product: the ordered steps, each
        done / next / blocked / to confirm / not applicable with the reason, what to prepare, the
        facts and durations the sources state (each cited), the open questions, and the
        pre-submission readiness checklist. `profile`: fields such as mdr_class ("I", "IIa", …),
        ce_marking ("done", "in_progress", "not_started"), notified_famhp ("yes"/"no"),
        conditions (["heart failure"]), ui_languages (["fr", "nl"]), language ("fr", "nl", "en")."""
        data = {**profile, **({"language": language} if language else {})}
        return target.readiness(Profile.from_data(data, origin="profile")).to_dict()

    return server


def run(assistant: Assistant, workspace_key: str | None = None) -> None:
    build_server(assistant, workspace_key).run("stdio")
