"""`assistant bench` runs end to end on a tiny scale and writes its JSON (timings are not asserted)."""

from __future__ import annotations

import json

import pytest

from assistant.cli import main


@pytest.mark.slow
def test_bench_smoke_writes_the_expected_keys(tmp_path, capsys):
    out = tmp_path / "bench.json"
    code = main(["bench", "--scale-pages", "200", "--skip-cold-start", "--max-questions", "12", "--out", str(out)])
    assert code == 0
    report = json.loads(out.read_text(encoding="utf-8"))
    assert {"machine", "bundled", "baseline", "comparison", "scale", "targets", "duration_s"} <= report.keys()

    bundled = report["bundled"]
    for key in ("build_s", "model_load_s", "latency_ms", "peak_rss_mb", "incremental", "quality", "index_bytes"):
        assert key in bundled
    assert {"p50", "p95"} <= bundled["latency_ms"].keys()
    assert {"recall@5", "mrr", "key_facts"} <= bundled["quality"].keys()
    assert bundled["incremental"]["updated"] and 0 < bundled["incremental"]["embedded_chunks"] < bundled["chunks"]
    # The default embedding model never needs torch, sentence-transformers or gradio.
    assert not any(bundled["modules_loaded"][m] for m in ("torch", "sentence_transformers", "gradio"))

    baseline = report["baseline"]
    assert {"recall@5", "mrr", "key_facts"} <= baseline["quality"].keys()
    assert baseline["chunks"] > 0 and baseline["latency_ms"]["n"] == bundled["latency_ms"]["n"]
    assert {"recall@5", "mrr", "key_facts", "latency_p50_ms"} <= report["comparison"].keys()

    scale = report["scale"]
    assert scale["pages"] == 200 and scale["documents"] == 8
    assert scale["total_chunks"] > bundled["chunks"] and scale["pages_per_s"] > 0
    assert scale["index_bytes"] > bundled["index_bytes"]
    assert {"p50", "p95"} <= scale["latency_ms"].keys()
    assert "cold_start" not in report
    assert "Scale: bundled corpus + 200 synthetic pages" in capsys.readouterr().out


def test_synthetic_pages_are_multilingual_paginated_and_varied():
    from assistant.index.chunking import chunk_document
    from assistant.index.sentences import sentence_spans
    from benchmarks.synthetic import synthetic_documents

    docs = list(synthetic_documents(60, pages_per_document=10))
    assert len(docs) == 6 and {d.language for d in docs} == {"fr", "nl", "en"}
    assert sum(len({b.page for b in d.blocks}) for d in docs) == 60
    chunks = [c for d in docs for c in chunk_document(d)]
    assert all(c.locator.startswith("p. ") for c in chunks)
    sentences = [c.text[s:e] for c in chunks for s, e in sentence_spans(c.text)]
    assert len(sentences) > 0.95 * 60 * 12 and len(set(sentences)) > 0.98 * len(sentences)
    assert list(synthetic_documents(60, pages_per_document=10)) == docs  # same seed, same corpus
