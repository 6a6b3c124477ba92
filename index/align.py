"""Task alignment across consecutive notices: which task continues, changes, appears or disappears.

Notices are ordered by year, then half-year (a whole-year notice and a first-half notice come before a
second-half one). Documents of the same year and half are one *slot*: the slot is represented by its fullest
document (one that numbers its tasks, then the most tasks, then the smaller id), so a news summary and the
full notice of the same year are never aligned against each other as if one followed the other; the
summary is left out of the chain (any two documents can still be compared on demand, see `align_pair`).

Each pair of consecutive slots is aligned one-to-one: every (earlier task, later task) pair gets a score
from the embedding similarity of their titles and sentences and the key terms they share; pairs are then
taken greedily, best first, while both tasks are free and the score reaches `LINK_THRESHOLD`. A later task
still unlinked then continues the free earlier task that holds one of its sentences nearly word for word,
when one task clearly does (`restatement_links`: a summary's catch-all item restates sentences of several
tasks), and then the free earlier task that alone shares a proper name with it (`name_links`: "Sanming").
A linked pair is *changed* when its departments, deadlines or figures (targets) differ, otherwise
*continued*; a later task with no counterpart is *new*, an earlier one *dropped*.

The result is stored with the index generation (the collection's metadata) and rebuilt incrementally: a
pair whose two documents are unchanged keeps its stored alignment (its fingerprint matches).
"""

from __future__ import annotations

import calendar
import hashlib
import itertools
import json
import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache
from typing import TYPE_CHECKING, Any

import numpy as np
from pydantic import BaseModel, Field

from index.model import Task, UnitKind

if TYPE_CHECKING:
    from chromadb.api.models.Collection import Collection

    from index.store import Catalog, IndexStore

logger = logging.getLogger("policyqa.align")

ALGORITHM = "align-v3"  # part of every fingerprint: a change of method recomputes every pair
METADATA_KEY = "policyqa_alignment"
# Weights of the three signals and the score a link needs. Chosen on the seeds pair (2021 → 2022) and
# checked on the fictional pairs of eval/zoo; see eval/align.py for the measured precision and recall.
TITLE_WEIGHT, BODY_WEIGHT, TERMS_WEIGHT = 0.35, 0.45, 0.20
LINK_THRESHOLD = 0.5
# A later task left unlinked still continues the earlier task that holds one of its sentences nearly word
# for word (cosine ≥ RESTATED), when no other free earlier task comes within RESTATED_MARGIN of it: a news
# summary's catch-all item restates single sentences of several tasks, so its whole-task score stays low.
# On the seeds, 2022 item 6 restates 2021-17's "Internet + Medical and Health" sentence at 0.92 (the next
# task 0.69); no unlinked task of the fictional and zoo pairs has a sentence above 0.67.
RESTATED, RESTATED_MARGIN = 0.75, 0.1
# A later task still unlinked continues the free earlier task that is the only one of its document to share
# a proper name with it (a place, a programme), when their score reaches NAMED_FLOOR: a name written in one
# task only is what a reader follows from notice to notice ("the Sanming experience"). On the seeds, 2022
# item 2 (government investment, the Sanming experience, rewards for prefectures) restates 2021-4 (0.84) and
# 2021-1 (0.78) about equally; only 2021-1 names Sanming (score 0.35). The floor keeps a name shared by two
# unrelated tasks from linking them (the seeds pair's lowest scores are near 0.2).
NAMED_FLOOR = 0.3

# texts → their embeddings, one row each (the library's matrix or an embedding model's batch of lists)
EmbedBatch = Callable[[list[str]], np.ndarray | list[list[float]]]
Vectors = Callable[[Task], np.ndarray]  # a task's [title, *sentences] embeddings, normalised, one per row


class LinkStatus(StrEnum):
    CONTINUED = "continued"
    CHANGED = "changed"
    NEW = "new"
    DROPPED = "dropped"


class ChangeKind(StrEnum):
    """What differs between two linked tasks."""

    TARGETS = "targets"  # the figures the task sets (counts, percentages, amounts)
    DEADLINES = "deadlines"
    DEPARTMENTS = "departments"


