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
        topic = citation.note.rsplit(".", 1)[0]
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


# ---------------------------------------------------------------- answers to founders' questions

from assistant.load.corpus import load_manifest  # noqa: E402
from assistant.load.readers import read_document  # noqa: E402
from assistant.settings import PROJECT_ROOT  # noqa: E402

MANIFEST = load_manifest(PROJECT_ROOT / "corpus")
FOUNDER_QUESTIONS = [
    ("We are a Ghent startup with a CE-marked class IIa app for COPD patients. What are the next steps to get "
     "reimbursed by RIZIV, and how long does it take?", "en"),
    ("Hoeveel tijd heeft het RIZIV om te beslissen over een aanvraag voor een mobiele app?", "nl"),
    ("Qui peut introduire une demande de remboursement d'une app à l'INAMI ?", "fr"),
    ("Nous sommes une startup liégeoise avec une app de télésurveillance pour l'insuffisance cardiaque, marquée CE "
     "classe IIa. Que faut-il faire pour être remboursé ?", "fr"),
    ("Welke criteria moet een app halen voor niveau M1 van mHealthBelgium?", "nl"),
    ("Does our DPIA need to be done before launch, and who checks it?", "en"),
]


def _paragraph_sources(note_id: str, sentence: str) -> tuple[str, ...]:
    doc = read_document(PROJECT_ROOT / "corpus" / "notes" / f"{note_id}.md", kind="note")
    for block in doc.blocks:
        if not block.is_heading and sentence in doc.text[block.start:block.end]:
            return block.sources
    raise AssertionError(f"{sentence!r} not found in {note_id}")


@pytest.mark.parametrize("question,language", FOUNDER_QUESTIONS)
def test_each_citation_is_the_source_of_the_quoted_paragraph(assistant, question, language):
    ans = assistant.ask(question)
    assert not ans.abstained
    by_n = {c.n: c for c in ans.citations}
    for statement in ans.statements:
        if statement.citation is None:
            continue
        citation = by_n[statement.citation]
        tagged = _paragraph_sources(citation.note, statement.text)
        assert citation.source_id in tagged and set(citation.also) <= set(tagged)
        source = MANIFEST[citation.source_id]
        assert citation.publisher == source.publisher and citation.title == source.title
        assert citation.url in source.urls.values()
        if ans.language in source.urls:  # the page in the answer's language when it exists
            assert citation.url == source.urls[ans.language]
        assert citation.kind == ("secondary" if source.secondary else "official")


@pytest.mark.parametrize("question,language", FOUNDER_QUESTIONS)
def test_one_number_per_source_and_section(assistant, question, language):
    ans = assistant.ask(question)
    keys = [(c.source_id, c.note, c.locator) for c in ans.citations]
    assert len(keys) == len(set(keys))
    assert {s.citation for s in ans.statements if s.citation} == {c.n for c in ans.citations}


@pytest.mark.parametrize("question,language", FOUNDER_QUESTIONS + [
    ("Moeten we onze app bij het FAGG notificeren voordat we hem in België mogen verkopen?", "nl"),
])
def test_no_statement_repeats_another(assistant, question, language):
    # Two notes may restate one source's point, one of them with a clause added: quoted once.
    quoted = [s.text.strip().rstrip(".") for s in assistant.ask(question).statements if s.citation]
    for i, a in enumerate(quoted):
        assert not any(a in b for j, b in enumerate(quoted) if j != i), a


def test_a_secondary_source_is_shown_as_such(assistant):
    ans = assistant.ask("How long does INAMI take to decide whether an app reimbursement request is admissible?")
    secondary = [c for c in ans.citations if c.kind == "secondary"]
    assert secondary, "the timelines rest on the press (Artsenkrant)"
    for c in secondary:
        assert not MANIFEST[c.source_id].publisher.startswith(("INAMI", "AFMPS", "eHealth"))
        assert "secondary source" in ans.text


def test_every_part_of_a_question_is_answered(assistant):
    ans = assistant.ask(FOUNDER_QUESTIONS[0][0])
    assert [p.intent for p in ans.parts] == ["steps", "duration"]
    assert all(ans.statements_of(i) for i in range(2))
    assert ans.situation["device_class"] == "IIa" and ans.situation["ce_marked"] is True
    data = ans.to_dict()
    assert data["direct"] == ans.statements[0].text and len(data["parts"]) == 2


def test_what_the_sources_do_not_state_is_said_not_filled(assistant):
    ans = assistant.ask("Combien coûte une demande de remboursement INAMI pour une app ?")
    assert not ans.abstained and ans.uncovered == [ans.parts[0].question]
    assert ans.statements[0].role == "uncovered" and "aucun frais" in ans.statements[0].text
    assert not ans.citations  # no nearby quote pretends to answer


@pytest.mark.parametrize("question", [
    "We're a Ghent startup with a COPD app. Who can submit a reimbursement request to INAMI?",
    "Notre startup namuroise fait une app pour le diabète : faut-il la notifier à l'AFMPS ?",
    "Wij zijn een bedrijf uit Leuven met een app voor slaapapneu. Wat is niveau M1 van mHealthBelgium?",
])
def test_a_city_or_a_disease_does_not_cause_a_refusal(assistant, question):
    assert not assistant.ask(question).abstained


