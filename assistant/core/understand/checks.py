"""Do the documents cover a question? The checks behind every refusal, shared by all answerers.

A question can match passages closely and still ask for what the documents never say: a figure they do not
give ("how many nurses"), named places they do not name ("which provinces"), or a thing they never mention
("what penalties"). Each check here finds one such gap and says what is missing.
"""

from __future__ import annotations

import calendar
import re

from assistant.core.text import content_words
from assistant.core.library import Library
from assistant.core.understand.question import GENERIC_TERMS, Question, glossary, glossary_terms
from assistant.core.retrieve import Hit
from index.model import Task
from assistant.settings import Settings

PERSON = re.compile(
    r"\b(director|minister|head of|chairman|chairwoman|spokesperson|who signed|"
    r"name of the (person|official))\b",
    re.IGNORECASE,
)
# "what is the" as well as "what": "What's the budget for that?"
WHAT_THE = r"\bwhat(?:'s|\s+is|\s+are|\s+was|\s+were)?\s+(?:the\s+)?"
QUANTITY = re.compile(
    rf"\bhow (many|much)\b|{WHAT_THE}(ratio|percentage|share|rate|amount|proportion|budget|price cap|cap|"
    r"salary|wage|fee|fine|sum)\b|\b(reimbursement ratio|price cap|budget of)\b",
    re.IGNORECASE,
)
AUXILIARY = r"(?:does|do|did|is|are|was|were|will|would|should|can|could|must|has|have|had|may|shall)"
# What a how-many/how-much question counts: "how many [beds] must…", "how much [funding] does…"
MEASURED = re.compile(
    rf"\bhow (?:many|much)\s+((?:[\w'-]+\s+){{0,5}}?){AUXILIARY}\b|\bhow many\s+([\w'-]+)"
    rf"|{WHAT_THE}((?:reimbursement )?(?:salary|wage|fee|fine|sum|budget|amount|price cap))\b",
    re.IGNORECASE,
)
# What a question asks for, when it names it: "what [penalties] do…", "what is the [penalty] for…",
# "how are [cosmetic surgery clinics] regulated"
FOCUS = [
    re.compile(rf"^\s*(?:what|which)\s+((?:[\w'-]+\s+){{1,4}}?){AUXILIARY}\b", re.IGNORECASE),
    re.compile(
        r"^\s*what\s+(?:is|are|was|were)\s+the\s+((?:[\w'-]+\s+){0,3}?[\w'-]+)\s+(?:for|of|on|in|to|under)\b",
        re.IGNORECASE,
    ),
    re.compile(
        rf"^\s*how\s+{AUXILIARY}\s+((?:[\w'-]+\s+){{0,3}}?[\w'-]+)\s+"
        r"(?:regulated|handled|treated|managed|governed|funded|punished|taxed|licensed)\b",
        re.IGNORECASE,
    ),
]
# The topic a question ends on: "…say about [organ transplants]?", "…the price of [funerals]?"
TOPIC_TAIL = re.compile(
    r"\b(?:about|of|for|on|regarding|with|from|to|in)\s+(?:(?:the|a|an)\s+)?((?:[\w'-]+\s+){0,2}[\w'-]+)"
    r"\s*[?.!]*\s*$",
    re.IGNORECASE,
)
# "Which provinces take part / ten prefectures were rewarded…" asks for particular places or institutions
NAMED_INSTANCES = re.compile(
    r"\bwhich\s+(?:[\w-]+\s+){0,2}?(?P<kind>provinces|cities|hospitals|prefectures|counties|regions|"
    r"companies|enterprises|countries|universities|colleges)\b.*\b(chosen|selected|rewarded|named|"
    r"designated|picked|take part|participat\w*|won|approved as|hosts?|located|makes?|produces?|supply|run)\b"
    r"|^\s*where\b(?!.*\bfrom\b)(?P<place>)",
    re.IGNORECASE,
)
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
COUNTED_BY_LISTING = re.compile(
    r"\b(departments|ministries|agencies|bodies|organi[sz]ations)\b", re.IGNORECASE
)
RATIO = re.compile(r"\b(ratio|percentage|share|rate|proportion)\b", re.IGNORECASE)
PERCENT = re.compile(r"\d\s*%|\bper ?cent\b", re.IGNORECASE)
CALENDAR_WORDS = {m.lower() for m in calendar.month_name[1:]} | {d.lower() for d in calendar.day_name}
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


