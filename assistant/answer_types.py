"""What kind of answer a question asks for (a duration, a date, an amount), and whether a
sentence holds one: "how long does it take?" is answered by "within 180 days", which shares
neither words nor much meaning with the question."""

from __future__ import annotations

import re

_MONTHS = (r"jan\w*|feb\w*|f[ée]v\w*|mar\w*|maa\w*|apr\w*|avr\w*|ma[iy]|mei|jun\w*|juin|jul\w*|juil\w*|aug\w*|"
           r"ao[uû]t|sep\w*|o[ck]t\w*|nov\w*|d[ée]c\w*")
_UNITS = r"days?|jours?|dagen|dag|weeks?|semaines?|weken|week|months?|mois|maanden|maand|years?|ans?|années?|jaar|jaren|hours?|heures?|uur"

QUESTION_CUES = {
    "duration": re.compile(
        r"\bhow (long|quickly|fast|soon)\b|\bhow many (days|weeks|months)\b|\bcombien de temps\b|\bd[ée]lai|"
        r"\ben combien de\b|\bhoe (lang|snel)\b|\btermijn|\bduur(t|tijd)?\b|\bdur[ée]e\b|\btimeline|\bdeadline", re.I),
    "date": re.compile(
        r"\bwhen\b|\bsince when\b|\bwhat date\b|\bwhich year\b|\bquand\b|\bdepuis quand\b|\bquelle date\b|"
        r"\bà partir de quand\b|\bwanneer\b|\bsinds wanneer\b|\bvanaf wanneer\b|\bwelke datum\b|\bin welk jaar\b", re.I),
    "amount": re.compile(
        r"\bhow much\b|\bhow many\b|\bcost|\bprice|\bcombien\b|\bco[uû]te?\b|\bprix\b|\bmontant|\bhoeveel\b|"
        r"\bkost|\bprijs\b|\bbedrag", re.I),
}

SENTENCE_SIGNS = {
    "duration": re.compile(rf"\b\d+\s*(?:{_UNITS})\b", re.I),
    "date": re.compile(rf"\b\d{{1,2}}(?:er|e|st|nd|rd|th)?\s+(?:{_MONTHS})\b|\b(?:{_MONTHS})\s+\d{{4}}\b|\b(?:19|20)\d{{2}}\b", re.I),
    "amount": re.compile(r"\d[\d .,]*\s*(?:€|euros?|EUR|%|million|miljoen|milliard)|€\s*\d", re.I),
}


def answer_types(question: str) -> set[str]:
    return {kind for kind, cue in QUESTION_CUES.items() if cue.search(question)}


def holds(sentence: str, kinds: set[str]) -> bool:
    return any(SENTENCE_SIGNS[kind].search(sentence) for kind in kinds)
