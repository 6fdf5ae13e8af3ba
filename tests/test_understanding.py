"""Reading a founder's question: its parts, the kind of answer each asks for, the situation it
describes, and the requests the assistant declines. Pure functions: no index."""

import pytest

from assistant.retrieve.understanding import understand


@pytest.mark.parametrize("question,language,intents", [
    ("We are a startup with a CE-marked class IIa app. What are the next steps to get reimbursed, and how long does it take?",
     "en", ["steps", "duration"]),
    ("C'est quoi la suite pour etre remboursé par l'INAMI et ça prend combien de temps ?", "fr", ["steps", "duration"]),
    ("Hebben we een notified body nodig voor klasse IIa? Hoe lang duurt dat traject en wat kost het?",
     "nl", ["yesno", "duration", "cost"]),
    ("What's the difference between temporary and definitive reimbursement?", "en", ["comparison"]),
    ("Who can submit a reimbursement request to INAMI?", "en", ["who"]),
    ("Quels documents faut-il envoyer à l'AFMPS ?", "fr", ["documents"]),
    ("Combien coûte une demande de remboursement INAMI pour une app ?", "fr", ["cost"]),
    ("Can you lay out the full route for our app?", "en", ["steps"]),
    # Paying named without an amount asks whether one may; "free" or "how much" asks a cost.
    ("Mag de patiënt zelf betalen voor onze app zolang er geen terugbetaling is?", "nl", ["yesno"]),
    ("Is die pre-submission meeting gratis?", "nl", ["cost"]),
    ("How much do we pay for the INAMI request?", "en", ["cost"]),
    # "qui" as a relative pronoun asks nothing about who; "combien … toucher" is an amount received.
    ("Pouvez-vous lister les étapes qui restent ?", "fr", ["steps"]),
    ("Et combien on toucherait par patient ?", "fr", ["cost"]),
    ("Combien d'apps ont déjà été remboursées ?", "fr", ["general"]),
    ("Qu'est-ce qu'il faut préparer pour la réunion ?", "fr", ["documents"]),
    # A choice between two answers is answered by which one, not by yes or no.
    ("Is prevention a federal or a regional competence?", "en", ["general"]),
    # A count of months is a duration; an amount named with "combien" a cost, a count is not.
    ("Entre le dépôt du dossier et le premier remboursement, il faut compter combien de mois ?", "fr", ["duration"]),
    ("Hoeveel maanden zit er tussen de aanvraag en de beslissing?", "nl", ["duration"]),
    ("Le forfait par patient, il tourne autour de combien ?", "fr", ["cost"]),
    ("Hoeveel vraagt een aangemelde instantie voor een audit?", "nl", ["cost"]),
    ("Il faut cocher des critères informatiques, il y en a combien ?", "fr", ["general"]),
    # A yes-no question and its alternative are one question; another kind of question is not.
    ("Can we already apply to NIHDI, or do we have to reach M3 first?", "en", ["yesno"]),
    ("Mogen wij als ziekenhuis indienen, of moet dat via de fabrikant?", "nl", ["yesno"]),
    ("Can we apply now, or how long must we wait?", "en", ["yesno", "duration"]),
    # A question opening with "who" asks who; "when X, are we Y?" asks no date.
    ("Wie beoordeelt zo'n dossier eigenlijk?", "nl", ["who"]),
    ("When a hospital prescribes our app, are we the controller or the processor?", "en", ["general"]),
    ("Le remboursement temporaire, ça dure combien d'années ?", "fr", ["duration"]),
    ("Faut-il notifier l'AFMPS quand on est fabricant belge d'un logiciel de classe I ?", "fr", ["yesno"]),
    ("And what happens when the temporary period ends?", "en", ["general"]),
    # A patient record is not a file to send; a choice between years asks a date.
    ("Notre dossier patient informatisé devra être conforme en 2027 ou 2029 ?", "fr", ["date"]),
    # "What do we do now?" asks the steps; a discourse word before "who" still asks who.
    ("Our app has its CE mark. What do we do now?", "en", ["steps"]),
    ("Wat moeten we nu eigenlijk doen om terugbetaald te worden?", "nl", ["steps"]),
    ("Concrètement, qui examine la demande ?", "fr", ["who"]),
    ("Et ça rapporterait combien par mois ?", "fr", ["cost"]),
    # A question reported in a statement is asked; "or" between two answers does not split.
    ("Our board asks how long the NIHDI decision takes. Can we promise six months?", "en", ["duration", "yesno"]),
    ("Is dat een Waalse of een federale bevoegdheid, en bij wie kunnen we terecht?", "nl", ["general", "who"]),
    # "What do we need to do?" and "where do we start?" ask the route.
    ("Our app is CE marked. What do we need to do to be reimbursed?", "en", ["steps"]),
    ("Par quoi on commence pour un remboursement ?", "fr", ["steps"]),
    # The "and" of "between X and Y" joins the two terms compared.
    ("What's the difference between M1 and M2, and how long does each take?", "en", ["comparison", "duration"]),
    # A question word after a preposition, or after a comma ending a question, opens a part.
    ("Is het een medisch hulpmiddel en in welke klasse valt het?", "nl", ["yesno", "general"]),
    ("Who reviews the file at NIHDI, who sits in that group?", "en", ["who", "who"]),
    ("Is it a medical device and if so, which class?", "en", ["yesno", "general"]),
    ("Quelle est la séquence, du marquage CE au premier patient remboursé ?", "fr", ["steps"]),
])
def test_parts_and_what_each_asks(question, language, intents):
    assert [p.intent for p in understand(question, language).parts] == intents