def test_a_scheme_named_for_comparison_does_not_refuse_the_question(assistant):
    ans = assistant.ask("Is there a temporary reimbursement route in Belgium like Germany's DiGA fast track?")
    assert not ans.abstained and ans.statements[0].role == "direct"


def test_a_part_about_another_country_is_uncovered_while_the_rest_is_answered(assistant):
    """One part asking about a foreign scheme does not refuse the whole question, and that part
    gets no nearby quote passing for an answer."""
    ans = assistant.ask("Who can submit a reimbursement request for an app to INAMI? "
                        "And how does the German DiGA fast track work?")
    assert not ans.abstained and len(ans.parts) == 2
    assert ans.statements_of(0) and ans.statements_of(0)[0].role == "direct"
    assert [s.role for s in ans.statements_of(1)] == ["uncovered"]
    assert ans.uncovered == [ans.parts[1].question]


@pytest.mark.parametrize("question", [
    "Écris-moi un poème sur l'INAMI",
    "Combien coûte une consultation chez un généraliste à Liège ?",
    "How do I get FDA 510(k) clearance for my app?",
])
def test_out_of_scope_requests_are_declined(assistant, question):
    ans = assistant.ask(question)
    assert ans.abstained and not ans.citations


def test_what_next_is_answered_from_the_route_planner(assistant):
    """A founder who describes the product and asks what next gets the plan's next steps for that
    situation (after the procedure in short once the product is CE marked: what is left is that
    procedure), then the procedure's stated durations for "how long"."""
    from assistant.answer.from_plan import OVERVIEW
    from assistant.plan import Profile, load_pathway

    pathway = load_pathway(assistant.settings.corpus_dir)
    question = "We're a CE-marked class IIa app for COPD patients at home. What are the next steps, and how long will it take?"
    answer = assistant.ask(question)
    plan = assistant.plan(Profile.from_question(question))
    next_step = pathway.facts[pathway.step(plan.next_steps[0].id).lead_fact].quote("en")
    assert answer.direct == pathway.facts[OVERVIEW[0]].quote("en")
    assert next_step in [s.text for s in answer.statements_of(0)]
    # Not CE marked yet: the step at hand comes first.
    early = "Our COPD app is class IIa but not CE marked yet. What are the next steps?"
    plan = assistant.plan(Profile.from_question(early))
    assert assistant.ask(early).direct == pathway.facts[pathway.step(plan.next_steps[0].id).lead_fact].quote("en")
    assert [p.intent for p in answer.parts] == ["steps", "duration"]
    duration = answer.statements_of(1)
    assert duration and "about one year" in duration[0].text
    assert not answer.uncovered


@pytest.mark.parametrize("question", ["How do I get my app reimbursed by NIHDI, step by step?",
                                      "Remboursement INAMI d'une app : quelles étapes ?"])
def test_the_steps_without_a_situation_start_with_the_procedure(assistant, question):
    """Nothing known about the product: the procedure in short comes first, not CE marking (the
    first step of everyone's route, which the founder may have taken long ago)."""
    from assistant.answer.from_plan import OVERVIEW
    from assistant.plan import load_pathway

    answer = assistant.ask(question)
    pathway = load_pathway(assistant.settings.corpus_dir)
    assert answer.direct == pathway.facts[OVERVIEW[0]].quote(answer.language)


def test_typos_do_not_stop_the_answer(assistant):
    answer = assistant.ask("Do I need a notifed body if my software is class IIa?")
    assert not answer.abstained
    assert "notified body" in answer.text
    assert answer.question == "Do I need a notifed body if my software is class IIa?"  # the user's words


def test_known_gaps_are_said_for_the_part_that_asks_them(assistant):
    """What the sources are known not to state (how to book the pre-submission meeting, a contact
    person) is said for that part instead of letting nearby quotes pass for an answer."""
    answer = assistant.ask("How do we book a pre-submission meeting with INAMI, and who is the contact person there?")
    gaps = [s for s in answer.statements if s.role == "uncovered"]
    assert any("pre-submission meeting" in s.text and "do not say how to request it" in s.text for s in gaps)
    assert any("contact person" in s.text for s in gaps)
    assert len(answer.uncovered) == 2
    assert all(s.citation is None for s in gaps)
    fr = assistant.ask("Une étude randomisée est-elle obligatoire pour le remboursement INAMI d'une app ?")
    assert any("niveau de preuve" in s.text for s in fr.statements if s.role == "uncovered")
    # a fee asked for filing the request: the known gap answers, not a flat fee in the nomenclature
    fee = assistant.ask("Is there a fee to submit a reimbursement file to NIHDI?")
    assert fee.statements[0].role == "uncovered" and "no fee for filing" in fee.statements[0].text
    assert not fee.citations
    # how long temporary reimbursement lasts is not how long the procedure takes
    temp = assistant.ask("Le remboursement temporaire d'une app dure combien de temps ?")
    assert temp.statements[0].role == "uncovered" and "remboursement temporaire" in temp.statements[0].text
    # who in the company signs: a gap founders ask about, after the part the sources do answer
    nl = assistant.ask("Moeten we een verklaring op erewoord voor eHealth tekenen? Wie moet die ondertekenen, de CEO of de DPO?")
    assert nl.statements[0].role == "direct" and "erewoord" in nl.statements[0].text
    assert any("wie in het bedrijf" in s.text for s in nl.statements if s.role == "uncovered")


