from assistant.index.chunking import MAX_CHARS, chunk_document
from assistant.load.corpus import load_notes
from assistant.index.sentences import sentence_spans
from assistant.settings import Settings


def test_every_chunk_of_the_corpus_is_a_verbatim_slice_within_one_section():
    notes = load_notes(Settings().corpus_dir)
    assert len(notes) >= 30
    for doc in notes:
        chunks = chunk_document(doc)
        assert chunks, doc.doc_id
        for chunk in chunks:
            assert chunk.text == doc.text[chunk.start:chunk.end]
            assert chunk.text.strip() == chunk.text
            assert len(chunk.text) <= 2 * MAX_CHARS
            assert chunk.locator.startswith("§ ")
            # a passage never runs across a heading
            assert "\n#" not in chunk.text


def test_sentences_respect_abbreviations_and_list_items():
    text = "Selon l'art. 9 du RGPD, les données de santé sont sensibles. Le DPO est requis.\n- Premier point\n- Second point"
    sentences = [text[s:e] for s, e in sentence_spans(text)]
    assert sentences == ["Selon l'art. 9 du RGPD, les données de santé sont sensibles.", "Le DPO est requis.",
                         "Premier point", "Second point"]
