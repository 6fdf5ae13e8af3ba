import json
import re

import pytest

from assistant.evaluation import normalise
from assistant.prompts import load_phrases
from assistant.settings import Settings


def quoted_lines(answer):
    """The answer lines that carry statements (not headings, not the sources list)."""
    body = answer.text.split("\n\n**")[0:2]
    lines = []
    for part in body:
        lines += [l.removeprefix("- ") for l in part.splitlines() if re.search(r"\[\d+\]$", l)]
    return lines


@pytest.mark.parametrize("question,language", [
    ("Qui peut introduire une demande de remboursement pour une application mobile médicale à l'INAMI ?", "fr"),
    ("Wie kan een aanvraag tot terugbetaling van een mobiele medische app indienen bij het RIZIV?", "nl"),
    ("Who can submit a reimbursement request for a mobile medical app to INAMI?", "en"),
])
def test_answers_are_structured_cited_and_in_the_question_language(assistant, question, language):
    ans = assistant.ask(question)
    assert not ans.abstained
    assert ans.language == language
    phrases = load_phrases(Settings().prompts_dir, language)
    assert f"**{phrases('labels.sources')}**" in ans.text
    # every statement is a verbatim sentence of the passage it cites
    quotes = {c.n: c.quote for c in ans.citations}
    for statement in ans.statements:
        assert statement.citation in quotes
        assert statement.text in quotes[statement.citation]
    # every line of the answer body ends with its [n], and that n is listed in Sources
    lines = quoted_lines(ans)
    assert len(lines) == len(ans.statements)
    for line, statement in zip(lines, ans.statements):
        assert line == f"{statement.text} [{statement.citation}]"
    for citation in ans.citations:
        assert f"[{citation.n}] [{citation.title}]({citation.url})" in ans.text
        assert citation.checked in ans.text
        assert citation.url.startswith(("https://", "http://"))
    # the same fact is never quoted from two language versions of one note
    languages_per_topic = {}
    for citation in ans.citations:
        topic = citation.source_id.rsplit(".", 1)[0]
        languages_per_topic.setdefault(topic, set()).add(citation.language)
    assert all(len(v) == 1 for v in languages_per_topic.values())
    assert {c.language for c in ans.citations} == {language}


def test_the_answer_names_the_applicants(assistant):
    ans = assistant.ask("Who may apply to INAMI for reimbursement of a mobile medical app?")
    assert "manufacturers and distributors" in normalise(ans.text)


@pytest.mark.parametrize("question,language", [
    ("How do I get my app listed as a DiGA by the German BfArM?", "en"),
    ("Quelle est la recette de la mayonnaise ?", "fr"),
    ("Wie won de Tour de France in 1990?", "nl"),
])
def test_out_of_scope_questions_get_an_abstention_with_closest_sources(assistant, question, language):
    ans = assistant.ask(question)
    phrases = load_phrases(Settings().prompts_dir, language)
    assert ans.abstained
    assert ans.citations == []
    assert ans.text.startswith(phrases("abstain.message"))
    assert phrases("abstain.suggestion") in ans.text
    assert 1 <= len(ans.closest) <= 3


@pytest.mark.parametrize("question", ["", "   ", "\x00\x01\x02", "🙂🙂🙂", "?!?"])
def test_questions_without_words_get_a_clear_message(assistant, question):
    ans = assistant.ask(question)
    assert ans.abstained and ans.text and not ans.citations


def test_long_and_odd_questions_do_not_crash(assistant):
    assert assistant.ask("INAMI " * 20000).text
    assert assistant.ask("'; DROP TABLE chunks; -- remboursement INAMI").text


def test_answer_to_dict_is_json(assistant):
    data = json.loads(json.dumps(assistant.ask("Qu'est-ce que la plateforme eHealth ?").to_dict()))
    assert set(data) >= {"text", "language", "abstained", "citations"}
    assert set(data["citations"][0]) >= {"n", "source_id", "title", "publisher", "url", "locator", "quote", "checked"}


def test_unknown_language_is_refused(assistant):
    with pytest.raises(ValueError):
        assistant.ask("Hallo", language="de")
