"""Parse clean policy text into Document → Section → Task, with departments and deadlines.

Numbered notices ("1." sections, "(1)" tasks; or Chinese "一、" and "（一）") parse into their tasks. A
source with no numbered tasks, such as a news summary, is split into topical items in document order,
each opened by a lead paragraph that quotes the plan ('The "Work Task" requires that …').
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field

from index.clean import CleanText
from index.departments import canonical_department
from index.model import Deadline, Document, DocumentInfo, Section, Task, UnitKind

CHINESE_NUMERALS = {c: i for i, c in enumerate("一二三四五六七八九十", start=1)}
SECTION = re.compile(r"^(?:(\d{1,2})\.|([一二三四五六七八九十]{1,3})、)\s*(.*)$")
TASK = re.compile(r"^(?:\((\d{1,2})\)|[（(]([一二三四五六七八九十]{1,3})[）)])\s*(.+)$")
DEPARTMENTS_EN = re.compile(
    r"^\((?P<names>.+?)\s+(?:are|is|shall be) responsible according to the division of responsibilities\)\.?$"
)
DEPARTMENTS_ZH = re.compile(r"^[（(](?P<names>.+?)按职责分工负责[）)]。?$")
TRAILING_DEPARTMENTS_ZH = re.compile(
    r"^(?P<body>.+?。)(?P<departments>[（(][^（）()]+按职责分工负责[）)]。?)$"
)
LEAD = re.compile(r'^The "[^"]+"\s')  # a news summary's paragraph quoting the plan opens a topical item
LEAD_FRAMING = re.compile(r'^The "[^"]+"\s+[^,]*?(?:\bthat\b|,)\s*(?:and\s+)?')
MONTHS = "|".join(calendar.month_name[1:])
DEADLINE_EN = re.compile(
    rf"\b(?:by|before|no later than)\s+(?:the\s+end\s+of\s+)?(?P<month>{MONTHS})\s+(?P<year>20\d\d)\b",
    re.IGNORECASE,
)
DEADLINE_ZH = re.compile(r"(?P<year>20\d\d)年(?P<month>\d{1,2})月底前")
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"(])|(?<=[。！？；])")
ABBREVIATION = re.compile(r"\b(?:No|etc|e\.g|i\.e|Mr|Dr|Art)\.$")


class ParseError(ValueError):
    """The text has no structure PolicyQA recognises."""


def chinese_or_arabic(arabic: str | None, chinese: str | None) -> int:
    """The value of "12" or "十二"."""
    if arabic:
        return int(arabic)
    assert chinese is not None
    if len(chinese) == 1:
        return CHINESE_NUMERALS[chinese]
    tens, _, units = chinese.partition("十")
    return (CHINESE_NUMERALS.get(tens, 1)) * 10 + (CHINESE_NUMERALS.get(units, 0))


def split_sentences(line: str) -> list[str]:
    """Split a line into sentences without breaking at "etc." or "No."."""
    sentences: list[str] = []
    for piece in SENTENCE_END.split(line):
        piece = piece.strip()
        if not piece:
            continue
        if sentences and ABBREVIATION.search(sentences[-1]):
            sentences[-1] = f"{sentences[-1]} {piece}"
        else:
            sentences.append(piece)
    return sentences


def parse_departments(names: str) -> tuple[list[str], list[str]]:
    """(canonical, as written) department lists from a responsibility parenthetical's names."""
    names = re.sub(r"\s*\((?:hereinafter|以下简称)[^)]*\)", "", names)
    names = re.sub(r",?\s*(?:etc\.?|等)$", "", names.strip())
    written: list[str] = []
    for part in re.split(r",\s*|、", names):
        part = re.sub(r"\s+and relevant departments$|和相关部门$|^and\s+|^the\s+|^The\s+", "", part.strip())
        part = part.strip(" .")
        if part and part.lower() not in {"relevant departments", "etc", "相关部门"}:
            written.append(part)
    canonical: list[str] = []
    for name in written:
        if (c := canonical_department(name)) not in canonical:
            canonical.append(c)
    return canonical, written


def find_deadlines(sentences: list[str]) -> list[Deadline]:
    """Dated commitments ("by the end of August 2021" → 2021-08) with the sentence that sets them."""
    deadlines: list[Deadline] = []
    for sentence in sentences:
        for match in DEADLINE_EN.finditer(sentence):
            month = list(calendar.month_name).index(match["month"].capitalize())
            deadlines.append(
                Deadline(month=f"{match['year']}-{month:02d}", phrase=match[0], sentence=sentence)
            )
        for match in DEADLINE_ZH.finditer(sentence):
            deadlines.append(
                Deadline(
                    month=f"{match['year']}-{int(match['month']):02d}", phrase=match[0], sentence=sentence
                )
            )
    return deadlines


@dataclass
class _Draft:
    """A task being read: heading, body lines, responsibility line."""

    number: int
    title: str
    section: Section | None
    body: list[str] = field(default_factory=list)
    departments_line: str = ""


def _departments_match(line: str) -> re.Match[str] | None:
    return DEPARTMENTS_EN.match(line) or DEPARTMENTS_ZH.match(line)


def _task_from_draft(info: DocumentInfo, draft: _Draft) -> Task:
    sentences = [s for line in draft.body for s in split_sentences(line)]
    canonical: list[str] = []
    written: list[str] = []
    if match := _departments_match(draft.departments_line):
        canonical, written = parse_departments(match["names"])
    return Task(
        id=f"{info.year}-{draft.number}",
        doc_id=info.id,
        year=info.year,
        kind=UnitKind.TASK,
        number=draft.number,
        section=draft.section,
        title=draft.title,
        sentences=sentences,
        departments=canonical,
        departments_as_written=written,
        departments_text=draft.departments_line,
        deadlines=find_deadlines(sentences),
    )


