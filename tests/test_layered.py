"""The layered view reads two indexes exactly as one index holding both would."""

from __future__ import annotations

import numpy as np

from assistant.index.layered import LayeredLexical, StackedRows
from assistant.index.lexical import LexicalIndex


def test_stacked_rows_read_like_the_stacked_array():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(7, 3)), rng.normal(size=(4, 3))
    whole, view = np.vstack([a, b]), StackedRows([a, b])
    assert view.shape == whole.shape and len(view) == 11 and view.size == whole.size
    for key in ([0, 1, 2], [8, 9], [6, 7], [0, 10, 3], [10, 0], [5, 9, 6], [], [3]):
        assert np.array_equal(view[np.asarray(key, dtype=np.int64)], whole[key] if key else whole[:0]), key
    for i in range(11):
        assert np.array_equal(view[i], whole[i])


def test_layered_bm25_counts_documents_of_both_layers():
    shared = LexicalIndex.build([("s1", "en", "reimbursement of mobile apps by the national institute"),
                                 ("s2", "en", "medical devices need a CE marking"),
                                 ("s3", "en", "the eHealth platform checks security")])
    own = LexicalIndex.build([("w1", "en", "the Quandrill committee approves pilots"),
                              ("w2", "en", "reimbursement of the Quandrill pilot")])
    both = LexicalIndex.build([("s1", "en", "reimbursement of mobile apps by the national institute"),
                               ("s2", "en", "medical devices need a CE marking"),
                               ("s3", "en", "the eHealth platform checks security"),
                               ("w1", "en", "the Quandrill committee approves pilots"),
                               ("w2", "en", "reimbursement of the Quandrill pilot")])
    layered = LayeredLexical([shared, own])
    for term in ("reimburs", "quandril", "secur", "unknown"):
        assert abs(layered.idf(term, "en") - both.idf(term, "en")) < 1e-9, term
    assert {i for i, _ in layered.search("Quandrill reimbursement", 10)} == {i for i, _ in both.search("Quandrill reimbursement", 10)}
    assert layered.search("Quandrill committee", 1)[0][0] == "w1"
    assert "quandril" in layered.vocabulary and "secur" in layered.vocabulary
    assert layered.known_fraction("Quandrill security", "en") == 1.0
