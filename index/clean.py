"""Turn a web scrape into clean policy text, counting everything removed.

Scrapes carry site chrome (logos, breadcrumbs, bylines, disclaimers), SEO tag lines
("Drugs Drugs Drugs medicine medicine…"), whole repeated copies of the notice, and sentences broken
across lines (a lone "." line after every sentence). Cleaning keeps one copy of the text as
paragraphs of whole sentences.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

# Lines that belong to the web page, not the policy. Kept general: they describe page furniture.
BOILERPLATE_PATTERNS = [
    re.compile(p, re.IGNORECASE)
    for p in (
        r"\blogo$",  # site logo alt text
        r"^•",  # navigation bullets and bylines ("• Last Update: …")
        r"^home\s*>",  # breadcrumbs
        r"^(last update|source|author|editor|published)\s*:",
        r"(https?://|www\.)\S+",
        r"\b[\w.+-]+@[\w-]+\.[\w.]+\b",  # contact e-mail addresses
        r"^(related articles|contact us|share|print|close|next|previous)$",
        r"(for information purposes only|doesn't represent|does not represent|plagiarism"
        r"|all rights reserved)",
        r"^[\w ]+ news on [a-z]+ \d{1,2}$",  # site dateline, "Medical Network News on June 18"
    )
]
NAV_ITEM = re.compile(r"[A-Z][a-z]+(?: [A-Z][a-z]+)?")  # "Product", "Contact Us": a menu entry
LETTERED_POINT = re.compile(r"[a-z]\)\s")  # "b) replace the tiles": a point of its own, not a broken tail
LONE_PUNCTUATION = re.compile(r"[.;,:。；，：]+")
QUOTES = str.maketrans(
    {"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u00a0": " ", "\u3000": " "}
)
CJK_CHAR = re.compile(r"[\u3400-\u9fff]")
MAX_BRACKETED_LINE = 600  # an unclosed bracket in a longer line is a typo, not a list running on
MIN_COPY_LINES = 8  # a repeated run this long is a duplicated copy, not a repeated sentence
LONG_LINE = 40
MAX_COPY_DIFFERENCE = 3  # differing lines tolerated inside a repeated copy


@dataclass
class CleanReport:
    """What cleaning removed or repaired, by kind."""

    removed: Counter[str] = field(default_factory=Counter)

    def add(self, kind: str, count: int = 1) -> None:
        if count:
            self.removed[kind] += count


@dataclass
class CleanText:
    """Clean text as paragraphs, each a list of lines that are whole sentences or headings."""

    paragraphs: list[list[str]]
    report: CleanReport


def is_boilerplate(line: str) -> bool:
    """Page furniture: navigation, bylines, links, disclaimers."""
    return any(p.search(line) for p in BOILERPLATE_PATTERNS) or bool(NAV_ITEM.fullmatch(line))


def is_seo_tag_line(line: str, next_line: str) -> bool:
    """Keyword stuffing such as "Health care products health products": short, unpunctuated, repetitive.

    A sentence broken before its full stop looks alike, so a line followed by a lone "." is never one.
    """
    if LONE_PUNCTUATION.fullmatch(next_line) or re.search(r"[\d.,;:()\"'?!]", line):
        return False
    words = line.lower().split()
    return 3 <= len(words) <= 20 and len(set(words)) / len(words) <= 0.67


def _strip_page_furniture(lines: list[str], report: CleanReport) -> list[str]:
    kept: list[str] = []
    for i, line in enumerate(lines):
        following = next((n for n in lines[i + 1 :] if n), "")
        if line and is_boilerplate(line):
            report.add("boilerplate line")
        elif line and is_seo_tag_line(line, following):
            report.add("SEO tag line")
        else:
            kept.append(line)
    return kept


def _continues_previous(line: str, previous: str) -> bool:
    """A fragment that belongs to the line before: a lone stop, a lowercase tail, a split number."""
    return bool(
        LONE_PUNCTUATION.fullmatch(line)
        or (re.match(r"[a-z;,]", line) and not LETTERED_POINT.match(line))
        or (line.isdigit() and previous.endswith("No."))
    )


def _join_broken_sentences(lines: list[str], report: CleanReport) -> list[str]:
    joined: list[str] = []
    for line in lines:
        previous = joined[-1] if joined else ""
        if line and previous and _continues_previous(line, previous):
            glue = "" if LONE_PUNCTUATION.fullmatch(line) else " "
            joined[-1] = previous + glue + line
            report.add("broken sentence joined")
        else:
            joined.append(line)
    return joined


def _join_open_brackets(lines: list[str], report: CleanReport) -> list[str]:
    """A bracketed list broken across lines ("(National Health Commission, Ministry of Finance," /
    "National Healthcare Security Administration are responsible)") becomes one line again."""
    joined: list[str] = []
    open_brackets = 0
    for line in lines:
        if open_brackets > 0 and line and joined:
            glue = "" if CJK_CHAR.match(line[:1]) and CJK_CHAR.match(joined[-1][-1:]) else " "
            joined[-1] = joined[-1] + glue + line
            report.add("bracketed list joined")
        else:
            joined.append(line)
        depth = _bracket_depth(joined[-1]) if joined else 0
        open_brackets = depth if depth > 0 and len(joined[-1]) < MAX_BRACKETED_LINE else 0
    return joined


def _bracket_depth(line: str) -> int:
    return line.count("(") + line.count("（") - line.count(")") - line.count("）")


def _drop_adjacent_repeats(lines: list[str], report: CleanReport) -> list[str]:
    kept: list[str] = []
    for line in lines:
        last = next((k for k in reversed(kept) if k), None)
        if line and line == last:
            report.add("repeated header line")
        else:
            kept.append(line)
    return kept


def _drop_repeated_copies(lines: list[str], report: CleanReport) -> list[str]:
    """Remove long runs of lines already seen: the second and later copies of the same text.

    Short repeats are kept, since a document may legitimately say the same sentence twice; a few differing
    lines between two repeated runs belong to that copy (copies differ slightly) and go with it.
    """
    seen: set[str] = set()
    segments: list[tuple[bool, list[str]]] = []  # (is_repeat, lines)
    for line in lines:
        repeat = not line or line in seen
        seen.add(line)
        if segments and (segments[-1][0] == repeat or not line):
            segments[-1][1].append(line)
        else:
            segments.append((repeat, [line]))
    is_copy = [repeat and sum(len(x) > LONG_LINE for x in seg) >= MIN_COPY_LINES for repeat, seg in segments]
    for i in range(1, len(segments) - 1):
        if is_copy[i - 1] and is_copy[i + 1] and sum(bool(x) for x in segments[i][1]) <= MAX_COPY_DIFFERENCE:
            is_copy[i] = True
    kept: list[str] = []
    for copy, (_, segment) in zip(is_copy, segments, strict=True):
        if copy:
            report.add("line of a repeated copy", sum(1 for x in segment if x))
        else:
            kept.extend(segment)
    first_lines = [
        next((x for x in seg if x), "") for copy, (_, seg) in zip(is_copy, segments, strict=True) if copy
    ]
    anchor = first_lines[0] if first_lines else None
    if anchor:
        report.add("repeated copy of the text", sum(line == anchor for line in lines) - 1)
    return kept


def _paragraphs(lines: list[str]) -> list[list[str]]:
    paragraphs: list[list[str]] = [[]]
    for line in lines:
        if line:
            paragraphs[-1].append(line)
        elif paragraphs[-1]:
            paragraphs.append([])
    return [p for p in paragraphs if p]


def clean_text(raw: str) -> CleanText:
    """Clean a scraped source into paragraphs of whole lines, reporting what was removed."""
    report = CleanReport()
    lines = [re.sub(r"\s+", " ", line.translate(QUOTES)).strip() for line in raw.splitlines()]
    lines = _strip_page_furniture(lines, report)
    lines = _join_broken_sentences(lines, report)
    lines = _join_open_brackets(lines, report)
    lines = _drop_adjacent_repeats(lines, report)
    lines = _drop_repeated_copies(lines, report)
    return CleanText(paragraphs=_paragraphs(lines), report=report)
