"""Shared fixtures: one real index of the bundled corpus, built once per test session."""

from __future__ import annotations

import ipaddress
import shutil
import socket
from pathlib import Path

import pytest

from assistant import Assistant, Settings


class NetworkBlocked(RuntimeError):
    pass


def _is_loopback(address) -> bool:
    host = address[0] if isinstance(address, tuple) else address
    if not isinstance(host, str):
        return True  # AF_UNIX paths and the like stay on the machine
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


@pytest.fixture(scope="session", autouse=True)
def no_outbound_network():
    """The whole suite runs with outbound network blocked: only loopback connections work.

    The default configuration must make no network call (telemetry, model hubs); any attempt
    fails the test that made it.
    """
    real_connect, real_connect_ex, real_getaddrinfo = socket.socket.connect, socket.socket.connect_ex, socket.getaddrinfo

    def guarded_connect(self, address):
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address):
            raise NetworkBlocked(f"outbound connection to {address!r} blocked in tests")
        return real_connect(self, address)

    def guarded_connect_ex(self, address):
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address):
            raise NetworkBlocked(f"outbound connection to {address!r} blocked in tests")
        return real_connect_ex(self, address)

    def guarded_getaddrinfo(host, *args, **kwargs):
        if isinstance(host, bytes):
            host = host.decode()
        if host is not None and not _is_loopback(host):
            raise NetworkBlocked(f"name lookup of {host!r} blocked in tests")
        return real_getaddrinfo(host, *args, **kwargs)

    socket.socket.connect, socket.socket.connect_ex, socket.getaddrinfo = guarded_connect, guarded_connect_ex, guarded_getaddrinfo
    yield
    socket.socket.connect, socket.socket.connect_ex, socket.getaddrinfo = real_connect, real_connect_ex, real_getaddrinfo


@pytest.fixture(scope="session")
def bundled_index(tmp_path_factory) -> Path:
    """An index of the bundled corpus, built once (real Chroma, real embeddings)."""
    index_dir = tmp_path_factory.mktemp("bundled-index")
    Assistant(settings=Settings.from_env(index_dir=index_dir, show_progress=False))
    return index_dir


@pytest.fixture(scope="session")
def assistant(bundled_index) -> Assistant:
    """A read-only assistant over the bundled index: do not ingest into it."""
    return Assistant(settings=Settings.from_env(index_dir=bundled_index, show_progress=False,
                                                workspaces_dir=bundled_index.parent / "workspaces-shared"))


@pytest.fixture
def fresh_assistant(bundled_index, tmp_path) -> Assistant:
    """An assistant over a private copy of the bundled index, free to change."""
    index_dir = tmp_path / "index"
    shutil.copytree(bundled_index, index_dir, ignore=shutil.ignore_patterns(".lock"))
    return Assistant(settings=Settings.from_env(index_dir=index_dir, show_progress=False,
                                                workspaces_dir=tmp_path / "workspaces"))
