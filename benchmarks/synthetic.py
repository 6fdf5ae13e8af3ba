"""A synthetic multilingual corpus for scale benchmarks: paginated documents made in memory.

Every page is built from sentence templates in French, Dutch and English filled with random
names, numbers, dates and article references, so that almost every sentence is distinct (as in
real documents: a corpus of copies would flatter any cache or deduplication). The text reads
like administrative guidance but states nothing true: it is a haystack, never a source.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

from assistant.load.readers import join_blocks
from assistant.types import Document

# Per language: actors, verbs, objects, conditions, details, page headings, document kinds.
_VOCABULARY: dict[str, dict[str, list[str]]] = {
    "fr": {
        "actor": ["Le fabricant", "L'hôpital partenaire", "La mutualité", "Le médecin généraliste", "Le patient",
                  "Le distributeur", "Le comité d'évaluation", "La commission de conventions", "Le prestataire",
                  "L'organisme notifié", "Le délégué à la protection des données", "Le pharmacien", "L'infirmier",
                  "Le service d'audit interne", "Le coordinateur du projet pilote"],
        "verb": ["doit introduire", "peut demander", "transmet", "conserve", "vérifie", "évalue", "publie",
                 "notifie", "facture", "documente", "archive", "valide", "signe", "met à jour", "consulte"],
        "object": ["le dossier technique de {product}", "la preuve de valeur socio-économique de {product}",
                   "les données de télésurveillance du trimestre", "le rapport d'incident n° {ref}",
                   "la déclaration de conformité de {product}", "le plan de suivi clinique après commercialisation",
                   "l'analyse d'impact relative à la protection des données", "la convention signée avec {org}",
                   "le formulaire de demande {ref}", "la liste des prestations remboursables",
                   "le protocole d'étude de {product}", "l'attestation de formation des utilisateurs",
                   "le registre des accès aux données", "la notice d'utilisation en trois langues"],
        "condition": ["avant le {date}", "dans un délai de {n} jours", "lorsque le score dépasse {pct} %",
                      "pour chaque patient inclus", "si le dispositif relève de la classe {cls}",
                      "au plus tard {n} mois après la notification", "conformément à l'article {art}",
                      "en cas de modification substantielle", "à la demande de {org}",
                      "pendant toute la durée de la convention", "dès la première facturation"],
        "detail": ["le montant forfaitaire s'élève à {amt} euros par trimestre",
                   "la décision est communiquée par courrier recommandé",
                   "le numéro de référence {ref} figure sur chaque document",
                   "une copie est adressée à {org}", "le comité se réunit {n} fois par an",
                   "les frais de {amt} euros restent à charge du demandeur",
                   "le délai est suspendu pendant les vacances judiciaires",
                   "les pièces manquantes sont réclamées par voie électronique",
                   "le taux de participation observé atteint {pct} %",
                   "l'évaluation porte sur une cohorte de {n} patients"],
        "heading": ["Champ d'application", "Procédure de demande", "Critères d'évaluation", "Financement",
                    "Protection des données", "Obligations du fabricant", "Suivi et contrôle", "Dispositions finales",
                    "Calendrier", "Définitions", "Recours", "Annexe technique"],
        "kind": ["Circulaire", "Note de service", "Rapport annuel", "Guide pratique", "Avis", "Convention type"],
        "of": "relative à",
    },
    "nl": {
        "actor": ["De fabrikant", "Het partnerziekenhuis", "Het ziekenfonds", "De huisarts", "De patiënt",
                  "De verdeler", "Het evaluatiecomité", "De overeenkomstencommissie", "De zorgverlener",
                  "De aangemelde instantie", "De functionaris voor gegevensbescherming", "De apotheker",
                  "De verpleegkundige", "De interne auditdienst", "De coördinator van het pilootproject"],
        "verb": ["moet indienen", "kan aanvragen", "bezorgt", "bewaart", "controleert", "beoordeelt",
                 "publiceert", "meldt", "factureert", "documenteert", "archiveert", "valideert", "ondertekent",
                 "actualiseert", "raadpleegt"],
        "object": ["het technisch dossier van {product}", "het bewijs van sociaaleconomische meerwaarde van {product}",
                   "de telemonitoringgegevens van het kwartaal", "het incidentverslag nr. {ref}",
                   "de conformiteitsverklaring van {product}", "het plan voor klinische follow-up na het in de handel brengen",
                   "de gegevensbeschermingseffectbeoordeling", "de overeenkomst met {org}",
                   "het aanvraagformulier {ref}", "de lijst van terugbetaalbare verstrekkingen",
                   "het studieprotocol van {product}", "het opleidingsattest van de gebruikers",
                   "het register van de gegevenstoegang", "de gebruiksaanwijzing in drie talen"],
        "condition": ["vóór {date}", "binnen {n} dagen", "wanneer de score hoger is dan {pct} %",
                      "voor elke opgenomen patiënt", "als het hulpmiddel onder klasse {cls} valt",
                      "uiterlijk {n} maanden na de aanmelding", "overeenkomstig artikel {art}",
                      "bij een substantiële wijziging", "op verzoek van {org}",
                      "gedurende de hele looptijd van de overeenkomst", "vanaf de eerste facturatie"],
        "detail": ["het forfaitaire bedrag bedraagt {amt} euro per kwartaal",
                   "de beslissing wordt per aangetekende brief meegedeeld",
                   "het referentienummer {ref} staat op elk document",
                   "een kopie wordt bezorgd aan {org}", "het comité vergadert {n} keer per jaar",
                   "de kosten van {amt} euro blijven ten laste van de aanvrager",
                   "de termijn wordt geschorst tijdens de gerechtelijke vakantie",
                   "ontbrekende stukken worden elektronisch opgevraagd",
                   "de waargenomen deelname bedraagt {pct} %",
                   "de evaluatie betreft een cohorte van {n} patiënten"],
        "heading": ["Toepassingsgebied", "Aanvraagprocedure", "Beoordelingscriteria", "Financiering",
                    "Gegevensbescherming", "Verplichtingen van de fabrikant", "Opvolging en controle",
                    "Slotbepalingen", "Tijdschema", "Definities", "Beroep", "Technische bijlage"],
        "kind": ["Omzendbrief", "Dienstnota", "Jaarverslag", "Praktische gids", "Advies", "Modelovereenkomst"],
        "of": "betreffende",
    },
    "en": {
        "actor": ["The manufacturer", "The partner hospital", "The sickness fund", "The general practitioner",
                  "The patient", "The distributor", "The assessment committee", "The agreements committee",
                  "The care provider", "The notified body", "The data protection officer", "The pharmacist",
                  "The nurse", "The internal audit service", "The pilot project coordinator"],
        "verb": ["must submit", "may request", "sends", "keeps", "checks", "assesses", "publishes", "notifies",
                 "invoices", "documents", "archives", "validates", "signs", "updates", "consults"],
        "object": ["the technical file of {product}", "the evidence of socio-economic value of {product}",
                   "the quarterly telemonitoring data", "incident report no. {ref}",
                   "the declaration of conformity of {product}", "the post-market clinical follow-up plan",
                   "the data protection impact assessment", "the agreement signed with {org}",
                   "application form {ref}", "the list of reimbursable services",
                   "the study protocol of {product}", "the user training certificate",
                   "the data access register", "the instructions for use in three languages"],
        "condition": ["before {date}", "within {n} days", "when the score exceeds {pct}%",
                      "for every enrolled patient", "if the device falls under class {cls}",
                      "no later than {n} months after notification", "in accordance with article {art}",
                      "after any substantial change", "at the request of {org}",
                      "for the whole term of the agreement", "from the first invoice onwards"],
        "detail": ["the flat fee amounts to {amt} euros per quarter",
                   "the decision is notified by registered letter",
                   "reference number {ref} appears on every document",
                   "a copy is sent to {org}", "the committee meets {n} times a year",
                   "costs of {amt} euros remain payable by the applicant",
                   "the time limit is suspended during the judicial holidays",
                   "missing documents are requested electronically",
                   "the observed participation rate reaches {pct}%",
                   "the assessment covers a cohort of {n} patients"],
        "heading": ["Scope", "Application procedure", "Assessment criteria", "Funding", "Data protection",
                    "Obligations of the manufacturer", "Monitoring and control", "Final provisions", "Timeline",
                    "Definitions", "Appeals", "Technical annex"],
        "kind": ["Circular", "Service note", "Annual report", "Practical guide", "Opinion", "Model agreement"],
        "of": "on",
    },
}
_ORGS = ["the Zorgnet consortium", "Santé Connect ASBL", "MedData Hub", "the Noordkust hospital network",
         "the Ardennes care cluster", "Brussels Digital Care", "the Scheldt health alliance", "Clinique Saint-Rémy"]
_SYLLABLES = ["car", "dio", "neu", "ro", "pul", "mo", "derm", "vis", "ta", "lin", "ko", "med", "sa", "ne", "vo",
              "tri", "gen", "plex", "ora", "zen"]
_CLASSES = ["I", "IIa", "IIb", "III"]
PUBLISHER = "Synthetic benchmark corpus"


def _product(rng: random.Random) -> str:
    name = "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()
    return f"{name}-{rng.randint(2, 99)}"


def _fill(template: str, rng: random.Random, product: str) -> str:
    values = {
        "product": product, "org": rng.choice(_ORGS), "ref": f"{rng.choice('ABCDEFGH')}{rng.randint(100, 9999)}/{rng.randint(20, 29)}",
        "date": f"{rng.randint(1, 28)}/{rng.randint(1, 12)}/{rng.randint(2019, 2030)}", "n": rng.randint(2, 120),
        "pct": rng.randint(5, 95), "cls": rng.choice(_CLASSES), "art": f"{rng.randint(1, 160)}, §{rng.randint(1, 9)}",
        "amt": f"{rng.randint(10, 4000)},{rng.randint(0, 99):02d}",
    }
    return template.format(**values)


def _sentence(words: dict[str, list[str]], rng: random.Random, product: str) -> str:
    parts = [rng.choice(words["actor"]), rng.choice(words["verb"]), _fill(rng.choice(words["object"]), rng, product),
             _fill(rng.choice(words["condition"]), rng, product)]
    sentence = " ".join(parts)
    if rng.random() < 0.7:
        sentence += "; " + _fill(rng.choice(words["detail"]), rng, product)
    return sentence + "."


def synthetic_documents(pages: int, seed: int = 0, pages_per_document: int = 25,
                        paragraphs_per_page: int = 3, sentences_per_paragraph: int = 4) -> Iterator[Document]:
    """Documents totalling `pages` pages, languages in turn (fr, nl, en), each page a heading
    and a few paragraphs (~1,500 characters), blocks carrying their page number as a PDF's do."""
    rng = random.Random(seed)
    languages = list(_VOCABULARY)
    number = 0
    remaining = pages
    while remaining > 0:
        count = min(pages_per_document, remaining)
        remaining -= count
        language = languages[number % len(languages)]
        words = _VOCABULARY[language]
        product = _product(rng)
        title = f"{rng.choice(words['kind'])} {rng.randint(2015, 2030)}/{rng.randint(1, 60)} {words['of']} {product}"
        parts: list[tuple[str, str, int, bool]] = []
        for page in range(1, count + 1):
            heading = f"{rng.randint(1, 12)}. {rng.choice(words['heading'])}"
            parts.append((heading, heading, page, True))
            parts.extend((" ".join(_sentence(words, rng, product) for _ in range(sentences_per_paragraph)),
                          heading, page, False) for _ in range(paragraphs_per_page))
        text, blocks = join_blocks(parts)
        doc_id = f"synthetic-{number:05d}.{language}.pdf"
        yield Document(doc_id=doc_id, title=title, publisher=PUBLISHER, url=f"file:///synthetic/{doc_id}",
                       language=language, checked="2025-01-01", text=text, blocks=tuple(blocks),
                       topic=f"synthetic-{number:05d}", kind="user", path=doc_id)
        number += 1
