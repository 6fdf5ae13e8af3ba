"""The route planner: the pathway data against the notes, plans for founder profiles as an expert
would draw them, every statement cited by a source that states it, the readiness report in
Markdown and PDF, the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from assistant.cli import main
from assistant.load.corpus import load_manifest
from assistant.plan import Profile, ProfileError, load_pathway, make_plan
from assistant.plan.pathway import Pathway, _Note
from assistant.plan.readiness import make_readiness
from assistant.plan.render import plan_markdown, report_markdown

ROOT = Path(__file__).resolve().parent.parent
CORPUS, PROMPTS = ROOT / "corpus", ROOT / "prompts"
PROFILES = ROOT / "examples" / "profiles"


@pytest.fixture(scope="module")
def pathway() -> Pathway:
    return load_pathway(CORPUS)


def plan_for(name: str, pathway: Pathway, **changes):
    profile = Profile.from_file(PROFILES / f"{name}.yaml")
    if changes:
        profile = profile.model_copy(update=changes)
    return make_plan(profile, pathway, PROMPTS)


def statuses(plan) -> dict[str, str]:
    return {s.id: s.status for s in plan.steps}


# ---------------------------------------------------------------- the data


def test_every_fact_is_quoted_from_a_note_paragraph_tagged_with_its_sources(pathway):
    manifest = load_manifest(CORPUS)
    for fact in pathway.facts.values():
        assert fact.sources and "meta" not in fact.sources, fact.id
        assert all(s in manifest for s in fact.sources), fact.id
        for language in ("fr", "nl", "en"):
            note = _Note.read(CORPUS / "notes" / f"{fact.note}.{language}.md")
            holders = [b for b in note.paragraphs if fact.quotes[language] in note.text[b.start:b.end]]
            assert holders, f"{fact.id}: the {language} quote is not in {fact.note}.{language}"
            assert any(b.sources == fact.sources for b in holders), f"{fact.id} ({language}): other sources"


def test_steps_and_checklist_name_facts_and_three_languages(pathway):
    ids = [s.id for s in pathway.steps]
    assert ids.index("ce_marking") < ids.index("famhp_notification") < ids.index("inami_request") \
        < ids.index("admissibility") < ids.index("evaluation") < ids.index("decision")
    assert len(pathway.checklist) >= 15
    for step in pathway.steps:
        assert all(step.name(lang) for lang in ("fr", "nl", "en"))
        for item in step.prepare:
            assert item.facts, f"{step.id}: '{item('en')}' rests on no fact"


def test_a_misspelt_key_is_a_clear_error(tmp_path):
    import shutil

    from assistant.plan import PathwayError

    shutil.copytree(CORPUS, tmp_path / "corpus")
    path = tmp_path / "corpus" / "pathway.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("    requires: [classify]", "    require: [classify]", 1),
                    encoding="utf-8")
    with pytest.raises(PathwayError, match="unknown keys.*require"):
        load_pathway(tmp_path / "corpus")


def test_a_moved_anchor_is_a_clear_error(tmp_path):
    import shutil

    from assistant.plan import PathwayError

    shutil.copytree(CORPUS, tmp_path / "corpus")
    path = tmp_path / "corpus" / "pathway.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("decides within 30 days", "decides within 31 days"),
                    encoding="utf-8")
    with pytest.raises(PathwayError, match="admissibility_30_days"):
        load_pathway(tmp_path / "corpus")


def test_an_answer_naming_an_unknown_fact_is_a_clear_error(tmp_path):
    import shutil

    from assistant.plan import PathwayError

    shutil.copytree(CORPUS, tmp_path / "corpus")
    path = tmp_path / "corpus" / "pathway.yaml"
    text = path.read_text(encoding="utf-8")
    assert "facts: [applicant_company," in text
    path.write_text(text.replace("facts: [applicant_company,", "facts: [applicant_firm,", 1), encoding="utf-8")
    with pytest.raises(PathwayError, match="answer applicants.*applicant_firm"):
        load_pathway(tmp_path / "corpus")


def test_an_answer_naming_an_unknown_gap_is_a_clear_error(tmp_path):
    import shutil

    from assistant.plan import PathwayError

    shutil.copytree(CORPUS, tmp_path / "corpus")
    path = tmp_path / "corpus" / "pathway.yaml"
    text = path.read_text(encoding="utf-8")
    assert "gaps: [template_content]" in text
    path.write_text(text.replace("gaps: [template_content]", "gaps: [template_contents]", 1), encoding="utf-8")
    with pytest.raises(PathwayError, match="answer dossier_contents.*template_contents"):
        load_pathway(tmp_path / "corpus")


@pytest.mark.parametrize("question,first", [
    ("Which organisations are allowed to submit an app reimbursement file to INAMI?", "applicant_company"),
    ("Quelles organisations peuvent introduire une demande à l'INAMI ?", "applicant_company"),
    ("Who is entitled to file the request with NIHDI?", "applicant_company"),
    ("Qui a le droit d'introduire la demande auprès de l'INAMI ?", "applicant_company"),
    ("Wie kan bij het RIZIV een aanvraag voor terugbetaling indienen?", "applicant_company"),
    ("Under which conditions can NIHDI reimburse our app?", "inami_requires_notification"),
    ("Quelles sont les exigences pour un remboursement par l'INAMI ?", "inami_requires_notification"),
    ("Aan welke voorwaarden moet je voldoen voor terugbetaling door het RIZIV?", "inami_requires_notification"),
    ("What are the requirements of the heart failure convention?", None),  # the convention's, not INAMI's app route
    ("Is notifying the FAGG compulsory for a CE-marked app?", "notification_market_access"),
    ("Hebben we een notified body nodig voor klasse IIa?", "notified_body_classes"),  # not a notification
    ("Est-ce qu'une AIPD est obligatoire pour nous ?", "dpia_before"),
    ("Explain the levels of the mHealthBelgium pyramid", "pyramid_three_levels"),
    ("What does level 2 of the pyramid require?", None),  # one level, not the pyramid
    ("Must an app be listed on mHealthBelgium before the RIZIV request?", "direct_to_inami"),
    ("Faut-il atteindre M2 avant de pouvoir demander le remboursement ?", "direct_to_inami"),
    ("Betekent M3 automatisch dat de app terugbetaald wordt?", "m3_reimbursement_level"),
    ("Does an M3 notification give a right to reimbursement?", None),  # the earlier route's notification
    ("Remboursement temporaire ou définitif : quelle différence ?", "m3_light_plus"),
    ("Is een aangemelde instantie verplicht voor software?", "notified_body_classes"),
    ("Dans quelle classe tombe un logiciel d'aide au diagnostic ? Quelle classe ?", "rule11_decisions"),
    ("If NIHDI does not reimburse our app, who else could pay for it?", "hospital_budget"),
    ("Welke andere financiering bestaat er naast het RIZIV?", "hospital_budget"),
    ("Is a meditation timer considered a medical device?", "md_software"),
    ("Is a DPIA mandatory for a medical device app?", "dpia_before"),  # the most specific kind answers
    ("Our app is CE-marked as a medical device: what is next?", None),  # the route planner's question
    ("Quels sont les critères TIC à respecter ?", "ict_criteria"),
    ("Moeten we de eHealth-diensten integreren om M2 te halen?", "ict_criteria"),
    ("Who are the members of the working group that assesses the file?", "working_group_members"),
    ("La prévention, c'est fédéral ou régional ?", "federated_competences"),
    ("Is hospital infrastructure funding federal or regional since the state reform?", None),  # one competence
    ("À quoi sert l'Agence des données de santé ?", "hda_mission"),
    ("Does the Health Data Agency fund data warehouses in hospitals?", None),  # a precise question about it
    ("Wat betekent de EHDS voor ons?", "ehds_scope"),
    ("Which body plays the EHDS health data access role in Belgium?", None),
    ("Can the patient pay for the app himself?", "patient_pays"),
    ("Hoe vragen we een pre-submission meeting aan?", "presubmission_meeting"),
    ("Combien d'apps ont déjà été remboursées ?", "legacy_five"),
    ("What kind of evidence does INAMI expect?", "m3_evidence"),
    ("On what legal basis may we process patient health data?", "article_9_2"),
    ("Op welke wettelijke basis kan het RIZIV pilootprojecten financieren?", None),  # not the GDPR
    ("Can our company join the heart failure convention, or only hospitals?", "hf_paid_to_hospital"),
    ("Before the heart-failure convention, who paid for telemonitoring?", None),
    ("Comment fonctionne la convention insuffisance cardiaque ?", "hf_scope"),
    ("Which other apps are listed as compliant with the heart-failure convention?", None),
    ("How do we notify our app to the FAMHP?", "notify_how"),
    ("Do distributors have to register in Belgium?", "distributors_45_days"),
    ("Moeten we ons registreren bij het FAGG of bij het AFMPS?", "famhp_names"),  # one agency
    ("Must the app be prescribed by a doctor to be reimbursed?", "definition_remote"),
    ("How can eHealth prove that a prescription existed on a given date?", None),
    ("Bij wie kunnen we subsidie aanvragen?", None),  # not INAMI's applicants
    ("Can a doctor submit the reimbursement request instead of us?", "applicant_company"),
    ("Kan een ziekenhuis een aanvraag voor subsidie indienen?", None),
    ("M3 light vs M3 plus?", "m3_light_plus"),
    ("Does an app that only forwards readings need CE marking?", "md_outside"),
    ("Is a connection to eHealth needed for every app?", "ict_criteria"),
    ("Quels sont les critères techniques minimaux de la plateforme eHealth ?", "ict_criteria"),
    ("Mogen wij als ziekenhuis de aanvraag bij het RIZIV indienen?", "applicant_hospital"),
    ("Can a hospital submit the request?", "applicant_hospital"),
    ("C'est classe IIb ou III ?", "rule11_decisions"),
    ("How does an app get from M2 to M3?", "m3_display"),
    ("Who sits on the committee that reviews the files?", "working_group_members"),
    ("Peut-on rencontrer l'INAMI avant de déposer ? Une réunion avec l'INAMI avant le dépôt ?", "presubmission_meeting"),
    # Widened after the third unseen set (see benchmarks/unseen): other wording, same facts.
    ("Which eHealth criteria does our app have to pass?", "ict_criteria"),
    ("Les critères de la plateforme eHealth, ça couvre quoi ?", "ict_criteria"),
    ("Est-ce qu'il faut notifier l'app à l'AFMPS ou c'est facultatif ?", "notification_market_access"),
    ("Kunnen we M1 overslaan?", "pyramid_three_levels"),
    ("Can we go directly to M2 without M1?", "pyramid_three_levels"),
    ("Quelles sont les exigences du niveau M1 ?", "m1_criteria"),
    ("Can we get M1 without CE marking?", "m1_criteria"),
    ("Which clinical evidence would NIHDI want to see?", "m3_evidence"),
    ("Volstaat een kleine studie voor M3?", "m3_evidence"),
    ("Is the telemonitoring convention for heart failure open to other hospitals?", "hf_hospital_joins"),
    ("Hoe kan ons ziekenhuis toetreden tot de overeenkomst telemonitoring hartfalen?", "hf_hospital_joins"),
    ("Does the manufacturer apply to INAMI, or a hospital?", "applicant_company"),
    ("Wanneer treden de EHDS-regels in werking?", "ehds_regulation"),
    ("Can we file ourselves, or must a medical association do it?", "applicant_company"),
    ("Faut-il d'abord atteindre le niveau M3 ?", "direct_to_inami"),
    # Kinds added for facts founders ask about outside the route's steps.
    ("Do we have to sign some sworn statement for eHealth?", "sworn_statement"),
    ("Quelles pièces joindre à la demande de remboursement INAMI ?", "gnius_three_steps"),
    ("Our device is class I, is a notified body involved?", "class_i_self"),
    ("Hoe raken we tot niveau M2?", "level2_admissible"),
    ("Is connecting to eHealth free or is there a fee?", "ehealth_free"),
    ("Does the heart failure telemonitoring convention require apps to be on mHealthBelgium?", "hf_app_requirements"),
    ("Que prévoit le plan d'action e-santé pour les applications mobiles ?", "pyramid_action_point_19"),
    ("What's in the interfederal plan for 2025-2027?", "action_plan_2025"),
    ("Wat zijn geïntegreerde zorgprojecten eigenlijk?", "integrated_care_pilots"),
    ("Is CE marking the same thing as being validated on mHealthBelgium?", "ce_essential"),
    ("Quel est l'avis de beMedTech sur le remboursement ?", "cavalier_years"),
    ("INAMI turned down our request, what other options do we have?", "hospital_budget"),
    ("Can we get funded without NIHDI?", "hospital_budget"),
    ("Mogen we patiëntengegevens van de app gebruiken voor onderzoek?", "article_9_2"),
    ("La convention télésurveillance, elle finance quoi ?", "hf_scope"),
    # Widened after the fourth unseen set.
    ("Kan een ziekenfonds onze app terugbetalen via de aanvullende verzekering?", "sickness_funds"),
    ("Il faut vraiment faire une AIPD pour une petite appli ?", "dpia_before"),
    ("Is the HDA the same as the EHDS health data access body?", "hda_access_body"),
    ("For M3, do we need a Belgian study or is foreign data fine?", "m3_evidence"),
    ("What kind of proof does INAMI expect to see before reimbursing?", "m3_evidence"),
    ("Qu'est-ce qu'on met dans le dossier de demande ?", "gnius_three_steps"),
    ("La prévention, c'est régional ou fédéral ?", "federated_competences"),
    ("Is this Class IIb under the MDR, or could we argue for IIa?", "rule11_decisions"),
    # Widened after the fifth unseen set.
    ("Vlaanderen of federaal: wie is bevoegd voor preventie?", "federated_competences"),
    ("Kan het ziekenfonds onze app vergoeden?", "sickness_funds"),
    ("Can a sickness fund file the reimbursement request for us?", "applicant_company"),
    ("Can we charge users directly for the app?", "patient_pays"),
    ("Le plan d'action interfédéral e-santé, c'est quoi ?", "action_plan_2025"),
    ("Welke werkgroep beoordeelt de aanvragen?", "working_group"),
    ("A startup says it is M3: what does that guarantee?", "m3_reimbursement_level"),
    ("Can a Dutch manufacturer apply to NIHDI directly?", "applicant_company"),
    # Widened after the sixth unseen set.
    ("Is a DPO mandatory for a startup of five?", "dpo_cases"),
    ("Who signs the sworn statement, the CEO or the DPO?", "sworn_statement"),
    ("Moet onze DPO gecertificeerd zijn?", None),
    ("On se base sur le consentement pour les données de santé (RGPD) ?", "article_9_2"),
    ("Can a startup request data through the Health Data Agency?", "hda_access_body"),
    ("Is funding a federal or a Flemish thing?", "federal_competences"),
    ("Realistic ways to get paid while we wait?", "hospital_budget"),
    ("Patiënten laten betalen, mag dat?", "patient_pays"),
    ("Can we file the request ourselves?", "applicant_company"),
    ("Who evaluates the reimbursement file at RIZIV?", "working_group"),
    ("Who decides whether an app reaches M3 at NIHDI?", "pyramid_bodies"),
    ("What does M3 actually get you?", "m3_reimbursement_level"),
    # Widened after the seventh unseen set.
    ("Comment on passe en M2 ?", "level2_admissible"),
    ("Une mutualité peut-elle introduire la demande à l'INAMI ?", "applicant_company"),
    ("La convention, elle paie qui, les hôpitaux ou les fabricants ?", "hf_paid_to_hospital"),
    ("Wallonie ou fédéral, à qui s'adresser pour la prévention ?", "federated_competences"),
    ("Valt een app die herinneringen stuurt onder de MDR?", "md_software"),
    ("Het aanvraagdossier: wat moet erin zitten?", "gnius_three_steps"),
    ("Bieden ziekenfondsen een tussenkomst voor apps?", "sickness_funds"),
    # ... but not what joining takes, nor the team it needs.
    ("Which staff must a hospital have to join the heart failure convention?", None),
    # Widened after the rewordings (paraphrased set): other words for the same kinds.
    ("AFMPS and FAMHP: are these two different agencies?", "famhp_names"),
    ("Moet die verklaring op eer ondertekend worden door de zaakvoerder?", "sworn_statement"),
    ("Welke eisen stelt het RIZIV aan een app?", "inami_requires_notification"),
    ("Is our app eligible for NIHDI reimbursement?", "inami_requires_notification"),
    ("Tot welke risicoklasse behoort een app die medicatie doseert?", "rule11_decisions"),
    ("What do we actually have to do for the FAMHP notification?", "notify_how"),
    ("We zitten op M1; van M1 naar M2, hoe gaat dat?", "level2_admissible"),
    ("Le groupe de travail, qui en fait partie ?", "working_group_members"),
    ("Zo'n werkgroep, uit wie bestaat die?", "working_group_members"),
    ("Pour la convention insuffisance cardiaque, faut-il être sur mHealthBelgium ?", "hf_app_requirements"),
    ("Is it allowed to reuse our patients' health data to train the model?", "article_9_2"),
    ("Quelles conséquences aura l'EHDS pour notre app ?", "ehds_scope"),
    ("Kunnen gebruikers de app uit eigen zak betalen?", "patient_pays"),
    ("What share of the requests were accepted so far?", "legacy_five"),
    ("Faut-il une ordonnance pour que l'app soit remboursée ?", "definition_remote"),
    ("Faut-il qu'un distributeur s'enregistre auprès d'une autorité belge ?", "distributors_45_days"),
    ("Expliquez-moi la convention de télésurveillance de l'insuffisance cardiaque.", "hf_scope"),
    ("Mag je gezondheidsdata van gebruikers hergebruiken voor onderzoek?", "article_9_2"),
    ("Wat is de kans dat een aanvraag aanvaard wordt?", "legacy_five"),
    ("Could our telemonitoring be funded through the heart failure convention instead?", "hf_paid_to_hospital"),
    ("Volgens beMedTech, werkt het systeem?", "cavalier_years"),
    ("Quel est le contenu exact du dossier de demande ?", "gnius_three_steps"),
    ("What are the contents of the application file?", "gnius_three_steps"),
    ("Is an interface in French and Dutch enough, or is German needed as well?", "three_languages"),
    ("Onze app bestaat enkel in het Nederlands en Engels, volstaat dat?", "three_languages"),
    ("Faut-il une version allemande de l'application ?", "three_languages"),
    ("We are a Swiss company: do we need an authorised representative in the EU?", "class_i_documents"),
    ("Faut-il créer une filiale belge pour vendre l'app ?", "class_i_documents"),
    ("Moeten we als Amerikaans bedrijf zonder Europese vestiging iets regelen?", "class_i_documents"),
    ("Naar welk e-mailadres sturen we onze aanmelding bij het FAGG?", "notify_how"),
    ("Whom should we contact at the FAMHP about our app's notification?", "notify_how"),
    # Finer kinds: the detail asked of the eHealth criteria, the convention, the pyramid.
    ("Do we have to plug into eHealthBox and IAM authentication for M2?", "m2_tests"),
    ("Welke eHealth-basisdiensten moet onze software koppelen?", "m2_tests"),
    ("Is an external audit needed for the eHealth criteria or is a self-declaration enough?", "m2_original"),
    ("Wie controleert of we aan de ICT-criteria van eHealth voldoen?", "m2_original"),
    ("Heart failure telemonitoring: which patients are eligible?", "hf_patients"),
    ("Convention télésurveillance insuffisance cardiaque : quels patients sont visés ?", "hf_patients"),
    ("Entre M2 et M3, qu'est-ce qui change pour nous ?", "m3_reimbursement_level"),
    ("Kan onze app op de website van mHealthBelgium verschijnen zonder CE-markering?", "mhb_asks"),
    # ... and not what the broader kinds answer.
    ("Coûtent-ils quelque chose, les services de base eHealth à intégrer ?", "ehealth_free"),
    ("Quelle est la différence entre M1, M2 et M3 ?", "pyramid_bodies"),
    ("Do we still have to be listed on mHealthBelgium before applying to INAMI?", "direct_to_inami"),
    # A detail of the kind chooses the fact that leads.
    ("Do we have to notify the FAGG before we can apply to NIHDI?", "inami_requires_notification"),
    ("We have FDA clearance; do we need an authorised representative in the EU?", "ce_before_market"),
    ("Our app only shows step counts, no diagnosis: which MDR class?", "rule11_monitoring"),
    ("Must an importer of our sensor register anywhere in Belgium?", "distributors_45_days"),
    ("Onze app helpt bij rookstop: wie zou dat financieren?", "federated_competences"),
    ("Could a sickness fund reimburse the app for its members?", "sickness_funds"),
    ("Kan de gebruiker zelf bijbetalen?", "patient_pays"),
    ("Besides INAMI, which other funding sources exist, integrated-care projects for instance?", "hospital_budget"),
    ("Wat is er nodig voor M2, welke tests op beveiliging?", "m2_original"),
    ("Can we pick a notified body in the Netherlands rather than a Belgian one?", "notified_body_number"),
    ("Quand un hôpital utilise notre app, sommes-nous responsable du traitement ou sous-traitant ?", "gdpr_controller"),
    ("Wat doet het eHealth-platform eigenlijk?", "ehealth_mission"),
    ("What do we need before we can sell our device in Belgium?", "ce_before_market"),
    ("Quelles sont nos chances d'obtenir le M3 du premier coup ?", "legacy_five"),
    ("Wie betaalt de app zodra ze op M3 staat?", "temporary_or_definitive"),
    ("Verschil tussen M1, M2 en M3, kort?", "pyramid_bodies"),
    ("Once we are at M3, what are the chances of reimbursement?", "m3_reimbursement_level"),
    ("Faut-il intégrer l'eHealthBox et l'authentification eHealth pour figurer sur mHealthBelgium ?", "pyramid_three_levels"),
    ("Wij verdelen een Duitse app: moeten we ons ergens registreren?", "distributors_45_days"),
    # Reimbursement without CE marking is INAMI's entry condition, not what CE marking attests.
    ("Can a wellness app without a CE mark get NIHDI reimbursement?", "inami_requires_notification"),
    ("Pas encore de marquage CE : peut-on quand même demander le remboursement ?", "inami_requires_notification"),
    ("Kan een app zonder CE-markering terugbetaald worden door het RIZIV?", "inami_requires_notification"),
    ("Mon app doit-elle être notifiée à l'AFMPS si elle a déjà le marquage CE ?", "notification_market_access"),
    ("Faut-il vraiment désigner un DPO et aussi faire une AIPD pour notre app ?", "dpia_before"),
    ("We hebben een datalek gehad, moeten we dat melden?", "breach_72_hours"),  # not the FAMHP notification
    ("Wat houdt die beëdigde verklaring precies in?", "sworn_statement"),
    ("We're a US company, do we need an authorised rep to sell here?", "class_i_documents"),
    ("What is M3 light?", "m3_light_plus"),  # what the half of M3 named means
    ("M3 plus, c'est quoi exactement ?", "m3_light_plus"),
    # Who decides on reimbursement: the working group INAMI coordinates.
    ("Who decides whether our app gets reimbursed?", "working_group"),
    ("Wie beslist over de terugbetaling van een app?", "working_group"),
    # French inversions typed without their hyphen
    ("Faut il encore notifier l'AFMPS une fois le marquage CE obtenu ?", "notification_market_access"),
    ("Est ce qu'une AIPD est obligatoire pour nous ?", "dpia_before"),
    # A French CE certificate or a company's nationality is not the language rule.
    ("Is a French company's app available in Belgium?", None),
    # A DPO outside the EU is a GDPR question, not the manufacturer's representative.
    ("Can our DPO be based outside the EU?", None),
    # A prescription that is not about reimbursement is not the professional-use question.
    ("How can eHealth prove that a prescription existed on a given date?", None),
])
def test_kinds_of_question_the_pathways_facts_answer(pathway, question, first):
    facts = pathway.facts_asked(question)
    assert (facts[0] if facts else None) == first


def test_what_the_founder_says_of_the_product_can_choose_the_leading_fact(pathway):
    assert pathway.facts_asked("Do we need an authorised representative?")[0] == "class_i_documents"
    assert pathway.facts_asked("Do we need an authorised representative?",
                               context="We are a US company with FDA clearance.")[0] == "ce_before_market"


def test_a_fee_duration_or_date_is_answered_only_by_kinds_that_state_one(pathway):
    question = "How much does the eHealth connection for mHealthBelgium cost?"
    assert pathway.facts_asked(question)[0] == "ict_criteria"  # the words alone
    assert pathway.facts_asked(question, typed="cost") == []  # the criteria state no cost
    assert pathway.facts_asked("How would a hospital pay for our app?", typed="cost")[0] == "hospital_budget"
    # the cost of one item that has a stated price, not of the whole route
    assert pathway.facts_asked("What does the eHealth connection cost?", typed="cost") == ["ehealth_free"]
    assert pathway.facts_asked("What does it all cost: CE marking, eHealth, the INAMI file?", typed="cost") == []


# ---------------------------------------------------------------- plans for real profiles


def test_heart_failure_app_can_take_the_convention_but_lacks_german(pathway):
    plan = plan_for("cardiohome", pathway)
    s = statuses(plan)
    assert plan.route == "convention" and plan.language == "fr"
    assert [s[k] for k in ("medical_device", "classify", "ce_marking", "famhp_registration", "famhp_notification")] \
        == ["done"] * 5
    assert s["inami_definition"] == "next" and "allemand" in " ".join(plan.step("inami_definition").reasons)
    assert s["hf_convention"] == "next"
    assert s["inami_request"] == "blocked"
    hf = plan.step("hf_convention")
    paid = [f for f in hf.facts if "non le patient ni l'éditeur" in f.text]
    assert paid, "the convention step must say INAMI pays the hospital, not the vendor"
    assert any("403012" in q for q in plan.open_questions)  # the amounts are not in the sources


def test_wellness_app_is_not_a_medical_device(pathway):
    plan = plan_for("stepup", pathway)
    s = statuses(plan)
    assert plan.route == "not_a_device"
    assert s["medical_device"] == "done" and s["other_funding"] == "next"
    for step_id in ("ce_marking", "famhp_notification", "inami_request", "evaluation", "hf_convention"):
        assert s[step_id] == "not_applicable"
    assert [x.id for x in plan.next_steps] == ["other_funding"]


def test_self_declared_class_i_with_a_decision_dashboard_is_flagged(pathway):
    plan = plan_for("glucocoach", pathway)
    s = statuses(plan)
    assert s["classify"] == "to_confirm" and "IIa" in " ".join(plan.step("classify").reasons)
    assert s["ce_marking"] == "to_confirm"
    assert s["famhp_registration"] == "next" and s["famhp_notification"] == "blocked"
    assert s["evidence"] == "todo"
    assert any("type 2 diabetes" in q for q in plan.open_questions)  # no diabetes convention in the sources


def test_hospital_only_software_is_outside_inamis_app_definition(pathway):
    plan = plan_for("radassist", pathway)
    s = statuses(plan)
    assert plan.route == "outside_definition"
    assert s["inami_definition"] == "not_met"
    assert all(s[k] == "not_applicable" for k in ("inami_request", "admissibility", "evaluation", "decision"))
    assert s["other_funding"] == "next"


def test_non_eu_company_needs_a_representative_and_german(pathway):
    plan = plan_for("rehabnow", pathway)
    s = statuses(plan)
    assert s["ce_marking"] == "to_confirm"
    assert "authorised representative" in " ".join(plan.step("ce_marking").reasons)
    assert s["famhp_registration"] == "next"
    assert s["evidence"] == "done"
    assert "German" in " ".join(plan.step("inami_definition").reasons)


def test_ce_in_progress_blocks_notification_and_request(pathway):
    plan = plan_for("sleepwell", pathway)
    s = statuses(plan)
    assert s["ce_marking"] == "in_progress"
    assert s["famhp_notification"] == "blocked" and "ce_marking" in plan.step("famhp_notification").blocked_by
    assert s["inami_request"] == "blocked"
    assert s["presubmission"] == "optional" and plan.step("presubmission").gaps  # details are not in the sources
    assert "AIPD" in " ".join(plan.step("data_protection").reasons)


def test_canadian_class_i_diary_starts_with_ce_marking_and_a_representative(pathway):
    plan = plan_for("symptom-diary-canada", pathway)
    s = statuses(plan)
    assert s["ce_marking"] == "next"
    assert "authorised representative" in " ".join(plan.step("ce_marking").reasons)
    assert s["famhp_notification"] == "blocked"
    assert "Dutch and German" in " ".join(plan.step("inami_definition").reasons)


def test_admissible_request_without_socio_economic_data_is_in_evaluation(pathway):
    plan = plan_for("admissible-no-socioeconomic", pathway)
    s = statuses(plan)
    assert s["inami_request"] == "done" and s["admissibility"] == "done"
    assert s["evaluation"] == "in_progress" and s["decision"] == "blocked"
    assert s["evidence"] == "in_progress"  # temporary reimbursement is the realistic aim
    durations = " ".join(d.text for d in plan.step("evaluation").durations)
    assert "180" in durations and "270" in durations


def test_implant_needs_a_dpia_and_ehealth_authorisation(pathway):
    plan = plan_for("implant-cloud", pathway)
    s = statuses(plan)
    assert s["data_protection"] == "in_progress"
    assert "implant" in " ".join(plan.step("data_protection").reasons)
    assert "Information Security Committee" in " ".join(plan.step("ehealth_criteria").reasons)
    assert s["famhp_notification"] == "next"


def test_unknown_class_asks_the_rule_11_questions(pathway):
    plan = plan_for("unsure-class", pathway)
    asked = [q.field for q in plan.questions]
    assert asked[:3] == ["informs_clinical_decisions", "monitors_physiology", "monitors_vital_parameters"]
    assert all(q.citations for q in plan.questions)
    answered = plan_for("unsure-class", pathway, informs_clinical_decisions="yes")
    assert "IIa" in " ".join(answered.step("classify").reasons)


@pytest.mark.parametrize("name", sorted(p.stem for p in PROFILES.glob("*.yaml")))
def test_every_statement_of_every_plan_is_cited_by_a_source_that_states_it(name, pathway):
    plan = plan_for(name, pathway)
    facts_by_quote = {}
    for fact in pathway.facts.values():
        facts_by_quote.setdefault(fact.quote(plan.language), []).append(fact)
    for step in plan.steps:
        for item in (*step.facts, *step.durations):
            assert item.quoted and len(item.citations) == 1
            citation = plan.citation(item.citations[0])
            assert citation.quote == item.text
            fact = next(f for f in facts_by_quote[item.text] if citation.source_id in f.sources)
            assert citation.note == f"{fact.note}.{plan.language}"
            manifest_urls = load_manifest(CORPUS)[citation.source_id].urls.values()
            assert citation.url in manifest_urls
            if all(load_manifest(CORPUS)[s].secondary for s in fact.sources):
                assert citation.kind == "secondary"
        for item in step.prepare:
            assert not item.quoted and item.citations, f"{name}/{step.id}: an uncited label"
    assert [c.n for c in plan.citations] == list(range(1, len(plan.citations) + 1))
    profile = Profile.from_file(PROFILES / f"{name}.yaml")
    report = make_readiness(profile, plan, pathway, PROMPTS)
    for item in report.items:
        for why in item.why:
            citation = report.plan.citation(why.citations[0])
            assert why.quoted and citation.quote == why.text, f"{name}/{item.id}: a reason that is not its quote"


def test_same_profile_same_plan(pathway):
    first = plan_for("cardiohome", pathway).to_dict()
    second = plan_for("cardiohome", pathway).to_dict()
    assert json.dumps(first, sort_keys=True) == json.dumps(second, sort_keys=True)


def test_plan_in_each_language_quotes_that_language(pathway):
    for language, word in (("fr", "Parcours"), ("nl", "Traject"), ("en", "Route")):
        plan = plan_for("rehabnow", pathway, language=language)
        assert plan.route_text.startswith(word)
        assert all(c.language == language for c in plan.citations)
        inami = [c for c in plan.citations if c.source_id == "inami-mobile-apps-application-2023"]
        assert inami and all(f"/{language if language != 'en' else 'fr'}/" in c.url for c in inami)


# ---------------------------------------------------------------- profiles


def test_profile_errors_name_the_field_and_the_file(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("mdr_class: IIc\nce_marking: done\n", encoding="utf-8")
    with pytest.raises(ProfileError, match=r"bad.yaml: mdr_class"):
        Profile.from_file(bad)
    (tmp_path / "typo.yaml").write_text("mdr_clas: IIa\n", encoding="utf-8")
    with pytest.raises(ProfileError, match="mdr_clas"):
        Profile.from_file(tmp_path / "typo.yaml")
    (tmp_path / "list.json").write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(ProfileError, match="mapping"):
        Profile.from_file(tmp_path / "list.json")


def test_profile_from_a_chat_question():
    p = Profile.from_question("we're a CE-marked class IIa app for COPD, what next and how long?")
    assert (p.mdr_class, p.ce_marking, p.conditions, p.language) == ("IIa", "done", ["COPD"], "en")
    p = Profile.from_question("Nous avons une app de télésurveillance pour l'insuffisance cardiaque, classe IIa, "
                              "pas encore marquée CE. Que faire ?")
    assert p.language == "fr" and p.ce_marking == "not_started" and p.heart_failure


# ---------------------------------------------------------------- readiness report


def test_readiness_checklist_from_the_profile(pathway):
    profile = Profile.from_file(PROFILES / "cardiohome.yaml")
    report = make_readiness(profile, make_plan(profile, pathway, PROMPTS), pathway, PROMPTS)
    status = {i.id: i.status for i in report.items}
    assert status["ce_certificate"] == "present" and status["famhp_notification"] == "present"
    assert status["three_languages"] == "missing"
    assert status["socio_economic_evidence"] == "missing"
    assert status["authorised_representative"] == "not_applicable"
    for item in report.items:
        assert item.why and all(report.plan.citation(n) for w in item.why for n in w.citations)


def test_readiness_points_to_the_founders_own_documents(fresh_assistant, tmp_path):
    dpia = tmp_path / "dpia-cardiohome.md"
    dpia.write_text("# Data protection impact assessment\n\nThis data protection impact assessment (DPIA) covers "
                    "the processing of heart-rate and weight data of patients at home. The risk of re-identification "
                    "is reduced by pseudonymisation; the DPIA was reviewed by our data protection officer.\n",
                    encoding="utf-8")
    assert fresh_assistant.ingest([dpia]).added
    report = fresh_assistant.readiness(PROFILES / "cardiohome.yaml")
    items = {i.id: i for i in report.items}
    assert items["dpia"].searched and items["dpia"].evidence
    assert items["dpia"].evidence[0]["document"].startswith("dpia-cardiohome")
    assert items["device_class"].searched and not items["device_class"].evidence
    markdown = fresh_assistant.report(PROFILES / "cardiohome.yaml")
    assert "dpia-cardiohome" in markdown


def test_report_markdown_and_pdf(assistant, tmp_path):
    import datetime as dt

    from pypdf import PdfReader

    profile = PROFILES / "rehabnow.yaml"
    markdown = assistant.report(profile, today=dt.date(2026, 11, 23))
    assert markdown.startswith("# Readiness report for an INAMI pre-submission meeting — RehabNow")
    assert "2026-11-23" in markdown and "## Sources" in markdown
    pdf = assistant.report(profile, "pdf", today=dt.date(2026, 11, 23))
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    reader = PdfReader(str(path))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert len(reader.pages) >= 4
    assert "RehabNow" in text and "Contents" in text and "Page 2" in text and "2026-11-23" in text
    assert "notifications.meddev@fagg-afmps.be" in text
    uris = {a.get_object()["/A"].get("/URI") for page in reader.pages for a in page.get("/Annots", []) or []
            if a.get_object().get("/A")}
    assert any(u and u.startswith("https://www.inami.fgov.be/") for u in uris)
    assert reader.outline, "the PDF has an outline (bookmarks)"
    with pytest.raises(ValueError):
        assistant.report(profile, "docx")


# ---------------------------------------------------------------- CLI


def test_cli_plan_json_and_pdf(bundled_index, tmp_path, capsys):
    code = main(["plan", "--profile", str(PROFILES / "sleepwell.yaml"), "--json", "--index-dir", str(bundled_index)])
    data = json.loads(capsys.readouterr().out)
    assert code == 0 and data["language"] == "fr"
    steps = {s["id"]: s for s in data["steps"]}
    assert steps["famhp_notification"]["status"] == "blocked"
    assert steps["evaluation"]["citations"], "each step carries its citations"
    out = tmp_path / "r" / "report.pdf"
    assert main(["plan", "--profile", str(PROFILES / "sleepwell.yaml"), "--out", str(out),
                 "--index-dir", str(bundled_index)]) == 0
    assert out.read_bytes().startswith(b"%PDF")


def test_cli_plan_bad_profile_is_one_clear_line(tmp_path):
    bad = tmp_path / "p.yaml"
    bad.write_text("ce_marking: maybe\n", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "assistant.cli", "plan", "--profile", str(bad)],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 2
    assert proc.stderr.strip().startswith("error:") and "ce_marking" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_example_profiles_are_valid_yaml_with_a_comment():
    files = sorted(PROFILES.glob("*.yaml"))
    assert len(files) >= 8
    for path in files:
        assert path.read_text(encoding="utf-8").startswith("#"), f"{path.name}: say what founder it describes"
        assert isinstance(yaml.safe_load(path.read_text(encoding="utf-8")), dict)
        Profile.from_file(path)
    assert "examples/profiles" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_plan_markdown_lists_next_steps_first(pathway):
    plan = plan_for("symptom-diary-canada", pathway)
    text = plan_markdown(plan, PROMPTS, name="SymptoLog")
    assert text.index("## What to do next") < text.index("## Steps") < text.index("## Sources")
    assert "Conformity assessment and CE marking" in text.split("## Steps")[0]


def test_a_gap_is_not_said_for_what_the_sources_state(pathway):
    """No contact person is named anywhere, but the FAMHP's notification address is."""
    assert pathway.gaps_asked("Who is the contact person at INAMI for apps?") == ["contact"]
    assert pathway.gaps_asked("Vous auriez une adresse mail directe ?") == ["contact"]
    assert "contact" not in pathway.gaps_asked("What is the FAGG's e-mail address for notifications?")


