"""Language detection, tokenization and stemming for French, Dutch, English (and German text)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache

import Stemmer

# Function words: they identify the language and carry no meaning for lexical search.
STOPWORDS: dict[str, frozenset[str]] = {
    "fr": frozenset(
        """a à au aux avec ce ces cet cette comment dans de des du elle en est et être faut il ils je
        l la le les leur leurs lui ma mais me mes moi mon ne nos notre nous on ou où par pas pour
        qu que quel quelle quelles quels qui sa sans se ses son sont sur ta te tes toi ton tu un une
        vos votre vous y d c j m n s t qu est-ce quoi peut peux puis dois doit faire combien quand
        été ont avoir ai as avez avons sera seront était sont-ils quoi si plus aussi très ça cela""".split()
    ),
    "nl": frozenset(
        """aan al als bij dat de den der deze die dit doen door een en er had heb heeft hem het hij
        hoe hun ik in is je jij kan kun kunnen maar me meer met mij mijn moet moeten na naar niet nog
        nu of om onder ons onze ook op over te tot u uit uw van veel voor want was wat we welk welke
        wie wij wil worden wordt zal ze zich zij zijn zo zou waar wanneer hoeveel hebben werd geen
        daar dan toch iets nodig krijg krijgen""".split()
    ),
    "en": frozenset(
        """a about an and are as at be been but by can could do does for from had has have how i if
        in into is it its me my no not of on or our should so than that the their them then there
        these they this to was we were what when where which who why will with would you your yours
        get got need much many any does did also very""".split()
    ),
    "de": frozenset(
        """aber als am an auch auf aus bei bin bis das dass dem den der des die doch du ein eine
        einem einen einer er es für hat haben ich ihr im in ist ja kann mit nach nicht noch nur oder
        sie sind so über um und uns von vor war was wie wir wird zu zum zur""".split()
    ),
}

_OWNERS: dict[str, tuple[str, ...]] = {}
for _lang, _words in STOPWORDS.items():
    for _word in _words:
        _OWNERS[_word] = _OWNERS.get(_word, ()) + (_lang,)

_STEMMER_NAMES = {"fr": "french", "nl": "dutch", "en": "english", "de": "german"}
_WORD = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*", re.UNICODE)
_ELISION = re.compile(r"^(?:l|d|j|m|n|s|t|c|qu|jusqu|lorsqu|puisqu)['’]", re.IGNORECASE)


def words(text: str) -> list[str]:
    """Lower-cased words, French elisions split off ("l'INAMI" → "inami")."""
    out = []
    for match in _WORD.finditer(text.lower()):
        word = match.group(0)
        if "'" not in word and "’" not in word:  # the common case, without two regex calls
            out.append(word)
            continue
        word = _ELISION.sub("", word)
        out.extend(part for part in re.split(r"['’]", word) if part)
    return out


# A content word the sources use in only one language ("verplicht", "marking") is a weaker vote
# than a function word: short questions ("Is eHealthBox verplicht?", "CE marking?") have few of
# the latter.
CONTENT_VOTE = 0.5
_ACRONYM = re.compile(r"(?<![\w-])[A-Z]{2,}(?![\w-])")


def detect_language(text: str, default: str = "en",
                    owners: Callable[[str], tuple[str, ...]] | None = None) -> str:
    """The language among fr/nl/en/de whose function words the text uses most.

    A word that several languages share ("is", "in", "de") counts for each of them by a
    fraction, so that the words only one language uses decide; accents tip towards French.
    `owners`, when given, names the languages whose sources use a word: the question's other
    words vote too, except names. An acronym is not a function word ("CE" is not French "ce").
    """
    acronyms = {a.lower() for a in _ACRONYM.findall(text)}
    tokens = [t for t in words(text) if t not in acronyms] or words(text)
    if not tokens:
        return default
    # Names ("Tour de France") are no language's words, whoever's sources mention them.
    names = {w.lower() for i, w in enumerate(_WORD.findall(text)) if i and w[:1].isupper()}
    scores = dict.fromkeys(STOPWORDS, 0.0)
    for token in tokens:
        function = _OWNERS.get(token)
        voting = owners is not None and token not in names and not token.isdigit()
        langs, weight = (function, 1.0) if function else ((owners(token) if voting else ()), CONTENT_VOTE)
        for lang in langs:
            if lang in scores:
                scores[lang] += weight / len(langs) ** 2
    lowered = text.lower()
    if re.search(r"[éèêàçùôî]", lowered):
        scores["fr"] += 0.5
    if re.search(r"\b\w*ij\w*\b", lowered):
        scores["nl"] += 0.3
    best = max(scores, key=lambda lang: (scores[lang], lang == default))
    return best if scores[best] > 0 else default


@lru_cache(maxsize=8)
def _stemmer(language: str):
    return Stemmer.Stemmer(_STEMMER_NAMES.get(language, "english"))


@lru_cache(maxsize=1 << 16)
def _fold(word: str) -> str:
    # Accents are dropped after stemming so that "médical" and "medical" meet.
    if word.isascii():  # most words: nothing to drop (and cached: a third of an index build's BM25 time)
        return word
    return "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))


def terms(text: str, language: str) -> list[str]:
    """Search terms: words minus the language's stop words, stemmed for that language."""
    stop = STOPWORDS.get(language, frozenset())
    kept = [w for w in words(text) if w not in stop and (len(w) > 1 or w.isdigit())]
    return [_fold(s) for s in _stemmer(language).stemWords(kept)]


_NAME = re.compile(r"(?<![\w\-])[^\W\d_][\w\-’']*")
_ALL_STOPWORDS = frozenset().union(*STOPWORDS.values())
# Technology and format acronyms that any founder's question may use: not names of something
# the sources would have to cover.
GENERIC_ACRONYMS = frozenset("""pdf ecg ekg api apis it ict ai ia ki saas app apps ios android sms url qr usb
csv xml json hl7 fhir b2b b2c ceo cto cio cfo mvp poc ux ui iot ml llm gps id pc""".split())


def unknown_names(text: str, vocabulary: set[str]) -> list[str]:
    """Names and acronyms in the text (capitalised, not sentence-initial, not function words)
    of which the indexed sources know no part: "DiGA", "BfArM", "Québec" in a question about
    Belgian procedures point at something the sources do not cover."""
    found = []
    for match in _NAME.finditer(text):
        word = match.group(0).strip("-’'")
        before = text[:match.start()].rstrip()
        if not before or before[-1] in ".?!:;" or not any(c.isupper() for c in word):
            continue
        parts = [p for p in re.split(r"[-’']", word) if p]
        if any(p.lower() in _ALL_STOPWORDS or p.lower() in GENERIC_ACRONYMS for p in parts):
            continue
        stems = {t for p in parts for lang in ("fr", "nl", "en") for t in terms(p, lang)}
        if stems and not any(s in vocabulary for s in stems):
            found.append(word)
    return found
