"""Workspaces: a user's documents answer that user only, and are gone for good once deleted."""

from __future__ import annotations

import time

import pytest

from assistant import Assistant, Settings
from assistant.index.workspaces import WorkspaceError, WorkspaceNotFound

pytestmark = pytest.mark.slow

PHRASE = "The Quandrill committee approves telemonitoring pilots of the Zorblax clinic within 17 days."
QUESTION = "What does the Quandrill committee approve?"


@pytest.fixture
def shared(bundled_index, tmp_path) -> Assistant:
    """The bundled index, read-only, with workspaces in a folder of this test."""
    return Assistant(settings=Settings.from_env(index_dir=bundled_index, workspaces_dir=tmp_path / "ws",
                                                show_progress=False))


def dossier(tmp_path, name="dossier.txt", text=PHRASE):
    path = tmp_path / name
    path.write_text(f"Quandrill committee\n\n{text}\n", encoding="utf-8")
    return path


def cited(answer) -> set[str]:
    return {c.source_id for c in answer.citations} | {c.source_id for c in answer.closest}


def files_holding(root, needle: bytes) -> list:
    return [p for p in root.rglob("*") if p.is_file() and needle in p.read_bytes()]


def test_a_workspace_document_answers_its_workspace_only(shared, tmp_path):
    before = shared.status()
    acme, other = shared.workspace("acme"), shared.workspace("other")
    report = acme.ingest([dossier(tmp_path)])
    assert [o.status for o in report.outcomes] == ["added"]
    assert [d.source_id for d in acme.documents()] == ["dossier.txt"]

    answer = acme.ask(QUESTION)
    assert "dossier.txt" in cited(answer) and "17 days" in answer.text
    assert acme.search(QUESTION, k=3)[0].chunk.doc_id == "dossier.txt"
    for outsider in (other, shared):
        assert "dossier.txt" not in cited(outsider.ask(QUESTION))
        assert all(h.chunk.doc_id != "dossier.txt" for h in outsider.search(QUESTION, k=40))
    assert other.documents() == [] and shared.documents() == []
    assert shared.status().generation == before.generation  # the shared index was not written


def test_assistant_with_a_workspace_and_forget(shared, tmp_path):
    a = Assistant(settings=shared.settings, workspace="acme")
    a.ingest([dossier(tmp_path)])
    assert "dossier.txt" in cited(a.ask(QUESTION))
    assert a.forget("dossier.txt") is True
    assert a.forget("dossier.txt") is False
    assert a.forget("inami-app-reimbursement.en") is False  # the shared corpus is read-only
    answer = a.ask(QUESTION)
    assert "dossier.txt" not in cited(answer) and "Quandrill" not in answer.text
    assert all(h.chunk.doc_id != "dossier.txt" for h in a.search(QUESTION, k=40))
    # No earlier generation keeps the passage on disk either.
    assert files_holding(a.workspaces.path("acme"), b"Quandrill") == []


def test_deleting_a_workspace_removes_vectors_lexical_entries_and_files(shared, tmp_path):
    acme = shared.workspace("acme")
    acme.ingest([dossier(tmp_path)])
    index = acme.index
    collection = index.load().collection
    assert collection in index.store.collection_names()
    folder = shared.workspaces.path("acme")
    assert files_holding(folder, b"Quandrill")

    assert acme.delete_workspace() is True
    assert not folder.exists()
    with pytest.raises(WorkspaceNotFound):
        acme.ask(QUESTION)
    # A new workspace of the same name starts empty, and nothing anywhere cites the document.
    again = shared.workspace("acme")
    assert again.documents() == []
    for asker in (again, shared):
        answer = asker.ask(QUESTION)
        assert "dossier.txt" not in cited(answer) and "Quandrill" not in answer.text
    assert files_holding(shared.workspaces.root, b"Quandrill") == []