class TaskLink(BaseModel):
    """One task's fate between two notices: both ids for a link, one for a new or dropped task."""

    status: LinkStatus
    from_id: str | None = None
    to_id: str | None = None
    score: float | None = Field(None, description="Alignment score of a link, 0–1.")
    changes: list[ChangeKind] = Field(default_factory=list)
    before: dict[str, list[str]] = Field(default_factory=dict, description="Changed values, earlier task.")
    after: dict[str, list[str]] = Field(default_factory=dict, description="Changed values, later task.")


class PairAlignment(BaseModel):
    """The alignment of two documents, from the earlier to the later."""

    from_doc: str
    to_doc: str
    fingerprint: str
    links: list[TaskLink]

    def of_status(self, status: LinkStatus) -> list[TaskLink]:
        return [link for link in self.links if link.status is status]


class Alignment(BaseModel):
    """Every consecutive pair of the chain of notices, in chain order."""

    algorithm: str = ALGORITHM
    chain: list[str] = Field(default_factory=list, description="Document ids in reform order.")
    pairs: list[PairAlignment] = Field(default_factory=list)

    def pair(self, from_doc: str, to_doc: str) -> PairAlignment | None:
        return next((p for p in self.pairs if p.from_doc == from_doc and p.to_doc == to_doc), None)


# ordering notices


@dataclass(frozen=True)
class DocumentSlot:
    """Where a document sits in the reform's time line."""

    doc_id: str
    year: int
    half: int  # 0 whole year, 1 first half, 2 second half
    numbered: bool  # its tasks are numbered in the source (not a summary's items)
    tasks: int

    @property
    def slot(self) -> tuple[int, int]:
        """Whole-year and first-half notices share the first place of a year."""
        return self.year, 2 if self.half == 2 else 1


HALF_PATTERNS = (
    (2, re.compile(r"(?:^|[^a-z])(?:h2|second[ -]half|2nd[ -]half)(?:$|[^a-z])|下半年", re.IGNORECASE)),
    (1, re.compile(r"(?:^|[^a-z])(?:h1|first[ -]half|1st[ -]half)(?:$|[^a-z])|上半年", re.IGNORECASE)),
)


def half_of(doc_id: str, title: str = "") -> int:
    """0 for a whole-year notice, 1 or 2 for a half-year one, read from its id (`2023h2`) or title."""
    digits_stripped = re.sub(r"^\d{4}", " ", doc_id)
    for half, pattern in HALF_PATTERNS:
        if pattern.search(digits_stripped) or pattern.search(title):
            return half
    return 0


def document_slots(units: Iterable[Task]) -> list[DocumentSlot]:
    """One slot per document among `units`, in reform order (year, half, then id)."""
    by_doc: dict[str, list[Task]] = {}
    titles: dict[str, str] = {}
    for unit in units:
        if unit.kind is UnitKind.TASK:
            by_doc.setdefault(unit.doc_id, []).append(unit)
        elif unit.kind is UnitKind.NOTICE:
            titles[unit.doc_id] = unit.title
    slots = [
        DocumentSlot(
            doc_id=doc_id,
            year=tasks[0].year,
            half=half_of(doc_id, titles.get(doc_id, "")),
            numbered=not any(t.unnumbered_in_source for t in tasks),
            tasks=len(tasks),
        )
        for doc_id, tasks in by_doc.items()
    ]
    return sorted(slots, key=lambda s: (s.slot, s.half, s.doc_id))


def document_chain(units: Iterable[Task]) -> list[str]:
    """The documents to align one after the other: the fullest document of each (year, half) slot."""
    chosen: dict[tuple[int, int], DocumentSlot] = {}
    for slot in document_slots(units):
        best = chosen.get(slot.slot)
        if best is None or (slot.numbered, slot.tasks, best.doc_id) > (
            best.numbered,
            best.tasks,
            slot.doc_id,
        ):
            chosen[slot.slot] = slot
    return [chosen[key].doc_id for key in sorted(chosen)]


def consecutive_pairs(chain: list[str]) -> list[tuple[str, str]]:
    return list(itertools.pairwise(chain))


# what two tasks share


@cache
def _stemmer() -> Any:
    import Stemmer

    return Stemmer.Stemmer("english")


@cache
def _stopwords() -> frozenset[str]:
    from bm25s.stopwords import STOPWORDS_EN

    return frozenset(STOPWORDS_EN)


