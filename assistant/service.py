"""PolicyQA as a service, the one facade every surface calls: the loaded library, the answerers, and safe
reindexing. One per process.

The parts answering needs (question reader, refusal checks, evidence gatherer, grounding checker) are built
once per loaded index and shared by the answerers, which are built on first use.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass

from assistant.core.answer.pipeline import Answerer, Parts, build_parts
from assistant.core.answer.registry import available_models, create_answerer
from assistant.core.errors import UnknownModelError
from assistant.core.library import Library
from assistant.core.retrieve import Hit
from assistant.core.types import Answer, Filters, Turn
from assistant.settings import Settings
from index.embed import EmbeddingMismatchError
from index.ingest import IngestProgress, IngestReport, ingest
from index.lock import IngestRunning
from index.model import Task, UnitKind
from index.store import IndexMissingError

LOADING_STAGE = "loading the new index"  # the last stage of a reindex, after the ingest's own

__all__ = ["IndexMissingError", "IndexUnavailableError", "PolicyQA", "UnknownModelError"]


class IndexUnavailableError(RuntimeError):
    """No index is loaded (none built yet, or the first load is still running)."""


@dataclass
class TaskFilters:
    """Filters for browsing tasks."""

    year: int | None = None
    section: str | None = None
    department: str | None = None
    has_deadline: bool | None = None
    deadline_before: str | None = None  # YYYY-MM, inclusive


class PolicyQA:
    """Loads the index once, answers with any configured model, and swaps in a rebuilt index atomically."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._parts: Parts | None = None  # the loaded library and the answering parts built on it
        self._answerers: dict[str, Answerer] = {}
        self._lock = threading.Lock()
        self._reindex_lock = threading.Lock()
        self.reindexing = False
        self.load_error: str | None = None

    # lifecycle

    def load(self, warm: bool = True) -> bool:
        """Load the serving index; False (with `load_error` set) when there is none yet.

        With `warm`, a background thread embeds every unit's sentences for the questions to come; a
        one-question process (the CLI) skips it.
        """
        try:
            library = Library.load(self.settings)
        except (IndexMissingError, EmbeddingMismatchError) as exc:  # served as "unavailable", with the reason
            self.load_error = str(exc)
            return False
        if warm and len(library.units) <= self.settings.warm_max_units:
            # off the start-up path: the first questions compute what they need themselves meanwhile
            threading.Thread(target=library.warm, name="policyqa-warm").start()
        parts = build_parts(library, self.settings)
        with self._lock:
            self._parts, self._answerers = parts, {}
        self.load_error = None
        return True

    @property
    def library(self) -> Library:
        """The loaded index."""
        return self.parts.library

    @property
    def parts(self) -> Parts:
        """The loaded index and the answering parts built on it."""
        parts = self._parts
        if parts is None:
            raise IndexUnavailableError(self.load_error or "the index is still loading")
        return parts

    @property
    def ready(self) -> bool:
        return self._parts is not None

    def reindex(self, progress: IngestProgress | None = None) -> IngestReport:
        """Rebuild from the documents folder aside, then swap; queries keep the old index meanwhile.

        `progress` is told each stage of the ingest (its size, then each batch done), and last the load of
        the new index, for a front end that shows a long ingest as it goes."""
        if not self._reindex_lock.acquire(blocking=False):
            raise IngestRunning(os.getpid())
        self.reindexing = True
        try:
            report = ingest(self.settings, progress=progress)
            if progress is not None:
                progress.start(LOADING_STAGE, 0)
            self.load()
            return report
        finally:
            self.reindexing = False
            self._reindex_lock.release()

    # answering

    def models(self) -> list[str]:
        """The answerers on offer, default first."""
        return available_models(self.settings)

    def answerer(self, model: str | None) -> Answerer:
        """The answerer called `model` (default: the configured one) on the loaded index."""
        name = model or self.settings.default_model
        with self._lock:
            answerer = self._answerers.get(name)
            if answerer is None:
                answerer = create_answerer(name, self.parts, self.settings)
                self._answerers[name] = answerer
        return answerer

    def ask(
        self,
        question: str,
        history: list[Turn] | None = None,
        filters: Filters | None = None,
        top_k: int | None = None,
        model: str | None = None,
    ) -> Answer:
        """Answer one question with citations (or a refusal)."""
        return self.answerer(model).answer(
            question.strip(), history or [], filters or Filters(), top_k or self.settings.top_k
        )

    def ask_stream(
        self,
        question: str,
        history: list[Turn] | None = None,
        filters: Filters | None = None,
        top_k: int | None = None,
        model: str | None = None,
    ) -> Iterator[str | Answer]:
        """Text deltas of the answer, then the final Answer."""
        return self.answerer(model).stream(
            question.strip(), history or [], filters or Filters(), top_k or self.settings.top_k
        )

    def rank(
        self, question: str, history: list[Turn] | None = None, filters: Filters | None = None, top_k: int = 5
    ) -> list[str]:
        """Unit ids as the answerers receive them: units the question names or lists first, then retrieval."""
        evidence = self.parts.gatherer.gather(question.strip(), history or [], filters or Filters(), top_k)
        # a reform question (what is new, due, led by…) is answered from the task alignment's units
        ranked = self.parts.reform.task_ids(question) or []
        ranked += [u.id for u in evidence.direct if u.id not in ranked]
        ranked += [h.unit.id for h in evidence.hits if h.unit.id not in ranked]
        return ranked[:top_k]

    def search(self, query: str, filters: Filters | None = None, top_k: int = 10) -> list[Hit]:
        """Retrieval only: ranked units with scores."""
        return self.library.retriever.search(query, filters or Filters(), top_k)

    # browsing

    def tasks(self, filters: TaskFilters | None = None, include_other_units: bool = False) -> list[Task]:
        """Units in document order, filtered."""
        f = filters or TaskFilters()
        library = self.library
        allowed = library.retriever.allowed_units(
            Filters(year=f.year, section=f.section, department=f.department)
        )
        return [
            u
            for u in library.units.values()
            if (include_other_units or u.kind is UnitKind.TASK)
            and (allowed is None or u.id in allowed)
            and (f.has_deadline is None or bool(u.deadlines) == f.has_deadline)
            and (f.deadline_before is None or any(d.month <= f.deadline_before for d in u.deadlines))
        ]

    def task(self, unit_id: str) -> Task | None:
        return self.library.units.get(unit_id)

    def status(self) -> dict[str, object]:
        """What is loaded: documents, tasks, chunks, model, collection."""
        library = self.library
        return {
            "documents": len(library.documents),
            "years": library.years,
            "units": len(library.units),
            "tasks": len(library.tasks),
            "chunks": len(library.retriever.catalog.chunks),
            "embedding_model": library.embed_model,
            "collection": library.retriever.catalog.collection,
            "reindexing": self.reindexing,
        }
