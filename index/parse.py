"""Parse clean policy text into Document → Section → Task, with departments and deadlines.

The structure is read from the document itself. Every line that opens with a numbering marker ("1."
"(1)" "（1）" "1)" "1、" "I." "一、" "（一）") or is a Markdown heading (which the HTML and Word readers also
write) is an item of that style; the styles nest as they appear (a style not yet open nests in the one
above it, a heading closes everything below its level). The first level of the outline where several
items hold items of their own is the sections, the level under it the tasks; a notice whose items hold
nothing has tasks and no sections. Which of two nested levels holds the tasks is settled by the
responsibility notes: a task carries one, a section gathers several, so a notice without sections whose
tasks list sub-points ("1." tasks with "(1)" points) keeps the points inside their task's text. A
notice with no notes at all is read from its text: outer items that say what is to be done (a deadline,
sentences past the title) over points that count from 1 again are tasks; bare titles are sections. Tasks
may be numbered through the whole notice or restart in each section. A source with no numbered items at
all, such as a news summary, is split into topical items in document order, each opened by a lead
paragraph that quotes the plan ('The "Work Task" requires that …').

Lines the structure puts in no task are counted in `Document.unplaced` (and kept where they sit, for
search): a number that steps back ("(3)" after "(5)"), a numbered line in no list ("7." with no "6."), and
text after a task's responsibility note before the next task or section, in notices whose tasks end with
their note. A section's introduction, the notice header, preamble and closing are never counted.
"""

from __future__ import annotations

import calendar
import itertools
import re
from collections import Counter
from dataclasses import dataclass, field

from index.clean import CleanText
from index.departments import canonical_department, find_departments, split_department_names
from index.model import Deadline, Document, DocumentInfo, Section, Task, UnitKind, UnplacedLine

CHINESE_NUMERALS = {c: i for i, c in enumerate("一二三四五六七八九十", start=1)}
ROMAN_VALUES = {"I": 1, "V": 5, "X": 10}
ZH_NUMERAL = "[一二三四五六七八九十]{1,3}"
HEADING = re.compile(r"^(?P<hashes>#{1,6})\s+(?P<rest>.*)$")
# (style, pattern): the numbering styles of these notices; full-width and ASCII brackets are one style
NUMBERINGS: list[tuple[str, re.Pattern[str]]] = [
    ("（一）", re.compile(rf"^[（(]\s*(?P<n>{ZH_NUMERAL})\s*[）)]\s*(?P<rest>.*)$")),
    ("一、", re.compile(rf"^(?P<n>{ZH_NUMERAL})\s*[、．.]\s*(?P<rest>.*)$")),
    ("(1)", re.compile(r"^[（(]\s*(?P<n>\d{1,2})\s*[）)]\s*(?P<rest>.*)$")),
    ("1)", re.compile(r"^(?P<n>\d{1,2})\s*[)）]\s*(?P<rest>.*)$")),
    ("1、", re.compile(r"^(?P<n>\d{1,2})\s*、\s*(?P<rest>.*)$")),
    # "1.5 million" is a figure; the full-width "1．3月底前" is an item whose text opens with a date
    ("1.", re.compile(r"^(?P<n>\d{1,2})\s*(?:\.(?!\d)|．)\s*(?P<rest>.*)$")),
    ("I.", re.compile(r"^(?P<n>[IVX]{1,5})\.(?:\s+(?P<rest>.*))?$")),
]
RESPONSIBLE_EN = re.compile(
    r"^(?P<names>.+?)\s+(?:is|are|shall be|will be)\s+(?:jointly\s+)?responsible"
    r"(?:\s+(?:for (?:this|the) task|according to (?:the|their) division of responsibilit(?:y|ies)))?\.?$",
    re.IGNORECASE | re.DOTALL,
)
LED_BY_EN = re.compile(
    r"^led\s+by\s+(?P<lead>.+?)(?:,?\s+(?:with|together with)\s+(?:the\s+participation\s+of\s+)?"
    r"(?P<others>.+?))?(?:\s+(?:participating|taking part))?\.?$",
    re.IGNORECASE | re.DOTALL,
)
TAKES_LEAD_EN = re.compile(
    r"^(?P<lead>.+?)\s+takes?\s+the\s+lead(?:,?\s+(?:with|and)\s+(?P<others>.+?)"
    r"(?:\s+(?:participating|taking part|cooperating))?)?\.?$",
    re.IGNORECASE | re.DOTALL,
)
LED_ZH = re.compile(r"^(?P<lead>.+?)牵头(?:[，,、]?(?P<others>.+?)(?:等)?(?:参与|配合|按职责分工负责))?$")
RESPONSIBLE_ZH = re.compile(r"^(?P<names>.+?)(?:按职责分工)?负责$")
RESPONSIBILITY_FORMS = (RESPONSIBLE_EN, LED_BY_EN, TAKES_LEAD_EN, LED_ZH, RESPONSIBLE_ZH)
INLINE_LEAD = re.compile(r"(?P<lead>[^.;]+?)\s+takes?\s+the\s+lead\b(?P<rest>[^.;]*)", re.IGNORECASE)
LEAD = re.compile(r'^The "[^"]+"\s')  # a news summary's paragraph quoting the plan opens a topical item
LEAD_FRAMING = re.compile(r'^The "[^"]+"\s+[^,]*?(?:\bthat\b|,)\s*(?:and\s+)?')
MONTHS = "|".join(calendar.month_name[1:])
DEADLINE_EN = re.compile(
    r"\b(?:by|before|no later than)\s+(?:"
    rf"(?:the\s+end\s+of\s+)?(?P<month>{MONTHS})\s+(?P<year>20\d\d)\b"
    rf"|(?:the\s+end\s+of\s+)?(?-i:(?P<month_only>{MONTHS}))\b(?!\s+\d)"
    r"|(?:the\s+)?end[-\s]+(?:of\s+)?(?P<end_year>20\d\d)\b"
    r"|(?:the\s+)?(?:end\s+of\s+(?:the|this)\s+year|year[-\s]end)\b)"
    r"|\bwithin\s+(?:the|this)\s+year\b",
    re.IGNORECASE,
)
DEADLINE_ZH = re.compile(r"(?:(?P<year>20\d\d)年)?(?P<month>\d{1,2})月底?前|(?P<end_year>20\d\d)?年底前|年内")
SENTENCE_ENDS = (".", "!", "?", ";", "。", "！", "？", "；")
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"(])|(?<=[。！？；])")
ABBREVIATION = re.compile(r"\b(?:No|etc|e\.g|i\.e|Mr|Dr|Art)\.$")
Position = tuple[int, int]  # (paragraph, line) of a line in the cleaned text
LONG_TITLE_WORDS = 25  # a first sentence longer than this is cut at its first clause


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