@pytest.mark.parametrize("question,language", [
    ("Is eHealthBox verplicht?", "nl"),  # "is" is Dutch and English; "verplicht" only Dutch
    ("DPIA verplicht?", "nl"),
    ("CE marking?", "en"),  # "CE" is the mark, not French "ce"
    ("AIPD obligatoire ?", "fr"),
    ("Tijdelijke terugbetaling?", "nl"),
    ("Temporary reimbursement?", "en"),
])
def test_short_questions_are_answered_in_their_language(assistant, question, language):
    """Questions with few or no function words: the words the sources use in one language decide."""
    assert assistant.ask(question).language == language


def test_content_words_vote_only_when_the_sources_are_given():
    from assistant.languages import detect_language

    assert detect_language("DPIA verplicht?") == "en"  # no function word: the default
    assert detect_language("DPIA verplicht?", owners=lambda w: ("nl",) if w == "verplicht" else ()) == "nl"


@pytest.mark.parametrize("question,expected", [
    ("Which organisations are allowed to submit an app reimbursement file to INAMI?", "manufacturers and distributors"),
    ("Aan welke voorwaarden moet je voldoen voor terugbetaling door het RIZIV?", "ce-markering"),
    ("Est-ce qu'une AIPD est obligatoire pour nous ?", "article 35"),
])
def test_a_kind_of_question_the_pathway_lists_is_answered_by_its_facts(assistant, question, expected):
    """"Who may apply?", "which conditions?", "is a DPIA mandatory?": the first statement is the
    fact that answers, not a sentence that only shares the question's words."""
    ans = assistant.ask(question)
    assert not ans.abstained
    assert expected in normalise(ans.statements[0].text)


def test_a_follow_up_part_is_answered_for_the_subject_it_leans_on(assistant):
    """"The EHDS, will it bring new duties? And from when?": the second part asks for the
    EHDS's dates, not for whatever else matches "from when"."""
    ans = assistant.ask("Does the EHDS bring new obligations for health apps? And from when?")
    assert [p.intent for p in ans.parts][1] == "date"
    second = " ".join(s.text for s in ans.statements_of(1))
    assert "2027" in second and "2029" in second


def test_a_date_asked_after_a_question_about_something_is_that_things_date(assistant):
    """"How will the EHDS affect apps linked to health records? Any deadlines to keep in mind?":
    the second part names only "deadlines", and asks for the EHDS's."""
    ans = assistant.ask("How will the EHDS affect apps linked to health records? Any deadlines to keep in mind?")
    second = ans.statements_of(1)
    assert second and "2029" in second[0].text


@pytest.mark.parametrize("question", [
    "Who decides on an app file at the NIHDI? Which experts sit in that group? How many months do we plan for?",
    "Qui tranche un dossier d'app à l'INAMI ? Quels experts siègent dans ce groupe ? Combien de mois faut-il prévoir ?",
])
def test_how_long_in_a_message_about_inamis_procedure_is_the_procedures_duration(assistant, question):
    """The last part names nothing, and leans on a part about the working group: the message is
    about INAMI's procedure, and so is its "how many months?"."""
    ans = assistant.ask(question)
    last = ans.statements_of(len(ans.parts) - 1)
    assert ans.parts[-1].intent == "duration" and last and "Artsenkrant" in last[0].text
    assert any(w in last[0].text for w in ("one year", "un an"))


def test_a_kind_named_in_a_how_question_wins_over_the_plans_next_steps(assistant):
    """"How could our app be funded through the convention?" is about the convention, not the
    founder's next steps; "in what order: CE, FAMHP, eHealth?" is the route, and gets the plan."""
    ans = assistant.ask("Our app is CE class IIa. For our telemonitoring solution, how do we get it funded "
                        "under the heart-failure convention?")
    assert "contracted hospital" in ans.statements[0].text
    views = assistant.ask("What does beMedTech say about how long reimbursement takes in Belgium?")
    assert "often takes years" in views.statements[0].text  # not the procedure's own durations
    route = assistant.ask("Our sleep apnoea app is CE class IIa. In what order do we do things: FAMHP, eHealth, "
                          "mHealthBelgium, INAMI?")
    assert route.parts[0].intent == "steps" and "eHealth" not in route.statements[0].text[:40]


def test_a_short_question_after_a_statement_is_matched_on_the_statement(assistant):
    """"Hospitals ask whether we are in the convention. What does that mean?": the kind of
    question is read on the statement the part leans on."""
    ans = assistant.ask("Our telemonitoring app for heart failure is CE class IIa. Hospitals ask whether we are "
                        "in the convention. What does that mean?")
    assert "reimburses telemonitoring" in ans.statements[0].text  # what the convention funds


@pytest.mark.parametrize("question,language", [
    ("Pouvez-vous me donner la liste complète de ce que notre dossier INAMI doit contenir ?", "fr"),
    ("What exactly goes into the reimbursement file for NIHDI?", "en"),
])
def test_a_kind_of_question_says_what_its_facts_leave_out(assistant, question, language):
    """What the request file must contain: the facts the sources state, then that they do not
    reproduce the template itself, for that part."""
    from assistant.plan import load_pathway

    pathway = load_pathway(assistant.settings.corpus_dir)
    answer = assistant.ask(question, language=language)
    assert answer.statements[0].role == "direct" and answer.statements[0].citation is not None
    said = [s.text for s in answer.statements if s.role == "uncovered"]
    assert said == [pathway.gaps["template_content"](language)]
    assert answer.uncovered == [answer.parts[0].question]


