"""What the route planner's pathway answers in the chat.

- "What next?": when a founder describes their product (or asks how to get reimbursed), the
  direct answer is the plan's next steps for that situation, each quoted by the fact that stands
  for it (the step's lead fact, a sentence of a note, found in the index), then the procedure in
  short.
- "How long?" about the procedure: the durations the pathway's facts state.
- Known gaps: what the sources are known not to state, said for the part that asks it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import numpy as np

from ..conversation import with_subject
from ..index.embeddings import embed_array
from ..plan import Profile, load_pathway, make_plan
from ..plan.asked import NO_KIND, kind_classifier
from ..retrieve.hybrid import Retrieval
from ..retrieve.understanding import WHAT_NEXT, Part, Understanding, points_back
from ..settings import Settings
from .cues import TYPED

MAX_STEPS = 4
# The route in short: the three steps of INAMI's procedure, its entry condition, and what follows
# the request (a working group's evaluation), which founders asking for "the steps" expect too.
OVERVIEW = ("gnius_three_steps", "inami_requires_notification", "working_group")


def applies(part: Part, understanding: Understanding, corpus_dir: Path) -> bool:
    """"What next?" from a founder who describes their product, or "how do I get reimbursed?";
    not a question about one step ("how do we book the pre-submission meeting?")."""
    if part.intent != "steps" or load_pathway(corpus_dir).gaps_asked(part.text):
        return False
    if not understanding.situation.empty:
        return True
    # "In what order: CE marking, FAGG notification, M1, M2, then INAMI?", "the sequence from CE
    # marking to the first reimbursed patient": the route, though it names steps.
    route = bool(_ROUTE.search(part.text)) and (bool(_REIMBURSED.search(part.query)) or
                                                len(set(m.group(0).lower() for m in _STEP_NAME.finditer(part.text))) >= 2)
    return route or (bool(_REIMBURSED.search(part.query)) and not _OTHER_STEP.search(part.text))


def applies_duration(part: Part, understanding: Understanding, corpus_dir: Path) -> bool:
    """"How long does it take?" about the reimbursement procedure (after a founder's situation, a
    question about the steps, or naming INAMI): the durations the sources state for it. A part
    about another step ("how long does the FAMHP take?") is left to retrieval."""
    if part.intent == "date" and _REIMBURSED.search(part.text) and _PROSPECT.search(part.text):
        # "When could we be reimbursed if we file in June?" is how long the procedure takes; "since
        # when does INAMI reimburse apps?" asks a date.
        return not load_pathway(corpus_dir).gaps_asked(part.text)
    asked = part.query if asked_of_before(part) else part.text
    # "A realistic timeline from CE marking to NIHDI reimbursement?" names a step, and asks the route.
    route = bool(_REIMBURSEMENT.search(asked)) and bool(_SPAN.search(asked))
    if part.intent != "duration" or (_OTHER_STEP.search(asked) and not route):
        return False
    if load_pathway(corpus_dir).gaps_asked(asked):
        return False  # "how long does temporary reimbursement last?" is a known gap, not the procedure
    return (not understanding.situation.empty or any(p.intent == "steps" for p in understanding.parts)
            or bool(_REIMBURSEMENT.search(part.query)) or bool(_REIMBURSEMENT.search(understanding.question)))


def applies_cost(part: Part, understanding: Understanding, corpus_dir: Path) -> bool:
    """"Does it cost anything?" about the route (after "what next?"): the sources state no fee
    for INAMI's request, which is said first (a "cost per QALY" threshold is not a fee). A part
    about another step's cost ("what does a notified body cost?") has its own gap or facts."""
    if part.intent != "cost" or _OTHER_STEP.search(part.text) or load_pathway(corpus_dir).gaps_asked(part.text):
        return False
    return any(p.intent == "steps" for p in understanding.parts)


# Names of steps other than INAMI's procedure, and of the procedure itself, in the three languages.
_OTHER_STEP = re.compile(r"AFMPS|FAGG|FAMHP|notif|organisme notifi|notified body|aangemelde instantie|\bCE\b|\bMD[RD]\b|"
                         r"eHealth|DPIA|AIPD|\bGEB\b|mHealthBelgium|convention|overeenkomst|h[oô]pita|ziekenhui",
                         re.I)