def test_keys_open_their_workspace_only(shared):
    info, key = shared.workspaces.create("acme")
    assert key.startswith("acme.") and shared.workspaces.authenticate(key) == "acme"
    assert key.split(".", 1)[1] not in (shared.workspaces.path("acme") / "workspace.json").read_text()
    for wrong in ("", "acme", "acme.nope", "other." + key.split(".", 1)[1], "../x.y"):
        with pytest.raises(WorkspaceError):
            shared.workspaces.authenticate(wrong)
    with pytest.raises(WorkspaceError):
        shared.workspaces.create("acme")
    for bad in ("../etc", "Acme", "", "a" * 65, "a/b"):
        with pytest.raises(WorkspaceError):
            shared.workspace(bad)


def test_session_workspaces_expire(shared, tmp_path):
    session = shared.session_workspace()
    session.ingest([dossier(tmp_path)])
    info = shared.workspaces.info(session.id)
    assert info.kind == "session" and info.ttl_hours == shared.settings.session_ttl_hours
    assert shared.sweep_workspaces(force=True) == []
    info.last_used = time.time() - info.ttl_hours * 3600 - 1
    shared.workspaces._write(info)
    assert shared.sweep_workspaces(force=True) == [session.id]
    assert not shared.workspaces.path(session.id).exists()


def test_layered_search_finds_the_same_shared_passages(shared, tmp_path):
    """Timings printed for information only (the suite never asserts timings: the machine is
    shared); what is asserted is that a workspace adds its passages and takes none away."""
    acme = shared.workspace("acme")
    acme.ingest([dossier(tmp_path)])
    questions = ["Comment faire rembourser une application par l'INAMI ?", "Wat is het mHealthBelgium-niveau M2?",
                 "Which criteria must an app meet for the eHealth platform?"] * 10

    def timed(who):
        start = time.perf_counter()
        for q in questions:
            who.search(q)
        return (time.perf_counter() - start) / len(questions)

    timed(shared), timed(acme)
    rounds = [(timed(shared), timed(acme)) for _ in range(5)]  # interleaved: the same machine load
    alone, layered = min(r[0] for r in rounds), min(r[1] for r in rounds)
    print(f"search: shared {alone * 1000:.1f} ms, shared + workspace {layered * 1000:.1f} ms "
          f"({(layered / alone - 1) * 100:+.0f} %)")
    for q in questions[:3]:
        alone_ids = [h.chunk.chunk_id for h in shared.search(q, k=5)]
        layered_ids = [h.chunk.chunk_id for h in acme.search(q, k=5)]
        # One unrelated passage moves BM25's document frequencies a hair, not the ranking.
        assert layered_ids == alone_ids, q


def test_as_retriever_is_a_langchain_retriever(shared, tmp_path):
    from langchain_core.retrievers import BaseRetriever

    acme = shared.workspace("acme")
    acme.ingest([dossier(tmp_path)])
    retriever = acme.as_retriever(k=3)
    assert isinstance(retriever, BaseRetriever)
    docs = retriever.invoke(QUESTION)
    assert len(docs) == 3 and docs[0].metadata["doc_id"] == "dossier.txt" and "Quandrill" in docs[0].page_content
    shared_docs = shared.as_retriever(k=5).invoke("Comment faire rembourser une application par l'INAMI ?")
    assert shared_docs and all(d.metadata["kind"] != "user" for d in shared_docs)
    assert all(d.metadata["url"] and d.metadata["title"] for d in shared_docs)


def test_a_workspace_recreated_elsewhere_is_reopened(shared, tmp_path):
    first = shared.workspace("acme")
    first.ingest([dossier(tmp_path)])
    other = Assistant(settings=shared.settings)  # another process, same store
    other.delete_workspace("acme")
    other.workspace("acme")
    again = shared.workspace("acme")
    assert again is not first and again.documents() == []
    again.ingest([dossier(tmp_path, "second.txt")])
    assert [d.source_id for d in other.workspace("acme").documents()] == ["second.txt"]
