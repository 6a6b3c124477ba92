"""The one answering pipeline around a composer, with a fake composer and a fake evidence gatherer.

Fast tests of what the pipeline itself decides: evidence refusals skip the composer, a composer's refusal
becomes a refused Answer with its code, grounding is checked unless the composer did it, citations are built,
and streaming passes deltas through or yields the answer sentence by sentence.
"""

from __future__ import annotations

from collections.abc import Iterator

from assistant.core.answer.pipeline import AnswerPipeline, Draft, Verdict
from assistant.core.evidence import Evidence
from assistant.core.grounding import GroundingChecker
from assistant.core.retrieve import Timings
from assistant.core.types import Answer, Filters, Refusal, RefusalCode, Turn
from assistant.core.understand.question import Intent, Question
from index.model import Task, UnitKind

UNIT = Task(
    id="2021-3",
    doc_id="d",
    year=2021,
    kind=UnitKind.TASK,
    number=3,
    title="Deepen the reform of medical service prices",
    sentences=["Carry out pilots of the reform of medical service prices."],
)
CITED = "Carry out pilots of the reform of medical service prices [2021-3]."


class FakeGatherer:
    def __init__(self, refusal: Refusal | None = None) -> None:
        self.refusal = refusal
        self.asked: list[str] = []

    def gather(self, text: str, history: list[Turn], filters: Filters, top_k: int) -> Evidence:
        self.asked.append(text)
        question = Question(text=text, query=text, intent=Intent.WHAT)
        return Evidence(question=question, hits=[], filters=filters, refusal=self.refusal, direct=[UNIT])


class FakeComposer:
    name = "fake"

    def __init__(self, draft: Draft, deltas: list[str] | None = None) -> None:
        self.draft = draft
        self.deltas = deltas
        self.streams = deltas is not None
        self.composed = 0

    def restate(self, question: str, history: list[Turn], timings: Timings) -> str:
        return question.upper() if history else question

    def compose(self, evidence: Evidence, top_k: int) -> Draft:
        self.composed += 1
        return self.draft

    def compose_stream(self, evidence: Evidence, top_k: int) -> Iterator[str | Draft]:
        self.composed += 1
        yield from self.deltas or []
        yield self.draft


def pipeline(composer: FakeComposer, gatherer: FakeGatherer | None = None) -> AnswerPipeline:
    return AnswerPipeline(composer, gatherer or FakeGatherer(), GroundingChecker(embed=None))


def test_a_draft_is_grounded_and_cited():
    answer = pipeline(FakeComposer(Draft(text=CITED, units={UNIT.id: UNIT}))).answer("prices?", [], Filters())
    assert not answer.refused and answer.refusal is None
    assert answer.grounding == 1.0 and answer.unsupported == []
    assert [c.id for c in answer.citations] == ["2021-3"]
    assert answer.citations[0].quote == UNIT.sentences[0]
    assert answer.model == "fake" and "grounding" in answer.timings_ms and "retrieve" in answer.timings_ms


def test_an_unsupported_sentence_lowers_the_grounding():
    text = f"{CITED} Hospitals must double every salary by May [2021-3]."
    answer = pipeline(FakeComposer(Draft(text=text, units={UNIT.id: UNIT}))).answer("prices?", [], Filters())
    assert answer.grounding == 0.5
    assert answer.unsupported == ["Hospitals must double every salary by May [2021-3]."]


def test_an_evidence_refusal_never_reaches_the_composer():
    refusal = Refusal(code=RefusalCode.NO_SUCH_TASK, message="The documents have no task (40).")
    composer = FakeComposer(Draft(text=CITED, units={UNIT.id: UNIT}))
    answer = pipeline(composer, FakeGatherer(refusal)).answer("task 40?", [], Filters())
    assert composer.composed == 0
    assert answer.refused and answer.refusal == refusal and answer.citations == []
    assert answer.answer == "The documents don't cover this. The documents have no task (40)."


def test_a_composer_refusal_keeps_its_code():
    refusal = Refusal(code=RefusalCode.NO_DEPARTMENTS, message="No department is named.")
    answer = pipeline(FakeComposer(Draft(refusal=refusal))).answer("who?", [], Filters())
    assert answer.refused and answer.refusal == refusal
    assert answer.answer == "The documents don't cover this. No department is named."


def test_an_empty_draft_is_refused_as_no_passage():
    answer = pipeline(FakeComposer(Draft())).answer("prices?", [], Filters())
    assert answer.refusal is not None and answer.refusal.code is RefusalCode.NO_PASSAGE


def test_a_refusal_with_text_is_shown_as_written_with_the_composers_verdict():
    refusal = Refusal(code=RefusalCode.UNVERIFIED, message="Could not verify.")
    draft = Draft(text="Could not verify.", refusal=refusal, verdict=Verdict(1.0, ["A claim [2021-3]."]))
    answer = pipeline(FakeComposer(draft)).answer("prices?", [], Filters())
    assert answer.answer == "Could not verify." and answer.refused
    assert answer.unsupported == ["A claim [2021-3]."] and answer.grounding == 1.0


def test_the_composer_restates_a_follow_up_before_evidence_is_gathered():
    gatherer = FakeGatherer()
    history = [Turn(role="user", content="earlier")]
    pipeline(FakeComposer(Draft(text=CITED, units={UNIT.id: UNIT})), gatherer).answer(
        "and prices?", history, Filters()
    )
    assert gatherer.asked == ["AND PRICES?"]


def test_a_streaming_composers_deltas_pass_through_before_the_answer():
    composer = FakeComposer(Draft(text=CITED, units={UNIT.id: UNIT}), deltas=["Carry out ", "pilots"])
    events = list(pipeline(composer).stream("prices?", [], Filters()))
    assert events[:2] == ["Carry out ", "pilots"]
    assert isinstance(events[-1], Answer) and events[-1].answer == CITED and len(events) == 3


def test_a_non_streaming_composers_answer_streams_sentence_by_sentence():
    text = f"{CITED} {CITED}"
    events = list(pipeline(FakeComposer(Draft(text=text, units={UNIT.id: UNIT}))).stream("p?", [], Filters()))
    assert events[:-1] == [CITED, f" {CITED}"]
    assert isinstance(events[-1], Answer) and "".join(events[:-1]) == events[-1].answer
