"""The refusal checks as small objects: run in order, the first refusal wins and names its check's code.

Fast tests on hand-made units and a hand-made vocabulary; the real index's refusals are in test_refusal.py.
"""

from __future__ import annotations

from pathlib import Path

from assistant.core.types import Refusal, RefusalCode
from assistant.core.understand.checks import (
    FigureNotGiven,
    Found,
    InstancesNotNamed,
    MissingTerms,
    RefusalChecks,
    UnknownFocus,
    Vocabulary,
    WeakMatch,
    refusal_checks,
)
from assistant.core.understand.question import Question, read_question
from index.model import Task, UnitKind

NO_GLOSSARY = Path("/nonexistent/glossary.json")
NURSES = Task(
    id="2022-6",
    doc_id="d",
    year=2022,
    kind=UnitKind.TASK,
    number=6,
    title="Strengthen the health workforce",
    sentences=["Train nurses for rural clinics and expand nursing schools."],
)
TRAINED = NURSES.model_copy(update={"sentences": ["Train 35,000 nurses for rural clinics in 2022."]})


def ask(text: str) -> Question:
    return read_question(text, [], NO_GLOSSARY)


class Refuses:
    """A fake check that always refuses with its code, and counts its calls."""

    def __init__(self, code: RefusalCode) -> None:
        self.code = code
        self.calls = 0

    def check(self, question: Question, found: Found) -> Refusal | None:
        self.calls += 1
        return Refusal(code=self.code, message=f"refused by {self.code}")


class Passes:
    def __init__(self) -> None:
        self.calls = 0

    def check(self, question: Question, found: Found) -> Refusal | None:
        self.calls += 1
        return None


def test_the_first_check_that_refuses_decides_and_later_checks_do_not_run():
    passes, first, second = Passes(), Refuses(RefusalCode.WEAK_MATCH), Refuses(RefusalCode.NOT_IN_DOCUMENTS)
    refusal = RefusalChecks.first(
        [passes, first, second], ask("What about nurses?"), Found([NURSES], 0.9, True)
    )
    assert refusal == Refusal(code=RefusalCode.WEAK_MATCH, message="refused by weak_match")
    assert (passes.calls, first.calls, second.calls) == (1, 1, 0)


def test_no_refusal_when_every_check_passes():
    assert (
        RefusalChecks.first([Passes(), Passes()], ask("What about nurses?"), Found([NURSES], 0.9, True))
        is None
    )


def test_a_figure_the_passages_do_not_give_is_refused_and_one_they_give_is_not():
    question = ask("How many nurses will be trained in 2022?")
    assert question.figure is not None and question.figure.counted == "nurses"
    refusal = FigureNotGiven().check(question, Found([NURSES], 0.9, False))
    assert refusal is not None and refusal.code is RefusalCode.FIGURE_NOT_GIVEN
    assert refusal.message == "The documents give no figure for nurses."
    assert FigureNotGiven().check(question, Found([TRAINED], 0.9, False)) is None


def test_which_provinces_needs_a_named_province_in_the_best_passage():
    question = ask("Which provinces take part in the nurse training pilot?")
    assert question.instances == "provinces"
    refusal = InstancesNotNamed().check(question, Found([NURSES], 0.9, False))
    assert refusal is not None and refusal.code is RefusalCode.INSTANCES_NOT_NAMED
    named = NURSES.model_copy(update={"sentences": ["Sanming City and Fujian Province lead the pilot."]})
    assert InstancesNotNamed().check(question, Found([named], 0.9, False)) is None


def test_the_thing_asked_for_must_be_a_word_the_corpus_uses():
    vocabulary = Vocabulary({"nurs", "train", "hospit"}, {})
    question = ask("What penalties do hospitals face?")
    assert question.focus == ["penalties"]
    refusal = UnknownFocus(vocabulary).check(question, Found([NURSES], 0.9, True))
    assert refusal is not None and refusal.code is RefusalCode.NOT_IN_DOCUMENTS
    assert "penalties" in refusal.message
    assert UnknownFocus(Vocabulary({"penalti"}, {})).check(question, Found([NURSES], 0.9, True)) is None


def test_missing_terms_refuse_only_without_a_close_match():
    check = MissingTerms(Vocabulary({"nurs"}, {}), refuse_missing_terms=0.5, trust_similarity=0.5)
    question = ask("Will nurses get crypto bonuses?")
    refusal = check.check(question, Found([NURSES], 0.2, False))
    assert refusal is not None and refusal.code is RefusalCode.NOT_IN_DOCUMENTS
    assert check.check(question, Found([NURSES], 0.6, False)) is None  # a close match is trusted


def test_weak_match_is_the_last_resort_of_the_default_list():
    checks = refusal_checks(Vocabulary(set(), {}), 0.5, 0.5, 0.3)
    assert isinstance(checks.retrieved[-1], WeakMatch)
    refusal = RefusalChecks.first(checks.retrieved, ask("Tell me about it"), Found([NURSES], 0.1, False))
    assert refusal is not None and refusal.code is RefusalCode.WEAK_MATCH