@pytest.mark.parametrize("question,kind", [
    ("Faut-il encore notifier quelque chose à l'AFMPS avant de vendre ?", "notification_duty"),  # "quelque" is not "quel"
    ("Kunnen we een vooroverleg met het RIZIV plannen?", "presubmission"),
    ("Can a wellness app with no CE mark still be listed on mHealthBelgium?", "mhealthbelgium_listing"),  # not "still have to"
])
def test_look_alike_words_do_not_hide_a_kind(question, kind):
    pathway = load_pathway(CORPUS)
    assert pathway.kind_asked(question) is pathway.answers[kind]


@pytest.mark.parametrize("question,first", [
    ("Wie beslist of een app op M3 komt, het RIZIV of mHealthBelgium?", "pyramid_bodies"),
    ("If INAMI asks us for more information, is the evaluation period extended?", "evaluation_extension"),
    ("Should we become a member of beMedTech, and what do they say about reimbursement?", "bemedtech_members"),
    ("Welke stukken moeten in ons aanvraagdossier voor het RIZIV?", "gnius_three_steps"),
    ("Is rule 11 relevant for us, or is our reminder app not a medical device at all?", "md_software"),
    ("We zijn een Duits bedrijf zonder Belgische vestiging: kunnen we op mHealthBelgium staan?", "mhb_asks"),
    ("Bestaat er voor hartfalen al een overeenkomst waar ons ziekenhuis kan instappen?", "hf_scope"),
    ("Who reviews the clinical evidence for M3?", "working_group"),
    ("Can we apply for reimbursement ourselves or do we need a Belgian representative?", "applicant_company"),
    ("We have FDA 510(k) clearance. Does it count in Belgium?", "ce_before_market"),
    ("We werden gisteren gehackt en er is een datalek met patiëntgegevens. Wat nu?", "breach_72_hours"),
    ("Je revends des capteurs fabriqués ailleurs : dois-je m'inscrire quelque part ?", "distributors_45_days"),
    ("Et après la décision de l'INAMI, il se passe quoi ?", "about_one_year"),
    ("Une mutualité peut-elle rembourser notre app ?", "sickness_funds"),
    ("Moeten we ons registreren bij het FAGG of is de CE-markering genoeg?", "notification_market_access"),
    ("What does the FAMHP do with our notification once sent?", "m1_checks"),
    ("Kan het ziekenhuis onze app zelf betalen via het BMF?", "hospital_budget"),  # not the patient paying
    ("Besides INAMI, what other ways are there to get our app funded?", "hospital_budget"),
    ("Our device is CE marked. What must we do before selling it in Belgium?", "famhp_portal"),
])