def test_who_reports_a_question_is_not_what_it_asks_about():
    # "investors" alone would read as a startup-finance question, which is declined.
    u = understand("Onze investeerders vragen hoe lang de beslissing van het RIZIV duurt.", "nl")
    assert not u.declined and [p.intent for p in u.parts] == ["duration"]


def test_a_reported_question_the_next_one_points_back_at_is_the_situation():
    parts = understand("Investors ask whether we qualify. What does that depend on?", "en").parts
    assert len(parts) == 1


def test_a_conjunction_inside_one_question_does_not_split_it():
    parts = understand("Do I need CE marking and notification to the FAMHP?", "en").parts
    assert len(parts) == 1


def test_an_abbreviation_does_not_end_a_sentence():
    question = "Is preventie, bv. een app tegen overgewicht, een bevoegdheid van Vlaanderen of van de federale overheid?"
    assert [p.text for p in understand(question, "nl").parts] == [question]
    u = understand("Our app reads a sensor, e.g. a patch. Is it a medical device?", "en")
    assert u.situation.text == "Our app reads a sensor, e.g. a patch."
    assert [p.text for p in u.parts] == ["Is it a medical device?"]


def test_a_part_that_names_nothing_leans_on_the_part_before():
    parts = understand("How do I apply to RIZIV for my app, and how long does it take?", "en").parts
    assert "RIZIV" in parts[1].query and parts[1].text.startswith("how long")


def test_the_situation_is_read_from_the_statements():
    u = understand("We're a Ghent startup with a CE-marked class IIa app for COPD patients at home. What next?", "en")
    s = u.situation
    assert (s.device_class, s.ce_marked, s.conditions, s.setting) == ("IIa", True, ("COPD",), "home")
    assert "ghent" in u.context_names and "copd" in u.context_names


@pytest.mark.parametrize("question,language,marked", [
    ("Depuis mars notre application a le marquage CE en classe IIa. Et maintenant ?", "fr", True),
    ("Son app : classe IIb, marquage CE obtenu. Quelles étapes restent ?", "fr", True),
    ("Our app carries the CE mark. What next?", "en", True),
    # Asking about CE marking says nothing of the product's own.
    ("A-t-on besoin du marquage CE pour une app de bien-être ?", "fr", None),
])
def test_other_ways_of_saying_the_product_is_ce_marked(question, language, marked):
    assert understand(question, language).situation.ce_marked is marked


def test_not_yet_ce_marked_and_not_notified():
    s = understand("Notre app n'est pas encore marquée CE et pas notifiée. Peut-on déjà demander le remboursement ?",
                   "fr").situation
    assert s.ce_marked is False and s.notified is False


@pytest.mark.parametrize("question,language,marked,notified", [
    # The "not yet" belongs to the clause it stands in.
    ("Client: class IIa, CE marked, not yet notified to the AFMPS, no eHealth link yet. Full route?", "en", True, False),
    ("class I, not notified, CE marked. next?", "en", True, False),
    ("App klasse IIa, CE: nog niet. Wat nu?", "nl", False, None),
    ("notre app (CE en cours) classe IIa, que faire ?", "fr", False, None),
])
def test_ce_status_is_read_within_its_clause(question, language, marked, notified):
    s = understand(question, language).situation
    assert (s.ce_marked, s.notified) == (marked, notified)