def _unit(info: DocumentInfo, kind: UnitKind, title: str, lines: list[str]) -> Task:
    sentences = [s for line in lines for s in split_sentences(line)]
    return Task(
        id=f"{info.year}-{kind.value}",
        doc_id=info.id,
        year=info.year,
        kind=kind,
        title=title,
        sentences=sentences,
        deadlines=find_deadlines(sentences),
    )


def _heading_title(first: str, rest: list[str]) -> tuple[str, list[str]]:
    """A task heading's title (its first sentence) and whatever body shares its line."""
    sentences = split_sentences(first)
    title = sentences[0].rstrip(".。")
    return title, sentences[1:] + rest


def _split_trailing_departments(paragraph: list[str]) -> list[str]:
    """Chinese notices end a task's last sentence and its responsibility note on one line: split them."""
    lines: list[str] = []
    for line in paragraph:
        if match := TRAILING_DEPARTMENTS_ZH.match(line):
            lines.extend([match["body"], match["departments"]])
        else:
            lines.append(line)
    return lines


def _parse_numbered(info: DocumentInfo, paragraphs: list[list[str]]) -> Document:
    front: list[list[str]] = []
    sections: list[Section] = []
    drafts: list[_Draft] = []
    trailing: list[str] = []  # lines after a task's responsibility line: the closing, if no task follows
    for paragraph in map(_split_trailing_departments, paragraphs):
        lines = iter(paragraph)
        for line in lines:
            if (match := SECTION.match(line)) and not TASK.match(line):
                title = match[3] or next(lines, "")
                sections.append(
                    Section(number=str(chinese_or_arabic(match[1], match[2])), title=title.rstrip(".。"))
                )
            elif match := TASK.match(line):
                if drafts and trailing:
                    drafts[-1].body.extend(trailing)
                    trailing = []
                title, body = _heading_title(match[3], [])
                current_section = sections[-1] if sections else None
                drafts.append(_Draft(chinese_or_arabic(match[1], match[2]), title, current_section, body))
            elif not drafts:
                front.append([line]) if not front or line is paragraph[0] else front[-1].append(line)
            elif _departments_match(line) and not drafts[-1].departments_line:
                drafts[-1].departments_line = line
            elif drafts[-1].departments_line:
                trailing.append(line)
            else:
                drafts[-1].body.append(line)
    units: list[Task] = []
    if front:
        notice_lines = [line for p in front[:-1] for line in p] if len(front) > 1 else []
        if notice_lines:
            units.append(_unit(info, UnitKind.NOTICE, f"Notice issuing the {info.title}", notice_lines))
        units.append(_unit(info, UnitKind.PREAMBLE, "Preamble", front[-1]))
    units.extend(_task_from_draft(info, d) for d in drafts)
    if trailing:
        units.append(_unit(info, UnitKind.CLOSING, "Closing: organisation and reporting", trailing))
    _check_numbering(info, drafts)
    return Document(info=info, sections=sections, units=units)


def _check_numbering(info: DocumentInfo, drafts: list[_Draft]) -> None:
    numbers = [d.number for d in drafts]
    if numbers != list(range(1, len(numbers) + 1)):
        raise ParseError(f"document {info.id}: task numbers are not 1..{len(numbers)} in order: {numbers}")


def _item_title(lead: str) -> str:
    title = LEAD_FRAMING.sub("", split_sentences(lead)[0]).rstrip(".")
    return title[:1].upper() + title[1:]


def _parse_unnumbered(info: DocumentInfo, paragraphs: list[list[str]]) -> Document:
    """Topical items of a summary, numbered 1..n in document order."""
    starts = [i for i, p in enumerate(paragraphs) if LEAD.match(p[0])]
    # a lead followed straight by another lead is an overview, not an item
    item_starts = [i for i in starts if i + 1 < len(paragraphs) and i + 1 not in starts]
    if not item_starts:
        raise ParseError(
            f"document {info.id}: no recognisable structure "
            "(no numbered sections or tasks, and no topical items)"
        )
    units: list[Task] = []
    first = item_starts[0]
    notice = [line for p in paragraphs[:first] if not LEAD.match(p[0]) for line in p]
    preamble = [line for p in paragraphs[:first] if LEAD.match(p[0]) for line in p]
    if notice:
        units.append(_unit(info, UnitKind.NOTICE, f"Report on the {info.title}", notice))
    if preamble:
        units.append(_unit(info, UnitKind.PREAMBLE, "Preamble: overview of the tasks", preamble))
    for number, (start, end) in enumerate(
        zip(item_starts, [*item_starts[1:], len(paragraphs)], strict=True), start=1
    ):
        lines = [line for p in paragraphs[start:end] for line in p]
        sentences = [s for line in lines for s in split_sentences(line)]
        units.append(
            Task(
                id=f"{info.year}-{number}",
                doc_id=info.id,
                year=info.year,
                kind=UnitKind.TASK,
                number=number,
                title=_item_title(lines[0]),
                sentences=sentences,
                deadlines=find_deadlines(sentences),
                unnumbered_in_source=True,
            )
        )
    return Document(info=info, units=units)


def parse_document(info: DocumentInfo, text: CleanText) -> Document:
    """Parse clean text into a Document; raises ParseError when no structure is found."""
    if not text.paragraphs:
        raise ParseError(f"document {info.id}: nothing left after cleaning")
    if any(TASK.match(line) for p in text.paragraphs for line in p):
        return _parse_numbered(info, text.paragraphs)
    return _parse_unnumbered(info, text.paragraphs)