_SPAN = re.compile(r"\b(?:from|van|de|du|depuis|vanaf)\b.{1,60}\b(?:to|until|till|tot|naar|à|au|aux|jusqu)", re.I)
_STEP_NAME = re.compile(r"\bCE\b|AFMPS|FAGG|FAMHP|\bM[123]\b|eHealth|INAMI|RIZIV|NIHDI|mHealthBelgium", re.I)
_REIMBURSEMENT = re.compile(r"INAMI|RIZIV|NIHDI|rembours|reimburs|terugbet", re.I)
_REIMBURSED = re.compile(r"rembours|reimburs|terugbet", re.I)
# The founder's own prospect: what could, would or will happen to them.
_PROSPECT = re.compile(r"\b(?:could|can|would|will|expect\w*|earliest|realistic\w*|pourr\w*|peut|peux|pouvons|sera|serons|"
                       r"au plus t[oô]t|esp[ée]rer|kunnen|kan|zullen|zal|zouden|ten vroegste|verwacht\w*|realistisch)\b", re.I)
_FIRST_WORDS = (r"\bfirst\b|\beerst\b|\bals eerste\b|\bd.abord\b|\ben premier\b|\bpar o[uù] commencer\b|\bpar quoi (?:on )?commence\w*|"
                r"\bwaar (?:moeten we )?(?:beginnen|starten)\b|\bwhere (?:do we|to|should we) start\b")
# Asking for the route itself ("in what order: CE, FAMHP, eHealth?"), which the plan answers even
# when the part names a step that a kind of question covers.
_ROUTE = re.compile(r"\border\b|\bordre\b|\bvolgorde\b|\bsequence\b|\bs[ée]quence\b|\benchain\w*|\benchaîn\w*|\bnext steps?\b|\bwhat next\b|\bla suite\b|"
                    r"\bprochaines? [ée]tapes?\b|\bvolgende stap|\b[ée]tapes\b|\bstappen\b|\bsteps\b|\broute\b|"
                    r"\broad ?map\b|\btraje[ct]t?\b|\bparcours\b|\bpathway\b|"
                    # "CE-marked last month: anything else to do before selling here?", "what now?"
                    + WHAT_NEXT.pattern + "|"
                    # "what do we do first?"
                    + _FIRST_WORDS, re.I)
_FIRST = re.compile(_FIRST_WORDS, re.I)


def planned_sentences(part: Part, understanding: Understanding, language: str, corpus_dir: Path,
                      prompts_dir: Path, guess_kind: Callable[[Part], str] | None = None
                      ) -> tuple[str, list[tuple[str, str]]]:
    """What the pathway answers for the part, as (kind, [(note topic, sentence)]):
    ("steps", the next steps) for "what next?", ("duration", the procedure's durations) for "how
    long?", ("facts", the facts that answer it) for a kind of question the pathway lists ("who
    may apply?"), or ("", []) when the part is left to retrieval. The quoted and the generated
    answers both start from it."""
    pathway = load_pathway(corpus_dir)
    typed = part.intent if part.intent in TYPED else ""
    situation = understanding.situation.text
    # "How is the hospital funded for that?": the kind is in what "that" stands for.
    leaning = part.query != part.text and points_back(part.text)
    facts = (leaning and pathway.facts_asked(part.query, typed, situation)) or \
        pathway.facts_asked(part.text, typed, situation)
    # A kind of question named in the part's own words ("could it be funded through the
    # convention rather than the apps procedure?", "how long does it take, says beMedTech?") is
    # more specific than the plan's next steps or the procedure's durations.
    if applies(part, understanding, corpus_dir) and (not facts or _ROUTE.search(part.text)):
        return "steps", next_step_sentences(understanding, language, corpus_dir, prompts_dir,
                                            first_step=bool(_FIRST.search(part.text)))
    if applies_duration(part, understanding, corpus_dir) and not facts:
        return "duration", duration_sentences(language, corpus_dir)
    if not facts and part.query != part.text:
        # "The EHDS, will it bring new duties? From when?", "Hospitals ask if we are in the
        # convention. What does that mean?": the part is asked of the subject of the part or the
        # statement before it, which its query carries.
        facts = pathway.facts_asked(part.query, typed, situation)
    if not facts and situation and part is understanding.parts[0]:
        # "We got a positive opinion. What still has to happen?": what is asked is said in the
        # statement before the question.
        facts = pathway.facts_asked(f"{situation} {part.text}", typed, situation)
    if not facts and guess_kind is not None:
        # No pattern knows these words: the kind its example wordings are closest to, if any.
        guessed = guess_kind(part)
        if guessed and pathway.answers[guessed].admits(part.text, typed):
            facts = pathway.answers[guessed].facts_for(f"{part.text} {situation}")
    if not facts and typed and part in understanding.parts[1:]:
        # "How will the EHDS change things? Any deadlines?": a date, a duration or a fee asked
        # right after a question about something is asked about that thing.
        before = understanding.parts[understanding.parts.index(part) - 1]
        facts = pathway.facts_asked(f"{before.text} {part.text}", typed, situation) or \
            pathway.facts_asked(with_subject(part.text, before.query), typed, situation)
    if facts:
        quoted = [(pathway.facts[f].note, pathway.facts[f].quote(language)) for f in facts]
        return "facts", _for_class(quoted, understanding.situation.device_class, part.text)
    return "", []


