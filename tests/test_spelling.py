"""Typos are read as the sources' words; real words the sources do not use are left alone."""

from assistant.retrieve.spelling import Speller

TEXTS = ["A notified body assesses class IIa devices. The notified body issues a certificate.",
         "Reimbursement by INAMI: the reimbursement request. Reimbursement is temporary or definitive.",
         "The federal government and the government of the regions. Patients receive care and receive data.",
         "Un site web. Le site de l'INAMI. Une note. La note de l'AFMPS."]


def test_one_edit_typos_are_corrected():
    speller = Speller(TEXTS)
    assert speller.correct("Do I need a notifed body?") == "Do I need a notified body?"
    assert speller.correct("INAMI reimbursment") == "INAMI reimbursement"
    assert speller.correct("recieve") == "receive"  # two letters swapped
    assert speller.correct("the Goverment") == "the Government"  # the writer's capital kept


def test_real_words_and_short_words_are_left_alone():
    speller = Speller(TEXTS)
    # "suite" and "notre" are one edit from "site" and "note", but short words are too often real.
    assert speller.correct("C'est quoi la suite pour notre app ?") == "C'est quoi la suite pour notre app ?"
    assert speller.correct("governments") == "governments"  # an inflection, not a typo
    assert speller.correct("notified") == "notified"


def test_a_word_of_another_indexed_source_is_left_as_typed():
    """The speller knows the notes' words; a word only an upload or a fetched page uses (its stem
    is in the index's vocabulary, not in the notes') is that source's, not a typo of a note's word.
    A typo sharing a stem with a note's word ("notifed", "notified") is still corrected."""
    from assistant.languages import terms

    speller = Speller(TEXTS + ["The federal level. A federal agency."])
    upload = {t for lang in ("fr", "nl", "en") for t in terms("Fedoral telemonitoring platform", lang)}
    vocabulary = speller.stems | upload
    assert speller.correct("Is Fedoral reimbursed?") == "Is Federal reimbursed?"  # one edit from "federal"
    assert speller.correct("Is Fedoral reimbursed?", vocabulary) == "Is Fedoral reimbursed?"
    assert speller.correct("Do I need a notifed body?", vocabulary) == "Do I need a notified body?"


def test_a_word_founders_use_is_spared_but_their_typos_are_not():
    texts = TEXTS + ["What changes for us? Nothing changes."]
    assert Speller(texts).correct("our chances?") == "our changes?"
    everyday = ["What are our chances?", "Any chances of success?", "reimbursment ok?"]
    speller = Speller(texts, everyday)
    assert speller.correct("our chances?") == "our chances?"
    # A typo in the wordings, used less there than the word it is one edit from, is corrected.
    speller = Speller(texts, ["reimbursment?", "reimbursment!", "reimbursement", "the reimbursement", "a reimbursement"])
    assert speller.correct("INAMI reimbursment") == "INAMI reimbursement"


def test_the_bundled_wordings_spare_everyday_words(assistant):
    from assistant.retrieve.spelling import speller_for
    speller = speller_for(assistant.index.load(), assistant.settings.corpus_dir)
    assert speller.correct("what are our chances?") == "what are our chances?"


def test_dutch_pronominal_adverbs_are_words_not_typos():
    speller = Speller(["Waarvoor dient de aanvraag? Waarvoor is de overeenkomst? Waarmee werkt het?"])
    assert speller.correct("Welke conventie is daarvoor?") == "Welke conventie is daarvoor?"
    assert speller.correct("daarmee") == "daarmee"
    assert speller.correct("waarvooor") == "waarvoor"  # a typo of the word itself still is one