@pytest.mark.parametrize("question,language", [
    # Only a CE-marked device is notified; "notification done" and "after the notification" say it is.
    ("On est notifiés à l'AFMPS depuis mai. Et ensuite ?", "fr"),
    ("Klasse IIb, FAGG-aanmelding gebeurd bij ons. Wat volgt er?", "nl"),
    ("Which steps remain once the FAMHP notification is behind us?", "en"),
])
def test_a_notified_product_is_read_as_ce_marked_and_notified(question, language):
    s = understand(question, language).situation
    assert (s.ce_marked, s.notified) == (True, True)


def test_a_status_opening_the_question_is_the_situation_not_a_part():
    u = understand("Our device is class IIb and the FAMHP notification is done, so what comes next?", "en")
    assert [p.intent for p in u.parts] == ["steps"] and "class IIb" in u.situation.text
    u = understand("Nous avons le marquage CE et est-ce qu'il existe une convention pour la BPCO ?", "fr")
    assert [p.intent for p in u.parts] == ["yesno"] and u.situation.text == "Nous avons le marquage CE"
    # A status with a question of its own after a comma stays a part.
    u = understand("On a le marquage CE, faut-il notifier l'AFMPS et combien de temps ça prend ?", "fr")
    assert len(u.parts) == 2 and "faut-il" in u.parts[0].text


def test_french_ce_pronoun_is_not_ce_marking():
    assert understand("Est-ce que ce logiciel doit faire une DPIA ?", "fr").situation.ce_marked is None


@pytest.mark.parametrize("question,language", [
    ("Écris-moi un petit poème sur l'INAMI", "fr"),
    ("Schrijf een grappig gedicht over het RIZIV", "nl"),
    ("hey how's your day going?", "en"),
    ("Quel temps fera-t-il à Namur demain ?", "fr"),
    ("How do we set up stock options for our health-tech startup?", "en"),
    ("Wat kost een raadpleging bij de huisarts in Gent?", "nl"),
    ("Rédige-nous un e-mail promotionnel pour le lancement de notre appli", "fr"),
    ("Bedenk een pakkende slogan voor onze diabetes-app", "nl"),
])
def test_requests_outside_the_assistant_are_declined(question, language):
    assert understand(question, language).declined


def test_a_slogan_talked_about_is_not_a_request_for_one():
    assert not understand("May our slogan say that the app is reimbursed by INAMI?", "en").declined


@pytest.mark.parametrize("question,language", [
    ("How do I get my app reimbursed by INAMI?", "en"),
    ("Combien coûte une demande de remboursement INAMI pour une app ?", "fr"),
    ("Onze app voor diabetespatiënten in Gent: moeten we die bij het FAGG aanmelden?", "nl"),
])
def test_in_scope_questions_are_not_declined(question, language):
    assert not understand(question, language).declined


@pytest.mark.parametrize("question,language", [
    ("Is een DPIA verplicht voor een wearable die de hartslag doorstuurt naar de huisarts?", "nl"),
    ("Notre app partage les données de santé avec le généraliste : faut-il une AIPD ?", "fr"),
    ("Does the GDPR let our chatbot share symptoms with the patient's GP?", "en"),
])
def test_a_digital_product_that_involves_a_doctor_is_not_ordinary_care(question, language):
    """A GP or a pharmacy named in a question about a wearable, data or the GDPR is the product's
    setting, not a question about the price of ordinary care."""
    assert not understand(question, language).declined


def test_a_foreign_name_counts_for_the_part_that_asks_about_it():
    u = understand("NIHDI reimbursement for an insomnia app: what is the process? "
                   "And how does the German DiGA work?", "en")
    assert u.foreign_in(u.parts[0]) == []
    assert {"German", "DiGA"} <= set(u.foreign_in(u.parts[1]))
    # a part that leans on the foreign one ("and how long?") asks about the same country
    follow = understand("How are apps reimbursed in Germany? And how long does that take?", "en")
    assert follow.foreign_in(follow.parts[0]) and follow.foreign_in(follow.parts[1])