def _for_class(quoted: list[tuple[str, str]], device_class: str | None, asked: str) -> list[tuple[str, str]]:
    """The facts naming the founder's device class first ("our consultant says class I. Do we need
    a notified body?" is answered by the class I rule, then by the classes that need one); not
    when the part itself names classes ("class I or IIa?" asks which applies)."""
    if not device_class or _CLASS.search(asked):
        return quoted
    names = re.compile(rf"\b{device_class}\b(?![ab])")
    return sorted(quoted, key=lambda fact: not names.search(fact[1]))


_CLASS = re.compile(r"\b(?:class|classe|klasse)\b", re.I)


def duration_sentences(language: str, corpus_dir: Path) -> list[tuple[str, str]]:
    """The durations sources state for INAMI's procedure: the overall figure first."""
    pathway = load_pathway(corpus_dir)
    steps = sorted((s for s in pathway.steps if s.durations), key=lambda s: s.id != "decision")
    out = []
    for step in steps:
        for fact_id in step.durations:
            fact = pathway.facts[fact_id]
            if (fact.note, fact.quote(language)) not in out:
                out.append((fact.note, fact.quote(language)))
    return out[:MAX_STEPS]


def next_step_sentences(understanding: Understanding, language: str, corpus_dir: Path,
                        prompts_dir: Path, first_step: bool = False) -> list[tuple[str, str]]:
    """(note topic, quoted sentence) for each next step of the plan, in order. `first_step`: the
    founder asks what to do first, which the next step answers before the procedure in short."""
    pathway = load_pathway(corpus_dir)
    plan = make_plan(Profile.from_situation(understanding.situation, language), pathway, prompts_dir)
    chosen = [pathway.step(s.id).lead_fact for s in plan.next_steps[:MAX_STEPS]]
    # Another route open to this founder (an existing convention) matters as much as the next step,
    # and more when it is the plan's route (heart-failure telemonitoring): then it comes first.
    convention = [pathway.step(s.id).lead_fact for s in plan.steps
                  if s.route == "convention" and s.status not in ("not_applicable", "next")]
    chosen += convention
    if plan.route in ("inami", "convention", "undetermined") and plan.step("inami_request").status != "done":
        # The whole procedure in one sentence: first when the question tells nothing about the
        # product ("INAMI app reimbursement, steps?"), where the plan's next steps are only the
        # start of everyone's route, or once the product is CE marked; after the next steps of a
        # founder who still has to get there.
        overview = [f for f in OVERVIEW if f not in chosen]
        # After CE marking, what is left is that procedure: it comes first, then the step at hand.
        first = understanding.situation.empty or (plan.step("ce_marking").status == "done" and not first_step)
        chosen = overview + chosen if first else chosen + overview
    if plan.route == "convention":
        chosen = convention + [f for f in chosen if f not in convention]
    out = []
    for fact_id in chosen:
        fact = pathway.facts[fact_id]
        out.append((fact.note, fact.quote(language)))
    return out


def locate(retrieval: Retrieval, topic: str, language: str, quote: str) -> tuple[int, int, int, int] | None:
    """(passage row, sentence row, start, end) of the quote in the index: the note passage in that language
    holding it, its first sentence's vector standing for it."""
    gen = retrieval.generation
    for row, chunk in enumerate(gen.chunks):
        if chunk.topic != topic or chunk.language != language or quote not in chunk.text:
            continue
        start = chunk.text.index(quote)
        end = start + len(quote)
        for sentence in gen.sentences_of.get(row, ()):
            _, s, e = (int(x) for x in gen.sentence_rows[sentence])
            if s <= start < e or (start <= s < end):
                return row, int(sentence), start, end
    return None


