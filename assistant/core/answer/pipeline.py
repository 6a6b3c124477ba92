"""One answering pipeline for every answerer: gather evidence, refuse, compose, check grounding, cite.

Answerers differ only in how they compose the text, a `Composer`: the extractive one picks the documents'
own sentences, an LLM one asks a model and reviews its reply. The parts they share (question reader, refusal
checks, evidence gatherer, grounding checker) are built once per loaded index (`build_parts`) and passed in.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from assistant.core.answer.base import build_citations, check_grounding, finish, refusal_answer
from assistant.core.evidence import Evidence, EvidenceGatherer
from assistant.core.grounding import GroundingChecker
from assistant.core.library import Library
from assistant.core.retrieve import Timings
from assistant.core.types import Answer, Filters, Refusal, RefusalCode, Turn
from assistant.core.understand.checks import RefusalChecks, Vocabulary, refusal_checks
from assistant.core.understand.question import QuestionReader
from assistant.core.understand.terms import learned_terms
from assistant.settings import Settings
from index.model import Task

if TYPE_CHECKING:
    from assistant.core.reform import ReformAnswers

NO_PASSAGE = Refusal(code=RefusalCode.NO_PASSAGE, message="No passage of the documents answers this.")


@dataclass(frozen=True)
class Parts:
    """What answering needs besides a composer, built once per loaded index and shared by every answerer."""

    library: Library
    reader: QuestionReader
    vocabulary: Vocabulary
    checks: RefusalChecks
    gatherer: EvidenceGatherer
    grounding: GroundingChecker
    reform: ReformAnswers  # reform questions, answered from the task alignment (extractive answerer)


def build_parts(library: Library, settings: Settings) -> Parts:
    """The shared parts on `library`: the corpus vocabulary is read here, once."""
    from assistant.core.reform import (  # it builds Drafts: imports this module
        ReformAnswers,
        lead_departments,
        written_department_names,
    )
    from assistant.core.understand.reform import mentioned_departments

    departments = lead_departments(library.tasks)
    written = written_department_names(library.tasks)
    reader = QuestionReader(
        settings.glossary_path,
        learned_terms(library.units.values()),
        # informal names ("the HR and social security ministry") of the departments this index names
        lambda text: mentioned_departments(text, departments, library.task_words.share, written),
    )
    vocabulary = Vocabulary(library.retriever.lexical.vocabulary, reader.glossary)
    checks = refusal_checks(
        vocabulary,
        trust_similarity=settings.trust_similarity,
        refuse_below_similarity=settings.refuse_below_similarity,
        focus_similarity=settings.refuse_unsupported_focus,
        premise_similarity=settings.premise_similarity,
    )
    return Parts(
        library=library,
        reader=reader,
        vocabulary=vocabulary,
        checks=checks,
        gatherer=EvidenceGatherer(library, reader, checks, vocabulary, settings.stand_in_similarity),
        grounding=GroundingChecker(
            library.text_vectors, settings.grounding_threshold, read_sources=library.read_units_vectors
        ),
        reform=ReformAnswers(library, settings.glossary_path),
    )


@dataclass(frozen=True)
class Verdict:
    """How well an answer's text is supported by what it cites."""

    score: float  # share of its sentences supported
    unsupported: list[str] = field(default_factory=list)


@dataclass
class Draft:
    """What a composer wrote: text citing `units`, or why it could not answer.

    A refusal with text is shown as that text (an LLM reply that could not be verified); without, as the
    usual "The documents don't cover this." answer. A composer that checked the grounding itself while
    composing (the LLM review drops unsupported sentences) gives its `verdict`.
    """

    text: str = ""
    units: dict[str, Task] = field(default_factory=dict)
    refusal: Refusal | None = None
    verdict: Verdict | None = None


class Gatherer(Protocol):
    """Finds the evidence for a question and decides whether to refuse (`EvidenceGatherer`)."""

    def gather(self, text: str, history: list[Turn], filters: Filters, top_k: int) -> Evidence: ...


class DirectAnswers(Protocol):
    """Questions answered without evidence gathering (`ReformAnswers`: what is new, dropped, due, led by…)."""

    def draft(self, question: str) -> Draft | None:
        """A draft when the question is one of these, else None (the pipeline gathers evidence as usual)."""
        ...


class Composer(Protocol):
    """How an answerer turns evidence into cited text; the rest of answering is the pipeline's."""

    name: str
    streams: bool  # compose_stream yields text as it is written; otherwise the pipeline yields sentences

    def restate(self, question: str, history: list[Turn], timings: Timings) -> str:
        """The question to gather evidence for (a follow-up may be rewritten as a standalone question)."""
        ...

    def compose(self, evidence: Evidence, top_k: int) -> Draft: ...

    def compose_stream(self, evidence: Evidence, top_k: int) -> Iterator[str | Draft]:
        """Text deltas as they are written, then the Draft."""
        ...


