"""Follow-up questions: which questions lean on the previous one, and what retrieval then sees."""

from __future__ import annotations

import pytest

from assistant.conversation import MAX_CONTEXT_WORDS, contextualise, is_follow_up
from assistant.languages import detect_language

INAMI_FR = "Comment introduire une demande de remboursement à l'INAMI pour mon application ?"
INAMI_EN = "How do I submit a reimbursement request to INAMI for my app?"


@pytest.mark.parametrize("question", [
    "and how long does that take?",
    "Who can submit it?",
    "How much does it cost?",
    "Et combien de temps cela prend-il ?",
    "Combien de temps ?",
    "Et pour l'AFMPS ?",  # names a body, but "et …" continues the conversation
    "En hoe lang duurt dat?",
    "Is het terugbetaald?",
])
def test_follow_ups_are_recognised(question):
    assert is_follow_up(question)


@pytest.mark.parametrize("question", [
    "What is mHealthBelgium?",
    "What does a DPIA contain for a health app?",
    "Which criteria must an app meet for the eHealth platform?",
    "Wie kan een aanvraag indienen bij het RIZIV?",  # "het" is an article here
    "En Belgique, qui rembourse les applications de télésurveillance ?",  # "en" is not "and" in French
    "Qu'est-ce que la pyramide de validation de mHealthBelgium ?",
    "",
    "?!",
])
def test_standalone_questions_are_not_follow_ups(question):
    assert not is_follow_up(question)


def test_follow_up_is_merged_with_the_previous_question():
    query = contextualise("and how long does that take?", [INAMI_EN])
    assert query.startswith("and how long does that take?")
    added = query[len("and how long does that take?"):].split()
    assert {"INAMI", "reimbursement", "request"} <= set(added)
    # Only the words that carry the topic come along, not "How do I … for my".
    assert not {"How", "do", "I", "for", "my", "to"} & set(added)


def test_standalone_question_and_empty_history_are_left_alone():
    assert contextualise("What is mHealthBelgium?", [INAMI_EN]) == "What is mHealthBelgium?"
    assert contextualise("and how long does that take?", []) == "and how long does that take?"
    assert contextualise("and how long does that take?", None) == "and how long does that take?"
    assert contextualise("  and that?  ", [None, "", "   "]) == "and that?"  # type: ignore[list-item]


def test_only_the_latest_question_is_used():
    query = contextualise("and how long does that take?", ["What is a DPIA?", INAMI_EN])
    assert "INAMI" in query and "DPIA" not in query


def test_a_chain_of_follow_ups_keeps_the_topic_it_started_with():
    query = contextualise("and in Dutch?", [INAMI_EN, "and how long does that take?"])
    assert "INAMI" in query and "reimbursement" in query


def test_context_is_bounded():
    long_question = " ".join(f"Topic{i}" for i in range(40)) + " INAMI?"
    query = contextualise("and that?", [long_question])
    assert len(query.split()) <= len("and that?".split()) + MAX_CONTEXT_WORDS


@pytest.mark.parametrize("question, previous, language", [
    ("and how long does that take?", INAMI_FR, "en"),
    ("Et combien de temps cela prend-il ?", INAMI_EN, "fr"),
    ("En hoe lang duurt dat?", INAMI_FR, "nl"),
])
def test_merged_query_stays_in_the_language_of_the_new_question(question, previous, language):
    assert detect_language(contextualise(question, [previous])) == language


# ---------------------------------------------------------------- through Assistant.ask


@pytest.mark.parametrize("previous, follow_up", [
    (INAMI_EN, "and how long does that take?"),
    (INAMI_FR, "Et combien de temps cela prend-il ?"),
    ("Hoe dien ik bij het RIZIV een aanvraag tot terugbetaling in voor mijn app?", "En hoe lang duurt dat?"),
])
def test_ask_understands_a_follow_up_in_context(assistant, previous, follow_up):
    alone = assistant.ask(follow_up)
    in_context = assistant.ask(follow_up, history=[previous])
    # On its own the question names nothing the sources can answer; after the INAMI question it
    # is answered from the INAMI note.
    assert alone.abstained
    assert not in_context.abstained
    assert in_context.citations[0].note.startswith("inami-app-reimbursement.")
    assert in_context.question == follow_up  # the user's words, not the merged query


def test_answer_follows_the_language_of_the_follow_up(assistant):
    answer = assistant.ask("and how long does that take?", history=[INAMI_FR])
    assert answer.language == "en"
    assert not answer.abstained
    assert answer.citations[0].language == "en"


def test_history_does_not_change_a_standalone_question(assistant):
    question = "What does the mHealthBelgium validation pyramid consist of?"
    assert assistant.ask(question, history=[INAMI_EN]).to_dict() == assistant.ask(question).to_dict()


@pytest.mark.parametrize("question", [
    "Il en existe un en Belgique ?",  # names a country, but "il en existe" is about what was said
    "ok en daarna?",
    "And then?",
    "Is there one in Belgium?",
])
def test_openings_that_point_back_are_follow_ups_whatever_they_name(question):
    assert is_follow_up(question)
