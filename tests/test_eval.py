"""The gold-set evaluations, guarded with margins under what was measured (see README).

Measured on 2026-11-23 (hybrid, USE), notes' set: Recall@5 0.97, MRR 0.89, key facts 0.78
(answers now ~800 characters instead of ~1,300), citation support 1.00, out-of-scope declined
1.00 with 3.8% wrong refusals. Realistic founders' set: key facts 0.42, direct fact 0.20,
citation attribution 0.94, gaps said 0.60, median 850 characters, out-of-scope declined 1.00
with 1.9% wrong refusals. The issue's targets for the realistic set are not met yet.
"""

import statistics

import pytest

from assistant import Assistant, Settings
from assistant.evaluation import REALISTIC_DIR, Report, calibrate_threshold, evaluate, load_gold

GOLD = load_gold()
REALISTIC = load_gold(REALISTIC_DIR)


@pytest.fixture(scope="module")
def report(assistant):
    return evaluate(assistant, GOLD)


@pytest.fixture(scope="module")
def realistic(assistant):
    return evaluate(assistant, REALISTIC)


def test_gold_set_is_big_enough_and_well_formed():
    in_scope = [q for q in GOLD if not q.out_of_scope]
    assert len(in_scope) >= 60
    assert len([q for q in GOLD if q.out_of_scope]) >= 10
    assert {q.language for q in in_scope} == {"fr", "nl", "en"}
    assert len({q.id for q in GOLD}) == len(GOLD)
    for q in in_scope:
        assert q.sources and q.key_facts, q.id


@pytest.mark.parametrize("language", ["fr", "nl", "en"])
def test_recall_at_5_per_language(report, language):
    assert report.by_language[language]["recall@5"] >= 0.93


@pytest.mark.parametrize("language", ["fr", "nl", "en"])
def test_mrr_per_language(report, language):
    assert report.by_language[language]["mrr"] >= 0.80


def test_key_fact_coverage(report):
    assert report.by_language["all"]["key_facts"] >= 0.78
    for language in ("fr", "nl", "en"):
        assert report.by_language[language]["key_facts"] >= 0.70


def test_every_cited_statement_is_supported_by_its_quote(report):
    assert report.citation_support >= 0.98


def test_abstention(report):
    assert report.abstention["recall"] >= 0.9
    assert report.abstention["wrong_abstentions"] <= 0.06


def test_the_stored_threshold_is_the_calibrated_one(report, realistic, assistant):
    # Retuning the answer step without re-running `assistant eval --calibrate` fails here.
    both = Report(report.results + realistic.results)
    assert assistant.threshold == pytest.approx(calibrate_threshold(both), abs=0.03)


# ---------------------------------------------------------------- founders' own words


def test_realistic_set_is_big_enough_and_well_formed():
    in_scope = [q for q in REALISTIC if not q.out_of_scope]
    for language in ("fr", "nl", "en"):
        assert len([q for q in in_scope if q.language == language]) >= 30
    assert len([q for q in REALISTIC if q.out_of_scope]) >= 15
    for q in in_scope:
        assert q.key_facts or q.unanswered, q.id
        assert not q.direct_fact or q.direct_fact in q.key_facts, q.id
        assert set(q.fact_sources) <= set(q.key_facts) and all(q.fact_sources.values()), q.id


def test_realistic_refusals(realistic):
    assert realistic.abstention["recall"] >= 0.9
    assert realistic.abstention["wrong_abstentions"] <= 0.02


def test_realistic_citations_link_to_the_source_that_states_the_fact(realistic):
    assert realistic.by_language["all"]["attribution"] >= 0.95


def test_realistic_answers_are_short_and_answer_first(realistic):
    row = realistic.by_language["all"]
    assert row["median_chars"] <= 900
    assert row["direct"] >= 0.64
    assert row["key_facts"] >= 0.70
    assert row["uncovered_flagged"] >= 0.55
    # French trails; each language keeps a floor under what it reaches (0.65 / 0.74 / 0.69 direct).
    for language in ("fr", "nl", "en"):
        assert realistic.by_language[language]["direct"] >= 0.58
        assert realistic.by_language[language]["key_facts"] >= 0.64


@pytest.mark.slow
def test_hybrid_beats_each_retriever_alone(report, bundled_index):
    lexical = Assistant(settings=Settings.from_env(index_dir=bundled_index, retrieval="lexical", show_progress=False))
    dense = Assistant(settings=Settings.from_env(index_dir=bundled_index, retrieval="dense", show_progress=False))
    in_scope = [q for q in GOLD if not q.out_of_scope]
    hybrid_recall = report.by_language["all"]["recall@5"]
    for alone in (lexical, dense):
        other = evaluate(alone, in_scope).by_language["all"]
        assert hybrid_recall >= other["recall@5"]
