from assistant import Assistant, Settings
from tests.helpers import make_docx, make_pdf


def test_ingest_reports_added_and_skipped_files_and_answers_from_them(fresh_assistant, tmp_path):
    pdf = make_pdf(tmp_path / "offre.pdf", [
        "Plan commercial interne.",
        "La licence annuelle de l'application Cardiolo coute 480 euros par patient et par an."])
    docx = make_docx(tmp_path / "team.docx", [("Equipe", ["Notre infirmiere referente est Ines Dubois."])])
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4 truncated")
    empty = tmp_path / "empty.md"
    empty.write_bytes(b"")
    report = fresh_assistant.ingest([pdf, docx, broken, empty, tmp_path / "missing.txt", tmp_path / "x.exe"])

    assert {o.path for o in report.added} == {"offre.pdf", "team.docx"}
    skipped = {o.path: o.reason for o in report.skipped}
    assert set(skipped) == {"broken.pdf", "empty.md", "missing.txt", "x.exe"}
    assert all(skipped.values())

    ans = fresh_assistant.ask("Combien coûte la licence annuelle de Cardiolo ?")
    assert not ans.abstained
    cited = ans.citations[0]
    assert cited.source_id == "offre.pdf"
    assert cited.kind == "user" and cited.title == "offre.pdf" and cited.url == "" and not cited.publisher
    assert cited.locator == "p. 2"
    assert "480 euros" in cited.quote


def test_fixed_phrases_follow_the_question_language_and_quotes_stay_original(fresh_assistant, tmp_path):
    doc = tmp_path / "memo.md"
    doc.write_text("# Memo\n\nL'application Cardiolo envoie chaque matin le poids du patient a l'equipe "
                   "de telesurveillance de l'hopital.\n", encoding="utf-8")
    fresh_assistant.ingest([doc])
    ans = fresh_assistant.ask("What does the Cardiolo app send to the hospital team every morning?")
    assert ans.language == "en"
    assert "**Sources**" in ans.text
    memo = [c for c in ans.citations if c.source_id == "memo.md"]
    assert memo and "poids du patient" in memo[0].quote


def test_ingesting_the_same_file_twice_reports_unchanged(fresh_assistant, tmp_path):
    doc = tmp_path / "same.txt"
    doc.write_text("Une note sur le budget hospitalier.", encoding="utf-8")
    assert fresh_assistant.ingest([doc]).added
    again = fresh_assistant.ingest([doc])
    assert [o.status for o in again.outcomes] == ["unchanged"]


def test_user_documents_survive_a_restart(fresh_assistant, tmp_path):
    doc = tmp_path / "keep.md"
    doc.write_text("Le projet Quokkamed vise les hôpitaux wallons.", encoding="utf-8")
    fresh_assistant.ingest([doc])
    reopened = Assistant(settings=fresh_assistant.settings)
    assert "keep.md" in reopened.index.load().docs


def test_path_traversal_names_are_neutralised(fresh_assistant, tmp_path):
    weird = tmp_path / "..%2F..%2Fetc%2Fpasswd; rm -rf ~.txt"
    weird.write_text("Texte inoffensif sur l'eHealth.", encoding="utf-8")
    report = fresh_assistant.ingest([weird])
    assert report.added and "/" not in report.added[0].source_id


def test_settings_from_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("ASSISTANT_TOP_K", "7")
    monkeypatch.setenv("ASSISTANT_INDEX_DIR", str(tmp_path))
    settings = Settings.from_env()
    assert settings.top_k == 7 and settings.index_dir == tmp_path