@pytest.mark.parametrize("question,foreign", [
    ("Who has to register the device with the FAGG?", ()),  # the verb, not France's HAS
    ("It would be nice to know who pays. Which body decides?", ()),
    ("Does a HAS opinion count in Belgium?", ("HAS",)),
    ("Is NICE's early value assessment recognised by NIHDI?", ("NICE",)),
])
def test_acronyms_that_are_english_words_count_only_in_capitals(question, foreign):
    assert understand(question, "en").foreign == foreign


@pytest.mark.parametrize("question,language", [
    ("Is there a temporary reimbursement route in Belgium like DiGA in Germany?", "en"),
    ("Existe-t-il en Belgique un équivalent de la DiGA allemande ?", "fr"),
    ("Bestaat er in België iets zoals DiGA?", "nl"),
    ("Is there a temporary route in Belgium like Germany's DiGA fast track?", "en"),
])
def test_a_foreign_scheme_named_for_comparison_is_not_the_subject(question, language):
    assert understand(question, language).foreign == ()


def test_a_nationality_of_the_asker_is_not_another_countrys_procedure():
    assert understand("Can a Dutch manufacturer apply directly to INAMI?", "en").foreign == ()
    assert understand("Une start-up française peut-elle introduire la demande à l'INAMI ?", "fr").foreign == ()
    assert understand("How do Dutch insurers reimburse apps?", "en").foreign  # the Dutch system asked


@pytest.mark.parametrize("question, language", [
    ("Is an interface in French and Dutch enough, or do we need German too?", "en"),
    ("Faut-il aussi une version allemande de l'app, en plus du français ?", "fr"),
    ("Moet de app ook in het Duits, of volstaat het Nederlands?", "nl"),
])
def test_a_language_is_not_another_countrys_procedure(question, language):
    assert understand(question, language).foreign == ()


def test_the_country_is_still_foreign_where_its_language_is_not():
    assert understand("Hoe werkt terugbetaling in Nederland?", "nl").foreign
    assert understand("Comment se passe le remboursement en France ?", "fr").foreign
    assert understand("What does the German DiGA fast track require?", "en").foreign


def test_another_country_asked_about_is_foreign_but_not_when_it_is_the_situation():
    assert understand("How do we get FDA clearance for our app?", "en").foreign
    assert not understand("Our app is made in the Netherlands. Do we have to notify the FAMHP?", "en").foreign


@pytest.mark.parametrize("question,language,foreign", [
    ("Volstaat een kosteneffectiviteitsstudie uit Nederland voor het RIZIV?", "nl", False),
    ("Is data from the United States accepted as evidence by INAMI?", "en", False),
    ("Comment fonctionne le remboursement des apps en Allemagne ?", "fr", True),
])
def test_a_country_named_as_an_origin_is_not_a_foreign_procedure(question, language, foreign):
    assert bool(understand(question, language).foreign) is foreign


def test_an_article_number_does_not_end_the_question():
    """"art. 9" is an abbreviation: the question before it stays a question."""
    parts = understand("Can we rely on consent as the legal basis, or is another art. 9 exception safer?", "en").parts
    assert parts[0].text.startswith("Can we rely on consent")


@pytest.mark.parametrize("question,language", [
    ("Client: app de télésurveillance, classe IIa, CE fait, notification AFMPS faite. Quelle est la suite ?", "fr"),
    ("Startup met een COPD-app (klasse IIa, CE ok, FAGG-notificatie gebeurd). Welke stappen volgen nog?", "nl"),
    ("Our client's app: class IIa, CE done, FAMHP notification done. What's next?", "en"),
])
def test_a_consultants_shorthand_for_the_status_is_read(question, language):
    s = understand(question, language).situation
    assert s.device_class == "IIa" and s.ce_marked is True and s.notified is True


@pytest.mark.parametrize("question,language", [
    ("Can we use a notified body in Germany?", "en"),
    ("Nos serveurs sont en France, est-ce un problème pour le RGPD ?", "fr"),
    ("Telt een studie uit Nederland mee als bewijs voor het RIZIV?", "nl"),
])
def test_where_a_provider_or_a_study_is_is_not_a_foreign_procedure(question, language):
    assert not understand(question, language).foreign


def test_a_not_yet_after_the_ce_status_is_about_what_follows():
    s = understand("Startup met een app, klasse IIa, CE ok, nog niet op mHealthBelgium. Wat nu?", "nl").situation
    assert s.ce_marked is True


