"""Whether a sentence holds the kind of answer a question part asks for.

"How long does it take?" is answered by "within 180 days", which shares neither words nor much
meaning with the question; "can I apply before CE marking?" by a sentence that states a
condition ("only", "must"). These signs let the sentence scorer prefer such sentences, and let
the composer say when no sentence of the evidence holds the asked-for kind of fact.
"""

from __future__ import annotations

import re

_MONTHS = (r"jan\w*|feb\w*|f[ée]v\w*|mar\w*|maa\w*|apr\w*|avr\w*|ma[iy]|mei|jun\w*|juin|jul\w*|juil\w*|aug\w*|"
           r"ao[uû]t|sep\w*|o[ck]t\w*|nov\w*|d[ée]c\w*")
# "an" (French for year) is left out: "level 2 an admissible request" is English.
_UNITS = (r"days?|jours?|dagen|dag|weeks?|semaines?|weken|week|months?|mois|maanden|maand|years?|ans|années?|"
          r"jaar|jaren|hours?|heures?|uur")

SIGNS: dict[str, re.Pattern] = {
    "duration": re.compile(rf"\b\d+\s*(?:{_UNITS})\b|\b(?:a|one|half a|un|une|een|half|een half|six|twelve|"
                           rf"six|douze|zes|twaalf)\s+(?:{_UNITS})\b|\bmonths?\b|\bmois\b|\bmaanden\b", re.I),
    "date": re.compile(rf"\b\d{{1,2}}(?:er|e|st|nd|rd|th)?\s+(?:{_MONTHS})\b|\b(?:{_MONTHS})\s+\d{{4}}\b|\b(?:19|20)\d{{2}}\b", re.I),
    "cost": re.compile(r"\d[\d .,]*\s*(?:€|euros?|EUR)|€\s*\d|\bfees?\b|\bfree of charge\b|\bgratuit|\bfrais\b|"
                       r"\bredevance|\bretributie|\bkosteloos|\bgratis\b|\btarif|\bflat fee\b|\bforfait", re.I),
    "yesno": re.compile(r"\bonly\b|\bmust\b|\brequire|\bcondition|\bnot\b|\bno\b|\bcannot\b|\bvoluntary\b|\bmandatory\b|"
                        r"\bobligatory\b|\bbefore\b|\buniquement\b|\bseulement\b|\bdoi[tv]|\bdoivent\b|\bexige|\bobligatoire|"
                        r"\bfacultati|\bvolontaire|\bpas\b|\bne\b|\bavant\b|\benkel\b|\balleen\b|\bmoet|\bverplicht|"
                        r"\bvoorwaarde|\bvrijwillig|\bniet\b|\bgeen\b|\bvoor(?:af|dat)\b", re.I),
    "documents": re.compile(r"\bdocument|\bcertificat|\bdeclaration|\bd[ée]claration|\bverklaring|\bform\b|\bforms\b|"
                            r"\bformulaire|\bformulier|\btemplate|\bmod[eè]le\b|\bsjabloon|\bproof|\bpreuve|\bbewijs|"
                            r"\bdossier|\bfile\b|\bstud(?:y|ies)\b|\b[ée]tude|\bstudie|\bevidence|\binstructions|"
                            r"\bnotice|\bgebruiksaanwijzing|\bhandleiding|\bevaluation file|\bDPIA\b|\bAIPD\b|\bGEB\b", re.I),
    "who": re.compile(r"\bmanufacturers?\b|\bfabricants?\b|\bfabrikant|\bdistribut|\bverdeler|\bassociations?\b|"
                      r"\bvereniging|\borganisations?\b|\borganisaties?\b|\bhospitals?\b|\bh[oô]pita|\bziekenhui|"
                      r"\bworking group\b|\bgroupe de travail\b|\bwerkgroep|\bcommitt?ee?\b|\bcomit[ée]\b|\bcomit[ée]|"
                      r"\bcommissie|\bexperts?\b|\bapplicants?\b|\bdemandeurs?\b|\baanvragers?\b|"
                      r"\b[A-Z]{3,}(?:/[A-Z]{3,})?\b", re.U),
    "steps": re.compile(r"\bsteps?\b|\b[ée]tapes?\b|\bstappen\b|\bstap\b|\bfirst\b|\bthen\b|\bafter\b|\bbefore\b|"
                        r"\bd'abord\b|\bensuite\b|\bpuis\b|\bapr[eè]s\b|\bavant\b|\beerst\b|\bdaarna\b|\bvervolgens\b|"
                        r"\bvoordat\b|\bnext\b|\bsuivante?\b|\bvolgende\b", re.I),
    "definition": re.compile(r"^[^,.;:]{2,80}\b(?:is|are|means|refers to|est|sont|d[ée]signe|signifie|zijn|betekent|"
                             r"staat voor)\b", re.I),
}

# Words added to a typed part's query, so that retrieval looks where such facts are stated:
# "how long does INAMI take to decide" shares no word with "decides within 30 days".
QUERY_HINTS = {
    "duration": {"en": "days months period deadline", "fr": "jours mois délai période", "nl": "dagen maanden termijn periode"},
    "cost": {"en": "fee cost euros free of charge", "fr": "frais coût euros gratuit", "nl": "kosten retributie euro gratis"},
    "date": {"en": "date year since", "fr": "date année depuis", "nl": "datum jaar sinds"},
}

# Parts whose answer is a fact of a precise kind: without a sentence holding one, the sources do
# not answer them, however close the passages are.
TYPED = ("cost", "duration", "date")

# Sentences that lean on the sentence before them: quoted alone they mean nothing.
DANGLING = re.compile(
    r"^(?:this|these|that|those|it|its|they|their|he|she|his|her|such|the latter|the former|"
    r"ce|cet|cette|ces|cela|ça|il|elle|ils|elles|celui-ci|celle-ci|ceux-ci|ce dernier|cette derni[eè]re|"
    r"dit|deze|die|dat|hij|zij|ze|hun|laatstgenoemde)\b(?!\s+(?:is|est|zijn)\s+(?:a|un|une|een)\b)",
    re.I)
# A demonstrative before a name is not a reference to the previous sentence ("Cette AFMPS…" is
# rare, "Ce CE…" never): only a following lowercase word marks one ("Cette procédure…").
_ARTICLE_OK = re.compile(r"^(?:die|deze|dit|ce|cet|cette|ces)\s+[A-Z0-9]")
# "INAMI pays this reimbursement to hospitals…", "L'INAMI verse ce remboursement…": a demonstrative
# in the first words refers to the sentence before ("cette exigence des trois langues" says which).
_EARLY_REFERENCE = re.compile(r"^(?:\S+\s+){1,3}(?:this|these|ce|cet|cette|ces|deze|dit)\s+(?!qu)[a-zà-ÿ][\w-]*"
                              r"(?!\s+(?:des|du|de|d'|of|van|der)\b)\s")


def refers_back(sentence: str) -> bool:
    """Whether a sentence that opens like a statement refers, in its first words, to the one before."""
    return bool(_EARLY_REFERENCE.match(sentence.strip()))


def holds(sentence: str, intent: str) -> bool:
    sign = SIGNS.get(intent)
    return bool(sign and sign.search(sentence))


def dangles(sentence: str) -> bool:
    """Whether a sentence only makes sense after the one before it, or announces a list."""
    text = sentence.strip()
    if text.endswith(":"):
        return True
    if text and not (text[0].isalnum() or text[0] in "«“\"'‘(["):
        return True  # a fragment cut from the sentence before ("– mois 1"), linked to…")
    return bool(DANGLING.match(text)) and not _ARTICLE_OK.match(text)