class Answerer(Protocol):
    """Turns a question into an Answer."""

    name: str

    def answer(self, question: str, history: list[Turn], filters: Filters, top_k: int = 5) -> Answer: ...

    def stream(
        self, question: str, history: list[Turn], filters: Filters, top_k: int = 5
    ) -> Iterator[str | Answer]:
        """Text deltas, then the final Answer."""
        ...


class AnswerPipeline:
    """An answerer: the shared pipeline around one composer."""

    def __init__(
        self,
        composer: Composer,
        gatherer: Gatherer,
        grounding: GroundingChecker,
        direct: DirectAnswers | None = None,
    ) -> None:
        self.name = composer.name
        self.composer = composer
        self.gatherer = gatherer
        self.grounding = grounding
        self.direct = direct

    def answer(self, question: str, history: list[Turn], filters: Filters, top_k: int = 5) -> Answer:
        """A cited answer, or a refusal saying which check refused and why."""
        started = time.perf_counter()
        direct = self._direct(question, started)
        if direct is not None:
            return direct
        evidence = self._gather(question, history, filters, top_k)
        if evidence.refusal:
            return refusal_answer(evidence.refusal, self.name, evidence.timings, started)
        return self._finish(self.composer.compose(evidence, top_k), evidence.timings, evidence, started)

    def stream(
        self, question: str, history: list[Turn], filters: Filters, top_k: int = 5
    ) -> Iterator[str | Answer]:
        """Text deltas, then the Answer, whose text may differ from them (an LLM's reply is reviewed)."""
        started = time.perf_counter()
        direct = self._direct(question, started)
        if direct is not None:
            yield from self._sentences(direct)
            yield direct
            return
        evidence = self._gather(question, history, filters, top_k)
        if evidence.refusal:
            refused = refusal_answer(evidence.refusal, self.name, evidence.timings, started)
            yield refused.answer
            yield refused
            return
        draft: Draft | None = None
        for item in self.composer.compose_stream(evidence, top_k):
            if isinstance(item, Draft):
                draft = item
            else:
                yield item
        if draft is None:
            raise RuntimeError(f"composer {self.name!r} ended without a draft")
        answer = self._finish(draft, evidence.timings, evidence, started)
        if not self.composer.streams:
            yield from self._sentences(answer)
        yield answer

    @staticmethod
    def _sentences(answer: Answer) -> Iterator[str]:
        """An answer's text sentence by sentence, each with its citation."""
        for index, sentence in enumerate(re.split(r"(?<=\]\.)\s+", answer.answer)):
            yield sentence if index == 0 else f" {sentence}"

    def _direct(self, question: str, started: float) -> Answer | None:
        """The answer of a question the direct step answers (a reform question), else None."""
        if self.direct is None:
            return None
        draft = self.direct.draft(question)
        return None if draft is None else self._finish(draft, Timings(), None, started)

    def _gather(self, question: str, history: list[Turn], filters: Filters, top_k: int) -> Evidence:
        timings = Timings()
        text = self.composer.restate(question, history, timings)
        step = time.perf_counter()
        evidence = self.gatherer.gather(text, history, filters, top_k)
        evidence.timings.add("retrieve", step)
        evidence.timings.values.update(timings.values)
        return evidence

    def _finish(self, draft: Draft, timings: Timings, evidence: Evidence | None, started: float) -> Answer:
        """The Answer of a draft: its grounding checked (unless the composer did), its citations built
        (with the retrieval scores of `evidence`, when it was gathered)."""
        if draft.refusal is not None and not draft.text:
            return refusal_answer(draft.refusal, self.name, timings, started)
        if draft.refusal is not None:
            return Answer(
                answer=draft.text,
                refused=True,
                grounding=1.0,  # like every refusal, it claims nothing from the documents
                unsupported=draft.verdict.unsupported if draft.verdict else [],
                model=self.name,
                timings_ms=finish(timings, started),
                refusal=draft.refusal,
            )
        if not draft.text:
            return refusal_answer(NO_PASSAGE, self.name, timings, started)
        verdict = draft.verdict
        if verdict is None:
            step = time.perf_counter()
            result = check_grounding(self.grounding, draft.text, draft.units)
            verdict = Verdict(result.score, result.unsupported)
            timings.add("grounding", step)
            if result.embed_ms:  # every model call of an answer is under "embed" too
                timings.values["embed"] = timings.values.get("embed", 0.0) + result.embed_ms
        scores = {hit.unit.id: hit.score for hit in evidence.hits} if evidence else {}
        return Answer(
            answer=draft.text,
            citations=build_citations(draft.text, draft.units, scores),
            grounding=round(verdict.score, 4),
            unsupported=verdict.unsupported,
            model=self.name,
            timings_ms=finish(timings, started),
        )
