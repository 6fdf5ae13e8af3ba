"""A damaged index is detected, reported in one line and repaired without losing the user's documents."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time

import pytest

from assistant import Assistant, Settings
from assistant.index.generations import POINTER

QUESTION = "What colour is the Quokkamed wristband?"
FACT = "The Quokkamed wristband is bright orange"


def _live(index_dir):
    return index_dir / "generations" / json.loads((index_dir / POINTER).read_text())["generation"]


def _truncate(path, keep=0.5):
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])


def _garbage(path):
    path.write_bytes(os.urandom(max(path.stat().st_size, 4096)))


CORRUPTIONS = {
    "chroma-sqlite-truncated": lambda d: _truncate(d / "chroma" / "chroma.sqlite3", 0.3),
    "chroma-sqlite-garbage": lambda d: _garbage(d / "chroma" / "chroma.sqlite3"),
    "vector-file-deleted": lambda d: (_live(d) / "vectors.npy").unlink(),
    "vector-file-truncated": lambda d: _truncate(_live(d) / "sentence_vectors.npy"),
    "lexical-file-truncated": lambda d: _truncate(_live(d) / "lexical.json"),
    "chunk-file-truncated": lambda d: _truncate(_live(d) / "chunks.jsonl"),
    "current-pointer-garbage": lambda d: (d / POINTER).write_bytes(b"\x00\xff not json {"),
    "meta-json-garbage": lambda d: (_live(d) / "meta.json").write_bytes(b'{"format": 3, "na'),
}


@pytest.fixture
def index_with_upload(bundled_index, tmp_path):
    index_dir = tmp_path / "index"
    shutil.copytree(bundled_index, index_dir, ignore=shutil.ignore_patterns(".lock"))
    doc = tmp_path / "wristband.md"
    doc.write_text(f"# Quokkamed\n\n{FACT} and vibrates twice before each measurement.\n", encoding="utf-8")
    a = Assistant(settings=Settings.from_env(index_dir=index_dir, show_progress=False))
    assert a.ingest([doc]).added
    return index_dir


def cli(*args, index_dir):
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "assistant.cli", *args, "--index-dir", str(index_dir)],
                            capture_output=True, text=True, timeout=300)
    return result, time.perf_counter() - start


@pytest.mark.parametrize("kind", list(CORRUPTIONS))
def test_each_kind_of_damage_is_reported_in_one_line_and_repaired_without_loss(index_with_upload, kind):
    index_dir = index_with_upload
    generations_before = {p.name for p in (index_dir / "generations").iterdir()}
    CORRUPTIONS[kind](index_dir)

    result, seconds = cli("ask", QUESTION, "--json", index_dir=index_dir)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "damaged" in lines[0], result.stderr
    answer = json.loads(result.stdout)
    assert FACT in " ".join(s["text"] for s in answer["statements"])  # the uploaded document survived
    assert any(c["source_id"] == "wristband.md" and c["kind"] == "user" for c in answer["citations"])

    # repaired for good: a full check finds nothing, the next command prints nothing about damage
    check, _ = cli("index", "check", index_dir=index_dir)
    assert check.returncode == 0, check.stdout + check.stderr
    again, _ = cli("index", "status", "--json", index_dir=index_dir)
    assert again.returncode == 0 and "damaged" not in again.stderr
    # no generation the loader could not read was deleted: it was set aside
    kept = {p.name for p in (index_dir / "generations").iterdir()} | (
        {p.name for p in (index_dir / "damaged").iterdir()} if (index_dir / "damaged").exists() else set())
    if kind in ("meta-json-garbage", "vector-file-deleted", "vector-file-truncated", "lexical-file-truncated",
                "chunk-file-truncated"):
        assert generations_before <= kept
    print(f"\n{kind}: repaired by the next command in {seconds:.1f} s ({lines[0][:160]})")


def test_index_check_names_the_damage_and_changes_nothing(index_with_upload):
    index_dir = index_with_upload
    vectors = _live(index_dir) / "vectors.npy"
    data = bytearray(vectors.read_bytes())
    data[-100:] = os.urandom(100)  # same size: only a full checksum finds it
    vectors.write_bytes(bytes(data))
    pointer = (index_dir / POINTER).read_bytes()

    result, _ = cli("index", "check", index_dir=index_dir)
    assert result.returncode == 1
    assert "vectors.npy is corrupt" in result.stdout and "assistant index repair" in result.stdout
    assert (index_dir / POINTER).read_bytes() == pointer and vectors.read_bytes() == bytes(data)

    repaired, _ = cli("index", "repair", index_dir=index_dir)
    assert repaired.returncode == 0, repaired.stdout + repaired.stderr
    assert "repaired: generation" in repaired.stdout and "vectors.npy is corrupt" in repaired.stdout
    assert cli("index", "check", index_dir=index_dir)[0].returncode == 0
    a = Assistant(settings=Settings.from_env(index_dir=index_dir, show_progress=False))
    assert "wristband.md" in a.user_documents()


def test_index_check_reports_a_broken_chroma_store_without_touching_it(index_with_upload):
    index_dir = index_with_upload
    database = index_dir / "chroma" / "chroma.sqlite3"
    _garbage(database)
    damaged = database.read_bytes()
    result, _ = cli("index", "check", index_dir=index_dir)
    assert result.returncode == 1 and "Chroma store is unreadable" in result.stdout, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert database.read_bytes() == damaged


def test_a_busy_store_is_not_mistaken_for_a_damaged_one():
    import sqlite3

    from assistant.index.generations import is_corruption

    assert is_corruption(RuntimeError("error returned from database: (code: 11) database disk image is malformed"))
    assert not is_corruption(sqlite3.OperationalError("database is locked"))
    assert not is_corruption(TimeoutError("timed out"))


def test_only_the_newest_damaged_generations_are_kept(index_with_upload):
    """An index damaged again and again: each damaged generation is set aside, the newest three
    stay for inspection, older ones go; the user's document survives every repair."""
    index_dir = index_with_upload
    set_aside = []
    for _ in range(4):
        live = _live(index_dir).name
        _truncate(_live(index_dir) / "lexical.json")
        answer = Assistant(settings=Settings.from_env(index_dir=index_dir, show_progress=False)).ask(QUESTION)
        assert FACT in " ".join(s.text for s in answer.statements)
        set_aside.append(live)
        time.sleep(0.05)  # distinct times of setting aside
    assert sorted(p.name for p in (index_dir / "damaged").iterdir()) == sorted(set_aside[-3:])
