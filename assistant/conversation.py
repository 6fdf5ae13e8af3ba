"""Follow-up questions in a conversation.

Retrieval sees one question at a time, and "and how long does that take?" names nothing it can
search for. When a new question leans on the previous one (it is very short, starts with "and …",
or points back with "it", "ça", "dat" …), the previous question's content words are appended to
it. The new question comes first and keeps its own wording, so the merged query stays in the new
question's language; the caller detects the answer language on the literal question anyway.
"""

from __future__ import annotations

import re

from .languages import STOPWORDS, detect_language

# Openings that continue the previous question. Dutch "en" is only a connector in Dutch: in
# French it is a preposition ("En Belgique, …").
CONNECTORS: dict[str, tuple[str, ...]] = {
    "en": ("and", "also", "but", "so", "what about", "how about"),
    "fr": ("et", "aussi", "mais", "alors", "quid", "qu'en est-il"),
    "nl": ("en", "ook", "maar", "dus", "wat met", "hoe zit het met"),
}
# Words that point back at something said before. Articles that look like pronouns ("het", "die"
# in Dutch) only count in short questions, see MAX_ANAPHORIC_TERMS.
PRONOUNS: dict[str, frozenset[str]] = {
    "en": frozenset("it its that this they them those these there".split()),
    "fr": frozenset("ça ca cela ceci celui-ci celle-ci ceux-ci celles-ci il elle ils elles y".split()),
    "nl": frozenset("dat dit het die deze ze ervan daarvan daarvoor daarmee hiervoor".split()),
}
MAX_SHORT_TERMS = 2  # a question with this few content words cannot stand alone
MAX_ANAPHORIC_TERMS = 4  # a pronoun in a longer question usually refers inside that question
MAX_CONTEXT_WORDS = 12  # bounds the query when follow-ups chain
MAX_HISTORY = 5  # how far back a chain of follow-ups is followed

# Openings that ask about what was just said, whatever else the question names: "is there one in
# Belgium?", "and then?", "ok en daarna?".
_LEANS_ON = re.compile(r"^\W*(?:(?:ok|okay|oké|bon|d'accord|goed|oki)\W+)?(?:"
                       r"il en (?:existe|a)|y en a|en existe-t-il|existe-t-il (?:un|une|des) tel|"
                       r"is there (?:one|such)|are there (?:any )?(?:such|ones?)\b|"
                       r"bestaat (?:er )?(?:zo'?n|er een dergelijke)|zijn er (?:zulke|dergelijke)|"
                       r"and then|then what|what then|after that|et (?:en)?suite|et apr[eè]s|puis quoi|"
                       r"en daarna|daarna|en dan|wat dan)\b", re.I)
_TOKEN = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*", re.UNICODE)
_ELISION = re.compile(r"^(?:l|d|j|m|n|s|t|c|qu|jusqu|lorsqu|puisqu)['’]", re.IGNORECASE)


def contextualise(question: str, history: list[str] | None) -> str:
    """The query to retrieve with: `question` alone, or merged with the previous user question
    when it is a follow-up. `history` holds the earlier user questions, oldest first."""
    question = (question or "").strip()
    previous = [h.strip() for h in (history or []) if isinstance(h, str) and h.strip()][-MAX_HISTORY:]
    if not question or not previous or not is_follow_up(question):
        return question
    # The previous question may itself be a follow-up: resolve it first, so that a chain of
    # "and …" keeps the topic of the question that started it.
    return with_subject(question, contextualise(previous[-1], previous[:-1]))


def with_subject(question: str, context: str) -> str:
    """`question` followed by the content words of `context` it does not already hold."""
    own = {t.lower() for t in _tokens(question)}
    extra = [w for w in _content_words(context) if w.lower() not in own]
    extra = list(dict.fromkeys(extra))[:MAX_CONTEXT_WORDS]
    return f"{question} {' '.join(extra)}".strip() if extra else question


def is_follow_up(question: str) -> bool:
    """Whether the question needs the previous one to be understood."""
    tokens = [t.lower() for t in _tokens(question)]
    if not tokens:
        return False
    language = detect_language(question)
    lowered = " ".join(tokens)
    if any(lowered == c or lowered.startswith(c + " ") for c in CONNECTORS.get(language, ())):
        return True
    if _LEANS_ON.match(question):  # "Il en existe un en Belgique ?" names a place, not its subject
        return True
    if _names(question):  # "What is mHealthBelgium?" names its own subject
        return False
    content = _content_words(question)
    if len(content) <= MAX_SHORT_TERMS:
        return True
    pronouns = PRONOUNS.get(language, frozenset())
    parts = {p for t in tokens for p in [t, *t.split("-")]}  # "prend-il" → "il"
    return bool(parts & pronouns) and len(content) <= MAX_ANAPHORIC_TERMS


def _tokens(text: str) -> list[str]:
    """Words as written (case kept), French elisions split off: "l'INAMI" → "INAMI"."""
    out = []
    for match in _TOKEN.finditer(text):
        word = _ELISION.sub("", match.group(0))
        if word:
            out.append(word)
    return out


def _content_words(text: str) -> list[str]:
    """The words that carry the topic: not function words, pronouns or connectors of any of the
    three languages (a follow-up may switch language)."""
    skip = set().union(*(STOPWORDS[lang] for lang in ("fr", "nl", "en")), *PRONOUNS.values())
    skip |= {w for phrases in CONNECTORS.values() for p in phrases for w in p.split()}
    return [t for t in _tokens(text) if t.lower() not in skip and not t.isdigit() and len(t) > 1]


def _names(text: str) -> list[str]:
    """Acronyms anywhere and capitalised words after the first: the subject a question names."""
    tokens = _tokens(text)
    function_words = set().union(*STOPWORDS.values())
    names = []
    for i, token in enumerate(tokens):
        if token.lower() in function_words:  # "Can I apply?"
            continue
        letters = [c for c in token if c.isalpha()]
        acronym = len(letters) >= 2 and sum(c.isupper() for c in letters) >= 2
        if acronym or (i > 0 and any(c.isupper() for c in token)):
            names.append(token)
    return names