def kind_guesser(index, settings: Settings, query_vector: np.ndarray | None = None) -> Callable[[Part], str] | None:
    """What planned_sentences asks when no pattern recognises a part: the kind of plan/asked.py's
    classifier for the part's words, or "" below `settings.kind_guess`. `query_vector`: the
    part's query as retrieval embedded it, when the caller has it."""
    if settings.kind_guess is None:
        return None
    classifier = kind_classifier(settings.corpus_dir, settings.index_dir, index.embeddings, settings.embedding_model)
    if classifier is None:
        return None

    def guess(part: Part) -> str:
        # The part as written, then with the subject it leans on ("Is there a convention for
        # that?" after a sentence about heart-failure telemonitoring).
        for text in dict.fromkeys((part.text, part.query)):
            vector = query_vector if text == part.query and query_vector is not None else \
                embed_array(index.embeddings, [text])[0]
            found = classifier.guess(text, vector)
            if found.kind not in NO_KIND and found.probability >= settings.kind_guess:
                return found.kind
        return ""
    return guess


def asked_of_before(part: Part) -> bool:
    """"FAMHP notification: any fee? How long does it take?": a part of a few words, its subject
    only in its query (the part or statement before it)."""
    return part.query != part.text and len(re.findall(r"\w+", part.text)) <= _FEW_WORDS


_FEW_WORDS = 5


def known_gaps(part: Part, language: str, corpus_dir: Path, understanding: Understanding | None = None) -> list[str]:
    """What the sources are known not to state, when the part asks it ("how do we book the
    pre-submission meeting?", "is an RCT mandatory?"): said for that part instead of letting
    nearby quotes pass for an answer."""
    pathway = load_pathway(corpus_dir)
    typed = part.intent if part.intent in TYPED else ""
    kind = pathway.kind_asked(part.text, typed) or pathway.kind_asked(part.query, typed)
    # "We store the data on AWS in Frankfurt. Is that allowed?": the gap is in what "that" stands for.
    own = pathway.gaps_asked(part.text) or \
        (pathway.gaps_asked(part.query) if points_back(part.text) or asked_of_before(part) else [])
    if not own and understanding and understanding.situation.text and part is understanding.parts[0]:
        # "Our temporary reimbursement ends in six months. What happens then?": asked in the statement.
        own = pathway.gaps_asked(f"{understanding.situation.text} {part.text}")
    asked = own + [g for g in (kind.gaps if kind else ()) if g not in own]
    if understanding and not kind and "request_fee" not in asked and applies_cost(part, understanding, corpus_dir):
        asked.append("request_fee")
    conditions = understanding.situation.conditions if understanding else ()
    if (_CONVENTION.search(part.text) or (kind and kind.facts[0] in _HEART_FAILURE_FACTS)) and conditions \
            and "heart failure" not in conditions:
        # "Which INAMI convention is there for COPD telemonitoring?", "how are hospitals paid for
        # remote monitoring of our cancer patients?": only heart failure has one.
        asked.append("no_condition_convention")
    return [pathway.gaps[g](language) for g in asked]


def leading_gaps(language: str, corpus_dir: Path, unplanned: Part | None = None) -> frozenset[str]:
    """Gaps that are the answer itself, said before the facts quoted for context rather than
    after them: "no convention for this condition", and what a part no kind of the pathway
    answers asks in so many words ("must the data stay in Belgium?"). Such a part's first quote
    is the sentence scorer's guess, which rarely holds the answer to new wordings; a kind's own
    facts, where one answers, still come first."""
    pathway = load_pathway(corpus_dir)
    asked = [g for g in pathway.gaps_asked(unplanned.text) if g not in TRAILING_GAPS] if unplanned else []
    return frozenset(pathway.gaps[g](language) for g in {*LEADING_GAPS, *asked})


LEADING_GAPS = ("no_condition_convention", "request_fee")
# "Is there a temporary route here like Germany's DiGA fast track?": the nearest thing the sources
# describe (INAMI's temporary reimbursement) answers first, the missing fast track after.
TRAILING_GAPS = ("fast_track",)
# A kind answered by the heart-failure convention's own facts.
_HEART_FAILURE_FACTS = frozenset({"hf_scope", "hf_patients", "hf_paid_to_hospital", "hf_hospital_joins", "hf_app_requirements"})
_CONVENTION = re.compile(r"\b(?:conventions?|conventies?|overeenkomsten?)\b", re.I)