def roman_value(numeral: str) -> int | None:
    """The value of a Roman numeral up to 39, or None when the letters are not one ("IIV")."""
    values = [ROMAN_VALUES[c] for c in numeral]
    total = sum(-v if i + 1 < len(values) and v < values[i + 1] else v for i, v in enumerate(values))
    return total if 0 < total < 40 and _roman(total) == numeral else None


def _roman(number: int) -> str:
    out = ""
    for value, letters in ((10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while number >= value:
            out += letters
            number -= value
    return out


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


# ---------------------------------------------------------------- departments


def _clean_department(part: str) -> str:
    part = re.sub(
        r"\s+and (?:relevant|other) departments$|和相关部门$|^and\s+|^the\s+|^The\s+|^with\s+(?:the\s+)?",
        "",
        part.strip(),
    )
    part = re.sub(r"等$", "", part)
    return part.strip(" .")


def parse_departments(
    names: str, aliases: dict[str, str] | None = None, lead: str = ""
) -> tuple[list[str], list[str]]:
    """(canonical, as written) department lists from a responsibility note's names, lead first."""
    names = re.sub(r"\s*[（(](?:hereinafter|以下简称)[^)）]*[)）]", "", names)
    names = re.sub(r",?\s*(?:etc\.?|等)$", "", names.strip())
    written: list[str] = []
    for part in ([lead] if lead else []) + split_department_names(names):
        part = _clean_department(part)
        if part and part.lower() not in {"relevant departments", "other departments", "etc", "相关部门"}:
            written.append(part)
    canonical: list[str] = []
    for name in written:
        if (c := canonical_department(name, aliases)) not in canonical:
            canonical.append(c)
    return canonical, written


def responsibility(note: str) -> tuple[str, str] | None:
    """(lead, other names) of a responsibility note's text (without its brackets), or None if it is not one.

    The forms: "X is responsible", "X and Y are responsible (according to the division of
    responsibilities)", "Led by X, with Y and Z", "X takes the lead", "X负责", "X牵头，Y参与"."""
    note = re.sub(r"\s+", " ", note).strip()
    for form in RESPONSIBILITY_FORMS:
        if match := form.match(note):
            groups = match.groupdict()
            if "lead" in groups:
                return groups["lead"], groups.get("others") or ""
            return "", groups["names"]
    return None


def _closing_bracket_group(line: str) -> tuple[str, str] | None:
    """(text before, the bracketed group) when a line ends with a balanced (…) or （…） group."""
    stripped = line.rstrip(" .。")
    if not stripped.endswith((")", "）")):
        return None
    depth = 0
    for index in range(len(stripped) - 1, -1, -1):
        char = stripped[index]
        if char in ")）":
            depth += 1
        elif char in "(（":
            depth -= 1
            if depth == 0:
                return stripped[:index].rstrip(), line[index:].strip()
    return None


def responsibility_note(line: str) -> tuple[str, str] | None:
    """(body before, note) when a line ends with a responsibility note in brackets."""
    group = _closing_bracket_group(line)
    if group and responsibility(group[1][1:].rstrip(" .。")[:-1]) is not None:
        return group
    return None


def _inline_lead(sentences: list[str], aliases: dict[str, str]) -> tuple[list[str], list[str]]:
    """Departments of a sentence such as "The National Health Commission takes the lead, with …"."""
    for sentence in sentences:
        if match := INLINE_LEAD.search(sentence):
            leads = find_departments(match["lead"])
            others = find_departments(match["rest"])
            if leads:
                pairs = leads + [p for p in others if p[1] not in {c for _, c in leads}]
                written = [w for w, _ in pairs]
                return [canonical_department(w, aliases) for w in written], written
    return [], []


# ---------------------------------------------------------------- deadlines


def find_deadlines(sentences: list[str], year: int = 0) -> list[Deadline]:
    """Dated commitments with the sentence that sets them: "by the end of August 2021" → 2021-08; a month
    without a year, "within the year", "before the end of the year", "年底前" → the notice's `year`."""
    deadlines: list[Deadline] = []
    for sentence in sentences:
        found = [(m, "en") for m in DEADLINE_EN.finditer(sentence)]
        found += [(m, "zh") for m in DEADLINE_ZH.finditer(sentence)]
        for match, _ in sorted(found, key=lambda f: f[0].start()):
            month = _deadline_month(match, year)
            if month:
                deadlines.append(Deadline(month=month, phrase=match[0], sentence=sentence))
    return deadlines


def _deadline_month(match: re.Match[str], year: int) -> str | None:
    groups = match.groupdict()
    month_name = groups.get("month") or groups.get("month_only")
    if month_name and not month_name.isdigit():
        number = list(calendar.month_name).index(month_name.capitalize())
        at = int(groups["year"]) if groups.get("year") else year
        return f"{at}-{number:02d}" if at else None
    if month_name:  # Chinese "9月底前"
        at = int(groups["year"]) if groups.get("year") else year
        return f"{at}-{int(month_name):02d}" if at else None
    at = int(groups["end_year"]) if groups.get("end_year") else year
    return f"{at}-12" if at else None


# ---------------------------------------------------------------- the outline


@dataclass(frozen=True)
class Marker:
    """A line that opens an item: its style ("(1)", "一、", "h2" …), number (None: unnumbered heading) and
    the text after the marker."""

    style: str
    number: int | None
    rest: str
    printed: str = ""  # the number as printed, e.g. "(3)", "（三）", "III."
    heading: int = 0  # Markdown heading level, 0 for a numbered line


def _numbered(text: str) -> tuple[str, int, str, str] | None:
    """(style, value, text after the number, the number as printed) of a numbered line."""
    for style, pattern in NUMBERINGS:
        if match := pattern.match(text):
            raw = match["n"]
            if style == "I.":
                number = roman_value(raw)
                if number is None:
                    continue
            elif raw.isdigit():
                number = int(raw)
            else:
                number = chinese_or_arabic(None, raw)
            printed = re.sub(r"\s+", "", text[: match.start("rest")] if match["rest"] else text)
            return style, number, (match["rest"] or "").strip(), printed
    return None


def read_marker(line: str) -> Marker | None:
    """The item a line opens, if any."""
    if heading := HEADING.match(line):
        level, rest = len(heading["hashes"]), heading["rest"].strip()
        numbered = _numbered(rest)
        if numbered:
            return Marker(f"h{level}", numbered[1], numbered[2], numbered[3], level)
        return Marker(f"h{level}", None, rest, "", level)
    if numbered := _numbered(line):
        return Marker(*numbered)
    return None


@dataclass
class _Item:
    index: int  # line position
    marker: Marker
    depth: int
    children: int = 0


def _in_no_list(markers: list[tuple[Position, Marker]]) -> dict[Position, Marker]:
    """Numbered lines that start no list of their style and continue none: a stray "7." with no "6."
    before it, a "(3)" after "(5)".

    A list counts from 1 (or restarts at 1) and goes up by one, also across sections. Such lines are no
    item of the outline, so one stray line cannot turn a notice's tasks into sections. A style none of
    whose several items counts from 1 is the document's own numbering (an excerpt), and is kept.
    Headings are kept: they are the structure a reader found, numbered or not.
    """
    last: dict[str, int] = {}
    misfits: dict[str, list[tuple[Position, Marker]]] = {}
    for position, marker in markers:
        if marker.number is None or marker.heading:
            continue
        previous = last.get(marker.style)
        if marker.number == 1 or (previous is not None and marker.number == previous + 1):
            last[marker.style] = marker.number
        else:
            misfits.setdefault(marker.style, []).append((position, marker))
    found: dict[Position, Marker] = {}
    for style, items in misfits.items():
        if style in last or len(items) == 1:
            found.update(items)
    return found


def _outline(markers: list[tuple[int, Marker]]) -> list[_Item]:
    """Nest the items by style: a style already open closes what is below it; a new style opens below the
    current one; a heading closes every numbered list and every heading of its level or deeper."""
    stack: list[Marker] = []
    items: list[_Item] = []
    for index, marker in markers:
        if marker.heading:
            while stack and (not stack[-1].heading or stack[-1].heading >= marker.heading):
                stack.pop()
        elif any(m.style == marker.style for m in stack):
            while stack[-1].style != marker.style:
                stack.pop()
            stack.pop()
        stack.append(marker)
        items.append(_Item(index, marker, len(stack) - 1))
    for position, item in enumerate(items):
        for later in items[position + 1 :]:
            if later.depth <= item.depth:
                break
            if later.depth == item.depth + 1:
                item.children += 1
    return items


def _levels(items: list[_Item], notes: list[int], lines: list[str]) -> tuple[str | None, str | None]:
    """(section style, task style) of the outline; `notes` are the line positions of responsibility notes.

    Sections: the first depth where at least two items hold items, or one does and an item without any
    follows it (a lone wrapper, such as a title heading, is skipped); tasks: the commonest style right
    under them — unless the responsibility notes say that upper level is the tasks and the items under
    them are a task's sub-points (see `_notes_mark_tasks`), or, in a block without any notes, the text
    does (see `_text_marks_tasks`; `lines` are the text's lines by position). Without such a depth, the
    tasks are the first depth with at least two items, and there are no sections.
    """
    depths = sorted({i.depth for i in items})
    for depth in depths:
        here = [i for i in items if i.depth == depth]
        holding = [i for i in here if i.children]
        # one holding item is still a section when a childless one follows it (a closing section such as
        # "Organisation and implementation"); a childless one before it is a header (the notice's title)
        closing_follows = bool(holding) and any(not i.children and i.index > holding[-1].index for i in here)
        if len(holding) >= 2 or closing_follows:
            section_style = Counter(i.marker.style for i in here if i.children).most_common(1)[0][0]
            below = [i for i in items if i.depth == depth + 1]
            task_style = Counter(i.marker.style for i in below).most_common(1)[0][0]
            upper = [i for i in here if i.marker.style == section_style]
            lower = [i for i in below if i.marker.style == task_style]
            if _notes_mark_tasks(items, upper, lower, notes):
                return None, section_style
            noted = any(_notes_in(items, item, notes) for item in upper)
            if not noted and _text_marks_tasks(items, upper, lower, lines):
                return None, section_style
            return section_style, task_style
    for depth in depths:
        styles = Counter(i.marker.style for i in items if i.depth == depth)
        style, count = styles.most_common(1)[0]
        if count >= 2:
            return None, style
    return None, None


def _span_end(items: list[_Item], item: _Item) -> int | None:
    """Where an item ends: the line of the next item at its depth or above (None: the end of the text)."""
    return next((i.index for i in items if i.index > item.index and i.depth <= item.depth), None)


def _notes_in(items: list[_Item], item: _Item, notes: list[int]) -> list[int]:
    """The responsibility notes an item holds, its own points' included."""
    end = _span_end(items, item)
    return [note for note in notes if item.index <= note and (end is None or note < end)]


def _one_note_of_its_own(items: list[_Item], item: _Item, notes: list[int]) -> bool:
    """Whether an item holds one note, and it opens the item or follows its last point: where a task with
    points puts its note, unlike a section whose one noted task is any of its tasks."""
    held = _notes_in(items, item, notes)
    if len(held) != 1:
        return False
    end = _span_end(items, item)
    points = [
        i.index
        for i in items
        if i.depth == item.depth + 1 and item.index < i.index and (end is None or i.index < end)
    ]
    return not points or held[0] < points[0] or held[0] > points[-1]


def _notes_mark_tasks(items: list[_Item], upper: list[_Item], lower: list[_Item], notes: list[int]) -> bool:
    """Whether the upper of two nested levels is the tasks, the lower their sub-points.

    A task carries one responsibility note (or one "X takes the lead" line); a section gathers its tasks'
    notes. So the upper level is the tasks when most of its items hold exactly one note, opening the item
    or following its last point, while at most half of the items under them hold one. A notice whose lower
    items each carry their note keeps them as tasks; one without notes is left to `_text_marks_tasks`.
    """
    if not upper or not lower:
        return False
    single = sum(_one_note_of_its_own(items, item, notes) for item in upper)
    carrying = sum(bool(_notes_in(items, item, notes)) for item in lower)
    return single * 2 > len(upper) and carrying * 2 <= len(lower)


def _own_sentences(items: list[_Item], item: _Item, lines: list[str]) -> list[str]:
    """The sentences an item says itself: its line after the marker and the lines before the next item
    (its first point, or the next item at its level)."""
    stop = next((i.index for i in items if i.index > item.index), len(lines))
    own = [item.marker.rest, *(_plain(line) for line in lines[item.index + 1 : stop])]
    return [sentence for line in own for sentence in split_sentences(line)]


def _says_a_task(items: list[_Item], item: _Item, lines: list[str]) -> bool:
    """Whether an item's own text reads as a task rather than a section heading.

    It does when it sets a deadline, or when it goes on past its title: a Markdown heading with sentences
    under it, a numbered line that is itself a sentence ("1. Plant trees. Each county …"). A numbered line
    that is a bare title ("I. Orchards", no full stop) is a heading even when a paragraph introduces it.
    """
    sentences = _own_sentences(items, item, lines)
    if any(DEADLINE_EN.search(s) or DEADLINE_ZH.search(s) for s in sentences):
        return True
    if len(sentences) < 2:
        return False
    rest = item.marker.rest.rstrip()
    return bool(item.marker.heading) or rest.endswith(SENTENCE_ENDS) or len(split_sentences(rest)) >= 2


def _points_restart(items: list[_Item], upper: list[_Item], lower: list[_Item]) -> bool:
    """Whether the lower items count from 1 again under every upper item that holds some, as a task's
    points do; tasks numbered on through their sections ("(3)" opening section II) are no points."""
    lower_at = {i.index for i in lower}
    for item in upper:
        end = _span_end(items, item)
        held = (i for i in items if i.index > item.index and (end is None or i.index < end))
        first = next((i for i in held if i.index in lower_at), None)
        if first is not None and first.marker.number != 1:
            return False
    return True


def _text_marks_tasks(items: list[_Item], upper: list[_Item], lower: list[_Item], lines: list[str]) -> bool:
    """Whether, with no responsibility notes to go by, the upper of two nested levels is the tasks.

    Sections are headings over tasks: a short title each, with no deadline and no sentences of their own
    before their first task. Tasks over points say what is to be done before (or instead of) listing
    points: a deadline, or a title followed by sentences. So the upper level is the tasks when most of its
    items read as tasks that way and the items under each count from 1 again, as a task's points do.
    """
    if not upper or not lower or not _points_restart(items, upper, lower):
        return False
    saying = sum(_says_a_task(items, item, lines) for item in upper)
    return saying * 2 > len(upper)


# ---------------------------------------------------------------- numbered notices


@dataclass
class _Draft:
    """A task being read: heading, body lines, responsibility line."""

    number: int
    source_number: str
    title: str
    section: Section | None
    body: list[str] = field(default_factory=list)
    departments_line: str = ""


@dataclass
class _Context:
    """What a document's units share: its info and the department names it defines for itself."""

    info: DocumentInfo
    aliases: dict[str, str] = field(default_factory=dict)


def _task_from_draft(context: _Context, draft: _Draft) -> Task:
    info = context.info
    sentences = [s for line in draft.body for s in split_sentences(_plain(line))]
    canonical: list[str] = []
    written: list[str] = []
    if draft.departments_line and (note := _note_of(draft.departments_line)):
        lead, names = note
        canonical, written = parse_departments(names, context.aliases, lead)
    elif not draft.departments_line:
        canonical, written = _inline_lead(sentences, context.aliases)
    return Task(
        id=f"{info.id}-{draft.number}",
        doc_id=info.id,
        year=info.year,
        kind=UnitKind.TASK,
        number=draft.number,
        source_number=draft.source_number,
        section=draft.section,
        title=draft.title,
        sentences=sentences,
        departments=canonical,
        departments_as_written=written,
        departments_text=draft.departments_line,
        # a task that is one sentence sets its deadline in its title ("Replace the lamps by June 2033.")
        deadlines=find_deadlines([draft.title, *sentences], info.year),
    )


def _note_of(line: str) -> tuple[str, str] | None:
    """(lead, names) of a whole-line responsibility note "(…)"."""
    line = line.strip().rstrip(".。")
    if line[:1] in "(（" and line[-1:] in ")）":
        return responsibility(line[1:-1])
    return None


def _leads_a_task(line: str) -> bool:
    """Whether a line names who leads a task: a responsibility note "(…)" or "X takes the lead, …"."""
    if _note_of(line):
        return True
    return any(find_departments(m["lead"]) for m in INLINE_LEAD.finditer(line))


def _plain(line: str) -> str:
    """A line without the Markdown heading marks the readers write: they are structure, not text."""
    return HEADING.sub(r"\g<rest>", line)


def _unit(info: DocumentInfo, kind: UnitKind, title: str, lines: list[str]) -> Task:
    sentences = [s for line in lines for s in split_sentences(_plain(line))]
    return Task(
        id=f"{info.id}-{kind.value}",
        doc_id=info.id,
        year=info.year,
        kind=kind,
        title=title,
        sentences=sentences,
        deadlines=find_deadlines(sentences, info.year),
    )


def _heading_title(first: str) -> tuple[str, list[str]]:
    """A task's title and whatever body shares its line: the first sentence, cut at its first clause
    when that sentence is a whole paragraph's worth."""
    sentences = split_sentences(first)
    title = sentences[0].rstrip(".。")
    body = sentences[1:]
    if len(title.split()) > LONG_TITLE_WORDS and (clause := re.match(r"^(.+?)[;；:：]\s*(.+)$", title)):
        title, body = clause[1], [clause[2], *body]
    return title, body


def _split_trailing_departments(paragraph: list[str]) -> list[str]:
    """A task that is one paragraph ends its last sentence and its responsibility note on one line: split."""
    lines: list[str] = []
    for line in paragraph:
        split = responsibility_note(line)
        if split and split[0]:
            lines.extend([split[0], split[1]])
        else:
            lines.append(line)
    return lines


def _task_name(draft: _Draft) -> str:
    return f"task {draft.source_number or draft.number}"


def _numbers_fit(numbers: list[int], sections: list[int], has_sections: bool) -> bool:
    """Whether task numbers run 1..n through the notice, or restart at 1 in each section."""
    if numbers == list(range(1, len(numbers) + 1)):
        return True
    by_section: dict[int, list[int]] = {}
    for number, section in zip(numbers, sections, strict=True):
        by_section.setdefault(section, []).append(number)
    return has_sections and all(n == list(range(1, len(n) + 1)) for n in by_section.values())


def _steps_back(
    paragraphs: list[list[str]], section_style: str | None, task_style: str
) -> dict[Position, str]:
    """Section and task markers that step back in their numbering ("(3)" after "(5)"), with why.

    Such a line opens no item. A task marker is only set aside when the rest of the tasks then number
    1..n (through the notice or in each section); when they do not, the numbering is broken throughout
    and `_renumber` reports the whole sequence rather than guessing which line is out of place.
    """
    back: dict[Position, str] = {}
    last_section: int | None = None
    section_ordinal = 0
    tasks: list[tuple[Position, Marker, int]] = []
    for p_index, paragraph in enumerate(paragraphs):
        for l_index, line in enumerate(paragraph):
            marker = read_marker(line)
            if marker is None or marker.number is None:
                continue
            if marker.style == section_style:
                if last_section is not None and marker.number <= last_section:
                    back[(p_index, l_index)] = f"numbered {marker.printed} after section {last_section}"
                    continue
                last_section, section_ordinal = marker.number, section_ordinal + 1
            elif marker.style == task_style:
                tasks.append(((p_index, l_index), marker, section_ordinal))
    stepping: dict[Position, str] = {}
    kept: list[tuple[int, int]] = []  # (number, section) of the tasks that keep their place
    previous: Marker | None = None
    for position, marker, section in tasks:
        assert marker.number is not None
        restarts = marker.number == 1 and bool(kept) and section != kept[-1][1]
        if previous is None or previous.number is None or marker.number > previous.number or restarts:
            kept.append((marker.number, section))
            previous = marker
        else:
            stepping[position] = f"numbered {marker.printed} after task {previous.printed}"
    if stepping and _numbers_fit([n for n, _ in kept], [s for _, s in kept], section_style is not None):
        back.update(stepping)
    return back


@dataclass
class _Unplaced:
    """An unplaced line while parsing, and why."""

    text: str
    where: str


@dataclass
class _AfterNote:
    """Lines after a task's responsibility note, up to the next task or the end of the notice."""

    draft: _Draft
    lines: list[str]  # before any section heading: outside the task, and no section's introduction
    then: str  # what follows: "task (6)" or "section III"


def _parse_numbered(
    context: _Context,
    paragraphs: list[list[str]],
    styles: tuple[str | None, str],
    no_list: dict[Position, Marker],
) -> Document:
    """Tasks (and sections) of a numbered notice; `paragraphs` have their trailing notes split off."""
    info = context.info
    section_style, task_style = styles
    steps_back = _steps_back(paragraphs, section_style, task_style)
    front: list[list[str]] = []
    sections: list[Section] = []
    drafts: list[_Draft] = []
    unplaced: list[_Unplaced] = []
    after_notes: list[_AfterNote] = []
    # lines after a task's responsibility line (the closing, if no task follows), each with whether it is
    # a section heading: a heading is never body text of the task before it
    trailing: list[tuple[str, bool]] = []

    def close_trailing(then: str) -> None:
        """End the lines after the last task's note: the text before any section heading is outside it."""
        if drafts and drafts[-1].departments_line:
            before_heading = list(itertools.takewhile(lambda t: not t[1], trailing))
            after_notes.append(_AfterNote(drafts[-1], [text for text, _ in before_heading], then))

    for p_index, paragraph in enumerate(paragraphs):
        lines = iter(enumerate(paragraph))
        for l_index, line in lines:
            marker = read_marker(line)
            if (why := steps_back.get((p_index, l_index))) is not None:
                unplaced.append(_Unplaced(line, why))
                marker = None
            elif marker and drafts and (p_index, l_index) in no_list and marker.style not in styles:
                where = f"numbered {marker.printed} after {_task_name(drafts[-1])}, in no list of its style"
                unplaced.append(_Unplaced(line, where))
            if marker and marker.style == section_style:
                title = marker.rest or next(lines, (0, ""))[1]
                number = marker.number if marker.number is not None else len(sections) + 1
                sections.append(Section(number=str(number), title=title.rstrip(".。")))
                if drafts:  # closes the last task; a section without tasks at the end is the closing
                    if not any(is_heading for _, is_heading in trailing):
                        close_trailing(f"section {marker.printed.rstrip('.、．') or number}")
                    trailing.append((line if marker.rest else f"{line} {title}", True))
            elif marker and marker.style == task_style:
                title, body = (
                    _heading_title(marker.rest)
                    if marker.rest
                    else (next(lines, (0, ""))[1].rstrip(".。"), [])
                )
                current_section = sections[-1] if sections else None
                number = marker.number if marker.number is not None else len(drafts) + 1
                draft = _Draft(number, marker.printed, title, current_section, body)
                if drafts and not any(is_heading for _, is_heading in trailing):
                    close_trailing(_task_name(draft))
                if drafts and trailing:
                    drafts[-1].body.extend(text for text, is_heading in trailing if not is_heading)
                    trailing = []
                drafts.append(draft)
            elif not drafts:
                front.append([line]) if not front or l_index == 0 else front[-1].append(line)
            elif _note_of(line) and not drafts[-1].departments_line and not trailing:
                drafts[-1].departments_line = line
            elif drafts[-1].departments_line or trailing:
                trailing.append((line, False))
            else:
                drafts[-1].body.append(line)
    if drafts:  # the points right after the last task's note are its own, not the notice's closing
        points = list(itertools.takewhile(lambda t: not t[1] and _opens_point(t[0], styles), trailing))
        drafts[-1].body.extend(text for text, _ in points)
        trailing = trailing[len(points) :]
    _renumber(info, drafts, section_style is not None)
    unplaced += _outside_tasks(after_notes, already={u.text for u in unplaced})
    used = {id(d.section) for d in drafts if d.section is not None}
    sections = [s for s in sections if id(s) in used]
    units: list[Task] = []
    if front:
        notice_lines = [line for p in front[:-1] for line in p] if len(front) > 1 else []
        if notice_lines:
            units.append(_unit(info, UnitKind.NOTICE, f"Notice issuing the {info.title}", notice_lines))
        units.append(_unit(info, UnitKind.PREAMBLE, "Preamble", front[-1]))
    units.extend(_task_from_draft(context, d) for d in drafts)
    if trailing:
        closing = [text for text, _ in trailing]
        units.append(_unit(info, UnitKind.CLOSING, "Closing: organisation and reporting", closing))
    placed = [UnplacedLine(text=u.text, where=u.where, kept_in=_keeper(units, u.text)) for u in unplaced]
    return Document(info=info, sections=sections, units=units, unplaced=placed)


def _opens_point(line: str, styles: tuple[str | None, str]) -> bool:
    """Whether a line opens a numbered point of a style below the tasks: part of a task, never a closing."""
    marker = read_marker(line)
    if marker is None or marker.number is None or marker.heading:
        return False
    return marker.style not in styles


def _keeper(units: list[Task], line: str) -> str:
    """The unit whose text holds a line: where an unplaced line stays searchable."""
    sentences = split_sentences(_plain(line))
    return next((u.id for u in units if sentences and sentences[0] in u.sentences), "")


def _outside_tasks(after_notes: list[_AfterNote], already: set[str]) -> list[_Unplaced]:
    """Text between a task's responsibility note and the next task or section: outside every task.

    Only where the document's own tasks end with their note: when most tasks go on after it (a note that
    opens the task, its body below), text after a note is that task's body, not a stray line.
    """
    going_on = [a for a in after_notes if a.lines]
    if len(going_on) * 2 > len(after_notes):
        return []
    found: list[_Unplaced] = []
    for after in after_notes:
        where = f"after {_task_name(after.draft)}'s responsibility note, before {after.then}"
        found.extend(_Unplaced(text, where) for text in after.lines if text not in already)
    return found


def _renumber(info: DocumentInfo, drafts: list[_Draft], has_sections: bool) -> None:
    """Tasks numbered 1..n through the notice keep their numbers; tasks that restart in each section are
    numbered 1..n in document order (their printed number stays in `source_number`)."""
    numbers = [d.number for d in drafts]
    if numbers == list(range(1, len(numbers) + 1)):
        return
    if not _numbers_fit(numbers, [id(d.section) for d in drafts], has_sections):
        raise ParseError(f"document {info.id}: task numbers are not 1..{len(numbers)} in order: {numbers}")
    for ordinal, draft in enumerate(drafts, start=1):
        draft.number = ordinal


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
                id=f"{info.id}-{number}",
                doc_id=info.id,
                year=info.year,
                kind=UnitKind.TASK,
                number=number,
                title=_item_title(lines[0]),
                sentences=sentences,
                deadlines=find_deadlines(sentences, info.year),
                unnumbered_in_source=True,
            )
        )
    return Document(info=info, units=units)


