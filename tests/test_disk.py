"""Bounded disk: repeated updates leave the index about the size of a fresh build of the same content."""

from __future__ import annotations

import shutil

from assistant import Assistant, Settings
from assistant.index.generations import disk_usage


def test_twenty_ingests_stay_within_one_and_a_half_fresh_builds(bundled_index, tmp_path):
    docs = []
    for i in range(20):
        doc = tmp_path / "docs" / f"dossier-{i}.md"
        doc.parent.mkdir(exist_ok=True)
        doc.write_text(f"# Dossier {i}\n\n" + "\n\n".join(
            f"Le projet {i} prévoit l'étape {j} de sa demande de remboursement auprès de l'INAMI." for j in range(30)),
            encoding="utf-8")
        docs.append(doc)

    updated_dir = tmp_path / "updated"
    shutil.copytree(bundled_index, updated_dir, ignore=shutil.ignore_patterns(".lock"))
    a = Assistant(settings=Settings.from_env(index_dir=updated_dir, show_progress=False))
    for doc in docs:
        assert a.ingest([doc]).added
    updated = disk_usage(updated_dir)

    fresh_dir = tmp_path / "fresh"
    shutil.copytree(bundled_index, fresh_dir, ignore=shutil.ignore_patterns(".lock"))
    fresh = Assistant(settings=Settings.from_env(index_dir=fresh_dir, show_progress=False))
    assert len(fresh.ingest(docs).added) == 20
    built = disk_usage(fresh_dir)

    print(f"\ndisk after 20 ingests: {updated / 1e6:.1f} MB; fresh build of the same content: {built / 1e6:.1f} MB "
          f"({updated / built:.2f}x)")
    assert updated <= 1.5 * built
    # one live generation and its predecessor; Chroma's folders only for the collections it holds
    assert len(list((updated_dir / "generations").iterdir())) == 2
    segment_dirs = [p for p in (updated_dir / "chroma").iterdir() if p.is_dir()]
    assert len(segment_dirs) <= 2 * len(a.index.store.collection_names())
    assert a.status().disk_bytes == disk_usage(updated_dir)
    assert {d for d in a.user_documents()} == {d.name for d in docs}
    assert len(list((updated_dir / "originals").glob("*.md"))) == 20