@pytest.mark.parametrize("question,first", [
    # "To decide" is the whole procedure, whose overall figure the plan puts first ...
    ("How long does it take NIHDI to decide on an app's reimbursement?", ("one year",)),
    ("Combien de temps l'INAMI met-il pour statuer sur une demande d'app ?", ("un an",)),
    # ... unless the part names one phase of it.
    ("How long does INAMI's admissibility check of an app request take?", ("30 days",)),
    ("Hoe lang duurt de evaluatie door de werkgroep van het RIZIV?", ("180 dagen",)),
])
def test_how_long_to_decide_is_the_whole_procedure_unless_a_phase_is_named(assistant, question, first):
    assert any(w in assistant.ask(question).direct for w in first)


def test_when_the_plans_route_is_the_convention_it_comes_first(assistant):
    from assistant.plan import load_pathway
    pathway = load_pathway(assistant.settings.corpus_dir)
    question = "Our heart-failure telemonitoring app is CE marked, class IIa. How do we get it reimbursed by NIHDI?"
    assert assistant.ask(question).direct == pathway.facts["hf_scope"].quote("en")


def test_a_convention_asked_for_another_condition_is_said_to_be_missing_first(assistant):
    answer = assistant.ask("We run a hospital COPD telemonitoring project. Is there an INAMI convention for it?")
    assert answer.statements[0].role == "uncovered" and "heart-failure" in answer.direct
    assert answer.text.lstrip("*").startswith(answer.direct)  # the reader sees it first
    # Heart failure has one: its facts answer, with no such gap.
    hf = assistant.ask("We run a hospital heart-failure telemonitoring project. Is there an INAMI convention for it?")
    assert hf.statements[0].role == "direct" and not any("condition" in s.text for s in hf.statements if s.role == "uncovered")


@pytest.mark.parametrize("question,fact", [
    # Words no earlier kind had: the heart-failure convention is how hospitals are paid today ...
    ("How are hospitals paid for home telemonitoring of their patients today?", "hf_scope"),
    # ... a convention is not a nomenclature code ...
    ("Convention ou code de nomenclature pour notre télésurveillance : quelle différence ?", "hf_scope"),
    # ... and a positive opinion is not yet reimbursement.
    ("Het advies van de werkgroep was gunstig. Wat gebeurt er nu nog?", "about_one_year"),
])
def test_later_kinds_answer_with_their_facts(assistant, question, fact):
    from assistant.plan import load_pathway

    pathway = load_pathway(assistant.settings.corpus_dir)
    answer = assistant.ask(question)
    assert answer.direct.startswith(pathway.facts[fact].quote(answer.language)[:60])


def test_a_part_pointing_back_is_asked_about_what_it_points_at(assistant):
    """"… telemonitoring for our heart-failure patients. How is the hospital funded for that?" asks
    about telemonitoring's funding (the convention), not hospital budgets in general; the same
    for COPD first says that the sources name no convention for that condition."""
    hf = assistant.ask("Nous voulons une app de télésurveillance pour nos patients insuffisants cardiaques. "
                       "Comment l'hôpital est-il financé pour ça aujourd'hui ?")
    assert "1er janvier 2025" in hf.direct
    copd = assistant.ask("We want remote monitoring for our COPD patients at home. How is the hospital paid for that?")
    assert copd.statements[0].role == "uncovered" and "heart-failure" in copd.statements[0].text


@pytest.mark.parametrize("question,expected", [
    ("Our request received a favourable opinion from the working group. What remains to be done?", "one year"),
    ("Wij zijn verdeler in Gent van een Duitse app. Welke verplichtingen hebben we tegenover het FAGG?", "distributeurs"),
])
def test_a_question_about_what_the_statement_before_it_says(assistant, question, expected):
    """The kind of question is in the statement: "we got a positive opinion", "we are a
    distributor"; the question itself only asks "what now?" or "which duties?"."""
    assert expected in normalise(assistant.ask(question).direct)


def test_a_route_asked_step_by_step_gets_the_plan(assistant):
    """"In what order: CE marking, FAGG notification, M1, M2, then INAMI?" names steps, and asks
    the route: the plan's steps answer it, not the FAGG's web portal."""
    ans = assistant.ask("Dans quel ordre on enchaîne : marquage CE, notification FAGG, M1, M2 ?")
    assert ans.parts[0].intent == "steps" and "trois étapes" in ans.direct


def test_what_to_do_first_is_the_next_step_before_the_procedure_in_short(assistant):
    """Once CE marked, "what next?" opens with INAMI's procedure in short; "what do we do
    first?" asks for the next step itself."""
    first = assistant.ask("Our app is CE marked, class I. What should we do first?")
    later = assistant.ask("Our app is CE marked, class I. What are the next steps?")
    assert "G_NIUS" not in first.direct and "G_NIUS" in later.direct


