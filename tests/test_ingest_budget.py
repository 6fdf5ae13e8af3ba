"""One upload cannot cost the server unbounded memory or time: the issue's hostile files, generated
here, are each refused (or read) within budget, with the ingesting process's memory measured."""

from __future__ import annotations

import shutil
import time

import pytest

from assistant.load.extraction import Extractor
from assistant.load.readers import Budget, ReadError
from benchmarks.hostile import make_files, measure

REFUSALS = {
    "paragraphs-50k.docx": "20,000 paragraphs",
    "bomb-200mb.docx": "zip bomb",
    "page-39mb.html": "HTML page is larger than 5 MB",
    "one-line-30mb.txt": "2,000,000 characters",
}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    return make_files(tmp_path_factory.mktemp("hostile"))


@pytest.mark.parametrize("name", list(REFUSALS))
def test_each_hostile_upload_is_refused_within_budget(hostile, name, bundled_index, tmp_path):
    index_dir = tmp_path / "index"
    shutil.copytree(bundled_index, index_dir, ignore=shutil.ignore_patterns(".lock"))
    cost = measure(index_dir, hostile[name])
    print(f"\n{name}: {cost}")
    assert cost["status"] == "skipped" and REFUSALS[name] in cost["reason"]
    assert cost["seconds"] < 10
    assert cost["server_rise_mb"] < 300  # the bound for one upload
    assert cost["reader_peak_mb"] < 1024


def test_docx_with_50k_paragraphs_reads_in_seconds_when_allowed(hostile):
    # The style of each paragraph was looked up in the styles part: 10 minutes for this file.
    with Extractor(Budget(max_paragraphs=100_000), seconds=30) as extractor:
        start = time.perf_counter()
        doc = extractor.read(hostile["paragraphs-50k.docx"])
    assert time.perf_counter() - start < 15
    assert doc.text.count("Paragraphe") == 50_000 and doc.blocks[0].is_heading


def test_the_reader_process_is_stopped_at_its_memory_limit(hostile):
    # With the HTML size cap lifted, parsing the 39 MB page needs gigabytes: the worker hits its
    # address-space limit, the file is refused, and the next file is read by a fresh worker.
    with Extractor(Budget(max_html_bytes=64 << 20), seconds=120, memory_mb=300) as extractor:
        with pytest.raises(ReadError, match="more than 300 MB of memory"):
            extractor.read(hostile["page-39mb.html"])
        small = hostile["page-39mb.html"].with_name("small.md")
        small.write_text("Une note courte sur la demande INAMI.", encoding="utf-8")
        assert "INAMI" in extractor.read(small).text


def test_the_reader_process_is_killed_at_its_time_limit(hostile):
    with Extractor(Budget(max_html_bytes=64 << 20), seconds=2, memory_mb=4096) as extractor:
        start = time.perf_counter()
        with pytest.raises(ReadError, match="more than 2 s"):
            extractor.read(hostile["page-39mb.html"])
    assert time.perf_counter() - start < 6


def test_reading_works_when_the_server_holds_many_descriptors(tmp_path):
    """A long-running server holds more than 1,024 descriptors (workspaces' Chroma clients,
    sockets); waiting on the reader process must not depend on select()'s FD_SETSIZE."""
    import os
    import resource

    from assistant.load.extraction import Extractor
    from assistant.settings import Settings

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < 1300:
        if hard != resource.RLIM_INFINITY and hard < 1300:
            pytest.skip("the descriptor limit is below 1,300 here")
        resource.setrlimit(resource.RLIMIT_NOFILE, (1300 if hard == resource.RLIM_INFINITY else min(hard, 4096), hard))
    held = [os.open(os.devnull, os.O_RDONLY) for _ in range(1100)]
    try:
        doc = tmp_path / "note.md"
        doc.write_text("# Note\n\nA paragraph about the INAMI request.\n", encoding="utf-8")
        with Extractor.from_settings(Settings()) as extractor:
            assert extractor.read(doc, kind="user", display_name="note.md").doc_id == "note.md"
    finally:
        for fd in held:
            os.close(fd)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
