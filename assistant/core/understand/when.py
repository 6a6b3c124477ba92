"""Reading the time a question names as a window of months: "in August 2021", "before the end of September",
"between September and October", "Q3 2021", "the second half of 2022", "H2", "summer 2022", "in the autumn",
"by mid-year", "by the end of the year", "early 2022".

One reader for every part of the product that reads a time (the general question reader's deadline month, the
reform questions' deadline window), so a time expression read in one place is read in all. Every expression is
a period (a span of months) with an optional operator in front of it ("by", "before", "after", "from"…) that
turns the period into the window asked about. Date libraries resolve one point in time ("next Tuesday") and
read no ranges such as quarters or seasons, so the few periods people use are listed here: months (from
`calendar`), quarters, halves, the four seasons (northern hemisphere, as the notices' readers count them),
mid-year, the year's end, and the early or late part of a year.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Sequence
from dataclasses import dataclass

MONTHS = [m.lower() for m in calendar.month_name[1:]]
# a period named without a year: the caller resolves it (the latest year with deadlines)
UNKNOWN_YEAR = "????"


@dataclass(frozen=True)
class DeadlineWindow:
    """The months a question asks about, both ends inclusive ("YYYY-MM"); None is open."""

    start: str | None
    end: str | None

    def describe(self) -> str:
        def name(month: str) -> str:
            year, number = month.split("-")
            return f"{calendar.month_name[int(number)]} {year}"

        if self.start and self.end:
            if self.end < self.start:  # "before January": nothing of that year
                return f"before {name(self.start)}"
            if self.start == self.end:
                return f"in {name(self.start)}"
            if self.start[5:] == "01" and self.end[5:] == "12" and self.start[:4] == self.end[:4]:
                return f"in {self.start[:4]}"
            return f"between {name(self.start)} and the end of {name(self.end)}"
        if self.end:
            return f"up to the end of {name(self.end)}"
        return f"from {name(self.start)} on" if self.start else "at all"

    @property
    def dated(self) -> bool:
        """Whether every end the window has is of a known year."""
        return not any(m and m.startswith(UNKNOWN_YEAR) for m in (self.start, self.end))

    def holds(self, month: str) -> bool:
        """Whether the "YYYY-MM" month falls inside the window."""
        return (self.start is None or month >= self.start) and (self.end is None or month <= self.end)

    @property
    def single_month(self) -> str | None:
        """The one month the window holds, when it holds exactly one."""
        return self.start if self.start is not None and self.start == self.end else None


_MONTH = "|".join(MONTHS)
_YEAR = r"(?:(?:,?\s+|(?<=-))(?:of\s+|in\s+)?(?:the\s+year\s+)?(?P<year>20\d\d))?"
_NTH = {"first": 1, "second": 2, "third": 3, "fourth": 4, "1st": 1, "2nd": 2, "3rd": 3, "4th": 4}
_SEASONS = {"spring": (3, 5), "summer": (6, 8), "autumn": (9, 11), "fall": (9, 11), "winter": (12, 14)}
# A period: which months of its year it spans (a winter runs into the next year: months 13 and 14)
_PERIOD = re.compile(
    r"(?:the\s+)?(?:"
    r"(?P<q_nth>first|second|third|fourth|last|final|1st|2nd|3rd|4th)\s+quarter|q(?P<q>[1-4])"
    r"|(?P<h_nth>first|second|last|latter)\s+half(?!\s+of\s+(?:the\s+)?(?:task|item|list|section|notice))|h(?P<h>[12])"
    rf"|(?P<season>spring|summer|autumn|fall|winter)(?:\s+(?:season|months))?"
    r"|(?:mid|middle)(?:-|\s+)?(?:of\s+the\s+)?year|mid-(?=20\d\d)|the\s+middle\s+of(?=\s+20\d\d)"
    r"|(?P<year_end>(?:the\s+)?end\s+of\s+the\s+year|(?:the\s+)?year(?:'s)?[-\s]end|(?:the\s+)?end\s+of(?=\s+20\d\d))"
    r"|(?P<early>early|beginning\s+of|start\s+of|late|later\s+in)(?:\s+in)?(?:\s+the\s+year|(?=\s+20\d\d))"
    rf"|(?P<month>{_MONTH})"
    r")" + _YEAR,
    re.IGNORECASE,
)
# What turns a period into the window asked about. "Between A and B" reads both periods.
_OPERATOR = re.compile(
    r"\b(?P<op>before|by|until|till|no later than|up to|after|from|since|in|during|for|within|over|due|"
    r"between)\s+(?:(?:the\s+)?end\s+of\s+)?$",
    re.IGNORECASE,
)
_JOINED = re.compile(r"\s*(?:,|or|and|to|through|-)\s*(?:in\s+)?", re.IGNORECASE)
_BETWEEN = re.compile(
    rf"\b(?:between|from)\s+(?P<first>{_MONTH})(?:\s+(?P<first_year>20\d\d))?\s+(?:and|to|till|until)\s+"
    rf"(?:the\s+end\s+of\s+)?(?P<month>{_MONTH})" + _YEAR,
    re.IGNORECASE,
)


def _span(match: re.Match[str]) -> tuple[int, int]:
    """The first and last month (1-based, of the period's year; past 12 runs into the next) of a period."""
    if match["q_nth"] or match["q"]:
        nth = match["q_nth"].lower() if match["q_nth"] else ""
        quarter = int(match["q"]) if match["q"] else 4 if nth in ("last", "final") else _NTH[nth]
        return 3 * quarter - 2, 3 * quarter
    if match["h_nth"] or match["h"]:
        nth = match["h_nth"].lower() if match["h_nth"] else ""
        half = int(match["h"]) if match["h"] else 2 if nth in ("last", "latter") else _NTH[nth]
        return 6 * half - 5, 6 * half
    if match["season"]:
        return _SEASONS[match["season"].lower()]
    if match["year_end"]:
        return 12, 12
    if match["early"]:
        return (9, 12) if match["early"].lower().startswith("late") else (1, 4)
    if match["month"]:
        month = MONTHS.index(match["month"].lower()) + 1
        return month, month
    return 6, 6  # mid-year: a half year's end


def _month(year: str, month: int) -> str:
    if year == UNKNOWN_YEAR:
        return f"{year}-{min(month, 12):02d}"
    return f"{int(year) + (month - 1) // 12}-{(month - 1) % 12 + 1:02d}"


def time_window(text: str, years: Sequence[int] = (), bare_months: bool = False) -> DeadlineWindow | None:
    """The window of months `text` names, or None when it names no period.

    A period without its own year takes the last year of `years` (the question's), else `UNKNOWN_YEAR`.
    "By"/"until"/"before the end of" a period read from January of its year to its end ("due before the end
    of June 2022" asks what falls due in 2022 up to June); a bare "before" stops short of it ("before March":
    March is too late); "after" starts past it, "from"/"since" at it; anything else is the period itself.
    A month named with no word before it ("the August 2021 deadline") counts only when `bare_months`: a
    reform list reads it as no window, the general reader as the month a deadline question is about.
    """
    default = str(years[-1]) if years else UNKNOWN_YEAR
    if between := _BETWEEN.search(text):
        year = between["year"] or default
        opening = _month(between["first_year"] or year, MONTHS.index(between["first"].lower()) + 1)
        return DeadlineWindow(opening, _month(year, MONTHS.index(between["month"].lower()) + 1))
    for match in _PERIOD.finditer(text):
        if not _whole_words(text, match):
            continue
        year = match["year"] or default
        first, last = _span(match)
        start, end = _month(year, first), _month(year, last)
        # "Q3 or Q4", "summer and autumn 2021": one window over both periods
        if joined := _joined_period(text, match.end()):
            end = _month(joined["year"] or year, _span(joined)[1])
            if not match["year"] and joined["year"]:
                start = _month(joined["year"], first)
        operator = _OPERATOR.search(text[: match.start()])
        op = operator["op"].lower() if operator else ""
        if match["season"] and match["season"].lower() == "fall" and not (operator or match["year"]):
            continue  # "deliverables fall due": the verb
        # "before the end of the year" asks up to December, as "before the end of December" does
        to_end = operator is not None and ("end of" in operator.group(0).lower() or bool(match["year_end"]))
        if op in ("by", "until", "till", "no later than", "up to") or (op == "before" and to_end):
            return DeadlineWindow(f"{year}-01", end)
        if op == "before":
            return DeadlineWindow(f"{year}-01", previous_month(start))
        if op == "after":
            return DeadlineWindow(next_month(end), None)
        if op in ("from", "since"):
            return DeadlineWindow(start, None)
        if match["month"] and not operator and not bare_months:
            continue  # a month name alone ("the August deadline") dates nothing asked about
        return DeadlineWindow(start, end)
    return None


def _joined_period(text: str, position: int) -> re.Match[str] | None:
    """The period joined to the one ending at `position` by "or", "and", "to"…, if one is."""
    joiner = _JOINED.match(text, position)
    period = _PERIOD.match(text, joiner.end()) if joiner else None
    return period if period and _whole_words(text, period) else None


def _whole_words(text: str, match: re.Match[str]) -> bool:
    """Whether the period stands as words of its own ("q3", not the "q3" of "faq3"; "fall", not "falls")."""
    before = text[match.start() - 1] if match.start() else " "
    after = text[match.end()] if match.end() < len(text) else " "
    return not (before.isalnum() or after.isalnum() or (match["season"] and after in "-"))


def previous_month(month: str) -> str:
    if month.startswith(UNKNOWN_YEAR):
        return month[:5] + f"{max(int(month[5:]) - 1, 0):02d}"
    year, number = int(month[:4]), int(month[5:])
    return f"{year - 1}-12" if number == 1 else f"{year}-{number - 1:02d}"


def next_month(month: str) -> str:
    if month.startswith(UNKNOWN_YEAR):
        return month[:5] + f"{int(month[5:]) + 1:02d}"
    year, number = int(month[:4]), int(month[5:])
    return f"{year + 1}-01" if number == 12 else f"{year}-{number + 1:02d}"
