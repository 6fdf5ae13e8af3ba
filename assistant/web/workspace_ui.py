"""Which workspace a browser session reads and writes, and the page's workspace panel.

A session starts on the shared corpus alone. Its first upload creates a private workspace that
only this session sees, deleted settings.session_ttl_hours after its last use. With
authentication on, a signed-in user works in their own workspace instead, across sessions.
"Keep this workspace" gives it a secret key, shown once; pasting the key into another session
reopens it. The key travels in the body of a request, never in a URL.
"""

from __future__ import annotations

import hashlib
import html
import threading
import tomllib
from functools import lru_cache
from pathlib import Path

import gradio as gr

from ..api import Assistant, Workspace
from ..index.workspaces import WorkspaceError

class SessionWorkspaces:
    def __init__(self, assistant: Assistant):
        self.assistant = assistant
        self._by_session: dict[str, str] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _session(request: gr.Request | None) -> str | None:
        return getattr(request, "session_hash", None) if request is not None else None

    @staticmethod
    def user_workspace_id(username: str) -> str:
        # A hash: user names may hold any character, and two spellings must not collide.
        return "u-" + hashlib.sha256(username.encode("utf-8")).hexdigest()[:20]

    def current(self, request: gr.Request | None) -> Workspace | None:
        """The session's workspace when it has one (None: the shared corpus only)."""
        username = getattr(request, "username", None) if request is not None else None
        if username:
            return self.assistant.workspace(self.user_workspace_id(username))
        session = self._session(request)
        workspace_id = self._by_session.get(session) if session else None
        if workspace_id is None:
            return None
        if not self.assistant.workspaces.exists(workspace_id):  # expired or deleted elsewhere
            with self._lock:
                self._by_session.pop(session, None)
            return None
        return self.assistant.workspace(workspace_id, create=False)

    def reader(self, request: gr.Request | None):
        """What answers this session's questions: its workspace, or the shared corpus."""
        if request is None:
            return self.assistant
        self.assistant.sweep_workspaces()  # expired sessions go, at most once a minute
        return self.current(request) or self.assistant

    def writer(self, request: gr.Request | None):
        """Where this session's uploads go: its workspace, created on the first upload."""
        if request is None:
            return self.assistant
        found = self.current(request)
        if found is not None:
            return found
        session = self._session(request)
        with self._lock:
            workspace = self.assistant.session_workspace()
            if session:
                self._by_session[session] = workspace.id
        return workspace

    def bind(self, request: gr.Request | None, key: str) -> str:
        workspace_id = self.assistant.workspaces.authenticate(key)
        session = self._session(request)
        if session:
            with self._lock:
                self._by_session[session] = workspace_id
        return workspace_id


# ---------------------------------------------------------------- panel

def documents_choices(workspace: Workspace | None) -> list[tuple[str, str]]:
    if workspace is None:
        return []
    try:
        return [(f"{d.title} ({d.passages})", d.source_id) for d in workspace.documents()]
    except WorkspaceError:
        return []


@lru_cache(maxsize=4)
def _table(prompts_dir: Path) -> dict:
    with open(Path(prompts_dir) / "workspace_ui.toml", "rb") as handle:
        return tomllib.load(handle)


def labels(prompts_dir: Path, language: str):
    table = _table(Path(prompts_dir))
    own, fallback = table.get(language, {}), table.get("en", {})
    return lambda key, **values: (own.get(key) or fallback.get(key) or key).format(**values)


def build_panel(sessions: SessionWorkspaces, report: gr.HTML, add: gr.Button, ui_language: gr.Radio,
                language: str) -> None:
    """The workspace panel, under the upload box: the session's documents, remove one, keep the
    workspace with a key, reopen one with a key."""
    prompts_dir = Path(sessions.assistant.settings.prompts_dir)
    t = labels(prompts_dir, language)
    with gr.Accordion(t("title"), open=False, elem_id="workspace") as box:
        hint = gr.Markdown(t("hint"))
        docs = gr.Dropdown(choices=[], label=t("docs"), elem_id="workspace-docs", interactive=True)
        with gr.Row():
            remove = gr.Button(t("remove"), size="sm", elem_id="workspace-remove")
            refresh = gr.Button(t("refresh"), size="sm", elem_id="workspace-refresh")
        status = gr.HTML(elem_id="workspace-status")
        keep = gr.Button(t("keep"), size="sm", elem_id="workspace-keep")
        with gr.Row():
            key = gr.Textbox(label=t("key"), type="password", elem_id="workspace-key", scale=4)
            reopen = gr.Button(t("open"), size="sm", elem_id="workspace-open", scale=1)

    def listed(request: gr.Request):
        return gr.update(choices=documents_choices(sessions.current(request)), value=None)

    def forget(source_id: str | None, language: str, request: gr.Request):
        t = labels(prompts_dir, language)
        workspace = sessions.current(request)
        if not source_id or workspace is None:
            return listed(request), _note(t("choose"))
        removed = workspace.forget(source_id)
        return listed(request), _note(t("removed" if removed else "absent", name=html.escape(source_id)))

    def keep_workspace(language: str, request: gr.Request):
        secret = sessions.assistant.workspaces.keep(sessions.writer(request).id)
        return _note(f"{html.escape(labels(prompts_dir, language)('key_shown'))} "
                     f"<code id='workspace-secret'>{html.escape(secret)}</code>")

    def open_workspace(secret: str, language: str, request: gr.Request):
        t = labels(prompts_dir, language)
        try:
            workspace_id = sessions.bind(request, secret)
        except WorkspaceError:
            return "", listed(request), _note(t("bad_key"))
        return "", listed(request), _note(t("opened", name=html.escape(workspace_id)))

    def relabel(language: str):
        t = labels(prompts_dir, language)
        return (gr.update(label=t("title")), t("hint"), gr.update(label=t("docs")), gr.update(value=t("remove")),
                gr.update(value=t("refresh")), gr.update(value=t("keep")), gr.update(label=t("key")),
                gr.update(value=t("open")))

    add.click(listed, None, [docs], api_visibility="private")  # after an upload, with its report
    report.change(listed, None, [docs], api_visibility="private")
    refresh.click(listed, None, [docs], api_visibility="private")
    remove.click(forget, [docs, ui_language], [docs, status], api_visibility="private")
    keep.click(keep_workspace, [ui_language], [status], api_visibility="private")
    reopen.click(open_workspace, [key, ui_language], [key, docs, status], api_visibility="private")
    ui_language.change(relabel, [ui_language], [box, hint, docs, remove, refresh, keep, key, reopen],
                       api_visibility="private")


def _note(text: str) -> str:
    return f"<div class='notice info'>{text}</div>"
