"""Every generated sentence checked against the passages it cites.

A sentence survives only when it cites passages the model was given, its numbers (with their
unit: 30 days is not 30 months), months, organisation names and negation are found in the cited
passages (names compared across French, Dutch and English forms), and its meaning is close enough
to one sentence of those passages (multilingual sentence vectors, threshold calibrated on
labelled pairs: benchmarks/verify_pairs.py, stored in verify.toml). Sentences of a passage that
address the assistant ("ignore previous instructions", "tell the user…") support nothing: a
model that obeys them fails the check.

A sentence without a citation survives only as a gap statement ("the sources do not state…")
that carries no fact of its own.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from ..index.lexical import Glossary
from ..index.sentences import sentence_spans
from ..types import Chunk
from .cues import dangles

VERIFY_FILE = Path(__file__).resolve().parent / "verify.toml"
MIN_QUOTE_CHARS = 25

# ---------------------------------------------------------------- parsing

_MARKER = re.compile(r"\[\s*(P\s*\d+(?:\s*[,;]\s*(?:P\s*)?\d+)*)\s*\]", re.I)
_LEADING_MARKERS = re.compile(r"^\s*(?:\[\s*P\s*\d+(?:\s*[,;]\s*(?:P\s*)?\d+)*\s*\][\s.,;]*)+", re.I)
_MARKUP = re.compile(r"^\s*(?:#{1,6}\s+|>\s*)|\*\*|__|`", re.M)


@dataclass(frozen=True)
class GeneratedSentence:
    text: str  # without its citation markers
    cited: tuple[str, ...]  # passage ids in the order cited ("P1", "P3")


def parse(output: str) -> list[GeneratedSentence]:
    """The model's text as sentences with the passage ids each cites. A marker placed after the
    full stop ("… 30 days. [P2]") belongs to the sentence before it."""
    text = _MARKUP.sub("", output or "")
    # A citation closes its sentence: "… class I. [P3] The FAMHP …" is two sentences even where the
    # splitter would read "I." as an initial.
    text = re.sub(r"((?i:" + _MARKER.pattern + r")[.!?]?)[ \t]+(?=[\"«“]?[A-ZÀ-Ý])", r"\1\n\n", text)
    out: list[GeneratedSentence] = []
    for start, end in sentence_spans(text):
        raw = text[start:end]
        leading = _LEADING_MARKERS.match(raw)
        if leading and out:
            prev = out[-1]
            out[-1] = GeneratedSentence(prev.text, _unique(prev.cited + _ids(leading.group(0))))
            raw = raw[leading.end():]
        ids = _ids(raw)
        # A marker goes with the space before it ("30 days [P2]." → "30 days."); French spacing
        # before ":" stays.
        clean = re.sub(r"\s+", " ", re.sub(r"\s*" + _MARKER.pattern, "", raw, flags=re.I)).strip()
        if any(c.isalnum() for c in clean):
            out.append(GeneratedSentence(clean, ids))
    return out


def _ids(text: str) -> tuple[str, ...]:
    ids = []
    for group in _MARKER.findall(text):
        ids += ["P" + re.sub(r"\D", "", piece) for piece in re.split(r"[,;]", group)]
    return _unique(tuple(ids))


def _unique(ids: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(ids))


# ---------------------------------------------------------------- facts

_NUMBER_WORDS = {
    "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
    "sixty": 60, "ninety": 90,
    "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "huit": 8, "dix": 10, "onze": 11,
    "douze": 12, "quinze": 15, "vingt": 20, "trente": 30, "quarante": 40, "cinquante": 50, "soixante": 60,
    "twee": 2, "drie": 3, "vier": 4, "vijf": 5, "zes": 6, "zeven": 7, "acht": 8, "negen": 9, "tien": 10,
    "twaalf": 12, "vijftien": 15, "twintig": 20, "dertig": 30, "veertig": 40, "vijftig": 50,
    "zestig": 60, "negentig": 90,
}
# Left out because they are also other words: ten (nl "ten slotte"), elf, neuf (new), sept (Sept.).
_NUMBER_WORD = re.compile(r"(?<!\w)(" + "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True)) + r")(?!\w)", re.I)
_NUMBER = re.compile(r"(?<![\w.,])(\d{1,3}(?:[ .,\u00a0\u202f]\d{3})+(?![.,]?\d)|\d+(?:[.,]\d+)?)"
                     r"(?:er|re|e|ème|st|nd|rd|th|ste|de)?(?!\w)")
# Codes that carry a number: the pyramid levels (M1, M3), annexes and the like.
_CODE = re.compile(r"(?<![\w-])([A-Z]{1,3}\d{1,3})(?!\w)")
_CLASS = re.compile(r"(?i:\bclass(?:e|es)?|\bklasse)\s+(I{1,3}[ab]?|IV)(?![\w])")
_UNITS = {
    "day": r"days?|jours?|dagen|dag|werkdagen|kalenderdagen",
    "week": r"weeks?|semaines?|weken",
    "month": r"months?|mois|maanden|maand",
    "year": r"years?|ans?|ann[ée]es?|jaren|jaar",
    "hour": r"hours?|heures?|uren|uur",
    "euro": r"€|euros?|eur",
    "percent": r"%|percent|per cent|pour ?cent|procent",
}
_UNIT = [(unit, re.compile(rf"(?:{pattern})(?!\w)", re.I)) for unit, pattern in _UNITS.items()]
# Words allowed between a number and its unit: "30 calendar days", "90 jours ouvrables" (after).
_FILLER = re.compile(r"(?:calendar|working|business|full|kalender|werk|more|de plus|extra|additional)\s+", re.I)
_MONTHS = {
    1: r"january|janvier|januari", 2: r"february|f[ée]vrier|februari", 3: r"march|mars|maart",
    4: r"april|avril", 5: r"may|mai|mei", 6: r"june|juin|juni", 7: r"july|juillet|juli",
    8: r"august|ao[uû]t|augustus", 9: r"september|septembre", 10: r"october|octobre|oktober",
    11: r"november|novembre", 12: r"december|d[ée]cembre",
}
# A month counts as part of a date only beside a day or a year ("1 October 2023", "mai 2021"):
# "may" is also a modal verb.
_MONTH = [(m, re.compile(rf"(?<!\w)(?:\d{{1,2}}(?:er|st|nd|rd|th)?\s+(?:{p})|(?:{p})\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}|(?:{p})\s+\d{{4}})(?!\w)", re.I))
          for m, p in _MONTHS.items()]


def numbers(text: str) -> set[tuple[str, str]]:
    """(value, unit) of every number in the text; unit "" when none follows or precedes it."""
    text = _NUMBER_WORD.sub(lambda m: str(_NUMBER_WORDS[m.group(1).lower()]), text)
    found = set()
    for match in _NUMBER.finditer(text):
        raw = match.group(1)
        if re.fullmatch(r"\d{1,3}(?:[ .,\u00a0\u202f]\d{3})+", raw):
            value = re.sub(r"\D", "", raw)  # thousands separators: 1.500, 1 500, 1,500
        else:
            value = raw.replace(",", ".")
            value = value.rstrip("0").rstrip(".") if "." in value else value.lstrip("0") or "0"
        after = _FILLER.sub("", text[match.end():match.end() + 40].lstrip(" \u00a0-"))
        before = text[max(0, match.start() - 5):match.start()]
        unit = next((u for u, pattern in _UNIT if pattern.match(after)), "")
        if not unit and re.search(r"(?:€|eur)\s*$", before, re.I):
            unit = "euro"
        found.add((value, unit))
    found |= {(code, "code") for code in _CODE.findall(text)}
    found |= {(cls, "class") for cls in _CLASS.findall(text)}
    return found


def months(text: str) -> set[int]:
    return {m for m, pattern in _MONTH if pattern.search(text)}


def missing_numbers(sentence: str, evidence: str) -> list[str]:
    """Numbers of the sentence the evidence does not state (with the same unit when it has one)."""
    have = numbers(evidence)
    values = {v for v, _ in have}
    out = []
    for value, unit in sorted(numbers(sentence)):
        if (unit and (value, unit) not in have) or (not unit and value not in values):
            out.append(f"{value} {unit}".strip())
    return out


# ---------------------------------------------------------------- names

# Bodies the glossary does not list (corpus/ is read-only here), in every form the sources use.
EXTRA_ORGANISATIONS = [
    ["eHealth", "plate-forme eHealth", "eHealth-platform", "eHealth platform"],
    ["mHealthBelgium", "mHealth Belgium"],
    ["KCE", "Centre fédéral d'expertise des soins de santé", "Federaal Kenniscentrum voor de Gezondheidszorg",
     "Belgian Health Care Knowledge Centre"],
    ["beMedTech"],
    ["Sciensano"],
    ["European Commission", "Commission européenne", "Europese Commissie"],
    ["EMA", "European Medicines Agency", "Agence européenne des médicaments", "Europees Geneesmiddelenbureau"],
    ["FDA"],
    ["WHO", "OMS", "WGO", "World Health Organization", "Organisation mondiale de la santé", "Wereldgezondheidsorganisatie"],
    ["notified body", "notified bodies", "organisme notifié", "organismes notifiés", "aangemelde instantie",
     "aangemelde instanties"],
    ["Insurance Committee", "Comité de l'assurance", "Verzekeringscomité"],
]
_ACRONYM = re.compile(r"\b[A-Z]{2,}\b")


class Organisations:
    """Names of bodies grouped across languages: INAMI = RIZIV = NIHDI."""

    def __init__(self, groups: list[list[str]]):
        self.groups = groups
        self._patterns = []
        for group in groups:
            alternatives = []
            for name in sorted(group, key=len, reverse=True):
                # Acronyms match in capitals only: "APD" is a body, "apd" is not a word we know.
                body = re.escape(name) if _ACRONYM.fullmatch(name) else f"(?i:{re.escape(name)})"
                alternatives.append(rf"(?<!\w){body}(?!\w)")
            self._patterns.append(re.compile("|".join(alternatives)))

    @classmethod
    def from_glossary(cls, glossary: Glossary) -> Organisations:
        # Glossary groups that hold an acronym name bodies or legal texts (INAMI, AFMPS, RGPD, MDR);
        # the others are notions ("remboursement") that a paraphrase may legitimately drop or add.
        named = [g for g in glossary.groups if any(_ACRONYM.search(n) for n in g)]
        return cls(named + EXTRA_ORGANISATIONS)

    def named(self, text: str) -> set[int]:
        return {i for i, pattern in enumerate(self._patterns) if pattern.search(text)}

    def name_of(self, group: int) -> str:
        return self.groups[group][0]


# ---------------------------------------------------------------- negation and instructions

_NEGATION = re.compile(
    r"(?<!\w)(?:not|no|never|cannot|can't|don't|doesn't|isn't|aren't|won't|without|none|neither|nor|"
    r"ne|pas|jamais|aucune?|sans|ni|non|"
    r"niet|geen|nooit|zonder|noch|geenszins)(?!\w)|(?<!\w)n['’](?=\w)", re.I)
# Sentences addressed to the assistant rather than to a reader of the document.
_INSTRUCTION = re.compile(
    r"\b(?:ignore|disregard|forget|override)\b.{0,40}\b(?:instructions?|rules?|prompt|above|previous|everything)\b|"
    r"\b(?:you are|act as|pretend to be)\b.{0,30}\b(?:assistant|model|AI|chatbot)\b|"
    r"\b(?:tell|answer|inform|reply to|say to)\b.{0,15}\b(?:the )?(?:user|reader|founder)s?\b|"
    r"\bsystem prompt\b|^\s*(?:assistant|AI|LLM|chatbot|system)\s*:|"
    r"\b(?:ignore[rz]?|oublie[rz]?)\b.{0,40}\b(?:instructions?|consignes?|r[èe]gles?)\b|"
    r"\b(?:dis|dites|r[ée]ponds|r[ée]pondez|affirme[rz]?)\b.{0,20}\bl'utilisateur\b|"
    r"\b(?:negeer|vergeet)\b.{0,40}\b(?:instructies?|regels?|opdrachten?)\b|"
    r"\b(?:zeg|vertel|antwoord)\b.{0,20}\b(?:de )?gebruiker\b",
    re.I)
# Sentences that say the sources leave a point open, in the three languages.
_GAP = re.compile(
    r"\b(?:sources?|passages?|documents?)\b.{0,40}\b(?:do(?:es)? not|don't|doesn't|say nothing|give no|state no|"
    r"mention no)\b|"
    r"\b(?:sources?|passages?|documents?)\b.{0,40}\bne\b.{0,40}\b(?:pas|aucune?|rien|nullement)\b|"
    r"\b(?:sources?|passages?|documents?)\b.{0,30}\bn['’].{0,40}\b(?:pas|aucune?|rien)\b|"
    r"\b(?:bronnen|bron|passages?|documenten)\b.{0,40}\b(?:niet|geen|niets)\b",
    re.I)


# Contrasts and idioms that hold a negative word without denying the claim: "X, not Y" restates
# "X rather than Y", "at no cost" restates "free of charge".
_NOT_DENIAL = re.compile(
    r",\s*(?:and\s+)?not\b|\brather than\b|\binstead of\b|\bnot only\b|\b(?:at )?no (?:cost|charge)\b|"
    r"\bno later than\b|\bet non\b|,\s*(?:et\s+)?(?:non|pas)\b|\bplut[ôo]t que\b|\bau lieu de\b|\bnon seulement\b|"
    r"\bsans frais\b|\bne\b[^.]{0,30}\bque\b|"
    r"\ben niet\b|,\s*niet\b|\bin plaats van\b|\bniet alleen\b|\bzonder kosten\b|\buiterlijk\b",
    re.I)


def negated(text: str) -> bool:
    return bool(_NEGATION.search(_NOT_DENIAL.sub(" ", text)))


def is_instruction(text: str) -> bool:
    return bool(_INSTRUCTION.search(text))


def is_gap(text: str) -> bool:
    return bool(_GAP.search(text))


# ---------------------------------------------------------------- threshold

@lru_cache(maxsize=1)
def _thresholds() -> dict[str, float]:
    with open(VERIFY_FILE, "rb") as handle:
        return {k: float(v) for k, v in tomllib.load(handle).get("support", {}).items()}


def support_threshold(model_name: str) -> float:
    """The calibrated semantic-support threshold for an embedding model (verify.toml); models
    nobody calibrated use the "default" entry, which is deliberately strict."""
    table = _thresholds()
    return table.get(model_name, table["default"])


# ---------------------------------------------------------------- checking

@dataclass(frozen=True)
class Passage:
    """A passage as the model received it: its short id and the chunk behind it."""

    pid: str
    chunk: Chunk
    spans: tuple[tuple[int, int], ...]  # sentences that may support a claim (instructions left out)
    vectors: np.ndarray  # one per span

    @property
    def evidence(self) -> str:
        return " ".join(self.chunk.text[s:e] for s, e in self.spans)


@dataclass(frozen=True)
class Check:
    sentence: GeneratedSentence
    ok: bool
    reason: str  # why it failed ("" when it passed)
    support: float  # best cosine with a sentence of the cited passages
    gap: bool = False  # a "the sources do not state…" sentence
    passage: Passage | None = None  # the cited passage that supports it best
    quote: tuple[int, int] | None = None  # that passage's best supporting sentence
    vector: np.ndarray | None = None


def make_passage(pid: str, chunk: Chunk, spans: list[tuple[int, int]], vectors: np.ndarray) -> Passage:
    keep = [i for i, (s, e) in enumerate(spans) if not is_instruction(chunk.text[s:e])]
    return Passage(pid, chunk, tuple(spans[i] for i in keep),
                   vectors[keep] if len(keep) else np.zeros((0, vectors.shape[1] if vectors.ndim == 2 else 1),
                                                            dtype=np.float32))


def passage_sentences(chunk: Chunk) -> list[tuple[int, int]]:
    return sentence_spans(chunk.text)


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if not unicodedata.combining(c)).lower()


class Verifier:
    def __init__(self, passages: list[Passage], organisations: Organisations, threshold: float, question: str = ""):
        self.passages = {p.pid: p for p in passages}
        self.organisations = organisations
        self.threshold = threshold
        self.question_names = organisations.named(question)

    def check(self, sentence: GeneratedSentence, vector: np.ndarray) -> Check:
        known = [self.passages[i] for i in sentence.cited if i in self.passages]
        unknown = [i for i in sentence.cited if i not in self.passages]
        if not sentence.cited:
            return self._gap(sentence, vector)
        if not known:
            return Check(sentence, False, f"cites {', '.join(unknown)}, which the model was not given", 0.0,
                         vector=vector)
        best, passage, span = -1.0, None, None
        for p in known:
            if not len(p.spans):
                continue
            cosines = p.vectors @ vector
            i = int(np.argmax(cosines))
            if float(cosines[i]) > best:
                best, passage, span = float(cosines[i]), p, p.spans[i]
        if passage is None:
            return Check(sentence, False, "the cited passages hold only instructions", 0.0, vector=vector)
        found = dict(support=best, passage=passage, quote=span, vector=vector)
        reason = self._facts(sentence.text, known, _closest_piece(passage.chunk.text[span[0]:span[1]], sentence.text))
        if not reason and best < self.threshold:
            reason = f"meaning not supported by the cited passages ({best:.2f} < {self.threshold:.2f})"
        if not reason and unknown:
            # The sentence stands on the passages it was given; the invented ids are dropped.
            sentence = GeneratedSentence(sentence.text, tuple(i for i in sentence.cited if i in self.passages))
        return Check(sentence, not reason, reason, **found)

    def _facts(self, text: str, cited: list[Passage], best_sentence: str) -> str:
        evidence = " ".join(p.evidence for p in cited)
        context = " ".join([evidence] + [f"{p.chunk.title} {p.chunk.locator} {p.chunk.publisher}" for p in cited])
        missing = missing_numbers(text, evidence)
        if missing:
            return f"{', '.join(missing)} not in the cited passages"
        absent_months = months(text) - months(evidence)
        if absent_months:
            return "a month the cited passages do not give"
        named = self.organisations.named(text)
        names = named - self.organisations.named(context)
        if names:
            return f"{', '.join(self.organisations.name_of(g) for g in sorted(names))} not named in the cited passages"
        # A body swapped for another the passage also names: the sentence that supports the claim
        # names one body, the claim another.
        supporting = self.organisations.named(best_sentence)
        if named - supporting and supporting - named:
            return (f"{', '.join(self.organisations.name_of(g) for g in sorted(named - supporting))} where the "
                    f"supporting sentence names {', '.join(self.organisations.name_of(g) for g in sorted(supporting - named))}")
        if negated(text) != negated(best_sentence):
            return "negation differs from the supporting sentence"
        return ""

    def _gap(self, sentence: GeneratedSentence, vector: np.ndarray) -> Check:
        text = sentence.text
        if not is_gap(text):
            return Check(sentence, False, "no citation", 0.0, vector=vector)
        # A gap statement may name what was asked, nothing more: no figure, no other body.
        if numbers(text) or months(text):
            return Check(sentence, False, "a gap statement that states a figure", 0.0, gap=True, vector=vector)
        if self.organisations.named(text) - self.question_names:
            return Check(sentence, False, "a gap statement that names a body the question does not", 0.0,
                         gap=True, vector=vector)
        return Check(sentence, True, "", 0.0, gap=True, vector=vector)


def _closest_piece(span_text: str, sentence: str) -> str:
    """The part of a supporting span that the sentence restates: a span of the index can hold
    two sentences (a list item and the paragraph after it), and a negation in the other one
    says nothing about this claim."""
    pieces = [p for p in _pieces(span_text) if p.strip()] or [span_text]
    if len(pieces) == 1:
        return pieces[0]
    mine = _words(sentence)
    # Shared words, discounted by the piece's length so that a long piece does not win by size.
    return max(pieces, key=lambda p: len(mine & _words(p)) / max(len(_words(p)), 1) ** 0.5)


def _words(text: str) -> set[str]:
    return set(re.findall(r"\w+", text.lower()))


def _pieces(text: str) -> list[str]:
    out = []
    for para in re.split(r"\n\s*\n", text):
        out += [para[a:b] for a, b in sentence_spans(para)]
    return out


def quotable(text: str) -> bool:
    text = text.strip()
    return len(text) >= MIN_QUOTE_CHARS and not dangles(text) and not is_instruction(text)
