"""Read a question: what it asks (who, when, which task, a list…), which task it names, what to search."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache
from pathlib import Path

from assistant.grounding import content_words
from assistant.models import Turn
from index.departments import department_names

ORDINALS = [
    "first",
    "second",
    "third",
    "fourth",
    "fifth",
    "sixth",
    "seventh",
    "eighth",
    "ninth",
    "tenth",
    "eleventh",
    "twelfth",
    "thirteenth",
    "fourteenth",
    "fifteenth",
    "sixteenth",
    "seventeenth",
    "eighteenth",
    "nineteenth",
    "twentieth",
]
MONTHS = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
]

TASK_REFS = [
    re.compile(r"\b(?P<year>20\d\d)\s*-\s*(?P<num>\d{1,2})(?![\d-])"),
    re.compile(
        r"\b(?:task|item)\s*(?:no\.?\s*)?\(?(?P<num>\d{1,2})\)?\s*(?:of|in|from)\s+(?:the\s+)?(?P<year>20\d\d)"
    ),
    re.compile(r"\b(?P<year>20\d\d)(?:'s)?\s+(?:key\s+)?(?:task|item)\s*(?:no\.?\s*)?\(?(?P<num>\d{1,2})\)?"),
    re.compile(r"\b(?:task|item)\s*(?:no\.?\s*)?\(?(?P<num>\d{1,2})\)?(?!\s*(?:tasks|items))"),
    re.compile(rf"\bthe\s+(?P<ord>{'|'.join(ORDINALS)})\s+(?:key\s+)?(?:task|item)"),
]
INJECTION = re.compile(
    r"(ignore|disregard|forget|override)\s+(all\s+|any\s+|the\s+|your\s+)*(previous|prior|above|earlier|system)?"
    r"\s*(instructions?|prompts?|rules?|context|documents?)[^.?!]*[.?!]?"
    r"|(from|using) your own knowledge[^.?!]*[.?!]?"
    r"|you are now[^.?!]*[.?!]?|(reveal|print|show)\s+"
    r"(your|the)\s+(system\s+)?prompt[^.?!]*[.?!]?|act as[^.?!]*[.?!]?|pretend[^.?!]*[.?!]?",
    re.IGNORECASE,
)
FOLLOW_UP = re.compile(
    r"^(and|also|what about|how about|then)\b|\b(that|this|it|they|them|those|these|its|their)\b",
    re.IGNORECASE,
)


# "the 2021 plan", "the 2022 key tasks", "the 2021 notice": names of a document, not words of its content
DOCUMENT_REFERENCE = re.compile(
    r"\b(?:in |under |of |from |by )?(?:the )?(?:20\d\d(?:'s)? )?"
    r"(?:key tasks|work tasks|plan|notice|summary|document|"
    r"text|tasks)(?: (?:plan|document|text|notice|summary))?(?: (?:of|for|in) 20\d\d)?\b",
    re.IGNORECASE,
)


SECTION_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6}
SECTION_REF = re.compile(
    r"\bsection\s+(\d)\b|\b(first|second|third|fourth|fifth|sixth|last|final)\s+(?:and\s+\w+\s+)?section\b",
    re.IGNORECASE,
)
STRUCTURE_QUESTION = re.compile(
    r"\bhow many ([a-z]+ ){0,3}(tasks|items|sections)\b|\bdocument number\b|\bwho issued\b|\bissued by\b|"
    r"\bwhen was\b.*\b(issued|published|released)|\bwhat date\b.*\b(notice|plan|document)\b|\bissue date\b|"
    r"\bmade public\b|\bpublicly released\b|\bwho approved\b|\baddressed to\b|\bto whom\b|"
    r"\b(first|last|final) (numbered |key )?(task|item)\b",
    re.IGNORECASE,
)


class Intent(StrEnum):
    WHO = "who"
    WHEN = "when"
    WHICH = "which"
    LIST = "list"
    COMPARE = "compare"
    STRUCTURE = "structure"
    WHAT = "what"


@dataclass
class Question:
    """A question as PolicyQA understands it."""

    text: str
    query: str  # what to search: injected instructions removed, follow-ups resolved, glossary applied
    intent: Intent
    years: list[int] = field(default_factory=list)
    task_refs: list[tuple[int | None, int]] = field(default_factory=list)
    departments: list[str] = field(default_factory=list)
    deadline_month: str | None = None
    section: str | None = None
    injection: bool = False
    context_ids: list[str] = field(default_factory=list)  # units the conversation was about


@cache
def glossary(path: Path) -> dict[str, str]:
    """Everyday term → the notices' wording (documents/glossary.json)."""
    if not path.exists():
        return {}
    return {k: v for k, v in json.loads(path.read_text(encoding="utf-8")).items() if not k.startswith("_")}


def expand(text: str, terms: dict[str, str]) -> str:
    """`text` followed by the notices' wording for any everyday terms it uses."""
    lowered = text.lower()
    extra = [v for k, v in terms.items() if re.search(rf"(?<![\w-]){re.escape(k)}(?![\w-])", lowered)]
    return " ".join([text, *extra])


