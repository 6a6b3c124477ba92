"""Which documents a question names, when one year holds several (a notice and its news summary, the first and
second half of a year).

Document ids carry what tells them apart after the year: "2023h2" (second half), "2019-summary". A question
says it in words: "the 2023 second-half notice", "the 2019 news summary". Without such words every document of
the year stays a candidate, and the caller answers for each.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Collection, Iterable
from functools import lru_cache

from index.model import UNIT_ID

# How an id's qualifier is said in a question: the half-year ids the identity module writes ("h1", "h2"),
# and any other qualifier as its own word ("summary" → "summary").
HALF_PHRASES = {
    "h1": re.compile(r"\b(first|1st)[\s-]+half\b|上半年", re.IGNORECASE),
    "h2": re.compile(r"\b(second|2nd|latter)[\s-]+half\b|下半年", re.IGNORECASE),
}
# Words a reader uses for a qualifier other than the qualifier itself: a news summary is "the news write-up",
# "the article", "the news report"
QUALIFIER_WORDS = {"summary": re.compile(r"\b(summary|news|write-?up|article)\b", re.IGNORECASE)}
YEAR_PREFIX = re.compile(r"^(20\d\d)-?")


@lru_cache(maxsize=4096)
def qualifier(doc_id: str) -> str:
    """What follows the year in a document id: "h2" for "2023h2", "summary" for "2019-summary"."""
    return YEAR_PREFIX.sub("", doc_id)


@lru_cache(maxsize=4096)
def _qualifier_words(tag: str) -> tuple[str, ...]:
    """The words of a qualifier other than a half or a summary ("provincial-plan" → provincial, plan)."""
    return tuple(w for w in re.split(r"[-_]", tag) if w)


WORD = re.compile(r"\w+")


class QualifierReader:
    """Reads one question for document qualifiers: what each distinct qualifier says is decided once.

    A question is compared with every document of the index (hundreds, with provincial plans), and their
    qualifiers repeat; a plain word qualifier is looked up among the question's words (what `\\bword\\b`
    matches, ignoring case) instead of searching the text once per document.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self._said: dict[str, bool] = {}
        self._words: set[str] | None = None

    def says(self, doc_id: str) -> bool:
        """Whether the question names this document's qualifier (not only its year)."""
        return self.says_tag(qualifier(doc_id))

    def says_tag(self, tag: str) -> bool:
        """Whether the question says this qualifier (what follows the year in a document id)."""
        said = self._said.get(tag)
        if said is None:
            said = self._said[tag] = self._says(tag)
        return said

    def _says(self, tag: str) -> bool:
        if not tag:
            return False
        if tag in HALF_PHRASES:
            return bool(HALF_PHRASES[tag].search(self.text))
        if tag in QUALIFIER_WORDS:
            return bool(QUALIFIER_WORDS[tag].search(self.text))
        words = _qualifier_words(tag)
        if all(WORD.fullmatch(w) for w in words):
            if self._words is None:
                self._words = {w.lower() for w in WORD.findall(self.text)}
            return all(w.lower() in self._words for w in words)
        return all(re.search(rf"\b{re.escape(w)}\b", self.text, re.IGNORECASE) for w in words)


def says_qualifier(text: str, doc_id: str) -> bool:
    """Whether the question names this document's qualifier (not only its year)."""
    return QualifierReader(text).says(doc_id)


def documents_named(text: str, year: int | None, doc_ids: Iterable[str]) -> list[str]:
    """The documents of `year` (any year for None) whose qualifier the question says; empty when none."""
    reader = QualifierReader(text)
    prefix = None if year is None else str(year)
    return [d for d in doc_ids if (prefix is None or d.startswith(prefix)) and reader.says(d)]


class DocumentIndex:
    """An index's documents by the qualifier of their id, built once per loaded library.

    Which documents a question names is then found from the question's words (a document id's plain-word
    qualifier is said only when its first word is, among others) and from the few qualifiers read by
    pattern (halves, news summaries), instead of by reading every document's id on every question: an
    index may hold hundreds of provincial plans. Finds what `documents_named` finds over the same ids.
    """

    def __init__(self, doc_ids: Iterable[str]) -> None:
        self.doc_ids = list(doc_ids)
        self._order = {d: i for i, d in enumerate(self.doc_ids)}
        self._by_tag: dict[str, list[str]] = defaultdict(list)
        self._by_start: dict[str, list[str]] = defaultdict(list)  # by the first four characters (a year)
        for doc_id in self.doc_ids:
            self._by_tag[qualifier(doc_id)].append(doc_id)
            self._by_start[doc_id[:4]].append(doc_id)
        self._patterned: list[str] = []  # tags read by pattern, each once per question
        self._by_first_word: dict[str, list[str]] = defaultdict(list)  # lower-cased word → plain tags
        for tag in self._by_tag:
            words = _qualifier_words(tag)
            if not tag:
                continue
            if tag in HALF_PHRASES or tag in QUALIFIER_WORDS or not words:
                self._patterned.append(tag)
            elif all(WORD.fullmatch(w) for w in words):
                self._by_first_word[words[0].lower()].append(tag)
            else:
                self._patterned.append(tag)

    def named(self, text: str, year: int | None) -> list[str]:
        """`documents_named(text, year, doc_ids)`: the documents of `year` (any for None) whose qualifier
        the question says, in the index's order."""
        reader = QualifierReader(text)
        words = {w.lower() for w in WORD.findall(text)}
        candidates = [*self._patterned, *(t for w in words for t in self._by_first_word.get(w, ()))]
        prefix = None if year is None else str(year)
        found = [
            d
            for tag in candidates
            if reader.says_tag(tag)
            for d in self._by_tag[tag]
            if prefix is None or d.startswith(prefix)
        ]
        return sorted(found, key=self._order.__getitem__)

    def meant(self, text: str, year: int) -> list[str]:
        """`documents_meant(text, year, doc_ids)`: the documents of `year` that the question means."""
        prefix = str(year)
        of_year = [d for d in self._by_start.get(prefix[:4], []) if d.startswith(prefix)]
        return self.named(text, year) or of_year


def documents_meant(text: str, year: int | None, doc_ids: Iterable[str]) -> list[str]:
    """The documents of `year` (all years for None) that the question means.

    A document whose qualifier the question says wins; otherwise, when a plain-year document exists and no
    other's qualifier is said, all of the year's documents remain (the caller answers for each).
    """
    of_year = [d for d in doc_ids if year is None or d.startswith(str(year))]
    return documents_named(text, year, of_year) or of_year


def unit_ids_named(text: str, known_ids: Collection[str]) -> list[str]:
    """Unit ids written out in the question ("2023h2-4", "2019-summary-3") that the index holds
    (`known_ids`: a set or a mapping by id, asked for membership only: a question is read in microseconds,
    whatever the index's size)."""
    found: list[str] = []
    for match in UNIT_ID.finditer(text):
        candidate = match.group(0).lower()
        # "2019-summary-3" also matches as a prefix of itself: keep the longest id the index knows
        while candidate and candidate not in known_ids and "-" in candidate:
            candidate = candidate.rsplit("-", 1)[0]
        if candidate in known_ids and candidate not in found:
            found.append(candidate)
    return found