class CoverageJudge:
    """Decides, from the question's words and the passages found, whether the documents answer it."""

    def __init__(self, library: Library, settings: Settings) -> None:
        self.library = library
        self.settings = settings
        self.vocabulary = library.retriever.lexical.vocabulary

    def refusal(self, question: Question, hits: list[Hit], confidence: float) -> str | None:
        """Why the documents cannot answer a question that retrieval found `hits` for, or None."""
        if not hits:
            return "Nothing in the documents matches this question."
        top = [h.unit for h in hits[:3]]
        if refusal := self.missing_figure(question, top[:2]):
            return refusal
        if refusal := self.unnamed_instances(question, top):
            return refusal
        covered = self.covered(question, top)
        if refusal := self.foreign_terms(question, covered or confidence >= self.settings.trust_similarity):
            return refusal
        if confidence < self.settings.refuse_below_similarity and not covered:
            return "The documents do not appear to cover this question."
        return None

    def missing_figure(self, question: Question, units: list[Task]) -> str | None:
        """A refusal when a how-many/how-much question's figure is not in `units`: "…no figure for nurses"."""
        if not QUANTITY.search(question.text) or self.has_figure(question, units):
            return None
        asked = MEASURED.search(question.text)
        counted = " ".join(g.strip() for g in asked.groups() if g and g.strip()) if asked else ""
        return f"The documents give no figure for {counted or 'this'}."

    def foreign_terms(self, question: Question, confident: bool) -> str | None:
        """A refusal when the question is about names, people or terms the documents never use."""
        if names := self.unknown_names(question):
            return f"The documents never mention {', '.join(names)}."
        if PERSON.search(question.text):
            return "The documents name departments, not individual people."
        if focus := self.unknown_focus(question):
            return f"The documents never mention {join_quoted(focus)}."
        key, missing = self.missing_terms(question)
        if key and len(missing) / len(key) > self.settings.refuse_missing_terms and not confident:
            return f"The documents do not mention {join_quoted(as_written(question.text, missing))}."
        return None

    def missing_terms(self, question: Question) -> tuple[list[str], list[str]]:
        """(key terms, those absent from the corpus) of a question, stemmed.

        Hyphenated words count by their parts, as the BM25 vocabulary splits them ("long-term").
        """
        key = self.key_terms(question)
        # a word the glossary translates ("covid" → "new crown pneumonia") is not missing; the others are
        translated = " ".join(glossary_terms(question.text, glossary(self.settings.glossary_path)))
        known = self.vocabulary | content_words(translated.replace("-", " "))
        return key, [w for w in key if w not in known]

    @staticmethod
    def key_terms(question: Question) -> list[str]:
        """The question's own content words, stemmed, less framing words and numbers."""
        words = content_words(question.text.replace("-", " "))
        return sorted(w for w in words if w not in GENERIC_TERMS and not w.isdigit())

    def unknown_names(self, question: Question) -> list[str]:
        """Capitalised names in the question (not its first word) that the corpus never uses."""
        words = [
            w
            for w in re.findall(r"(?<!^)(?<![.?!]\s)\b[A-Z][a-z]{2,}\b", question.text.strip())
            if w.lower() not in CALENDAR_WORDS
        ]
        terms = glossary(self.settings.glossary_path)
        stems = {w: content_words(w) for w in words}
        return [
            w for w, stem in stems.items() if stem and not stem & self.vocabulary and w.lower() not in terms
        ]

    def known_word(self, word: str) -> bool:
        """Whether the corpus uses `word` (each part of a hyphenated one), or the glossary translates it."""
        if word.lower() in glossary(self.settings.glossary_path):
            return True
        return content_words(word.replace("-", " ")) - GENERIC_TERMS <= self.vocabulary

    def unknown_focus(self, question: Question) -> list[str]:
        """Words naming what the question asks for ("what [penalties] do…") that the corpus never uses.

        The thing asked for must be in the documents for them to answer, however close the rest matches.
        """
        for pattern in FOCUS:
            if match := pattern.search(question.text):
                return [w for w in re.findall(r"[\w'-]+", match[1]) if not self.known_word(w)]
        if tail := TOPIC_TAIL.search(question.text):
            # the closing topic counts only when none of its words is known: "in young people" still is
            words = [w for w in re.findall(r"[\w'-]+", tail[1]) if not w.isdigit()]
            unknown = [w for w in words if not self.known_word(w)]
            if words and len(unknown) == len(words):
                return unknown
        return []

    def unnamed_instances(self, question: Question, units: list[Task]) -> str | None:
        """A refusal when the question asks which particular provinces, hospitals… and none is named."""
        match = NAMED_INSTANCES.search(question.text)
        if match is None:
            return None
        kind = match["kind"].lower() if match["kind"] else "places"
        names = INSTANCE_NAME[kind] if match["kind"] else "|".join(PLACE_NAMES)
        named = re.compile(rf"\b[A-Z][a-z]+ (?:{names})\b")
        if any(named.search(s) for s in units[0].sentences):  # a name in the passage that answers
            return None
        return f"The documents name no particular {kind}."

    def covered(self, question: Question, units: list[Task]) -> bool:
        """Whether one sentence of `units` holds every key term of the question (two at least)."""
        key = set(self.key_terms(question))
        sentences = (content_words(s.replace("-", " ")) for u in units for s in u.sentences)
        return len(key) >= 2 and any(key <= words for words in sentences)

    @staticmethod
    def has_figure(question: Question, units: list[Task]) -> bool:
        """Whether the sentences closest to a how-many/how-much question hold the figure it asks for.

        The number must stand beside what is counted ("how many [nurses]" needs nurses in the sentence), and
        a share or ratio must be a percentage.
        """
        words = content_words(question.query) - GENERIC_TERMS
        asked = MEASURED.search(question.text)
        if asked and COUNTED_BY_LISTING.search(asked[0]):
            return True  # "how many departments…": the answer lists them
        counted = content_words(" ".join(g for g in asked.groups() if g)) - GENERIC_TERMS if asked else set()
        figure = PERCENT if RATIO.search(question.text) else NUMBER
        scored = [(len(words & content_words(s)), s) for u in units for s in u.sentences]
        best = [s for overlap, s in sorted(scored, reverse=True)[:3] if overlap]
        return any(figure.search(s) and counted <= content_words(s) for s in best)