def task_references(text: str) -> list[tuple[int | None, int]]:
    """(year or None, number) for every task the text names."""
    refs: list[tuple[int | None, int]] = []
    consumed: list[tuple[int, int]] = []
    for pattern in TASK_REFS:
        for match in pattern.finditer(text):
            if any(s <= match.start() < e for s, e in consumed):
                continue
            consumed.append(match.span())
            groups = match.groupdict()
            number = ORDINALS.index(groups["ord"]) + 1 if groups.get("ord") else int(groups["num"])
            year = int(groups["year"]) if groups.get("year") else None
            if (year, number) not in refs:
                refs.append((year, number))
    return refs


def _deadline_month(text: str, years: list[int]) -> str | None:
    match = re.search(rf"\b({'|'.join(MONTHS)})(?:\s+of)?\s*(20\d\d)?\b", text, re.IGNORECASE)
    if not match or not re.search(r"deadline|due|by the end|before the end|month", text, re.IGNORECASE):
        return None
    year = int(match[2]) if match[2] else (years[0] if years else None)
    return f"{year}-{MONTHS.index(match[1].lower()) + 1:02d}" if year else None


def _intent(text: str, q: Question) -> Intent:
    lowered = text.lower()
    plural_tasks = re.search(r"\b(tasks|items)\b", lowered)
    if q.deadline_month or (plural_tasks and (q.departments or q.section or "deadline" in lowered)):
        return Intent.LIST
    if re.search(
        r"\b(which|what|list)( of the)?( 20\d\d)? (tasks|items)\b.*"
        r"\b(mention|cover|involve|address|refer|deal)",
        lowered,
    ):
        return Intent.LIST
    if STRUCTURE_QUESTION.search(lowered):
        return Intent.STRUCTURE
    if q.section:
        return Intent.LIST if plural_tasks else Intent.STRUCTURE
    if len(set(q.years)) >= 2 or re.search(
        r"\b(change|changed|compare|comparison|differ|difference|versus|evolve|"
        r"between the two|both years|from 2021 to 2022)\b",
        lowered,
    ):
        return Intent.COMPARE
    if re.search(
        r"\bwho\b|\bwhich (department|ministr|agenc|bod|organ|authorit)|\bresponsib|"
        r"\blead(s|ing)? (department|agenc|ministr)|"
        r"(department|ministr|agenc)\w*\b.*\b(lead|in charge|involved)",
        lowered,
    ):
        return Intent.WHO
    if re.search(
        r"\bwhen\b|\bdeadline|\bby when\b|\bwhat (date|month|time)\b|\bdue\b|\btimeline\b|\bhow soon\b",
        lowered,
    ):
        return Intent.WHEN
    if re.search(r"\b(which|what) (task|item|part)\b|\btask number\b", lowered):
        return Intent.WHICH
    return Intent.WHAT


def _context_ids(history: list[Turn], question: str) -> list[str]:
    """Units the conversation was last about; "the last one" / "the first one" pick among them."""
    for turn in reversed(history):
        ids = list(
            dict.fromkeys(re.findall(r"\[(20\d\d-(?:\d{1,2}|notice|preamble|closing))\]", turn.content))
        )
        if ids:
            if re.search(r"\b(last|final) (one|task|item)\b", question, re.IGNORECASE):
                return ids[-1:]
            if re.search(r"\bfirst (one|task|item)\b", question, re.IGNORECASE):
                return ids[:1]
            return ids
    return []


def read_question(text: str, history: list[Turn], glossary_path: Path) -> Question:
    """Analyse a question (and the conversation before it) for retrieval and answering."""
    injection = bool(INJECTION.search(text))
    cleaned = re.sub(r"\s+", " ", INJECTION.sub(" ", text)).strip()
    years = [int(y) for y in re.findall(r"\b(20\d\d)(?!\s*-\s*\d)", cleaned)]
    refs = task_references(cleaned)
    query = cleaned
    context_ids: list[str] = []
    if history and FOLLOW_UP.search(cleaned) and not refs:
        context_ids = _context_ids(history, cleaned)
        last_user = next((t.content for t in reversed(history) if t.role == "user"), "")
        query = f"{last_user} {cleaned}"
    section = SECTION_REF.search(cleaned)
    searchable = DOCUMENT_REFERENCE.sub(" ", query)
    q = Question(
        text=text,
        query=expand(searchable if content_words(searchable) else query, glossary(glossary_path)),
        intent=Intent.WHAT,
        years=years,
        task_refs=refs,
        departments=department_names(cleaned),
        injection=injection,
        section=(section[1] or str(SECTION_ORDINALS.get(section[2].lower(), section[2].lower())))
        if section
        else None,
        context_ids=context_ids,
    )
    q.deadline_month = _deadline_month(cleaned, years)
    q.intent = _intent(cleaned, q)
    return q
