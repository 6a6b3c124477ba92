"""Following the reform across notices: what changed between two notices, what falls due, who leads what.

Everything here is read from the parsed task model and the task alignment (index/align.py), never from
retrieved chunks: the answers are exact lists. `ReformView` serves the API, the UI and the CLI;
`ReformAnswers` answers the questions that need it ("What is new in 2022?", "Which 2021 tasks were
dropped in 2022?", "How has the task on centralized procurement evolved?", "What is due before the end of
September?", "What does the National Healthcare Security Administration lead this year?") with every claim
cited to its task and checked by the same grounding checker as every answer. Any other question returns
None and goes through the usual pipeline.
"""

from __future__ import annotations

import calendar
import re
import threading
from collections import Counter
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from pathlib import Path

import numpy as np

from assistant.core.answer.base import cite
from assistant.core.answer.pipeline import Draft
from assistant.core.evolution import MATCH_FLOOR, TopicFollower, when
from assistant.core.library import Library
from assistant.core.text import content_words
from assistant.core.types import Filters, RefusalCode
from assistant.core.types import Refusal as AnswerRefusal
from assistant.core.understand.question import read_question
from assistant.core.understand.reform import (
    CHANGE_QUESTION,
    COMPARISON_FRAME,
    CONTINUED_WORDS,
    DROPPED_WORDS,
    EVOLVED_WORDS,
    FRAMING,
    NEW_WORDS,
    RARE_SHARE,
    DeadlineWindow,
    ReformIntent,
    ReformQuestion,
    mentioned_departments,
    read_reform_question,
    topic_words,
)
from index.align import (
    Alignment,
    LinkStatus,
    PairAlignment,
    TaskLink,
    align_pair,
    build_alignment,
    document_chain,
    document_slots,
    embedding_lookup,
    read_stored,
    tasks_by_document,
)
from index.departments import DEPARTMENT_ALIASES, canonical_department
from index.model import Deadline, Task, UnitKind

# a question on the tasks two departments share ("which tasks do the MOF and the NHC lead together?")
JOINTLY = re.compile(r"\b(?:together|jointly|both|in common|shared?|co-?lead\w*)\b")
CLOSE_MATCH = 0.05  # dense similarity within which another task matches a topic "almost as well"


class UnknownDocumentError(LookupError):
    """A document id that is not indexed."""

    def __init__(self, doc_id: str, known: list[str]) -> None:
        super().__init__(f"no document {doc_id!r}; indexed: {', '.join(known)}")
        self.doc_id, self.known = doc_id, known


class UnknownDepartmentError(LookupError):
    """A department no indexed task names (under its canonical name or any alias)."""

    def __init__(self, name: str) -> None:
        super().__init__(f"no task names the department {name!r}")
        self.name = name


@dataclass(frozen=True)
class DueTask:
    """One dated deadline of one task."""

    task: Task
    deadline: Deadline

    @property
    def uid(self) -> str:
        """Stable per task deadline: the task id, the month and the deadline's position in the task."""
        position = self.task.deadlines.index(self.deadline)
        return f"{self.task.id}-{self.deadline.month}-{position}@policyqa"