def key_terms(text: str) -> set[str]:
    """Stemmed content words of at least three letters (no stop words, no numbers)."""
    words = [w for w in re.findall(r"[a-z][a-z-]{2,}", text.lower()) if w not in _stopwords()]
    return set(_stemmer().stemWords(words))


FIGURE = re.compile(
    r"(?<![\w.])(\d+(?:[.,]\d+)?)\s*(%|percent|per cent|billion|million|thousand|万|亿)?(?!\w|[.,]\d)",
    re.IGNORECASE,
)


def figures(task: Task) -> list[str]:
    """The figures a task sets ("10", "90%", "3 billion"), without years and the dates of deadlines."""
    found: list[str] = []
    text = " ".join(task.sentences)
    for deadline in task.deadlines:
        text = text.replace(deadline.phrase, " ")
    for match in FIGURE.finditer(text):
        number, unit = match[1].replace(",", ""), (match[2] or "").lower()
        if not unit and re.fullmatch(r"(19|20)\d\d", number):
            continue  # a year, not a target
        unit = {"percent": "%", "per cent": "%"}.get(unit, unit)
        value = f"{number}{unit}" if unit == "%" else f"{number} {unit}".strip()
        if value not in found:
            found.append(value)
    return found


def task_score(a: np.ndarray, b: np.ndarray, terms_a: set[str], terms_b: set[str]) -> float:
    """How surely two tasks are the same task: title similarity, sentence coverage and shared terms.

    `a` and `b` are [title, *sentences] embeddings. The body signal is how well the sentences of the
    shorter task are found in the other (a summary's item restates a part of a full task), averaged with
    the reverse direction at half weight so that a one-sentence item does not match everything.
    """
    title = float(a[0] @ b[0])
    similarities = a @ b.T
    shorter, longer = (similarities, similarities.T) if len(a) <= len(b) else (similarities.T, similarities)
    body = (2 * float(shorter.max(axis=1).mean()) + float(longer.max(axis=1).mean())) / 3
    smaller = min(len(terms_a), len(terms_b))
    terms = len(terms_a & terms_b) / smaller if smaller else 0.0
    return TITLE_WEIGHT * max(title, 0.0) + BODY_WEIGHT * max(body, 0.0) + TERMS_WEIGHT * terms


def score_matrix(earlier: list[Task], later: list[Task], vectors: Vectors) -> np.ndarray:
    """Scores of every (earlier task, later task) pair."""
    terms = {t.id: key_terms(" ".join([t.title, *t.sentences])) for t in [*earlier, *later]}
    later_vectors = [vectors(t) for t in later]
    scores = np.zeros((len(earlier), len(later)), dtype=np.float32)
    for i, a in enumerate(earlier):
        a_vectors = vectors(a)
        for j, b in enumerate(later):
            scores[i, j] = task_score(a_vectors, later_vectors[j], terms[a.id], terms[b.id])
    return scores


def greedy_links(scores: np.ndarray, threshold: float = LINK_THRESHOLD) -> list[tuple[int, int, float]]:
    """One-to-one links, best score first, while both sides are free and the score reaches `threshold`."""
    order = sorted(
        ((float(scores[i, j]), i, j) for i in range(scores.shape[0]) for j in range(scores.shape[1])),
        key=lambda item: (-item[0], item[1], item[2]),
    )
    used_i: set[int] = set()
    used_j: set[int] = set()
    links = []
    for score, i, j in order:
        if score < threshold:
            break
        if i in used_i or j in used_j:
            continue
        used_i.add(i)
        used_j.add(j)
        links.append((i, j, score))
    return sorted(links, key=lambda link: link[1])


def restated(a: np.ndarray, b: np.ndarray) -> float:
    """The closest pair of sentences of two tasks ([title, *sentences] embeddings; titles when a task has
    no sentence): how nearly one task repeats a sentence of the other."""
    a_rows, b_rows = (a[1:] if len(a) > 1 else a), (b[1:] if len(b) > 1 else b)
    return float((a_rows @ b_rows.T).max()) if len(a_rows) and len(b_rows) else 0.0


