"""A real MCP client starts `assistant mcp` over stdio, lists the tools and calls them."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parent.parent


def test_mcp_client_lists_and_calls_ask_and_search(bundled_index, tmp_path):
    from mcp import ClientSession, StdioServerParameters
    from mcp.client.stdio import stdio_client

    from assistant import Assistant, Settings

    settings = Settings.from_env(index_dir=bundled_index, workspaces_dir=tmp_path / "ws", show_progress=False)
    _, key = Assistant(settings=settings).workspaces.create("agent")
    doc = tmp_path / "dossier.txt"
    doc.write_text("Quandrill committee\n\nThe Quandrill committee approves telemonitoring pilots within 17 days.\n")
    Assistant(settings=settings).workspace("agent").ingest([doc])

    env = {**os.environ, "PYTHONPATH": str(ROOT), "ASSISTANT_WORKSPACES_DIR": str(tmp_path / "ws"),
           "ASSISTANT_WORKSPACE_KEY": key}
    params = StdioServerParameters(command=sys.executable,
                                   args=["-m", "assistant.cli", "mcp", "--index-dir", str(bundled_index)],
                                   env=env, cwd=str(ROOT))

    async def session():
        async with stdio_client(params) as (read, write):
            async with ClientSession(read, write) as s:
                await s.initialize()
                tools = {t.name: t for t in (await s.list_tools()).tools}
                answer = await s.call_tool("ask", {"question": "Comment faire rembourser une application par l'INAMI ?"})
                passages = await s.call_tool("search", {"question": "What does the Quandrill committee approve?", "k": 3})
                planned = await s.call_tool("plan", {"profile": {"mdr_class": "IIa", "ce_marking": "done",
                                                                 "conditions": ["heart failure"]}, "language": "nl"})
                return tools, answer, passages, planned

    tools, answer, passages, planned = asyncio.run(asyncio.wait_for(session(), 120))
    assert {"ask", "search", "plan"} <= set(tools)
    plan = planned.structuredContent or json.loads(planned.content[0].text)
    plan = plan.get("result", plan) if "plan" not in plan else plan
    assert plan["plan"]["language"] == "nl" and plan["plan"]["route"] == "convention"
    assert "famhp_notification" in plan["plan"]["next"] and plan["checklist"]
    assert "question" in tools["ask"].inputSchema["properties"]
    assert not answer.isError
    data = answer.structuredContent or json.loads(answer.content[0].text)
    assert data["language"] == "fr" and not data["abstained"] and data["citations"]
    assert "INAMI" in data["text"]
    found = passages.structuredContent
    found = found.get("result", found) if isinstance(found, dict) else json.loads(passages.content[0].text)
    assert found[0]["source_id"] == "dossier.txt"  # the key's workspace is searched too