class ReformView:
    """The reform-following views of one loaded library: alignment, deadlines, departments."""

    def __init__(self, library: Library, alignment: Alignment) -> None:
        self.library = library
        self.alignment = alignment
        self.by_doc = tasks_by_document(library.tasks)
        self._pairs: dict[tuple[str, str], PairAlignment] = {
            (p.from_doc, p.to_doc): p for p in alignment.pairs
        }
        self._lock = threading.Lock()

    # documents and changes

    @property
    def documents(self) -> list[str]:
        """Every document with tasks, in reform order (year, half, id)."""
        return list(self._documents)

    @cached_property
    def _documents(self) -> tuple[str, ...]:
        """The documents in reform order, found once per loaded library (a pass over every unit)."""
        return tuple(slot.doc_id for slot in document_slots(self.library.units.values()))

    def document_year(self, doc_id: str) -> int:
        return self.by_doc[doc_id][0].year

    def check_document(self, doc_id: str) -> str:
        if doc_id not in self.by_doc:
            raise UnknownDocumentError(doc_id, self.documents)
        return doc_id

    def changes(self, from_doc: str, to_doc: str) -> PairAlignment:
        """The alignment of two documents: stored for consecutive notices, computed for any other pair."""
        self.check_document(from_doc)
        self.check_document(to_doc)
        with self._lock:
            pair = self._pairs.get((from_doc, to_doc))
        if pair is None:
            pair = align_pair(from_doc, to_doc, self.by_doc, self.library.sentence_vectors)
            with self._lock:
                self._pairs[(from_doc, to_doc)] = pair
        return pair

    def previous_document(self, doc_id: str) -> str | None:
        """The notice before `doc_id` in the chain; for a document outside the chain (a summary that shares
        its slot with a full notice), the chain's last notice of an earlier year."""
        chain = self.alignment.chain
        if doc_id in chain:
            position = chain.index(doc_id)
            return chain[position - 1] if position else None
        year = self.document_year(doc_id)
        earlier = [d for d in chain if self.document_year(d) < year]
        return earlier[-1] if earlier else None

    def document_of_year(self, year: int) -> str | None:
        """The chain's (fullest) document of a year; the latest of its halves."""
        in_year = [d for d in self.alignment.chain if self.document_year(d) == year]
        return in_year[-1] if in_year else None

    def history(self, task_id: str) -> list[tuple[Task, TaskLink | None]]:
        """A task's line through the chain: each earlier and later counterpart with the link that joins it."""
        line: list[tuple[Task, TaskLink | None]] = [(self.library.units[task_id], None)]
        current = task_id
        for pair in reversed(self.alignment.pairs):  # backwards
            link = next((lk for lk in pair.links if lk.to_id == current and lk.from_id), None)
            if link and link.from_id:
                line.insert(0, (self.library.units[link.from_id], None))
                line[1] = (line[1][0], link)
                current = link.from_id
        current = task_id
        for pair in self.alignment.pairs:  # forwards
            link = next((lk for lk in pair.links if lk.from_id == current and lk.to_id), None)
            if link and link.to_id:
                line.append((self.library.units[link.to_id], link))
                current = link.to_id
        return line

    # deadlines and departments

    def deadlines(
        self, before: str | None = None, department: str | None = None, after: str | None = None
    ) -> list[DueTask]:
        """Every dated deadline, sorted by month then task, up to `before` (YYYY-MM, inclusive), from
        `after` (inclusive), of tasks led by `department` (any name of it)."""
        wanted = self.resolve_department(department) if department else None
        due = [
            DueTask(task, deadline)
            for task in self.library.tasks
            for deadline in task.deadlines
            if (before is None or deadline.month <= before)
            and (after is None or deadline.month >= after)
            and (wanted is None or wanted in task.departments)
        ]
        return sorted(due, key=lambda d: (d.deadline.month, d.task.year, d.task.number or 0, d.task.id))

    @cached_property
    def departments(self) -> list[str]:
        """Canonical names of every department that leads some task, by how many tasks it leads."""
        return lead_departments(self.library.tasks)

    def resolve_department(self, name: str) -> str:
        """The canonical department `name` stands for (official name or alias, any case)."""
        canonical = canonical_department(name)
        known = {d.lower(): d for d in self.departments}
        found = known.get(canonical.lower()) or next(
            iter(
                mentioned_departments(
                    name,
                    self.departments,
                    self.library.task_words.share,
                    written_department_names(self.library.tasks),
                )
            ),
            None,
        )
        if found is None or found not in self.departments:
            raise UnknownDepartmentError(name)
        return found

    def department_tasks(self, name: str) -> list[Task]:
        """The tasks a department leads, across documents in reform order."""
        canonical = self.resolve_department(name)
        order = {doc: i for i, doc in enumerate(self.documents)}
        # the department's mask (built at load) instead of a scan of every task
        tasks = self.library.tasks_matching(None, None, [canonical], None, dated=False)
        return sorted(tasks, key=lambda t: (order.get(t.doc_id, 0), t.number or 0))

    def department_year_counts(self) -> dict[str, dict[int, int]]:
        """Department → year → number of tasks it leads that year."""
        counts: dict[str, Counter[int]] = {}
        for task in self.library.tasks:
            for department in task.departments:
                counts.setdefault(department, Counter())[task.year] += 1
        return {d: dict(sorted(c.items())) for d, c in sorted(counts.items())}


