"""Which documents a question names, when one year holds several (a notice and its news summary, the first and
second half of a year).

Document ids carry what tells them apart after the year: "2023h2" (second half), "2019-summary". A question
says it in words: "the 2023 second-half notice", "the 2019 news summary". Without such words every document of
the year stays a candidate, and the caller answers for each.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

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


def qualifier(doc_id: str) -> str:
    """What follows the year in a document id: "h2" for "2023h2", "summary" for "2019-summary"."""
    return YEAR_PREFIX.sub("", doc_id)


def says_qualifier(text: str, doc_id: str) -> bool:
    """Whether the question names this document's qualifier (not only its year)."""
    tag = qualifier(doc_id)
    if not tag:
        return False
    if tag in HALF_PHRASES:
        return bool(HALF_PHRASES[tag].search(text))
    if tag in QUALIFIER_WORDS:
        return bool(QUALIFIER_WORDS[tag].search(text))
    words = [w for w in re.split(r"[-_]", tag) if w]
    return all(re.search(rf"\b{re.escape(w)}\b", text, re.IGNORECASE) for w in words)


def documents_named(text: str, year: int | None, doc_ids: Iterable[str]) -> list[str]:
    """The documents of `year` (any year for None) whose qualifier the question says; empty when none."""
    return [d for d in doc_ids if (year is None or d.startswith(str(year))) and says_qualifier(text, d)]


def documents_meant(text: str, year: int | None, doc_ids: Iterable[str]) -> list[str]:
    """The documents of `year` (all years for None) that the question means.

    A document whose qualifier the question says wins; otherwise, when a plain-year document exists and no
    other's qualifier is said, all of the year's documents remain (the caller answers for each).
    """
    of_year = [d for d in doc_ids if year is None or d.startswith(str(year))]
    return documents_named(text, year, of_year) or of_year


def unit_ids_named(text: str, known: Iterable[str]) -> list[str]:
    """Unit ids written out in the question ("2023h2-4", "2019-summary-3") that the index holds."""
    known_ids = set(known)
    found: list[str] = []
    for match in UNIT_ID.finditer(text):
        candidate = match.group(0).lower()
        # "2019-summary-3" also matches as a prefix of itself: keep the longest id the index knows
        while candidate and candidate not in known_ids and "-" in candidate:
            candidate = candidate.rsplit("-", 1)[0]
        if candidate in known_ids and candidate not in found:
            found.append(candidate)
    return found
