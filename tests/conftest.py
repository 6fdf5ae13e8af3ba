"""Shared fixtures: one real index of the bundled corpus, built once per test session."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assistant import Assistant, Settings


@pytest.fixture(scope="session")
def bundled_index(tmp_path_factory) -> Path:
    """An index of the bundled corpus, built once (real Chroma, real embeddings)."""
    index_dir = tmp_path_factory.mktemp("bundled-index")
    Assistant(settings=Settings.from_env(index_dir=index_dir, show_progress=False))
    return index_dir


@pytest.fixture(scope="session")
def assistant(bundled_index) -> Assistant:
    """A read-only assistant over the bundled index: do not ingest into it."""
    return Assistant(settings=Settings.from_env(index_dir=bundled_index, show_progress=False))


@pytest.fixture
def fresh_assistant(bundled_index, tmp_path) -> Assistant:
    """An assistant over a private copy of the bundled index, free to change."""
    index_dir = tmp_path / "index"
    shutil.copytree(bundled_index, index_dir, ignore=shutil.ignore_patterns(".lock"))
    return Assistant(settings=Settings.from_env(index_dir=index_dir, show_progress=False))