def lead_departments(tasks: list[Task]) -> list[str]:
    """Canonical names of every department that leads one of `tasks`, by how many tasks it leads."""
    counts = Counter(d for task in tasks for d in task.departments)
    return [name for name, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]


def written_department_names(tasks: list[Task]) -> dict[str, set[str]]:
    """Canonical department name → every name the documents write for it (their lists are aligned)."""
    written: dict[str, set[str]] = {}
    for task in tasks:
        for canonical, as_written in zip(task.departments, task.departments_as_written, strict=False):
            written.setdefault(canonical, set()).add(as_written)
    return written


_views: dict[int, tuple[Library, ReformView]] = {}
_views_lock = threading.Lock()


def reform_view(library: Library) -> ReformView:
    """The view of a loaded library, built once: the alignment stored with its generation when it matches
    the loaded tasks, else computed here from the library's cached sentence embeddings (deterministic)."""
    with _views_lock:
        cached = _views.get(id(library))
        if cached is not None and cached[0] is library:
            return cached[1]
    # the generation's Chroma collection (the retriever holds it; a public accessor would be cleaner)
    stored = read_stored(library.retriever._collection)
    chain = document_chain(library.units.values())
    if stored is None or stored.chain != chain:
        stored = build_alignment(
            library.units.values(),
            lambda tasks: embedding_lookup(tasks, library.embed_texts),
            model=library.embed_model,
        ).alignment
    view = ReformView(library, stored)
    with _views_lock:
        _views.clear()  # one library serves at a time; a reindex replaces it
        _views[id(library)] = (library, view)
    return view


# questions


class ReformAnswers:
    """The reform questions' step of the extractive pipeline, built once per loaded library (`build_parts`).

    `draft` answers a reform question from the alignment and the task metadata as a Draft citing its tasks
    (the pipeline then checks its grounding and builds its citations like any answer's), or returns None
    when the question is not one of them and the usual evidence gathering answers it. The glossary
    translates everyday words of a topic ("COVID-19") into the notices' own when a task is looked up.
    """

    def __init__(self, library: Library, glossary_path: Path | None = None) -> None:
        self.library = library
        self.glossary_path = glossary_path

    @cached_property
    def departments(self) -> list[str]:
        """The departments the loaded tasks name, listed once per library (every question is read)."""
        return lead_departments(self.library.tasks)

    @cached_property
    def written(self) -> dict[str, set[str]]:
        """The names the loaded tasks write for each department ("National Medical Insurance Bureau")."""
        return written_department_names(self.library.tasks)

    def _share(self, word: str) -> float:
        """The share of tasks holding `word`; the word index is built on the first question that asks."""
        return self.library.task_words.share(word)

    def draft(self, question: str) -> Draft | None:
        read = read_reform_question(question, self.departments, self._share, self.written)
        if read is None:
            return None
        result = ReformComposer(reform_view(self.library), read, self.glossary_path).compose()
        if isinstance(result, Refusal):
            return Draft(refusal=AnswerRefusal(code=result.code, message=result.reason))
        answer = " ".join(result)
        cited = dict.fromkeys(re.findall(r"\[([^\]\s]+-[^\]\s]+)\]", answer))
        return Draft(text=answer, units={i: self.library.units[i] for i in cited if i in self.library.units})

    def task_ids(self, question: str) -> list[str] | None:
        """The units a reform answer to `question` rests on, in the order it cites them; None when it is not
        a reform question. What the answerer receives, for rankings (the eval scores retrieval on it)."""
        draft = self.draft(question)
        return None if draft is None else list(draft.units)


