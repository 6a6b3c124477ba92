"""Negative controls: the eval's metrics score deliberately wrong answers low and right answers high.

Answers are built from the real parsed units of documents/ for the answerable dev questions whose key
facts all sit in one sentence of their one gold unit: the right answer is that sentence with its marker.
The wrong answers are the kinds a model produces: citations swapped between questions, the true sentence
with one figure or department changed, and an answer from the other year's document.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import pytest

from eval.harness import evidence_text
from eval.metrics import citation_precision, key_fact_coverage, lexical_grounding, mean
from eval.records import GOLD_SETS, GoldItem, load_split
from index.ingest import parse_sources
from index.model import Task

HIGH = 0.95  # right answers must score at least this on average
LOW = 0.2  # wrong answers at most this


@cache
def units() -> dict[str, Task]:
    folder = GOLD_SETS["seeds"].documents_dir
    documents, _, _ = parse_sources(sorted(folder.glob("*.txt")), folder / "manifest.json")
    return {unit.id: unit for document in documents for unit in document.units}


def evidence() -> dict[str, str]:
    return {uid: evidence_text(unit) for uid, unit in units().items()}


@dataclass(frozen=True)
class Case:
    """A dev question with the right answer built from its gold unit's text."""

    item: GoldItem
    gold: str
    sentence: str  # the gold unit's sentence holding every key fact

    def answer(self, sentence: str | None = None, cite: str | None = None) -> tuple[str, list[str]]:
        """Answer text and citations: `sentence` (default the right one) cited as `cite` (default gold)."""
        unit = cite or self.gold
        return f"{(sentence or self.sentence).rstrip('.')} [{unit}].", [unit]


def sentences_of(unit: Task) -> list[str]:
    return [*unit.sentences, *([unit.departments_text] if unit.departments_text else [])]


def holds(sentence: str, fact: list[str]) -> bool:
    return any(v.lower() in " ".join(sentence.split()).lower() for v in fact)


@cache
def cases() -> tuple[Case, ...]:
    found = []
    for item in load_split("dev", GOLD_SETS["seeds"].gold_dir):
        if not item.answerable or len(item.gold_ids) != 1 or item.history:
            continue
        unit = units()[item.gold_ids[0]]
        sentence = next(
            (s for s in sentences_of(unit) if all(holds(s, fact) for fact in item.key_facts)), None
        )
        if sentence is not None:
            found.append(Case(item, unit.id, sentence))
    return tuple(found)


def scores(case: Case, answer: tuple[str, list[str]]) -> dict[str, float | None]:
    text, cited = answer
    return {
        "grounding": lexical_grounding(text, evidence()),
        "key_facts": key_fact_coverage(text, case.item.key_facts),
        "citation_precision": citation_precision(cited, case.item.gold_ids),
    }


def average(rows: list[dict[str, float | None]], metric: str) -> float:
    value = mean(row[metric] for row in rows)
    assert value is not None
    return value


def test_there_are_enough_cases_to_judge() -> None:
    assert len(cases()) >= 60


def test_right_answers_score_high() -> None:
    rows = [scores(case, case.answer()) for case in cases()]
    for metric in ("grounding", "key_facts", "citation_precision"):
        assert average(rows, metric) >= HIGH, metric


def test_citations_swapped_between_questions_score_low_on_grounding_and_precision() -> None:
    ring = list(cases())
    rows = []
    for case, other in zip(ring, ring[1:] + ring[:1], strict=True):
        if other.gold != case.gold:
            rows.append(scores(case, case.answer(cite=other.gold)))
    assert len(rows) >= 50
    assert average(rows, "grounding") <= LOW
    assert average(rows, "citation_precision") <= LOW


NUMBER = re.compile(r"\d[\d,.]*")


def changed_figure(sentence: str) -> str | None:
    """The sentence with its first figure changed (every digit moved on by one), or None without one."""
    match = NUMBER.search(sentence)
    if match is None:
        return None
    shifted = "".join(str((int(c) + 1) % 10) if c.isdigit() else c for c in match.group())
    return f"{sentence[: match.start()]}{shifted}{sentence[match.end() :]}"


def test_a_changed_figure_scores_low_on_grounding_and_key_facts() -> None:
    rows = []
    for case in cases():
        figure_facts = [f for f in case.item.key_facts if any(re.search(r"\d", v) for v in f)]
        changed = changed_figure(case.sentence)
        if figure_facts and changed and all(not holds(changed, f) for f in figure_facts):
            rows.append(scores(case, case.answer(sentence=changed)))
    assert len(rows) >= 5
    assert average(rows, "grounding") <= LOW
    assert average(rows, "key_facts") < 1  # the changed figure is no longer found


DEPARTMENTS = (
    "Ministry of Justice",
    "Ministry of Transport",
    "State Administration of Taxation",
    "Ministry of Ecology and Environment",
)


def test_a_changed_department_scores_low_on_grounding_and_key_facts() -> None:
    rows = []
    for case in cases():
        named = [d for d in units()[case.gold].departments_as_written if d in case.sentence]
        if case.item.category != "department" or not named:
            continue
        stranger = next(d for d in DEPARTMENTS if d not in units()[case.gold].text)
        # every department the question asks for is swapped for one the task does not name
        changed = case.sentence
        for fact in case.item.key_facts:
            for variant in fact:
                changed = re.sub(re.escape(variant), stranger, changed, flags=re.IGNORECASE)
        rows.append(scores(case, case.answer(sentence=changed)))
    assert len(rows) >= 5
    assert average(rows, "grounding") <= LOW
    assert average(rows, "key_facts") <= LOW


def other_year_answer(case: Case) -> tuple[str, str] | None:
    """The sentence of the other year's document closest in words to the right one, and its unit."""
    year = case.gold[:4]
    words = set(re.findall(r"[a-z]{4,}", case.sentence.lower()))
    best: tuple[int, str, str] | None = None
    for unit in units().values():
        if unit.id[:4] == year:
            continue
        for sentence in sentences_of(unit):
            overlap = len(words & set(re.findall(r"[a-z]{4,}", sentence.lower())))
            if best is None or overlap > best[0]:
                best = (overlap, sentence, unit.id)
    return None if best is None or best[0] == 0 else (best[1], best[2])


@pytest.mark.parametrize("cited_as", ["its own unit", "the gold unit"])
def test_an_answer_from_the_other_year_scores_low(cited_as: str) -> None:
    """Cited as its own unit it is grounded but imprecise; passed off as the gold unit it is ungrounded.
    Either way its key facts are missing."""
    rows = []
    for case in cases():
        found = other_year_answer(case)
        if found is None:
            continue
        sentence, unit = found
        if all(holds(sentence, fact) for fact in case.item.key_facts):
            continue  # the other year happens to say the same thing
        cite = unit if cited_as == "its own unit" else case.gold
        rows.append(scores(case, case.answer(sentence=sentence, cite=cite)))
    assert len(rows) >= 30
    assert average(rows, "key_facts") <= 0.35
    if cited_as == "its own unit":
        assert average(rows, "citation_precision") <= LOW
    else:
        assert average(rows, "grounding") <= LOW