def restatement_links(
    earlier: list[Task], later: list[Task], vectors: Vectors, linked: list[tuple[int, int, float]]
) -> list[tuple[int, int]]:
    """Links for later tasks the scores left unlinked: each to the free earlier task holding one of its
    sentences nearly word for word, when that task stands clearly above every other free one."""
    used_i, used_j = {i for i, _, _ in linked}, {j for _, j, _ in linked}
    found: list[tuple[float, int, int]] = []
    for j, task in enumerate(later):
        if j in used_j:
            continue
        near = sorted(
            ((restated(vectors(a), vectors(task)), i) for i, a in enumerate(earlier) if i not in used_i),
            reverse=True,
        )
        if near and near[0][0] >= RESTATED and (len(near) == 1 or near[0][0] - near[1][0] >= RESTATED_MARGIN):
            found.append((near[0][0], near[0][1], j))
    links: list[tuple[int, int]] = []
    for _, i, j in sorted(found, reverse=True):  # two items restating one task: the closer one keeps it
        if i not in used_i:
            used_i.add(i)
            links.append((i, j))
    return links


NAME_WORD = re.compile(r"[A-Z][A-Za-z]*[a-z][A-Za-z]*|[A-Z]{2,}")
MONTH_NAMES = frozenset(calendar.month_name[1:])  # a deadline's month is a date, not a name


def _sentences(task: Task) -> list[str]:
    return [task.title, *task.sentences]


def proper_names(tasks: list[Task]) -> dict[str, set[str]]:
    """Task id → the proper names it writes: capitalised words never written in lower case in any of the
    tasks ("Sanming", "Five", "Ones"), and acronyms ("TCM"); a sentence's first word counts only when it is
    written capitalised elsewhere than at a sentence's start too."""
    lower_case: set[str] = set()
    inside: set[str] = set()  # capitalised words seen after a sentence's first word
    for task in tasks:
        for sentence in _sentences(task):
            words = re.findall(r"[A-Za-z]+", sentence)
            lower_case.update(w for w in words if w.islower())
            inside.update(w for w in words[1:] if NAME_WORD.fullmatch(w))
    names: dict[str, set[str]] = {}
    for task in tasks:
        found: set[str] = set()
        for sentence in _sentences(task):
            found.update(
                w
                for w in re.findall(r"[A-Za-z]+", sentence)
                if w in inside
                and NAME_WORD.fullmatch(w)
                and w.lower() not in lower_case
                and w not in MONTH_NAMES
            )
        names[task.id] = found
    return names


def name_links(
    earlier: list[Task], later: list[Task], scores: np.ndarray, linked: list[tuple[int, int, float]]
) -> list[tuple[int, int]]:
    """Links for later tasks still unlinked: each to the free earlier task that is the only earlier task
    writing a proper name it writes, when their score reaches `NAMED_FLOOR` and no other name points
    elsewhere."""
    names = proper_names([*earlier, *later])
    holders: dict[str, set[int]] = {}
    for i, task in enumerate(earlier):
        for name in names[task.id]:
            holders.setdefault(name, set()).add(i)
    used_i, used_j = {i for i, _, _ in linked}, {j for _, j, _ in linked}
    links: list[tuple[int, int]] = []
    for j, task in enumerate(later):
        if j in used_j:
            continue
        pointed = {next(iter(holders[n])) for n in names[task.id] if len(holders.get(n, ())) == 1}
        if len(pointed) != 1:
            continue
        i = pointed.pop()
        if i not in used_i and scores[i, j] >= NAMED_FLOOR:
            used_i.add(i)
            links.append((i, j))
    return links


def differences(a: Task, b: Task) -> tuple[list[ChangeKind], dict[str, list[str]], dict[str, list[str]]]:
    """What differs between two linked tasks, with the values on each side.

    A summary's item states no departments, deadlines or figures as a full notice would: when either task
    comes from a summary, a difference counts only when both sides state something.
    """
    comparable = not (a.unnumbered_in_source or b.unnumbered_in_source)
    sides = {
        ChangeKind.TARGETS: (figures(a), figures(b)),
        ChangeKind.DEADLINES: (
            sorted({d.month for d in a.deadlines}),
            sorted({d.month for d in b.deadlines}),
        ),
        ChangeKind.DEPARTMENTS: (sorted(set(a.departments)), sorted(set(b.departments))),
    }
    changes, before, after = [], {}, {}
    for kind, (old, new) in sides.items():
        if set(old) != set(new) and (comparable or (old and new)):
            changes.append(kind)
            before[kind.value], after[kind.value] = old, new
    return changes, before, after