@dataclass(frozen=True)
class Refusal:
    reason: str
    code: RefusalCode = RefusalCode.NO_PASSAGE


def quoted(task: Task) -> str:
    return f"{task.label}, \u201c{task.title}\u201d"


def capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


class ReformComposer:
    """The sentences of a reform answer, one method per intent; each sentence cites the task it names."""

    def __init__(self, view: ReformView, question: ReformQuestion, glossary_path: Path | None = None) -> None:
        self.view = view
        self.question = question
        self.text = question.text
        self.glossary_path = glossary_path
        self.years = question.years
        self._embedded: tuple[str, list[float]] | None = None

    def compose(self) -> list[str] | Refusal:
        intent = self.question.intent
        if intent is not ReformIntent.DUE and (missing := self._missing_year(self.view.documents)):
            return missing
        changes = (ReformIntent.NEW, ReformIntent.DROPPED, ReformIntent.CONTINUED)
        if self.question.topic and not self.question.listing and intent in changes:
            # "was the COVID-19 task dropped in 2022?": the topic's line through the notices says it
            return self._evolved()
        if intent is ReformIntent.EVOLVED and not self.question.topic:
            return self._pair_summary()
        return {
            ReformIntent.NEW: self._new,
            ReformIntent.DROPPED: self._dropped,
            ReformIntent.CONTINUED: self._continued,
            ReformIntent.EVOLVED: self._evolved,
            ReformIntent.DUE: self._due,
            ReformIntent.LEADS: self._leads,
        }[intent]()

    def _missing_year(self, documents: list[str]) -> Refusal | None:
        """A refusal naming the first year the question names that none of `documents` is of."""
        indexed = sorted({self.view.document_year(d) for d in documents})
        missing = [y for y in sorted(set(self.years)) if y not in indexed]
        if not missing:
            return None
        return Refusal(
            f"No notice for {missing[0]} is indexed (years: {', '.join(map(str, indexed))}).",
            RefusalCode.YEAR_NOT_INDEXED,
        )

    # which pair of notices

    def _pair(self, one_year_is_earlier: bool = False) -> PairAlignment | Refusal:
        """The two notices a change question compares: the years it names, else the latest notice against
        the one before. One year names the later notice ("new in 2022"), or with `one_year_is_earlier` the
        earlier one ("which 2021 tasks were dropped")."""
        view = self.view
        # a year with a document outside the chain (a summary beside its full notice) has nothing to compare
        if missing := self._missing_year(view.alignment.chain):
            return missing
        indexed = sorted({view.document_year(d) for d in view.alignment.chain})
        years = sorted(set(self.years))
        if len(years) == 1 and one_year_is_earlier:
            from_doc = view.document_of_year(years[0])
            later = view.alignment.chain[view.alignment.chain.index(from_doc) + 1 :] if from_doc else []
            if from_doc is None or not later:
                return Refusal(
                    f"The {years[0]} notice is the latest indexed; no later one can drop its tasks."
                )
            return view.changes(from_doc, later[0])
        to_year = years[-1] if years else indexed[-1] if indexed else None
        if to_year is None:
            return Refusal("No notices are indexed.")
        to_doc = view.document_of_year(to_year)
        assert to_doc is not None
        from_doc = view.document_of_year(years[0]) if len(years) >= 2 else view.previous_document(to_doc)
        if from_doc is None:
            return Refusal(
                f"The {to_year} notice is the earliest indexed; there is no earlier one to compare."
            )
        return view.changes(from_doc, to_doc)

    def _label_year(self, doc_id: str) -> int:
        return self.view.document_year(doc_id)

    def _new(self) -> list[str] | Refusal:
        pair = self._pair()
        if isinstance(pair, Refusal):
            return pair
        new = self._tasks_of(pair, LinkStatus.NEW)
        before = self._label_year(pair.from_doc)
        if not new:
            return Refusal(
                f"Every task of the {self._label_year(pair.to_doc)} notice continues a {before} task."
            )
        return framed(f"New compared with {before}", new)

    def _dropped(self) -> list[str] | Refusal:
        pair = self._pair(one_year_is_earlier=True)
        if isinstance(pair, Refusal):
            return pair
        dropped = self._tasks_of(pair, LinkStatus.DROPPED)
        after = self._label_year(pair.to_doc)
        if not dropped:
            return Refusal(f"Every task of the earlier notice has a counterpart in {after}.")
        return framed(f"Not continued in {after}", dropped)

    def _continued(self) -> list[str] | Refusal:
        pair = self._pair()
        if isinstance(pair, Refusal):
            return pair
        sentences = self._link_sentences(pair)
        return sentences or Refusal("No task of the earlier notice continues in the later one.")

    def _link_sentences(self, pair: PairAlignment) -> list[str]:
        """One sentence per continued task: the later task, the earlier one it continues, what changed;
        nearest the topic first when the question lists tasks on a topic."""
        units = self.view.library.units
        links = {
            link.to_id: link
            for link in pair.links
            if link.from_id
            and link.to_id
            and (self._in_section(units[link.from_id]) or self._in_section(units[link.to_id]))
        }
        ordered = self._topic_first([units[i] for i in links if i])
        return [self._link_sentence(links[t.id]) for t in ordered]

    def _tasks_of(self, pair: PairAlignment, status: LinkStatus) -> list[Task]:
        """The pair's new tasks (of the later notice) or dropped tasks (of the earlier one); nearest the
        topic first when the question lists them on a topic."""
        units = self.view.library.units
        ids = [lk.to_id if status is LinkStatus.NEW else lk.from_id for lk in pair.of_status(status)]
        return self._topic_first([units[i] for i in ids if i and self._in_section(units[i])])

    def _in_section(self, task: Task) -> bool:
        """Whether `task` lies in the section the question names (its document's nth section), or the
        question names none."""
        wanted = self.question.section
        if wanted is None:
            return True
        if task.section is None:
            return False
        numbers = list(
            dict.fromkeys(
                t.section.number
                for t in self.view.library.tasks
                if t.doc_id == task.doc_id and t.section is not None
            )
        )
        return numbers.index(task.section.number) + 1 == wanted

    def _topic_first(self, tasks: list[Task]) -> list[Task]:
        """`tasks` in the order of their nearness to the question's topic when it lists tasks on a topic
        ("which 2021 tasks on disease control were dropped"), else as given. Every task stays: the list is
        the alignment's, the topic only says which of its tasks the asker looks for first."""
        if not (self.question.topic and self.question.listing) or len(tasks) < 2:
            return tasks
        topic_vector = np.asarray(self._topic_embedding()[1], dtype=np.float32)
        topic_vector /= np.linalg.norm(topic_vector) or 1.0
        follower = TopicFollower(self.view)
        nearness = {t.id: follower.nearest(t, topic_vector)[1] for t in tasks}
        return sorted(tasks, key=lambda t: -nearness[t.id])

    def _link_sentence(self, link: TaskLink) -> str:
        units = self.view.library.units
        assert link.from_id and link.to_id
        old, new = units[link.from_id], units[link.to_id]
        sentence = f"{capitalised(quoted(new))}, continues {quoted(old)}"
        if link.changes:
            sentence += f" with changed {', '.join(c.value for c in link.changes)}"
        if shared := self._continuing_sentence(old, new):
            sentence += f": {lower_first(shared)}"
        return f"{sentence.rstrip('.')} [{old.id}] [{new.id}]."

    def _continuing_sentence(self, old: Task, new: Task) -> str | None:
        """The later task's sentence nearest the earlier task's title: where it says what it carries on."""
        if not new.sentences:
            return None
        library = self.view.library
        title = library.sentence_vectors(old)[0]
        return TopicFollower(self.view).nearest(new, title / (np.linalg.norm(title) or 1.0))[0]

    def _pair_summary(self) -> list[str] | Refusal:
        """How one notice's tasks changed in the next, as a whole: what continued (and what changed in
        it), what was not continued, what is new."""
        pair = self._pair()
        if isinstance(pair, Refusal):
            return pair
        sentences = self._link_sentences(pair)
        dropped = self._tasks_of(pair, LinkStatus.DROPPED)
        new = self._tasks_of(pair, LinkStatus.NEW)
        if dropped:
            sentences += framed(f"Not continued in {self._label_year(pair.to_doc)}", dropped)
        if new:
            sentences += framed(f"New compared with {self._label_year(pair.from_doc)}", new)
        return sentences or Refusal("The two notices share no task and have none of their own.")

    def _names_topic(self, task: Task) -> bool:
        """Whether `task` holds at least half of the topic's rare words (in under a fifth of all tasks):
        a name such as "Sanming" is evidence the embedding may score low."""
        words = self.view.library.task_words
        rare = {w for w in topic_words(self._topic_embedding()[0]) if words.share(w) < RARE_SHARE}
        held = rare & content_words(" ".join([task.title, *task.sentences]))
        return bool(held) and 2 * len(held) >= len(rare)

    def _holds_named_topic(self, task: Task) -> bool:
        """Whether `task` holds every name the question gives its topic: a capitalised word after the
        first ("Sanming", "Healthy China") that is rare in the tasks (under `RARE_SHARE`). A common word
        such as "doctors" is no name: a task holding it is not on the topic for that."""
        words = self.view.library.task_words
        capitalised = re.findall(r"(?<=[\w,;:)] )[A-Z][a-z]+", self.question.original)
        topic = topic_words(self._topic_embedding()[0])
        names = {w for w in content_words(" ".join(capitalised)) & topic if words.share(w) < RARE_SHARE}
        return bool(names) and names <= content_words(" ".join([task.title, *task.sentences]))

    def _topic(self) -> str:
        """What a question on one topic is about: the question without its framing, the glossary applied."""
        # "is the X bit new": the frame holds the topic, which stays
        topic = re.sub(r"\bis (?:the )?([\w\s-]+?) (?:in 20\d\d )?new\b", r" \1 ", self.text)
        for frame in (
            EVOLVED_WORDS,
            CHANGE_QUESTION,
            DROPPED_WORDS,
            CONTINUED_WORDS,
            NEW_WORDS,
            COMPARISON_FRAME,
        ):
            topic = frame.sub(" ", topic)
        topic = re.sub(r"\b20\d\d\b", " ", topic)
        # "the work on X" is X: "work" would draw the topic to a summary's 'The "Work Task" …' framing
        topic = re.sub(r"\b(?:the\s+)?work\s+(?:on|of|about|for)\b", " ", topic)
        if self.question.intent is not ReformIntent.EVOLVED:
            # a status question's topic is short: without the words that frame it ("was the … task in")
            kept = [w for w in topic.split() if not content_words(w) <= FRAMING]
            topic = " ".join(kept) or topic
        if self.glossary_path is not None:
            topic = read_question(topic, [], self.glossary_path).query  # glossary applied, framing removed
        return topic

    def _topic_embedding(self) -> tuple[str, list[float]]:
        """The topic and its query embedding, computed once per question."""
        if self._embedded is None:
            topic = self._topic()
            self._embedded = (topic, self.view.library.retriever.embed(topic))
        return self._embedded

    def _evolved(self) -> list[str] | Refusal:
        """The topic's task in every document, in reform order, each part cited: what the alignment links
        (saying what changed), and each other document's own task on the topic (`TopicFollower`)."""
        start = self._topic_task()
        if start is None:
            return Refusal("No task matches this topic.")
        topic, embedding = self._topic_embedding()
        line = TopicFollower(self.view).follow(
            topic, anchor=start, embedding=embedding, names_topic=self._holds_named_topic
        )
        weak = not line.stages or max(stage.similarity for stage in line.stages) < MATCH_FLOOR
        if weak and not any(self._names_topic(stage.task) for stage in line.stages):
            return Refusal("No task of the indexed notices matches this topic.", RefusalCode.WEAK_MATCH)
        sentences: list[str] = []
        earlier: set[str] = set()
        for stage in line.stages:
            task, link = stage.task, stage.link
            joined = link is not None and link.from_id in earlier
            moment = capitalised(f"in {when(self.view, stage.doc_id)}")
            if joined and link is not None:
                change = f" ({', '.join(c.value for c in link.changes)} changed)" if link.changes else ""
                lead = f"{moment}, it continues as {quoted(task)}{change}"
            else:
                lead = f"{moment}, {quoted(task)}"
            sentences.append(cite(f"{lead}: {stage.sentence}", task.id))
            if joined and link is not None:
                sentences += [cite(s, task.id) for s in change_sentences(task, link) if s != stage.sentence]
            earlier.add(task.id)
        if len(line.stages) == 1 and line.absent:
            # the other notices have nothing on it: said without naming them, so the sentence claims
            # nothing its cited task does not say
            sentences[0] = "Only " + sentences[0][:1].lower() + sentences[0][1:]
        return list(dict.fromkeys(sentences))

    def _topic_task(self) -> Task | None:
        """The task an evolution question is about: the best-matching task, or one that matches almost as
        well (dense similarity within `CLOSE_MATCH`) and has a counterpart in another notice, since the
        question presumes one."""
        topic, embedding = self._topic_embedding()
        hits = [
            h
            for h in self.view.library.retriever.search(topic, Filters(), top_k=8, embedding=embedding)
            if h.unit.kind is UnitKind.TASK
        ]
        if not hits:
            return None
        # a topic is a short phrase: among the first hits, its meaning is judged by the embedding, not by
        # how often a task repeats its generic words ("prevention" in every disease-control task)
        best = max(hits[:3], key=lambda h: h.similarity)
        close = sorted(
            (h for h in hits[:3] if h.similarity >= best.similarity - CLOSE_MATCH),
            key=lambda h: -h.similarity,
        )
        return next((h.unit for h in close if len(self.view.history(h.unit.id)) > 1), best.unit)

    def _due(self) -> list[str] | Refusal:
        """Every dated deadline in the question's window (and of the department it names), by month."""
        view = self.view
        dated_years = sorted({d.deadline.month[:4] for d in view.deadlines()})
        if not dated_years:
            return Refusal("No task of the indexed notices sets a dated deadline.", RefusalCode.NO_DEADLINE)
        window = self.question.window or DeadlineWindow(None, None)
        # a month named without a year: the latest year with deadlines
        window = DeadlineWindow(
            *(m.replace("????", dated_years[-1]) if m else None for m in (window.start, window.end))
        )
        department = self.question.departments[0] if self.question.departments else None
        try:
            due = view.deadlines(before=window.end, after=window.start, department=department)
        except UnknownDepartmentError:
            return Refusal(f"No indexed task names the {department} as a lead department.")
        if not due:
            led = f" for the {department}" if department else ""
            return Refusal(f"No task sets a deadline{led} {window.describe()}.", RefusalCode.NO_DEADLINE)
        sentences = [
            cite(f"{capitalised(quoted(entry.task))}: {lower_first(entry.deadline.sentence)}", entry.task.id)
            for entry in due
        ]
        return list(dict.fromkeys(sentences))

    def _leads(self) -> list[str] | Refusal:
        """The tasks the named department leads in one year; with two or more departments named, the tasks
        each leads (in task order), or with "together", "jointly", "both" the tasks all of them lead."""
        view = self.view
        names = list(dict.fromkeys(self.question.departments))
        led: dict[str, list[Task]] = {}
        for name in names:
            try:
                led[name] = view.department_tasks(name)
            except UnknownDepartmentError:
                return Refusal(f"No indexed task names the {name} as a lead department.")
        order = view.library.task_positions
        if len(names) > 1 and JOINTLY.search(self.text):
            shared = set.intersection(*({t.id for t in tasks} for tasks in led.values()))
            tasks = [t for t in led[names[0]] if t.id in shared]
            if not tasks:
                return Refusal(f"No indexed task names all of {', '.join(names)} as lead departments.")
        else:
            tasks = sorted({t.id: t for ts in led.values() for t in ts}.values(), key=lambda t: order[t.id])
        name = " and the ".join(names)
        years = sorted({t.year for t in tasks})
        # "this year", or no year: the latest notice that names it
        year = self.years[-1] if self.years else years[-1]
        chosen = [t for t in tasks if t.year == year]
        if not chosen:
            return Refusal(f"The {year} notice names no task led by the {name} (it leads tasks in {years}).")
        sentences = []
        for task in chosen:
            # as the source writes them, paired with their canonical names (a name the notice defines for
            # itself, "the Reform Secretariat", has no canonical form of its own)
            pairs = zip(task.departments, task.departments_as_written, strict=False)
            written = [w for canonical, w in pairs if canonical in names]
            detail = f" ({', '.join(written)})" if written else ""
            sentences.append(cite(f"{capitalised(quoted(task))}{detail}", task.id))
        return sentences


