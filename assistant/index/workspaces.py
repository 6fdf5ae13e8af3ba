"""Private workspaces: each user's documents in an Index folder of their own.

    <settings.workspaces_dir>/<workspace id>/workspace.json   kind, owner, expiry, hashed key
    <settings.workspaces_dir>/<workspace id>/index/           an ordinary Index (Chroma, BM25, vectors)

Why a folder per workspace rather than Chroma tenants or databases: an Index is more than its
Chroma collection (BM25, sentence vectors, passages live in its folder), so a workspace needs a
folder anyway; one folder makes deletion one `rmtree` plus dropping its collections, works the
same with the embedded store and a Chroma server, and reuses the index's atomic generations.

A workspace's secret key is `<id>.<secret>`: it names the workspace it opens, and only the
SHA-256 of the secret is stored (the secret has 256 random bits: no salt or slow hash is needed).
It is shown once, when the workspace is created.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import hmac
import json
import os
import re
import secrets
import shutil
import tempfile
import threading
import time
import uuid
from collections import OrderedDict
from dataclasses import asdict, dataclass
from pathlib import Path

from .generations import Index
from ..settings import Settings

WORKSPACE_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
META = "workspace.json"
SWEEP_EVERY = 60.0  # seconds between two sweeps of expired workspaces


class WorkspaceError(ValueError):
    """A workspace id, key or request that cannot be honoured; the message says why."""


class WorkspaceNotFound(WorkspaceError, LookupError):
    pass


@dataclass
class WorkspaceInfo:
    id: str
    kind: str  # named | session | user
    owner: str
    created: float
    last_used: float
    ttl_hours: float | None  # deleted this long after last use; None keeps it
    key_hash: str = ""

    @property
    def expired(self) -> bool:
        return self.ttl_hours is not None and time.time() - self.last_used > self.ttl_hours * 3600

    def public(self) -> dict:
        data = asdict(self)
        data.pop("key_hash")
        for key in ("created", "last_used"):
            data[key] = dt.datetime.fromtimestamp(data[key], dt.timezone.utc).isoformat(timespec="seconds")
        return data


def check_id(workspace_id: str) -> str:
    if not isinstance(workspace_id, str) or not WORKSPACE_ID.match(workspace_id):
        raise WorkspaceError("a workspace id is 1 to 64 characters: lower-case letters, digits, '-' and '_', "
                             "starting with a letter or digit")
    return workspace_id


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


class WorkspaceStore:
    """The workspaces on disk: create, authenticate, list, delete, sweep the expired ones.

    Several processes may share one store (and one Chroma server): everything is on disk, and
    a workspace deleted by one process is gone for the others at their next request."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.root = Path(settings.workspaces_dir)
        self._last_sweep = 0.0
        self._lock = threading.Lock()

    def path(self, workspace_id: str) -> Path:
        return self.root / check_id(workspace_id)

    def exists(self, workspace_id: str) -> bool:
        return (self.path(workspace_id) / META).is_file()

    def info(self, workspace_id: str) -> WorkspaceInfo:
        try:
            data = json.loads((self.path(workspace_id) / META).read_text(encoding="utf-8"))
        except (FileNotFoundError, json.JSONDecodeError) as exc:
            raise WorkspaceNotFound(f"no workspace named {workspace_id!r}") from exc
        return WorkspaceInfo(**data)

    def _write(self, info: WorkspaceInfo) -> None:
        # Never creates the folder: a use recorded while the workspace is being deleted must not
        # bring it back.
        directory = self.path(info.id)
        tmp = directory / f".{META}.{uuid.uuid4().hex}.tmp"
        try:
            tmp.write_text(json.dumps(asdict(info)), encoding="utf-8")
            os.replace(tmp, directory / META)
        except FileNotFoundError as exc:
            raise WorkspaceNotFound(f"no workspace named {info.id!r}") from exc

    def create(self, workspace_id: str | None = None, *, kind: str = "named", owner: str = "",
               ttl_hours: float | None = None, with_key: bool = True) -> tuple[WorkspaceInfo, str]:
        """A new workspace and its key (shown once; "" when `with_key` is False)."""
        workspace_id = check_id(workspace_id or f"s-{secrets.token_hex(12)}")
        secret = secrets.token_urlsafe(32) if with_key else ""
        now = time.time()
        info = WorkspaceInfo(workspace_id, kind, owner, now, now, ttl_hours, _hash(secret) if secret else "")
        directory = self.path(workspace_id)
        self.root.mkdir(parents=True, exist_ok=True)
        try:
            directory.mkdir()  # atomic: two creators of one name cannot both succeed
        except FileExistsError as exc:
            raise WorkspaceError(f"a workspace named {workspace_id!r} already exists") from exc
        self._write(info)
        return info, (f"{workspace_id}.{secret}" if secret else "")

    def ensure(self, workspace_id: str, *, kind: str, owner: str = "", ttl_hours: float | None = None) -> WorkspaceInfo:
        """The workspace, created without a key when missing (sessions, users' own workspaces)."""
        try:
            return self.info(workspace_id)
        except WorkspaceNotFound:
            try:
                return self.create(workspace_id, kind=kind, owner=owner, ttl_hours=ttl_hours, with_key=False)[0]
            except WorkspaceError:
                return self.info(workspace_id)  # another request created it meanwhile

    @contextlib.contextmanager
    def _updating(self, workspace_id: str):
        """Read-modify-write of workspace.json, serialised across threads and processes: a use
        recorded meanwhile must not bring back the key a new one replaced."""
        path = self.path(workspace_id) / ".meta.lock"
        try:
            handle = open(path, "a+")
        except FileNotFoundError as exc:
            raise WorkspaceNotFound(f"no workspace named {workspace_id!r}") from exc
        with handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            info = self.info(workspace_id)
            yield info
            self._write(info)

    def new_key(self, workspace_id: str) -> str:
        """Replace the workspace's key (the old one stops working); the new one is shown once."""
        secret = secrets.token_urlsafe(32)
        with self._updating(workspace_id) as info:
            info.key_hash = _hash(secret)
        return f"{workspace_id}.{secret}"

    def keep(self, workspace_id: str) -> str:
        """Make a session's workspace permanent and give it a key (returned, shown once)."""
        with self._updating(workspace_id) as info:
            info.kind, info.ttl_hours = "named", None
        return self.new_key(workspace_id)

    def authenticate(self, key: str) -> str:
        """The workspace id a key opens; WorkspaceError when it opens none."""
        workspace_id, _, secret = (key or "").strip().partition(".")
        refusal = WorkspaceError("invalid workspace key")
        if not secret or not WORKSPACE_ID.match(workspace_id):
            raise refusal
        try:
            info = self.info(workspace_id)
        except WorkspaceNotFound:
            raise refusal from None
        if not info.key_hash or not hmac.compare_digest(info.key_hash, _hash(secret)):
            raise refusal
        return workspace_id

    def touch(self, workspace_id: str) -> None:
        """Record a use; written at most once a minute, so questions do not rewrite the file."""
        try:
            if time.time() - self.info(workspace_id).last_used <= 60:
                return
            with self._updating(workspace_id) as info:
                info.last_used = time.time()
        except WorkspaceNotFound:
            return

    def list(self) -> list[WorkspaceInfo]:
        out = []
        for directory in sorted(self.root.iterdir()) if self.root.exists() else []:
            if (directory / META).is_file():
                try:
                    out.append(self.info(directory.name))
                except (WorkspaceError, TypeError):
                    continue
        return out

    def open_index(self, workspace_id: str) -> Index:
        return Index(self.settings.with_(index_dir=self.path(workspace_id) / "index"))

    def delete(self, workspace_id: str, index: Index | None = None) -> bool:
        """Remove the workspace: its Chroma collections, its folder (passages, BM25, vectors,
        stored originals) and its key. Returns False when there was nothing to delete."""
        directory = self.path(workspace_id)
        if not directory.exists():
            return False
        index = index or (self.open_index(workspace_id) if (directory / "index").exists() else None)
        if index is not None:
            generations = directory / "index" / "generations"
            for gen in generations.iterdir() if generations.exists() else []:
                index.store.drop(f"chunks-{gen.name}")
            index.store.close(everywhere=True)
        # Renamed first: a concurrent request sees the workspace gone at once, never half-deleted.
        doomed = self.root / f".deleted-{workspace_id}-{uuid.uuid4().hex[:8]}"
        try:
            os.replace(directory, doomed)
        except FileNotFoundError:
            return False
        shutil.rmtree(doomed, ignore_errors=True)
        return True

    def sweep(self, force: bool = False, closing=None) -> list[str]:
        """Delete the workspaces whose time ran out (web sessions). `closing(id)` is called first
        so that the caller can drop what it holds open."""
        with self._lock:
            if not force and time.time() - self._last_sweep < SWEEP_EVERY:
                return []
            self._last_sweep = time.time()
        gone = []
        for info in self.list():
            if info.expired:
                if closing is not None:
                    closing(info.id)
                if self.delete(info.id):
                    gone.append(info.id)
        for leftover in self.root.glob(".deleted-*") if self.root.exists() else []:
            shutil.rmtree(leftover, ignore_errors=True)  # a crash in the middle of a delete
        return gone


def owned_upload(path: str, workspace_dir: Path) -> bool:
    """Whether a document's stored path is a copy made for this workspace (inside its folder or
    Gradio's upload folder), which forgetting the document must delete; never the user's own file."""
    if not path:
        return False
    try:
        resolved = Path(path).resolve()
    except OSError:
        return False
    roots = [workspace_dir.resolve(),
             Path(os.environ.get("GRADIO_TEMP_DIR") or Path(tempfile.gettempdir()) / "gradio").resolve()]
    return any(resolved.is_relative_to(root) for root in roots)


class OpenWorkspaces:
    """The workspaces a process keeps open (their Index and layered view), least recently used
    closed first."""

    def __init__(self, limit: int):
        self.limit = max(1, limit)
        self._open: OrderedDict[str, object] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, workspace_id: str, factory):
        with self._lock:
            found = self._open.get(workspace_id)
            if found is not None:
                self._open.move_to_end(workspace_id)
                return found
            found = self._open[workspace_id] = factory()
            while len(self._open) > self.limit:
                _, old = self._open.popitem(last=False)
                old.close()
            return found

    def pop(self, workspace_id: str):
        with self._lock:
            return self._open.pop(workspace_id, None)

    def __len__(self) -> int:
        return len(self._open)