def test_whats_next_typed_without_apostrophe_gets_the_route_and_its_cost_gap(assistant):
    from assistant.plan import load_pathway

    pathway = load_pathway(assistant.settings.corpus_dir)
    ans = assistant.ask("we're a small startup, class IIa app for asthma, CE marked last month. whats next, "
                        "and does it cost anything?")
    assert ans.parts[0].intent == "steps" and "G_NIUS" in ans.direct
    cost = ans.statements_of(1)
    assert cost[0].role == "uncovered" and cost[0].text == pathway.gaps["request_fee"]("en")


@pytest.mark.parametrize("question", [
    "Nous avons un marquage CE obtenu en Allemagne, est-ce que ça suffit pour vendre en Belgique ?",
    "Our app has FDA clearance in the US. Does that count for the RIZIV?",
])
def test_another_country_in_the_founders_situation_does_not_refuse_a_belgian_question(assistant, question):
    assert not assistant.ask(question).abstained


def test_a_question_the_sources_are_known_not_to_answer_is_said_not_refused(assistant):
    """"We store the data on AWS in Frankfurt. Is that allowed?" scores low against the notes,
    which say nothing on hosting: the answer says so rather than declining the question."""
    from assistant.plan import load_pathway

    pathway = load_pathway(assistant.settings.corpus_dir)
    ans = assistant.ask("We store our patients' data on AWS in Frankfurt. Is that allowed?")
    assert not ans.abstained and pathway.gaps["hosting"]("en") in [s.text for s in ans.statements]


@pytest.mark.parametrize("question,language,gap", [
    ("Our backend runs on servers in Ireland. Can patient data be stored there, or must it stay in Belgium?",
     "en", "hosting"),
    ("Moeten de gezondheidsgegevens van onze app in een Belgisch datacenter staan?", "nl", "hosting"),
    ("Does the AI Act change anything for our CE-marked triage software?", "en", "ai_act"),
    ("L'INAMI garantit-il un délai précis pour rendre sa décision sur notre dossier ?", "fr", "official_timelines"),
    ("Does NIHDI guarantee a decision within a set time once the file is in?", "en", "official_timelines"),
    # not the 45 days a distributor has to register
    ("Combien de temps l'AFMPS met-elle pour traiter une notification ?", "fr", "famhp_processing"),
    # not the deadlines INAMI has once the request is filed
    ("On peut déposer notre demande à l'INAMI n'importe quand, ou il y a des appels à candidatures ?", "fr",
     "filing_window"),
])
def test_a_gap_the_part_asks_in_so_many_words_opens_its_answer(assistant, question, language, gap):
    """No kind of the pathway answers these parts, so their best sentence is only the scorer's
    guess (a portal, the GDPR's principles): the known gap is the answer and comes first."""
    from assistant.plan import load_pathway

    ans = assistant.ask(question)
    assert ans.statements[0].role == "uncovered"
    assert ans.direct == load_pathway(assistant.settings.corpus_dir).gaps[gap](language)


@pytest.mark.parametrize("question,language,gap", [
    ("Is there a cut-off date for submitting an app reimbursement request to INAMI?", "en", "filing_window"),
    ("Y a-t-il une date limite pour introduire une demande de remboursement à l'INAMI ?", "fr", "filing_window"),
])
def test_a_gap_asked_beside_a_kind_is_said(assistant, question, language, gap):
    """Where a kind answers first (INAMI's conditions for filing, what M3 asks), the part's known
    gap still follows: the sources state no filing window."""
    from assistant.plan import load_pathway

    ans = assistant.ask(question)
    said = [s.text for s in ans.statements if s.role == "uncovered"]
    assert load_pathway(assistant.settings.corpus_dir).gaps[gap](language) in said, [s.text for s in ans.statements]


@pytest.mark.parametrize("question", [
    "We have had our CE mark since March. Anything else to do before Belgian patients can use it?",
    "Notre app a le marquage CE, y a-t-il encore quelque chose à faire auprès de l'AFMPS ?",
    "Onze app is CE-gemarkeerd via een Nederlandse notified body, moeten we in België nog iets extra doen?",
])
def test_anything_else_to_do_after_ce_marking_is_answered_by_the_route(assistant, question):
    """"Anything else to do?" after the founder's situation opens like a yes/no and names words
    of other kinds (a notified body, selling): it asks for the steps left, which start at the
    FAMHP, not with what a notified body is or how CE marking is obtained."""
    ans = assistant.ask(question)
    assert ans.parts[0].intent == "steps"
    assert re.search(r"FAMHP|AFMPS|FAGG", ans.direct) and not re.search(r"notified body|aangemelde instantie", ans.direct)


def test_a_kind_s_own_facts_still_come_before_its_gaps(assistant):
    """Where a kind answers the part (the sworn statement), what the sources say comes first and
    the gap (who signs it) after."""
    ans = assistant.ask("Faut-il signer une déclaration sur l'honneur pour eHealth, et qui la signe chez nous ?")
    assert ans.statements[0].role == "direct"
    assert any(s.role == "uncovered" for s in ans.statements[1:])