def change_sentences(task: Task, link: TaskLink) -> list[str]:
    """What the later task of a changed link says where it changed, in its own sentences: the sentence
    with a new figure, the new deadline's sentence, the lead departments as the source writes them."""
    sentences: list[str] = []
    for kind in link.changes:
        if kind.value == "targets":
            new = [re.sub(r"\D+$", "", v) for v in link.after.get(kind.value, [])]
            sentences += [
                s
                for s in task.sentences
                if any(re.search(rf"(?<![\d,.]){re.escape(v)}(?!\d)", s.replace(",", "")) for v in new if v)
            ][:1]
        elif kind.value == "deadlines":
            sentences += [d.sentence for d in task.deadlines][:1]
        elif kind.value == "departments" and task.departments_as_written:
            sentences.append(f"Led by {', '.join(task.departments_as_written)}")
    return sentences


def framed(frame: str, tasks: list[Task]) -> list[str]:
    """One sentence per task, the frame only before the first, each with the task's first sentence: what
    the task is about in its own words (a label and title alone say nothing a reader can check)."""
    return [
        cite(
            (f"{frame}: {quoted(t)}" if i == 0 else capitalised(quoted(t)))
            + (f": {lower_first(t.sentences[0])}" if t.sentences else ""),
            t.id,
        )
        for i, t in enumerate(tasks)
    ]


def month_end(month: str) -> date:
    """The last day of a "YYYY-MM" month (a deadline "by the end of" it)."""
    year, number = (int(part) for part in month.split("-"))
    return date(year, number, calendar.monthrange(year, number)[1])


def lower_first(sentence: str) -> str:
    return sentence if sentence[:2].isupper() else sentence[:1].lower() + sentence[1:]


def all_department_names() -> list[str]:
    """Every canonical name and alias, for documentation and the API's error messages."""
    return [name for canonical, aliases in DEPARTMENT_ALIASES.items() for name in (canonical, *aliases)]
