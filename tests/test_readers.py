from pathlib import Path

import pytest

from assistant.load.readers import ReadError, read_document
from tests.helpers import make_docx, make_pdf


def spans(doc):
    return [doc.text[b.start:b.end] for b in doc.blocks]


def test_markdown_front_matter_structure_and_verbatim_blocks(tmp_path):
    path = tmp_path / "note.md"
    path.write_text(
        "---\nid: demo.fr\ntopic: demo\ntitle: Démo\nlanguage: fr\npublisher: INAMI/RIZIV\n"
        "sources:\n  - id: s1\n    url: https://www.inami.fgov.be/fr/x\nchecked: 2026-11-22\n---\n\n"
        "# Démo\n\n## Qui peut demander\n\nLes fabricants peuvent demander.\nSur deux lignes.\n\n"
        "- Premier point.\n- Second point.\n",
        encoding="utf-8")
    doc = read_document(path, kind="note")
    assert (doc.doc_id, doc.topic, doc.language, doc.publisher, doc.checked) == (
        "demo.fr", "demo", "fr", "INAMI/RIZIV", "2026-11-22")
    assert doc.url == "https://www.inami.fgov.be/fr/x"
    body = [b for b in doc.blocks if not b.is_heading]
    assert [doc.text[b.start:b.end] for b in body] == [
        "Les fabricants peuvent demander.\nSur deux lignes.", "Premier point.", "Second point."]
    assert all(b.heading == "Qui peut demander" for b in body)


def test_user_markdown_cannot_claim_another_identity(tmp_path):
    path = tmp_path / "mine.md"
    path.write_text("---\nid: mhealth-pyramid.fr\nkind: note\n---\n\nMon texte à moi.\n", encoding="utf-8")
    doc = read_document(path, kind="user")
    assert doc.doc_id == "mine.md" and doc.kind == "user"
    assert doc.url == "" and doc.title == "mine.md" and doc.publisher == ""  # no server path, no claimed identity


def test_html_keeps_content_and_headings_drops_navigation_scripts_and_banners(tmp_path):
    path = tmp_path / "page.html"
    path.write_text(
        "<html><head><title>Page INAMI</title><script>alert('x')</script></head><body>"
        "<nav><a href='/'>Accueil</a> Menu principal</nav>"
        "<div id='cookie-banner'>Nous utilisons des cookies</div>"
        "<main><h1>Applications mobiles</h1><p>Le demandeur remplit le formulaire.</p>"
        "<ul><li>Premier critère</li><li>Second critère</li></ul></main>"
        "<footer>Plan du site</footer></body></html>", encoding="utf-8")
    doc = read_document(path, kind="fetched")
    assert doc.title == "Page INAMI"
    assert "Le demandeur remplit le formulaire." in doc.text
    assert "Second critère" in doc.text
    for noise in ("Menu principal", "cookies", "Plan du site", "alert"):
        assert noise not in doc.text
    assert any(b.heading == "Applications mobiles" for b in doc.blocks if not b.is_heading)


def test_pdf_pages_are_kept(tmp_path):
    path = make_pdf(tmp_path / "guide.pdf", ["First page about CE marking.", "Second page about INAMI forms.",
                                             "Third page about eHealth criteria."], title="Guide")
    doc = read_document(path, kind="fetched")
    assert doc.title == "Guide"
    pages = {b.page for b in doc.blocks}
    assert pages == {1, 2, 3}
    second = next(b for b in doc.blocks if b.page == 2)
    assert "INAMI forms" in doc.text[second.start:second.end]


def test_docx_headings_become_sections(tmp_path):
    path = make_docx(tmp_path / "plan.docx", [("Budget", ["The hospital pays the licence."]),
                                              ("Timeline", ["Submission in March."])])
    doc = read_document(path)
    body = {doc.text[b.start:b.end]: b.heading for b in doc.blocks if not b.is_heading}
    assert body == {"The hospital pays the licence.": "Budget", "Submission in March.": "Timeline"}


@pytest.mark.parametrize("name,content,reason", [
    ("empty.pdf", b"", "empty"),
    ("random.pdf", b"\x00\x01garbage" * 100, "PDF"),
    ("truncated.pdf", b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog", "PDF"),
    ("fake.docx", b"this is not a zip", "DOCX"),
    ("photo.png", b"\x89PNG....", "unsupported"),
])
def test_unreadable_files_raise_a_clear_reason(tmp_path, name, content, reason):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ReadError, match=reason):
        read_document(path)


def test_encrypted_pdf_is_refused_with_reason(tmp_path):
    path = make_pdf(tmp_path / "secret.pdf", ["Confidential pricing."], password="s3cret")
    with pytest.raises(ReadError, match="encrypted"):
        read_document(path)


def test_invalid_utf8_text_is_read_not_refused(tmp_path):
    path = tmp_path / "latin1.txt"
    path.write_bytes("Réunion de pré-soumission à l'INAMI.".encode("latin-1"))
    doc = read_document(path)
    assert "soumission" in doc.text
