"""What every answerer shares: citations, refusals and the grounding check."""

from __future__ import annotations

import re
import time
from pathlib import Path

from assistant.core.grounding import GroundingChecker, GroundingResult
from assistant.core.retrieve import Timings
from assistant.core.text import MARKER, content_words
from assistant.core.types import Answer, Citation, Refusal
from index.model import Task, UnitKind


def cite(sentence: str, unit_id: str) -> str:
    """A sentence ending with its citation marker: "… by the end of August 2021 [2021-2]."."""
    return f"{sentence.strip().rstrip('.;:,。')} [{unit_id}]."


def support_text(unit: Task) -> list[str]:
    """What a citation of `unit` supports: its label, section, title, departments and sentences."""
    header = [unit.label, unit.title]
    if unit.section:
        header.append(f"section {unit.section.number} {unit.section.title}")
    header.extend(unit.departments_as_written)
    header.extend(d.phrase for d in unit.deadlines)
    return [*header, *unit.sentences, *([unit.departments_text] if unit.departments_text else [])]


class NotCovered(Exception):
    """Raised while composing when the retrieved text cannot answer the question; the refusal says why."""

    def __init__(self, refusal: Refusal) -> None:
        super().__init__(refusal.message)
        self.refusal = refusal


def refusal_answer(refusal: Refusal, model: str, timings: Timings, started: float) -> Answer:
    """A plain "not covered" answer, saying why."""
    text = f"The documents don't cover this. {refusal.message}".strip()
    return Answer(
        answer=text,
        refused=True,
        grounding=1.0,
        model=model,
        timings_ms=finish(timings, started),
        refusal=refusal,
    )


def finish(timings: Timings, started: float) -> dict[str, float]:
    values = {k: round(v, 2) for k, v in timings.values.items()}
    values["total"] = round((time.perf_counter() - started) * 1000, 2)
    return values


def build_citations(answer: str, units: dict[str, Task], scores: dict[str, float]) -> list[Citation]:
    """One citation per unit cited in `answer`, in order of first mention, quoting its best sentence."""
    citations: list[Citation] = []
    for unit_id, cited_sentences in sentences_by_citation(answer).items():
        unit = units.get(unit_id)
        if unit is None:
            continue
        citations.append(
            Citation(
                id=unit.id,
                year=unit.year,
                section=unit.section.number if unit.section else None,
                task=unit.number if unit.kind is UnitKind.TASK else None,
                title=unit.title,
                text=unit.text,
                quote=best_quote(unit, " ".join(cited_sentences)),
                score=round(scores.get(unit_id, 0.0), 4),
                label=unit.label,
            )
        )
    return citations


def sentences_by_citation(answer: str) -> dict[str, list[str]]:
    """Unit id → the answer's sentences citing it, in order of first mention.

    One pass over the sentences: a list answer can cite thousands of units.
    """
    cited: dict[str, list[str]] = {}
    for sentence in re.split(r"(?<=\])\.\s*", answer):
        for unit_id in dict.fromkeys(MARKER.findall(sentence)):
            cited.setdefault(unit_id, []).append(sentence)
    return cited


def best_quote(unit: Task, claim: str) -> str:
    """The sentence of the unit's text that shares most content words with the claim."""
    candidates = [*unit.sentences, *([unit.departments_text] if unit.departments_text else [])] or [
        unit.title
    ]
    words = content_words(claim)
    return max(candidates, key=lambda s: len(words & content_words(s)))


def check_grounding(checker: GroundingChecker, answer: str, units: dict[str, Task]) -> GroundingResult:
    ids = set(MARKER.findall(answer))
    return checker.check(answer, {i: support_text(units[i]) for i in ids if i in units})


def prompts_dir() -> Path:
    return Path(__file__).resolve().parents[3] / "prompts"