def test_a_detail_of_the_question_chooses_the_fact_that_leads(question, first):
    pathway = load_pathway(CORPUS)
    assert pathway.facts_asked(question)[0] == first


@pytest.mark.parametrize("question,gap", [
    ("Mogen de gezondheidsgegevens van onze app op servers in de VS staan?", "hosting"),
    ("Can we host patient data on AWS in Ireland?", "hosting"),
    ("Combien de temps faut-il à un organisme notifié pour délivrer le certificat CE ?", "notified_body_time"),
    ("Het advies was negatief. Kunnen we in beroep gaan?", "after_decision"),
    ("After our 2.0 release, do we have to be assessed again?", "new_version"),
    ("Is de AI Act ook van toepassing op onze triage-software?", "ai_act"),
    ("Y aura-t-il un ticket modérateur pour le patient ?", "copayment"),
    ("Can the reimbursement file be written in English?", "request_language"),
    ("What share of requests gets approved, any approval rates?", "statistics"),
])
def test_questions_the_sources_do_not_answer_are_recognised(question, gap):
    assert gap in load_pathway(CORPUS).gaps_asked(question)


def test_look_alikes_of_gaps_are_not_gaps():
    pathway = load_pathway(CORPUS)
    assert pathway.gaps_asked("Hoe lang blijft een eHealth-certificaat geldig?") == []
    assert pathway.gaps_asked("What does the new version of the pyramid say about level 2?") == []


def test_what_the_founder_says_the_product_does_chooses_the_fact():
    """"It only displays the readings, no diagnosis. Is it a medical device?": the MDR's
    exclusion of software that only stores or displays data answers first."""
    pathway = load_pathway(CORPUS)
    assert pathway.facts_asked("Is it a medical device then?", "", "Our software only displays readings, no diagnosis.")[0] == "md_outside"
