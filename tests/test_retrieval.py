import pytest


@pytest.mark.parametrize("question,language", [
    ("Quels sont les niveaux de la pyramide de validation mHealthBelgium ?", "fr"),
    ("Wat zijn de niveaus van de validatiepiramide van mHealthBelgium?", "nl"),
    ("What are the levels of the mHealthBelgium validation pyramid?", "en"),
])
def test_the_question_language_is_preferred(assistant, question, language):
    hits = assistant.search(question, k=5)
    assert hits[0].chunk.topic == "mhealth-pyramid"
    assert hits[0].chunk.language == language


def test_an_english_question_finds_a_french_only_passage(fresh_assistant, tmp_path):
    doc = tmp_path / "note-interne.md"
    doc.write_text("# Calendrier interne\n\nLa société Zorblax a fixé le dépôt de son dossier de remboursement "
                   "au 14 mars, après la réunion de pré-soumission avec l'INAMI.\n", encoding="utf-8")
    fresh_assistant.ingest([doc])
    hits = fresh_assistant.search("When does Zorblax plan to file its reimbursement dossier?", language="en", k=5)
    assert hits[0].chunk.doc_id == "note-interne.md"
    assert hits[0].chunk.language == "fr"


def test_dense_retrieval_alone_is_cross_lingual(fresh_assistant, tmp_path):
    doc = tmp_path / "nota.md"
    doc.write_text("# Planning\n\nHet ziekenhuis betaalt de licentie van de telemonitoringsoftware uit zijn "
                   "eigen budget tot de overeenkomst is ondertekend.\n", encoding="utf-8")
    fresh_assistant.ingest([doc])
    fresh_assistant.settings = fresh_assistant.settings.with_(retrieval="dense")
    hits = fresh_assistant.search("Who pays the licence of the telemonitoring software until the agreement "
                                  "is signed?", language="en", k=5)
    assert "nota.md" in [h.chunk.doc_id for h in hits]
