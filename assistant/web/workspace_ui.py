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
import logging
import threading

import gradio as gr

from ..api import Assistant, Workspace
from ..workspaces import WorkspaceError

log = logging.getLogger(__name__)


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


def build_panel(sessions: SessionWorkspaces, report: gr.HTML, add: gr.Button) -> None:
    """The workspace panel, under the upload box: the session's documents, remove one, keep the
    workspace with a key, reopen one with a key."""
    with gr.Accordion("Your workspace", open=False, elem_id="workspace"):
        gr.Markdown("Documents you add are visible in this session only and are deleted after a while. "
                    "Keep the workspace to get a key that reopens it later.")
        docs = gr.Dropdown(choices=[], label="Your documents", elem_id="workspace-docs", interactive=True)
        with gr.Row():
            remove = gr.Button("Remove from the sources", size="sm", elem_id="workspace-remove")
            refresh = gr.Button("Refresh", size="sm", elem_id="workspace-refresh")
        status = gr.HTML(elem_id="workspace-status")
        keep = gr.Button("Keep this workspace (show its key once)", size="sm", elem_id="workspace-keep")
        with gr.Row():
            key = gr.Textbox(label="Workspace key", type="password", elem_id="workspace-key", scale=4)
            reopen = gr.Button("Open", size="sm", elem_id="workspace-open", scale=1)

    def listed(request: gr.Request):
        return gr.update(choices=documents_choices(sessions.current(request)), value=None)

    def forget(source_id: str | None, request: gr.Request):
        workspace = sessions.current(request)
        if not source_id or workspace is None:
            return listed(request), _note("Choose a document first.")
        removed = workspace.forget(source_id)
        name = html.escape(source_id)
        text = f"Removed {name}." if removed else f"{name} was not in this workspace."
        return listed(request), _note(text)

    def keep_workspace(request: gr.Request):
        secret = sessions.assistant.workspaces.keep(sessions.writer(request).id)
        return _note("Your workspace key (shown once; keep it somewhere safe): "
                     f"<code id='workspace-secret'>{html.escape(secret)}</code>")

    def open_workspace(secret: str, request: gr.Request):
        try:
            workspace_id = sessions.bind(request, secret)
        except WorkspaceError as exc:
            return "", listed(request), _note(str(exc))
        return "", listed(request), _note(f"Workspace {html.escape(workspace_id)} opened.")

    add.click(listed, None, [docs], api_visibility="private")  # after an upload, with its report
    report.change(listed, None, [docs], api_visibility="private")
    refresh.click(listed, None, [docs], api_visibility="private")
    remove.click(forget, [docs], [docs, status], api_visibility="private")
    keep.click(keep_workspace, None, [status], api_visibility="private")
    reopen.click(open_workspace, [key], [key, docs, status], api_visibility="private")


def _note(text: str) -> str:
    return f"<div class='notice info'>{text}</div>"