def test_a_fast_track_like_another_countrys_is_said_to_be_absent_but_that_country_is_not_answered(assistant):
    """"A DiGA-style fast track here?" names the German scheme for comparison: the sources describe
    none, which is said; "how does the DiGA fast track work in Germany?" is another country's."""
    from assistant.plan import load_pathway

    gap = load_pathway(assistant.settings.corpus_dir).gaps["fast_track"]
    for question, language in (("is there a DiGA-style fast track in Belgium, or not really?", "en"),
                               ("Bestaat er in België een DiGA-achtige snelle route?", "nl")):
        ans = assistant.ask(question)
        assert not ans.abstained and gap(language) in [s.text for s in ans.statements]
    assert assistant.ask("How does the DiGA fast track work in Germany?").abstained


@pytest.mark.parametrize("question", [
    "When could we realistically be reimbursed if we file the INAMI request in June?",
    "Quand pourrait-on être remboursé au plus tôt si on dépose la demande INAMI en juin ?",
    "Wanneer kunnen we ten vroegste terugbetaald worden als we in juni indienen bij het RIZIV?",
])
def test_when_we_could_be_reimbursed_is_answered_by_how_long_the_procedure_takes(assistant, question):
    first = assistant.ask(question).statements[0].text
    assert "Artsenkrant" in first and re.search(r"\b(?:one year|un an|een jaar)\b", first)


def test_since_when_inami_reimburses_apps_is_still_a_date(assistant):
    assert "2023" in assistant.ask("Since when does INAMI reimburse mobile apps?").statements[0].text


@pytest.mark.parametrize("question,language", FOUNDER_QUESTIONS + [
    ("Qui touche l'argent de la télésurveillance de l'insuffisance cardiaque, et depuis quand ?", "fr"),
    ("Existe-t-il une convention INAMI pour la télésurveillance en maison de repos ?", "fr"),
    ("Who gets paid under the INAMI heart-failure telemonitoring convention?", "en"),
])
def test_a_sentence_that_refers_back_is_quoted_only_after_the_one_it_refers_to(assistant, question, language):
    """"INAMI pays this reimbursement to hospitals…" alone leaves the reader asking which one."""
    from assistant.answer.cues import refers_back

    assert refers_back("INAMI pays this reimbursement to hospitals that have signed a convention.")
    assert not refers_back("L'INAMI rattache cette exigence des trois langues à la loi.")
    statements = assistant.ask(question, language).statements
    for before, statement in zip([None, *statements], statements):
        if refers_back(statement.text):
            assert before is not None and before.citation == statement.citation, statement.text


