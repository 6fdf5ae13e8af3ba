"""Optional sign-in for a shared deployment: Gradio's own `auth`, or a trusted proxy's header.

Users come from a file (`ASSISTANT_USERS_FILE`, one `name:bcrypt-hash` a line) or an environment
variable (`ASSISTANT_USERS="alice:$2b$12$...,bob:$2b$12$..."`); only bcrypt hashes are stored
(`assistant hash-password` makes one). Behind a reverse proxy that signs users in itself,
`ASSISTANT_TRUSTED_USER_HEADER=X-Forwarded-User` takes the user name from that header instead:
only set it when the proxy is the sole way in, since any client can send the header otherwise.
A signed-in user's uploads go to their own workspace.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import bcrypt

from ..settings import Settings

log = logging.getLogger(__name__)
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")
# Compared against when the user is unknown, so that a wrong name takes as long as a wrong password.
_DUMMY = bcrypt.hashpw(b"unused", bcrypt.gensalt(rounds=12))


def hash_password(password: str) -> str:
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(rounds=12)).decode("ascii")


def parse_users(text: str) -> dict[str, bytes]:
    """`name:hash` entries, one a line or separated by commas; blank lines and # comments skipped."""
    users = {}
    for raw in text.replace(",", "\n").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, hashed = line.partition(":")
        if not sep or not name.strip() or not hashed.strip().startswith("$2"):
            raise ValueError(f"a user entry is `name:bcrypt-hash` (from `assistant hash-password`), not {line[:20]!r}…")
        users[name.strip()] = hashed.strip().encode("ascii")
    return users


@dataclass
class Auth:
    users: dict[str, bytes]
    header: str | None = None

    @property
    def enabled(self) -> bool:
        return bool(self.users or self.header)

    def check(self, username: str, password: str) -> bool:
        hashed = self.users.get(username)
        ok = bcrypt.checkpw(password.encode("utf-8"), hashed or _DUMMY)
        return bool(hashed) and ok

    def dependency(self) -> Callable | None:
        if not self.header:
            return None
        header = self.header

        def user_from_proxy(request) -> str | None:
            return request.headers.get(header) or None

        return user_from_proxy

    def gradio_kwargs(self) -> dict:
        if self.header:
            return {"auth_dependency": self.dependency()}
        if self.users:
            return {"auth": self.check}
        return {}


def load_auth(settings: Settings) -> Auth:
    users: dict[str, bytes] = {}
    if settings.users_file:
        users.update(parse_users(Path(settings.users_file).read_text(encoding="utf-8")))
    if settings.users:
        users.update(parse_users(settings.users))
    return Auth(users, settings.trusted_user_header or None)


def exposure_warning(host: str, auth: Auth) -> str | None:
    """The warning to print when the app listens beyond this machine without sign-in."""
    if host in LOCAL_HOSTS or auth.enabled:
        return None
    return (f"WARNING: listening on {host} without authentication: anyone who can reach this address can use "
            "the chat. Set ASSISTANT_USERS_FILE (or ASSISTANT_USERS, ASSISTANT_TRUSTED_USER_HEADER); see README.")