def align_tasks(earlier: list[Task], later: list[Task], vectors: Vectors) -> list[TaskLink]:
    """The links of two documents' tasks: linked pairs in the later document's order, then new, then
    dropped tasks."""
    scores = score_matrix(earlier, later, vectors) if earlier and later else np.zeros((0, 0))
    linked = greedy_links(scores)
    linked += [(i, j, float(scores[i, j])) for i, j in restatement_links(earlier, later, vectors, linked)]
    linked += [(i, j, float(scores[i, j])) for i, j in name_links(earlier, later, scores, linked)]
    links: list[TaskLink] = []
    for i, j, score in sorted(linked, key=lambda link: link[1]):
        changes, before, after = differences(earlier[i], later[j])
        links.append(
            TaskLink(
                status=LinkStatus.CHANGED if changes else LinkStatus.CONTINUED,
                from_id=earlier[i].id,
                to_id=later[j].id,
                score=round(score, 4),
                changes=changes,
                before=before,
                after=after,
            )
        )
    linked_from = {link.from_id for link in links}
    linked_to = {link.to_id for link in links}
    links += [TaskLink(status=LinkStatus.NEW, to_id=t.id) for t in later if t.id not in linked_to]
    links += [TaskLink(status=LinkStatus.DROPPED, from_id=t.id) for t in earlier if t.id not in linked_from]
    return links


def fingerprint(earlier: list[Task], later: list[Task], model: str = "") -> str:
    """Changes whenever either document's tasks, the embedding model or the method change."""
    digest = hashlib.sha256(f"{ALGORITHM}|{model}".encode())
    for task in [*earlier, *later]:
        digest.update(task.model_dump_json().encode())
    return digest.hexdigest()[:24]


def tasks_by_document(units: Iterable[Task]) -> dict[str, list[Task]]:
    by_doc: dict[str, list[Task]] = {}
    for unit in units:
        if unit.kind is UnitKind.TASK:
            by_doc.setdefault(unit.doc_id, []).append(unit)
    for tasks in by_doc.values():
        tasks.sort(key=lambda t: t.number or 0)
    return by_doc


def align_pair(
    from_doc: str, to_doc: str, by_doc: dict[str, list[Task]], vectors: Vectors, model: str = ""
) -> PairAlignment:
    """The alignment of any two documents (consecutive or not), from `from_doc` to `to_doc`."""
    earlier, later = by_doc.get(from_doc, []), by_doc.get(to_doc, [])
    return PairAlignment(
        from_doc=from_doc,
        to_doc=to_doc,
        fingerprint=fingerprint(earlier, later, model),
        links=align_tasks(earlier, later, vectors),
    )


@dataclass
class AlignmentBuild:
    """What building an alignment did: pairs recomputed and pairs kept from the previous generation."""

    alignment: Alignment
    computed: list[tuple[str, str]] = field(default_factory=list)
    reused: list[tuple[str, str]] = field(default_factory=list)


def build_alignment(
    units: Iterable[Task],
    vectors_for: Callable[[list[Task]], Vectors],
    previous: Alignment | None = None,
    model: str = "",
) -> AlignmentBuild:
    """Align every consecutive pair of the chain; pairs whose fingerprint is in `previous` are reused.

    `vectors_for` receives every task that needs embedding at once (so it can embed them in batches) and
    returns the lookup; it is not called when every pair is reused.
    """
    by_doc = tasks_by_document(units)
    chain = document_chain(t for tasks in by_doc.values() for t in tasks)
    stored = {(p.from_doc, p.to_doc, p.fingerprint): p for p in (previous.pairs if previous else [])}
    result = AlignmentBuild(Alignment(chain=chain))
    todo: list[tuple[str, str]] = []
    for from_doc, to_doc in consecutive_pairs(chain):
        key = (from_doc, to_doc, fingerprint(by_doc[from_doc], by_doc[to_doc], model))
        if key in stored:
            result.alignment.pairs.append(stored[key])
            result.reused.append((from_doc, to_doc))
        else:
            result.alignment.pairs.append(
                PairAlignment(from_doc=from_doc, to_doc=to_doc, fingerprint="", links=[])
            )
            todo.append((from_doc, to_doc))
    if todo:
        needed = list({t.id: t for pair in todo for doc in pair for t in by_doc[doc]}.values())
        vectors = vectors_for(needed)
        for position, pair in enumerate(result.alignment.pairs):
            if (pair.from_doc, pair.to_doc) in todo and not pair.fingerprint:
                result.alignment.pairs[position] = align_pair(
                    pair.from_doc, pair.to_doc, by_doc, vectors, model
                )
        result.computed = todo
    return result