def test_a_long_fact_the_pathway_chose_is_kept_over_shorter_retrieved_sentences():
    """A kind's fact may run a little past the body budget; a retrieved sentence may not, and
    nothing runs past it by more than the pathway's allowance."""
    import numpy as np

    from assistant.answer import extractive
    from assistant.types import Chunk

    def candidate(length: int, planned: bool):
        text = "x" * length
        chunk = Chunk("c", "d", 0, text, "t", "p", "u", "en", "", "", "topic", "note")
        return extractive.Candidate(chunk, 0, length, 1.0, 1.0, 1.0, np.zeros(2), True, planned=planned)

    budget, allowance = extractive.BODY_CHARS, extractive.PLANNED_OVERFLOW
    direct, first = candidate(budget // 2, True), candidate(budget // 4, True)
    long_fact = candidate(budget // 4 + allowance // 2, True)  # past the budget, within the allowance
    short_retrieved = candidate(budget // 8, False)
    chosen = [(0, "direct", direct), (0, "point", first), (0, "point", long_fact), (0, "point", short_retrieved)]
    assert [c for _, _, c in extractive._trim(chosen, allowance)] == [direct, first, long_fact]
    # Retrieved, the same sentence is dropped for the budget, and the short one takes its place.
    long_retrieved = candidate(len(long_fact.text), False)
    chosen[2] = (0, "point", long_retrieved)
    assert [c for _, _, c in extractive._trim(chosen, allowance)] == [direct, first, short_retrieved]
    too_long = candidate(budget // 4 + allowance + 1, True)
    chosen[2] = (0, "point", too_long)
    assert too_long not in [c for _, _, c in extractive._trim(chosen, allowance)]
    # The known gaps said after the answer take their room first: the point that fitted no longer does.
    chosen[2] = (0, "point", long_fact)
    assert [c for _, _, c in extractive._trim(chosen, allowance, reserved=budget // 9)] == [direct, first, short_retrieved]


def test_a_known_gap_counts_in_the_length_of_the_answer(assistant):
    """A part the sources leave open is said; the points around it stay within the body budget."""
    from assistant.answer import extractive

    answer = assistant.ask("Mijn app voor hartfalen is CE klasse IIa en aangemeld bij het FAGG. Moet ik eerst M3 "
                           "halen voor ik bij het RIZIV kan aanvragen? En welk bewijs willen ze zien?")
    assert any(s.role == "uncovered" and "bewijsstandaard" in s.text for s in answer.statements)
    assert sum(len(s.text) for s in answer.statements) <= extractive.BODY_CHARS


@pytest.mark.parametrize("question,language", [
    ("Hoe groot is de kans op succes voor een eerste aanvraag bij het RIZIV?", "nl"),
    ("When will our temporary reimbursement end, and what then?", "en"),
])
def test_odds_and_the_end_of_temporary_reimbursement_are_said_to_be_unstated(assistant, question, language):
    """The sources give no success rate and do not say how long temporary reimbursement lasts:
    the answer says so rather than quoting admissibility deadlines as if they answered."""
    from assistant.plan import load_pathway

    gaps = load_pathway(assistant.settings.corpus_dir).gaps
    stated = {gaps[g](language) for g in ("statistics", "after_decision")}
    ans = assistant.ask(question)
    assert any(s.role == "uncovered" and s.text in stated for s in ans.statements), [s.text for s in ans.statements]


@pytest.mark.parametrize("question", [
    "Après le marquage CE, qu'est-ce qu'on fait pour vendre l'app en Belgique ?",
    "na de CE-markering: wat doen we nu?",
])
def test_after_ce_marking_what_to_do_is_the_route_from_there(assistant, question):
    ans = assistant.ask(question)
    assert ans.parts[0].intent == "steps"
    assert re.search(r"FAMHP|AFMPS|FAGG", ans.direct), ans.direct


@pytest.mark.parametrize("question,language", [
    ("Notifying our app to the FAGG: does it cost anything? How long does it take?", "en"),
    ("Notification à l'AFMPS : c'est payant ? Combien de temps faut-il ?", "fr"),
])
def test_how_long_after_a_question_on_the_notification_is_the_notification_s_unstated_time(assistant, question, language):
    """"How long does it take?" asks about the notification named just before: the sources state
    no processing time for it, and INAMI's deadlines do not answer it."""
    from assistant.plan import load_pathway

    gap = load_pathway(assistant.settings.corpus_dir).gaps["famhp_processing"](language)
    ans = assistant.ask(question)
    assert len(ans.parts) == 2
    assert [s.text for s in ans.statements_of(1)][:1] == [gap]
    assert not any(re.search(r"INAMI|RIZIV|NIHDI", s.text) for s in ans.statements_of(1))


def test_conventions_asked_in_the_plural_for_another_condition_are_said_to_be_missing(assistant):
    from assistant.plan import load_pathway

    gap = load_pathway(assistant.settings.corpus_dir).gaps["no_condition_convention"]("nl")
    ans = assistant.ask("Bestaan er RIZIV-conventies voor apps bij diabetes?")
    assert ans.statements[0].text == gap, [s.text for s in ans.statements]


# What the first statement must say for kinds of question the probe batches found answered by
# another kind's facts, each asked here in other words than the probe's.
FIRST_STATEMENTS = [
    # Documents asked of the notification, not of the INAMI request: the e-mail and what it carries.
    ("Which documents go with the notification of our app to the FAMHP?", [r"e-?mail|mailt", r"notif"]),
    ("welke stukken moeten we meesturen bij de aanmelding bij het FAGG?", [r"e-?mail|mailt", r"notif"]),
    ("pour la notification AFMPS, on envoie quels documents ?", [r"e-?mail|mailt", r"notif"]),
    # Which body decides on reimbursement: INAMI's working group.
    ("Which body decides on reimbursing our app, NIHDI or someone else?", [r"working group|werkgroep"]),
    ("Welke dienst beslist uiteindelijk over de terugbetaling van een app?", [r"working group|werkgroep"]),
    # "May we already apply?" after CE marking: INAMI's entry condition (CE marked and notified).
    ("CE class I since March: may we already file with RIZIV?", [r"notifi", r"\bCE\b"]),
    ("Notre app est marquée CE depuis hier, peut-on déjà introduire la demande de remboursement ?",
     [r"notifi", r"\bCE\b"]),
    # Naming M3 does not make it a question about M3: a sickness fund's complementary insurance.
    ("Kan een ziekenfonds via zijn aanvullende verzekering een app terugbetalen die nog niet op M3 zit?",
     [r"sickness fund|ziekenfonds|complementary|aanvullende", r"^(?!.*\bM3\b)"]),
    ("Could complementary insurance reimburse an app that is not M3 yet?",
     [r"sickness fund|ziekenfonds|complementary|aanvullende", r"^(?!.*\bM3\b)"]),
    # A lower level guarantees nothing: an M1 label does not necessarily lead to M3.
    ("Is an M1 label a guarantee that we will be reimbursed later?", [r"not necessarily"]),
    ("Een app op niveau M2, is die dan gegarandeerd van terugbetaling?", [r"niet noodzakelijk"]),
    # The list of reimbursed apps: the mHealthBelgium portal shows which the government funds.
    ("Is there an overview somewhere of the apps that are funded by NIHDI?", [r"mHealthBelgium", r"financ|fund"]),
    ("Y a-t-il une liste des applis remboursées par l'INAMI ?", [r"mHealthBelgium", r"financ|fund"]),
    # Heart-failure telemonitoring "through a convention": the convention INAMI pays since 2025.
    ("Notre hôpital fait de la télésurveillance de l'insuffisance cardiaque. Peut-on être remboursé dans le cadre "
     "d'une convention INAMI ?", [r"2025", r"t[ée]l[ée]surveillance"]),
    # Permission from the Health Data Agency for a study: the HDA is the health data access body.
    ("Do we need the HDA's permission to use hospital data for our study?", [r"access body"]),
    ("Moet het Gezondheidsdata-agentschap goedkeuring geven voor onze studie met ziekenhuisgegevens?",
     [r"toegang tot gezondheidsgegevens"]),
    # Heart-failure telemonitoring, "which convention?": the one INAMI pays since 2025.
    ("Nous lançons la télésurveillance de patients insuffisants cardiaques : quelle convention INAMI s'applique ?",
     [r"2025", r"t[ée]l[ée]surveillance"]),
    # Where to check whether an app is reimbursed: the portal shows which the government funds.
    ("As a pharmacist, where do I look up whether an app is reimbursed?", [r"mHealthBelgium", r"financ|fund"]),
    # Notified, or past the notification: what follows is INAMI's procedure, not CE marking.
    ("Which steps remain once the FAMHP notification is behind us?", [r"INAMI|RIZIV"]),
    ("Klasse IIb, FAGG-aanmelding gebeurd bij ons. Wat volgt er?", [r"RIZIV"]),
    ("Our device is class IIb and the FAMHP notification is done, so what comes next?", [r"INAMI"]),
    # "Up to us or to the manufacturer?" for an INAMI request: who may apply.
    ("Centre de revalidation ici : c'est à nous ou au fournisseur de l'app de s'adresser à l'INAMI ?",
     [r"fabricant|h[ôo]pita"]),
    # A wellness app without medical claims asking what it owes the FAMHP: whether it is a device.
    ("Notre app de bien-être n'a aucune finalité médicale. Doit-on quand même faire quelque chose auprès de "
     "l'AFMPS ?", [r"dispositif m[ée]dical", r"finalit|objectif m[ée]dical|destination"]),
    ("Lifestyle app, geen medische claims: moeten we toch iets doen bij het FAGG?", [r"medisch hulpmiddel"]),
    # "faut notifier…?" without its "il": whether the notification is required, not what CE covers.
    ("faut notifier notre appli à l'afmps ou le CE ça suffit ?", [r"notification", r"^(?!.*archiv)"]),
    # A timeline "from CE marking to reimbursement" names a step and asks the whole route's duration.
    ("Realistically, how long from CE marking to actual NIHDI reimbursement?", [r"one year"]),
]


@pytest.mark.parametrize("question, says", FIRST_STATEMENTS)
def test_the_first_statement_answers_the_kind_of_question_asked(assistant, question, says):
    direct = assistant.ask(question).direct
    for pattern in says:
        assert re.search(pattern, direct, re.I | re.S), (pattern, direct)


@pytest.mark.parametrize("question,language", [
    ("Can you recommend a good consultancy for our CE file?", "en"),
    ("Welk adviesbureau raden jullie aan voor de CE-markering van onze app?", "nl"),
])
def test_a_recommended_consultant_is_said_to_be_beyond_the_sources(assistant, question, language):
    from assistant.plan import load_pathway

    gap = load_pathway(assistant.settings.corpus_dir).gaps["providers"](language)
    ans = assistant.ask(question)
    assert ans.statements[0].text == gap, [s.text for s in ans.statements]


@pytest.mark.parametrize("question,language", [
    ("Un dossier CE pour une app de classe IIa, ça coûte combien environ ?", "fr"),
    ("Hoeveel kost een CE-dossier voor klasse IIa ongeveer?", "nl"),
])
def test_the_cost_of_a_ce_dossier_is_the_notified_body_s_unstated_cost(assistant, question, language):
    from assistant.plan import load_pathway

    gap = load_pathway(assistant.settings.corpus_dir).gaps["notified_body_time"](language)
    ans = assistant.ask(question)
    assert gap in [s.text for s in ans.statements if s.role == "uncovered"], [s.text for s in ans.statements]


def test_a_deadline_asked_about_the_mdr_is_not_answered_with_inami_s(assistant):
    ans = assistant.ask("My client's software was class I under the old MDD, is it IIa under the MDR because of rule 11, "
                        "what transition deadline is there, and is there a notification fee?")
    assert not any(re.search(r"INAMI|Artsenkrant", s.text) for s in ans.statements), [s.text for s in ans.statements]


@pytest.mark.parametrize("question", [
    "Hoe vraag ik mijn RIZIV-nummer aan als pas afgestudeerde verpleegkundige?",
    "Jeune kiné diplômée : comment obtenir mon numéro INAMI ?",
])
def test_a_care_provider_s_own_inami_number_is_declined(assistant, question):
    """Not a product's market access: the assistant says what it answers instead of quoting the
    FAMHP's registration portal."""
    assert assistant.ask(question).abstained


@pytest.mark.parametrize("question,language", [
    ("Our temporary reimbursement stops next spring. What then?", "en"),
    ("Onze tijdelijke terugbetaling eindigt volgend jaar. Wat gebeurt er daarna met onze patiënten?", "nl"),
    ("Que devient l'app après la période temporaire, si les résultats sont décevants ?", "fr"),
    ("Our client is funded temporarily. At the end of the temporary phase, are they dropped?", "en"),
])
def test_a_gap_stated_in_the_founder_s_situation_is_said(assistant, question, language):
    """The end of temporary reimbursement, told before the question: the sources do not say how
    long it lasts or what follows, and the answer says so whatever it quotes first."""
    from assistant.plan import load_pathway

    gap = load_pathway(assistant.settings.corpus_dir).gaps["after_decision"](language)
    ans = assistant.ask(question)
    assert gap in [s.text for s in ans.statements if s.role == "uncovered"], [s.text for s in ans.statements]
