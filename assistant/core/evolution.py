"""A topic followed through every indexed document, in reform order (issue 16 item 5, issue 17).

"How have the tasks on public-hospital pay changed over the years?" is answered per document: for each
notice (year, then half-year; a news summary beside the full notice of its year) the task on the topic and
its sentence nearest the topic, each part cited. Where the task alignment links a document's task to the
previous one (index/align.py), that link decides the task and says what changed; elsewhere the document's
own best-matching task is taken when it matches the topic nearly as well as the best match anywhere.
Nothing here depends on how many documents or years are indexed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from assistant.core.types import Filters
from index.align import TaskLink, half_of
from index.model import Task, UnitKind

if TYPE_CHECKING:
    from assistant.core.reform import ReformView

# A document's best task joins the line when its topic similarity is within MATCH_MARGIN of the best task
# anywhere and at least MATCH_FLOOR (cosine, all-MiniLM-L6-v2). Chosen on the dev questions of the seeds
# and the zoo; a task the alignment links into the line needs neither.
MATCH_MARGIN = 0.18
MATCH_FLOOR = 0.45
PER_YEAR = 6  # retrieval candidates per year


@dataclass(frozen=True)
class Stage:
    """One document's part of a topic's line."""

    doc_id: str
    task: Task
    sentence: str  # the task's sentence nearest the topic
    similarity: float  # cosine of that sentence (or the title) and the topic
    link: TaskLink | None  # the alignment link from the previous stage's task, when there is one


@dataclass(frozen=True)
class TopicLine:
    """The stages of a topic, in reform order, and the documents with no task on it."""

    stages: list[Stage]
    absent: list[str]


def when(view: ReformView, doc_id: str) -> str:
    """How an answer names a document's place in time: "2021", "the second half of 2023"."""
    year = view.document_year(doc_id)
    notice = next(
        (u for u in view.library.units.values() if u.doc_id == doc_id and u.kind is UnitKind.NOTICE), None
    )
    half = half_of(doc_id, notice.title if notice else "")
    return {1: f"the first half of {year}", 2: f"the second half of {year}"}.get(half, str(year))


class TopicFollower:
    """Finds a topic's task in every document of a reform view."""

    def __init__(self, view: ReformView) -> None:
        self.view = view
        self.library = view.library

    def nearest(self, task: Task, topic_vector: np.ndarray) -> tuple[str, float]:
        """The task's sentence nearest the topic (its title when it has none) and that similarity.

        A summary's heading sentence, the one its title was taken from ('The "Working Tasks" are clear,
        strengthening …'), says nothing the title does not: another sentence is quoted when there is one."""
        vectors = self.library.sentence_vectors(task)  # [title, *sentences]
        similarities = vectors @ topic_vector
        if not task.sentences:
            return task.title, float(similarities[0])
        title = task.title.lower().rstrip(".")
        quotable = [i for i, s in enumerate(task.sentences) if title not in s.lower()] or list(
            range(len(task.sentences))
        )
        best = max(quotable, key=lambda i: float(similarities[1 + i]))
        return task.sentences[best], float(max(similarities[1:].max(), similarities[0]))

    def continuation(self, task: Task, doc: str) -> tuple[Task | None, TaskLink | None]:
        """The task of `doc` that the alignment links to `task` (a stored consecutive pair only)."""
        pair = self.view.alignment.pair(task.doc_id, doc)
        link = next((lk for lk in pair.links if lk.from_id == task.id and lk.to_id), None) if pair else None
        if link is None or link.to_id is None:
            return None, None
        return self.library.units[link.to_id], link

    def candidates(self, topic: str, embedding: list[float]) -> dict[str, Task]:
        """Each document's best task for the topic by hybrid retrieval within its year (dense + BM25), so
        every year is searched however many tasks other years hold."""
        best: dict[str, Task] = {}
        for year in sorted({self.view.document_year(d) for d in self.view.documents}):
            for hit in self.library.retriever.search(
                topic, Filters(year=year), top_k=PER_YEAR, embedding=embedding
            ):
                if hit.unit.kind is UnitKind.TASK:
                    best.setdefault(hit.unit.doc_id, hit.unit)
        return best

    def follow(
        self,
        topic: str,
        anchor: Task | None = None,
        embedding: list[float] | None = None,
        names_topic: Callable[[Task], bool] | None = None,
    ) -> TopicLine:
        """The topic's line: the anchor's alignment line where the chain has one, each other document's
        best task when it matches the topic nearly as well as the best match anywhere, or when
        `names_topic` says it holds the topic's rare words (a name such as "Sanming", which the embedding
        of a short topic scores low). `embedding` is the topic's query embedding when the caller has it
        (one embedding serves every search)."""
        embedding = embedding or self.library.retriever.embed(topic)
        topic_vector = np.asarray(embedding, dtype=np.float32)
        topic_vector /= np.linalg.norm(topic_vector) or 1.0
        picks = {
            doc: (task, *self.nearest(task, topic_vector))
            for doc, task in self.candidates(topic, embedding).items()
        }
        if not picks:
            return TopicLine([], self.view.documents)
        top = max(similarity for _, _, similarity in picks.values())
        if anchor is None:
            anchor = max(picks.values(), key=lambda pick: pick[2])[0]
        linked = {task.doc_id: (task, link) for task, link in self.view.history(anchor.id)}
        floor = max(top - MATCH_MARGIN, MATCH_FLOOR)
        stages: list[Stage] = []
        absent: list[str] = []
        for doc in self.view.documents:
            task, link = linked.get(doc, (None, None))
            for earlier in reversed(stages):  # an earlier stage's task continued here, by the alignment
                if task is not None:
                    break
                task, link = self.continuation(earlier.task, doc)
            if task is None and doc in picks:
                pick = picks[doc][0]
                if picks[doc][2] >= floor or (names_topic is not None and names_topic(pick)):
                    task = pick
            if task is None:
                absent.append(doc)
                continue
            sentence, similarity = self.nearest(task, topic_vector)
            stages.append(Stage(doc, task, sentence, similarity, link))
        return TopicLine(stages, absent)
