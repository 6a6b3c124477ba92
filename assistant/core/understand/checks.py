"""Do the documents cover a question? The checks behind every refusal, shared by all answerers.

A question can match passages closely and still ask for what the documents never say: a figure they do not
give ("how many nurses"), named places they do not name ("which provinces"), or a thing they never mention
("what penalties"). Each check here finds one such gap and returns a `Refusal` saying what is missing, with
the code of the check, or None. `refusal_checks` lists them, in the order they run, in one place.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from assistant.core.text import content_words
from assistant.core.types import Refusal, RefusalCode
from assistant.core.understand.question import GENERIC_TERMS, Question
from index.model import Task

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
}
PLACE_NAMES = ["City", "Province", "County", "Prefecture", "Region", "District"]
PERCENT = re.compile(r"\d\s*%|\bper ?cent\b", re.IGNORECASE)
NUMBER = re.compile(
    r"\b(?!20\d\d\b)\d+(?:[,.]\d+)*(?!\d|th\b|st\b|nd\b|rd\b)%?|\b(ten|hundred|thousand|million|billion)\b"
    r"|\b(at least one|one|two|three|four|five|six|seven|eight|nine|dozens?)\b"
    r"(?![\s-]*(?:stop|ones?|year)\b)",  # not "one-stop", "Five Ones", "Five-Year Plan"
    re.IGNORECASE,
)


def as_written(text: str, stems: list[str]) -> list[str]:
    """The words of `text` whose stems are `stems`, as the user wrote them ("money", not "monei")."""
    words = re.findall(r"[\w'-]+", text.replace("-", " "))
    return list(dict.fromkeys(w for w in words if content_words(w) & set(stems))) or stems


def join_quoted(words: list[str]) -> str:
    return ", ".join(f"\u201c{w}\u201d" for w in words)


def covered(question: Question, units: Sequence[Task]) -> bool:
    """Whether one sentence of `units` holds every key term of the question (two at least)."""
    key = set(question.key_terms)
    sentences = (content_words(s.replace("-", " ")) for u in units for s in u.sentences)
    return len(key) >= 2 and any(key <= words for words in sentences)


@dataclass(frozen=True)
class Found:
    """What retrieval found, as the checks see it."""

    units: list[Task]  # the best units, best first (at most three)
    confidence: float  # how closely the best passage matches, 0 when not measured
    covered: bool  # one sentence of `units` holds every key term of the question

    @classmethod
    def of(cls, question: Question, units: list[Task], confidence: float) -> Found:
        return cls(units=units, confidence=confidence, covered=covered(question, units))


class Vocabulary:
    """The words the corpus uses, and the everyday terms its glossary translates."""

    def __init__(self, words: set[str], glossary: dict[str, str]) -> None:
        self.words = words
        self.glossary = glossary

    def knows(self, word: str) -> bool:
        """Whether the corpus uses `word` (each part of a hyphenated one), or the glossary translates it."""
        if word.lower() in self.glossary:
            return True
        return content_words(word.replace("-", " ")) - GENERIC_TERMS <= self.words


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
        number = PERCENT if figure.as_share else NUMBER
        scored = [(len(words & content_words(s)), s) for u in units for s in u.sentences]
        best = [s for overlap, s in sorted(scored, reverse=True)[:3] if overlap]
        return any(number.search(s) and figure.counted_words <= content_words(s) for s in best)


class InstancesNotNamed:
    """A question asking which particular provinces, hospitals… when the passage that answers names none."""

    def check(self, question: Question, found: Found) -> Refusal | None:
        kind = question.instances
        if kind is None or not found.units:
            return None
        names = INSTANCE_NAME.get(kind) or "|".join(PLACE_NAMES)
        named = re.compile(rf"\b[A-Z][a-z]+ (?:{names})\b")
        if any(named.search(s) for s in found.units[0].sentences):
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


class UnknownFocus:
    """Words naming what the question asks for ("what [penalties] do…") that the corpus never uses.

    The thing asked for must be in the documents for them to answer, however close the rest matches.
    """

    def __init__(self, vocabulary: Vocabulary) -> None:
        self.vocabulary = vocabulary

    def check(self, question: Question, found: Found) -> Refusal | None:
        if (unknown := self.unknown(question)) is None:
            return None
        return Refusal(
            code=RefusalCode.NOT_IN_DOCUMENTS, message=f"The documents never mention {join_quoted(unknown)}."
        )

    def unknown(self, question: Question) -> list[str] | None:
        if question.focus is not None:
            return [w for w in question.focus if not self.vocabulary.knows(w)] or None
        # the closing topic counts only when none of its words is known: "in young people" still is
        words = question.topic_tail
        unknown = [w for w in words if not self.vocabulary.knows(w)]
        return unknown if words and len(unknown) == len(words) else None


class MissingTerms:
    """Most of the question's key terms absent from the corpus, and no passage matching it closely."""

    def __init__(self, vocabulary: Vocabulary, refuse_missing_terms: float, trust_similarity: float) -> None:
        self.vocabulary = vocabulary
        self.refuse_missing_terms = refuse_missing_terms
        self.trust_similarity = trust_similarity

    def check(self, question: Question, found: Found) -> Refusal | None:
        if found.covered or found.confidence >= self.trust_similarity:
            return None
        key, missing = question.key_terms, self.missing(question)
        if not key or len(missing) / len(key) <= self.refuse_missing_terms:
            return None
        message = f"The documents do not mention {join_quoted(as_written(question.text, missing))}."
        return Refusal(code=RefusalCode.NOT_IN_DOCUMENTS, message=message)

    def missing(self, question: Question) -> list[str]:
        """The key terms absent from the corpus; a word the glossary translates ("covid") is not missing."""
        translated = " ".join(question.glossary_terms)
        known = self.vocabulary.words | content_words(translated.replace("-", " "))
        return [w for w in question.key_terms if w not in known]


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

    @staticmethod
    def first(checks: Sequence[RefusalCheck], question: Question, found: Found) -> Refusal | None:
        """The refusal of the first check that refuses, or None."""
        for check in checks:
            if (refusal := check.check(question, found)) is not None:
                return refusal
        return None


def refusal_checks(
    vocabulary: Vocabulary,
    refuse_missing_terms: float,
    trust_similarity: float,
    refuse_below_similarity: float,
) -> RefusalChecks:
    """Every refusal check PolicyQA runs, configured here and nowhere else."""
    foreign: list[RefusalCheck] = [
        UnknownNames(vocabulary),
        PersonNotNamed(),
        UnknownFocus(vocabulary),
        MissingTerms(vocabulary, refuse_missing_terms, trust_similarity),
    ]
    return RefusalChecks(
        retrieved=[
            NothingMatches(),
            FigureNotGiven(),
            InstancesNotNamed(),
            *foreign,
            WeakMatch(refuse_below_similarity),
        ],
        # a follow-up answered from the units the conversation was about: no retrieval to judge by
        follow_up=[*foreign, FigureNotGiven()],
    )
