"""Do the documents cover a question? The checks behind every refusal, shared by all answerers.

A question can match passages closely and still ask for what the documents never say: a figure they do not
give ("how many nurses"), named places they do not name ("which provinces"), or a thing they never mention
("what penalties"). Each check here finds one such gap and returns a `Refusal` saying what is missing, with
the code of the check, or None. `refusal_checks` lists them, in the order they run, in one place.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Protocol

from assistant.core.text import content_words
from assistant.core.types import Refusal, RefusalCode
from assistant.core.understand.question import (
    CLAIMED_CHANGES,
    GENERIC_TERMS,
    Figure,
    Question,
    focus_terms,
)
from assistant.core.understand.reform import NAME_GENERIC
from index.model import Task, UnitKind

INSTANCE_NAME = {
    "provinces": "Province",
    "cities": "City",
    "hospitals": "Hospital",
    "prefectures": "Prefecture",
    "counties": "County",
    "regions": "Region",
    "companies": "Company",
    "enterprises": "Enterprise",
    "countries": "Country",
    "universities": "University",
    "colleges": "College",
    "schools": "School|College|University",
    # makers and suppliers are named as companies are
    **dict.fromkeys(
        ("firms", "manufacturers", "makers", "suppliers"), "Company|Enterprise|Group|Corporation"
    ),
}
# Below this cosine to every found sentence, what a question asks about is unrelated to them, however closely
# the rest of the question matches (on the dev splits answerable foci that the close match kept scored 0.23+)
UNRELATED_FOCUS = 0.2
# How many words after a number may name what it counts ("25 more generic medicines")
COUNTED_WITHIN = 4
PLACE_NAMES = ["City", "Province", "County", "Prefecture", "Region", "District"]
# A sum of money as the notices write one ("5 yuan", "1.2 billion yuan"): what "how much money" asks for
CURRENCY = re.compile(
    r"\d[\d,.]*\s*(?:(?:hundred|thousand|million|billion)\s+)?(?:yuan|rmb)\b|[¥￥]\s*\d", re.IGNORECASE
)
MONEY = content_words("money cash")
PERCENT = re.compile(r"\d\s*%|\bper ?cent\b", re.IGNORECASE)
DIGITS = re.compile(r"\b(?!20\d\d\b)\d+(?:[,.]\d+)*(?!\d|th\b|st\b|nd\b|rd\b)%?")
# A length of time: "40-hour course", "six years", "three months of medicine"; not a plan's name ("the 14th
# Five-Year Plan")
DURATION = re.compile(
    r"\b(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|twelve)[\s-]+(?:hours?|days?|weeks?|months?|years?)"
    r"\b(?![\s-]+plan\b)",
    re.IGNORECASE,
)
NUMBER = re.compile(
    r"\b(?!20\d\d\b)\d+(?:[,.]\d+)*(?!\d|th\b|st\b|nd\b|rd\b)%?|\b(ten|hundred|thousand|million|billion)\b"
    r"|\b(at least one|one|two|three|four|five|six|seven|eight|nine|dozens?)\b"
    r"(?![\s-]*(?:stop|ones?|year)\b)",  # not "one-stop", "Five Ones", "Five-Year Plan"
    re.IGNORECASE,
)


def statements(unit: Task) -> list[str]:
    """What a unit states, title included: a title is the source's own words ("Extend compact county medical
    communities to 500 counties") and often the only place a task's figure or subject is written. Other
    units' titles are the parser's labels ("Preamble")."""
    return [unit.title, *unit.sentences] if unit.kind is UnitKind.TASK else unit.sentences


def covered(question: Question, units: Sequence[Task]) -> bool:
    """Whether one statement of `units` holds every key term of the question (two at least)."""
    key = set(question.key_terms)
    sentences = (content_words(s.replace("-", " ")) for u in units for s in statements(u))
    return len(key) >= 2 and any(key <= words for words in sentences)


class Support:
    """How well the sentences of the found units support a phrase of the question (its focus, its premise).

    `similarity` may be given as a function that measures it: it embeds the phrase (a model call as long as
    the question's own), and the checks read it only when the phrase's words are not `present`.
    """

    def __init__(self, similarity: float | Callable[[], float], present: bool) -> None:
        self._similarity = similarity
        self.present = present  # one sentence holds every key term of the phrase

    @cached_property
    def similarity(self) -> float:
        """The best cosine similarity of the phrase to one sentence, measured on first use."""
        return self._similarity() if callable(self._similarity) else self._similarity

    def __repr__(self) -> str:
        measured = "similarity" in self.__dict__
        return f"Support(similarity={self.similarity if measured else '…'}, present={self.present})"


@dataclass(frozen=True)
class Found:
    """What retrieval found, as the checks see it."""

    units: list[Task]  # the best units, best first (at most three)
    confidence: float  # how closely the best passage matches, 0 when not measured
    covered: bool  # one sentence of `units` holds every key term of the question
    focus: Support | None = None  # support for what the question asks about, when it names it
    premise: Support | None = None  # support for what a when/why question takes as given

    @classmethod
    def of(
        cls,
        question: Question,
        units: list[Task],
        confidence: float,
        focus: Support | None = None,
        premise: Support | None = None,
    ) -> Found:
        return cls(units, confidence, covered(question, units), focus, premise)


def present(
    phrase: str, units: Sequence[Task], stand_ins: Callable[[list[str]], dict[str, set[str]]] | None = None
) -> bool:
    """Whether one statement of `units` holds every key term of `phrase` (its stems; framing words aside).

    With `stand_ins` (a term → the corpus words that mean it, "countryside" → {"rural"}), a term no
    statement holds may be met by one of its stand-ins instead.
    """
    terms = content_words(phrase.replace("-", " ")) - GENERIC_TERMS
    if not terms:
        return False
    sentences = [content_words(s.replace("-", " ")) for u in units for s in statements(u)]
    if any(terms <= words for words in sentences):
        return True
    if stand_ins is None:
        return False
    written = {
        w for w in re.findall(r"[a-z0-9']+", phrase.lower().replace("-", " ")) if content_words(w) & terms
    }
    options = stand_ins(sorted(written))
    meant = [content_words(w) | options.get(w, set()) for w in written]
    return any(all(stems & words for stems in meant) for words in sentences)


class Vocabulary:
    """The words the corpus uses (BM25's vocabulary, stemmed) and the glossary's everyday terms."""

    def __init__(self, words: set[str], glossary: dict[str, str]) -> None:
        self.words = words
        self.glossary = glossary


class RefusalCheck(Protocol):
    """One reason to refuse: a Refusal when the question asks for what `found` cannot give, else None."""

    def check(self, question: Question, found: Found) -> Refusal | None: ...


class NothingMatches:
    def check(self, question: Question, found: Found) -> Refusal | None:
        if found.units:
            return None
        return Refusal(
            code=RefusalCode.NOTHING_MATCHES, message="Nothing in the documents matches this question."
        )


class FigureNotGiven:
    """A how-many/how-much question whose figure the best passages do not give: "…no figure for nurses"."""

    def check(self, question: Question, found: Found) -> Refusal | None:
        figure = question.figure
        if figure is None or self.has_figure(question, found.units[:2]):
            return None
        message = f"The documents give no figure for {figure.counted or 'this'}."
        return Refusal(code=RefusalCode.FIGURE_NOT_GIVEN, message=message)

    @staticmethod
    def has_figure(question: Question, units: list[Task]) -> bool:
        """Whether the sentences closest to the question hold the figure it asks for.

        The number must stand beside what is counted ("how many [nurses]" needs nurses in the sentence), and
        a share or ratio must be a percentage.
        """
        figure = question.figure
        if figure is None or figure.by_listing:
            return True  # "how many departments…": the answer lists them
        words = content_words(question.query) - GENERIC_TERMS
        number = FigureNotGiven.written_as(figure)
        scored = [(len(words & content_words(s)), s) for u in units for s in statements(u)]
        best = [s for overlap, s in sorted(scored, reverse=True)[:3] if overlap]
        if figure.amount and figure.counted_words and figure.counted_words <= MONEY:
            return any(CURRENCY.search(s) for s in best)
        if question.asks_how_many and figure.counted_words and not figure.as_share:
            return any(FigureNotGiven.counts(s, figure.head or figure.counted_words) for s in best)
        return any(number.search(s) and figure.counted_words <= content_words(s) for s in best)

    @staticmethod
    def written_as(figure: Figure) -> re.Pattern[str]:
        """How the figure asked for is written: a share as a percentage, a length of time with its unit, an
        amount in digits ("5 yuan"; "two township health centres" is no sum of money), a count any way."""
        if figure.as_share:
            return PERCENT
        if figure.duration:
            return DURATION
        return DIGITS if figure.amount else NUMBER

    @staticmethod
    def counts(sentence: str, counted: frozenset[str]) -> bool:
        """Whether a number in the sentence counts what is asked: one of its words within the few words
        after the number ("1,500 more Lantern pharmacies", "four days a week"). "Nurses who serve five years"
        gives no number of nurses, though the sentence holds both."""
        for match in NUMBER.finditer(sentence):
            after = sentence[match.end() :].replace("-", " ").split()[:COUNTED_WITHIN]
            if any(content_words(word) & counted for word in after):
                return True
        return False


class InstancesNotNamed:
    """A question asking which particular provinces, hospitals… when the passage that answers names none."""

    def check(self, question: Question, found: Found) -> Refusal | None:
        kind = question.instances
        if kind is None or not found.units:
            return None
        names = INSTANCE_NAME.get(kind) or "|".join(PLACE_NAMES)
        named = re.compile(rf"\b[A-Z][a-z]+ (?:{names})\b")
        if any(named.search(s) for s in statements(found.units[0])):
            return None
        return Refusal(
            code=RefusalCode.INSTANCES_NOT_NAMED, message=f"The documents name no particular {kind}."
        )


class UnknownNames:
    """Capitalised names in the question (not its first word) that the corpus never uses."""

    def __init__(self, vocabulary: Vocabulary) -> None:
        self.vocabulary = vocabulary

    def check(self, question: Question, found: Found) -> Refusal | None:
        stems = {w: content_words(w) for w in question.names}
        unknown = [
            w
            for w, stem in stems.items()
            if stem and not stem & self.vocabulary.words and w.lower() not in self.vocabulary.glossary
        ]
        if not unknown:
            return None
        return Refusal(
            code=RefusalCode.NOT_IN_DOCUMENTS, message=f"The documents never mention {', '.join(unknown)}."
        )


class PersonNotNamed:
    def check(self, question: Question, found: Found) -> Refusal | None:
        if not question.asks_person:
            return None
        message = "The documents name departments, not individual people."
        return Refusal(code=RefusalCode.PERSON_NOT_NAMED, message=message)


class UnsupportedFocus:
    """No sentence of the found units supports what the question asks about ("what [penalties] do…").

    Judged on the evidence, not the corpus vocabulary: the focus is supported when one sentence holds its
    words or one sentence means much the same (a paraphrase: "out of stock" for "shortage"), or when the
    whole question matches a sentence closely. A word the corpus happens not to use refuses nothing alone.
    """

    def __init__(
        self, min_similarity: float, trust_similarity: float, unrelated_below: float = UNRELATED_FOCUS
    ) -> None:
        self.min_similarity = min_similarity
        self.trust_similarity = trust_similarity
        self.unrelated_below = unrelated_below

    def check(self, question: Question, found: Found) -> Refusal | None:
        support = found.focus
        if support is None or support.present or support.similarity >= self.min_similarity:
            return None
        # a close match of the whole question vouches for a loosely worded focus, not for one unrelated to
        # every found sentence: a long question's context ("if the 2023 flying inspections find misuse of
        # insurance funds") matches closely whatever it asks about ("what penalties …")
        if found.confidence >= self.trust_similarity and support.similarity >= self.unrelated_below:
            return None
        asked = " ".join(focus_terms(question))
        return Refusal(
            code=RefusalCode.NOT_IN_DOCUMENTS, message=f"The documents say nothing about \u201c{asked}\u201d."
        )


ENDING = re.compile(rf"(?<!-)\b(?:{'|'.join(CLAIMED_CHANGES.values())})\b", re.IGNORECASE)
CLAIMED_CHANGE = {
    kind: re.compile(rf"(?<!-)\b(?:{verbs})\b", re.IGNORECASE) for kind, verbs in CLAIMED_CHANGES.items()
}
# Numbers a claim may write in words ("at least three institutions per county"), compared as digits; not
# "one", which is as often a pronoun ("the one on X") or part of a name ("one-stop")
NUMBER_WORDS = {
    word: str(value)
    for value, word in enumerate(
        [
            *("two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"),
            *("thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty"),
        ],
        start=2,
    )
}
# A year a claim dates something by ("privatised by 2022", "by the end of August 2022"), unlike a year naming
# the document or the scope ("the 2021 plan", "in 2022"): each fixed-width, as look-behinds must be
DATING = [*(f"{m} " for m in calendar.month_name[1:]), "by ", "before ", "until ", "end of "]
DATED_YEAR = "|".join(rf"(?<=\b{word})20\d\d\b" for word in DATING)
# A figure, month or dating year a claim states: each must be written in a sentence that supports it
CLAIMED_FIGURE = re.compile(
    rf"\b(?!20\d\d\b)\d[\d,.]*%?|\b(?:{'|'.join(m for m in calendar.month_name[1:])})\b"
    rf"|(?<!-)\b(?:{'|'.join(NUMBER_WORDS)})\b(?!-)|{DATED_YEAR}",
    re.IGNORECASE,
)
# How often a claim says something happens ("report only once a month"), by the period it names: a sentence
# that supports the claim names the same period ("report every day" does not state a monthly report)
FREQUENCY = re.compile(
    r"\b(?:once|twice|\w+ times) (?:a|an|per|each|every) (?P<per>day|week|month|quarter|year)\b"
    r"|\b(?:every|each) (?P<every>day|week|month|quarter|year)\b"
    r"|\b(?P<ly>daily|weekly|monthly|quarterly|yearly|annually)\b",
    re.IGNORECASE,
)
# A claim of everything or everyone, which a share below 100 % of the same thing contradicts
UNIVERSAL = re.compile(r"\b(?:every|everyone|everybody|everywhere|all|each|nationwide)\b", re.IGNORECASE)
SHARE = re.compile(r"(\d+(?:\.\d+)?)\s*%")
PERIOD_OF = {
    "daily": "day",
    "weekly": "week",
    "monthly": "month",
    "quarterly": "quarter",
    "yearly": "year",
    "annually": "year",
}


class FalsePremise:
    """A when/why question (or a claim put for confirmation) whose premise no found sentence states: "when
    will care become free for all?", "why did the plan abolish X?" when it promotes X.

    The premise is supported when one sentence holds its words or means much the same, and, when it claims
    that something ended or states a figure or month, when a sentence says so too: a sentence about X that
    says nothing of its ending, or gives another figure, does not confirm the claim. Otherwise the question
    presupposes what the documents do not say, and any answer would seem to confirm it.
    """

    def __init__(self, min_similarity: float) -> None:
        self.min_similarity = min_similarity

    def check(self, question: Question, found: Found) -> Refusal | None:
        support = found.premise
        premise = question.premise
        if premise is None or support is None:
            return None
        means_it = not question.premise_pressed and support.similarity >= self.min_similarity
        message = f"The question assumes \u201c{premise}\u201d, which the documents do not say."
        stated = (support.present or means_it) and self._stated(premise, found)
        if stated and (part := self._in_part(premise, found)):
            message += f" What they say: {part}"
        elif stated:
            unit = self._unit_not_naming(question, found)
            if unit is None:
                return None
            named = ", ".join(unit.departments) or "no department"
            message += f" {unit.label} names as responsible: {named}."
        elif said := self._said_instead(premise, found):
            message += f" What they say: {said}"
        return Refusal(code=RefusalCode.FALSE_PREMISE, message=message)

    @staticmethod
    def _in_part(premise: str, found: Found) -> str | None:
        """The found sentence nearest a claim of everything ("in every district", "all hospitals"), quoted
        with its unit, when it states a share below 100 % of it ("95% of the districts and counties")."""
        if not UNIVERSAL.search(premise):
            return None
        subject = _claim_subject(premise)
        scored = [(len(subject & content_words(s)), u.label, s) for u in found.units for s in statements(u)]
        overlap, label, sentence = max(scored, default=(0, "", ""), key=lambda t: t[0])
        if overlap < 2 or not any(float(share) < 100 for share in SHARE.findall(sentence)):
            return None
        return f"{label}: \u201c{sentence}\u201d"

    @staticmethod
    def _unit_not_naming(question: Question, found: Found) -> Task | None:
        """The found unit about the premise's subject, when it does not name a department the premise makes
        responsible ("why is the Ministry of Education in charge of the antitrust guidelines?"), else None.

        The unit is the one with a statement sharing most of the claim's words besides the departments' own:
        another found task may well name the department, for something else. A department counts as named
        when the unit lists it as responsible or writes it in a statement."""
        if not question.premise_departments or question.premise is None or not found.units:
            return None
        subject = _claim_subject(question.premise) - content_words(" ".join(question.premise_departments))

        def overlap(unit: Task) -> int:
            return max((len(subject & content_words(s)) for s in statements(unit)), default=0)

        unit = max(found.units, key=overlap)
        written = [content_words(s) for s in statements(unit)]

        def names(department: str) -> bool:
            # listed as responsible, or written in one statement by the words that say which body it is
            distinctive = content_words(department) - NAME_GENERIC
            return department in unit.departments or any(distinctive <= words for words in written)

        return None if all(names(d) for d in question.premise_departments) else unit

    @staticmethod
    def _said_instead(premise: str, found: Found) -> str | None:
        """The found sentence about what the premise names (most of its words), to set the claim right:
        "… encourage the implementation of an annual salary system" for "abolish the annual salary system"."""
        subject = _claim_subject(premise)
        if len(subject) < 2:
            return None
        scored = [(len(subject & content_words(s)), u.label, s) for u in found.units for s in u.sentences]
        overlap, label, sentence = max(scored, default=(0, "", ""), key=lambda t: t[0])
        return f"{label}: \u201c{sentence}\u201d" if overlap * 2 >= len(subject) + 1 else None

    @staticmethod
    def _stated(premise: str, found: Found) -> bool:
        """Whether a found sentence states the premise's ending or cut (the same kind of change) and figures,
        about what the premise names."""
        subject = _claim_subject(premise)
        claimed = {kind for kind, verbs in CLAIMED_CHANGE.items() if verbs.search(premise)}
        figures = {_figure(f) for f in CLAIMED_FIGURE.findall(premise)}
        periods = _periods(premise)
        for sentence in (s for u in found.units for s in statements(u)):
            if not claimed <= {kind for kind, verbs in CLAIMED_CHANGE.items() if verbs.search(sentence)}:
                continue
            if not figures <= {_figure(f) for f in CLAIMED_FIGURE.findall(sentence)}:
                continue
            if not periods <= _periods(sentence):
                continue
            if not subject or subject & content_words(sentence):
                return True
        return False


def _claim_subject(premise: str) -> set[str]:
    """What a claim is about: its content words without the verb of ending, the figures and the frequency
    it states."""
    stated = ENDING.sub(" ", CLAIMED_FIGURE.sub(" ", FREQUENCY.sub(" ", premise)))
    return content_words(stated) - GENERIC_TERMS


def _periods(text: str) -> set[str]:
    """The periods a text says something recurs in: {"month"} for "once a month" and for "monthly"."""
    return {m["per"] or m["every"] or PERIOD_OF[m["ly"].lower()] for m in FREQUENCY.finditer(text)}


def _figure(text: str) -> str:
    """A figure as compared: "35,000" and "35000" alike, "95%" and "95" apart, "three" and "3" alike, months
    by name."""
    figure = text.lower().replace(",", "").rstrip(".")
    return NUMBER_WORDS.get(figure, figure)


class WeakMatch:
    """The best passage matches too loosely, and no sentence holds the question's key terms."""

    def __init__(self, refuse_below_similarity: float) -> None:
        self.refuse_below_similarity = refuse_below_similarity

    def check(self, question: Question, found: Found) -> Refusal | None:
        if found.covered or found.confidence >= self.refuse_below_similarity:
            return None
        message = "The documents do not appear to cover this question."
        return Refusal(code=RefusalCode.WEAK_MATCH, message=message)


@dataclass(frozen=True)
class RefusalChecks:
    """The checks, in the order they run: after retrieval, and for a follow-up on the conversation's units."""

    retrieved: list[RefusalCheck]
    follow_up: list[RefusalCheck]
    premised: list[RefusalCheck]  # for a question answered by a list or a named task: its premise only

    @staticmethod
    def first(checks: Sequence[RefusalCheck], question: Question, found: Found) -> Refusal | None:
        """The refusal of the first check that refuses, or None."""
        for check in checks:
            if (refusal := check.check(question, found)) is not None:
                return refusal
        return None


def refusal_checks(
    vocabulary: Vocabulary,
    trust_similarity: float,
    refuse_below_similarity: float,
    focus_similarity: float,
    premise_similarity: float,
) -> RefusalChecks:
    """Every refusal check PolicyQA runs, configured here and nowhere else."""
    premise = FalsePremise(premise_similarity)
    asked_for: list[RefusalCheck] = [
        UnknownNames(vocabulary),
        PersonNotNamed(),
        premise,
        UnsupportedFocus(focus_similarity, trust_similarity),
    ]
    return RefusalChecks(
        retrieved=[
            NothingMatches(),
            FigureNotGiven(),
            InstancesNotNamed(),
            *asked_for,
            WeakMatch(refuse_below_similarity),
        ],
        # a follow-up answered from the units the conversation was about: no retrieval to judge by
        follow_up=[*asked_for, FigureNotGiven(), InstancesNotNamed()],
        premised=[premise],
    )