def test_a_chain_of_follow_ups_keeps_the_subject_of_the_first():
    parts = understand("On notifie la FAGG ou l'AFMPS ? c'est pareil ? et c'est obligatoire ?", "fr").parts
    assert len(parts) == 3 and "FAGG" in parts[2].query


def test_a_question_pointing_back_at_the_statement_searches_with_it():
    """"A company says it is 'M3 validated'. What does that guarantee?": "that" is the statement's
    subject, though the question names NIHDI; a question that stands alone keeps its own words."""
    u = understand("A portfolio company claims it is M3 validated. What does that guarantee for NIHDI reimbursement?", "en")
    assert "M3" in u.parts[0].query and u.parts[0].text.startswith("What does that")
    alone = understand("Our app is CE marked. Who can apply to NIHDI for reimbursement?", "en")
    assert alone.parts[0].query == alone.parts[0].text


@pytest.mark.parametrize("question,language", [
    ("J'ai lu que l'INAMI rembourse seulement les apps utilisées avec un médecin. C'est vrai ?", "fr"),
    ("Someone told me M1 is enough to get reimbursed. Is that true?", "en"),
    ("Ik hoorde dat een DPIA altijd verplicht is. Klopt dat?", "nl"),
])
def test_a_claim_followed_by_is_that_true_is_the_question(question, language):
    """"I read that X. Is that true?": X is what is asked, not the situation."""
    parts = understand(question, language).parts
    assert len(parts) == 1
    claim = question.split(".")[0]
    assert parts[0].text.startswith(claim)


def test_est_ce_payant_asks_for_a_fee():
    u = understand("Faut-il notifier l'app à l'AFMPS, et est-ce payant ?", "fr")
    assert [p.intent for p in u.parts][-1] == "cost"
    assert understand("Can the patient pay for the app himself?", "en").parts[0].intent == "yesno"


def test_a_part_naming_a_belgian_body_asks_about_belgium():
    u = understand("We have FDA 510(k) clearance. Does that help with the RIZIV? And how does the German DiGA work?", "en")
    assert u.foreign_in(u.parts[0]) == [] and u.foreign_in(u.parts[-1])
    assert understand("Notre marquage CE a été obtenu en Allemagne, ça suffit ?", "fr").foreign == ()


@pytest.mark.parametrize("question,declined", [
    ("Quels sont les premiers symptômes d'un AVC et quand faut-il appeler le 112 ?", True),
    ("Should I go to the ER with chest pain?", True),
    ("Our app tracks the symptoms of stroke patients at home. Is it a medical device?", False),
])
def test_personal_medical_questions_are_declined(question, declined):
    assert understand(question, "en").declined is declined


@pytest.mark.parametrize("question,language,parts", [
    ("How long does the procedure take, and if INAMI asks for more information does the clock stop?", "en", 2),
    ("Combien de temps dure la procédure, et si l'INAMI demande des compléments, est-ce que le délai est suspendu ?", "fr", 2),
    ("Can we apply if we are not CE marked yet?", "en", 1),  # a condition inside one question
])
def test_a_condition_followed_by_its_own_question_is_a_part(question, language, parts):
    assert len(understand(question, language).parts) == parts


@pytest.mark.parametrize("question,language", [
    ("Comment rédiger un contrat de travail pour notre premier développeur ?", "fr"),
    ("Quel statut juridique choisir : SRL ou SA ?", "fr"),
    ("Kun je een marketingplan voor onze app schrijven?", "nl"),
    ("Can you translate our privacy policy into Dutch?", "en"),
    ("Combien coûte une IRM à Liège et combien rembourse la mutuelle ?", "fr"),
    ("Is it legal to sell food supplements online in Belgium?", "en"),
])
def test_employment_company_law_writing_and_ordinary_care_are_declined(question, language):
    assert understand(question, language).declined


@pytest.mark.parametrize("question,language", [
    ("Moet onze app vertaald worden in het Duits voor het RIZIV?", "nl"),
    ("Wij zijn een bv in Leuven met een app voor slaapapneu. Mogen we al een aanvraag indienen?", "nl"),
    ("Does the MRI analysis software we sell count as a medical device?", "en"),
])
def test_look_alikes_of_declined_subjects_are_answered(question, language):
    assert not understand(question, language).declined