def parse_document(info: DocumentInfo, text: CleanText, aliases: dict[str, str] | None = None) -> Document:
    """Parse clean text into a Document; raises ParseError when no structure is found.

    `aliases` are the short department names the document defines (see index.metadata.defined_aliases).
    """
    if not text.paragraphs:
        raise ParseError(f"document {info.id}: nothing left after cleaning")
    paragraphs = [_split_trailing_departments(p) for p in text.paragraphs]
    positions = [(p, line) for p, paragraph in enumerate(paragraphs) for line in range(len(paragraph))]
    markers = [(pos, m) for pos in positions if (m := read_marker(paragraphs[pos[0]][pos[1]]))]
    no_list = _in_no_list(markers)
    order = {pos: index for index, pos in enumerate(positions)}
    outline = _outline([(order[pos], m) for pos, m in markers if pos not in no_list])
    notes = [order[pos] for pos in positions if _leads_a_task(paragraphs[pos[0]][pos[1]])]
    lines = [paragraphs[p][line] for p, line in positions]
    section_style, task_style = _levels(outline, notes, lines)
    context = _Context(info, aliases or {})
    if task_style is not None:
        return _parse_numbered(context, paragraphs, (section_style, task_style), no_list)
    return _parse_unnumbered(info, text.paragraphs)