# stored with the generation


def read_stored(collection: Collection) -> Alignment | None:
    """The alignment stored in a generation's metadata; None when absent or written by another method."""
    raw = (collection.metadata or {}).get(METADATA_KEY)
    if not raw:
        return None
    try:
        alignment = Alignment.model_validate_json(str(raw))
    except ValueError:
        logger.warning("the stored alignment of %s is unreadable; it will be recomputed", collection.name)
        return None
    return alignment if alignment.algorithm == ALGORITHM else None


def write_stored(collection: Collection, alignment: Alignment) -> None:
    """Store `alignment` in the generation's metadata, keeping any other metadata it has."""
    metadata = {k: v for k, v in (collection.metadata or {}).items() if not k.startswith("hnsw:")}
    metadata[METADATA_KEY] = alignment.model_dump_json()
    collection.modify(metadata=metadata)


def embedding_lookup(tasks: list[Task], embed: EmbedBatch) -> Vectors:
    """[title, *sentences] embeddings of `tasks`, embedded in one batch."""
    texts = [text for t in tasks for text in (t.title, *t.sentences)]
    matrix = np.asarray(embed(texts), dtype=np.float32) if texts else np.zeros((0, 0), dtype=np.float32)
    rows: dict[str, np.ndarray] = {}
    start = 0
    for task in tasks:
        end = start + 1 + len(task.sentences)
        rows[task.id] = matrix[start:end]
        start = end
    return lambda task: rows[task.id]


def stored_lookup(
    tasks: list[Task],
    sentences: Collection | None,
    first_chunk: dict[str, str],
    embed: Callable[[], EmbedBatch],
) -> Vectors:
    """[title, *sentences] embeddings of `tasks`, read where ingest stored them (the generation's sentence
    collection: the same model on the same texts); only tasks without all of theirs are embedded, in one
    batch (`embed`, which may load the model, is called only then).

    Adding one notice recomputes the pair it joins, whose other notice's tasks were embedded at ingest:
    at 100k sentence vectors, embedding them again was most of the add's time."""
    from index.store import stored_sentence_vectors

    rows = stored_sentence_vectors(sentences, first_chunk, tasks)
    missing = [t for t in tasks if t.id not in rows]
    if missing:
        embedded = embedding_lookup(missing, embed())
        rows |= {t.id: embedded(t) for t in missing}
    return lambda task: rows[task.id]


def align_generation(
    store: IndexStore, embed: Callable[[], EmbedBatch], model: str, catalog: Catalog | None = None
) -> AlignmentBuild:
    """Align the serving generation's documents (`catalog`, when the caller has it) and store the result
    in its metadata.

    Pairs unchanged since the previous generation, or since the previous revision of this one (an in-place
    add), are copied from its stored alignment; a recomputed pair reads its tasks' vectors from the
    generation's sentence collection, and `embed` (which may load the model) is called only for tasks
    whose vectors are not stored there.
    """
    from index.store import first_chunks

    catalog = catalog or store.read_catalog()
    collection = store.generation(catalog.collection)
    previous_name = store.previous_name()
    previous = read_stored(collection)  # this generation's own, from before an in-place add
    if previous is None and previous_name and previous_name != catalog.collection:
        try:
            previous = read_stored(store.generation(previous_name))
        except Exception:  # the previous generation may be gone: then every pair is recomputed
            logger.info("no previous generation %s to reuse an alignment from", previous_name)
    sentences, first_chunk = store.sentences_of(catalog.collection), first_chunks(catalog)
    build = build_alignment(
        catalog.units,
        lambda tasks: stored_lookup(tasks, sentences, first_chunk, embed),
        previous=previous,
        model=model,
    )
    write_stored(collection, build.alignment)
    return build


def dumps(alignment: Alignment) -> str:
    return json.dumps(alignment.model_dump(mode="json"), indent=2, ensure_ascii=False)
