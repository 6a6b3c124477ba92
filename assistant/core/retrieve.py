"""Hybrid retrieval: dense (Chroma) and BM25 (bm25s), fused by reciprocal rank fusion."""

from __future__ import annotations

import json
import math
import time
from collections import defaultdict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from assistant.core.neighbours import CorpusNeighbours
from assistant.core.types import Filters
from index.departments import canonical_department
from index.lexical import lexical_tokens
from index.model import Task, UnitKind
from index.store import Catalog, StoredChunk, parse_sentence_id

MAX_ID_FILTER = 1000  # unit ids Chroma is given to filter on; beyond that, metadata equality + a post-filter
# Filters keeping at least this share of the chunks post-filter an unfiltered HNSW query: a filtered Chroma
# query scans the metadata first, which at 100k chunks costs ~100x an unfiltered one.
SELECTIVE_SHARE = 0.05
OVERFETCH = 2.0  # margin on the results an unfiltered query needs for `candidates` of them to pass a filter
# Nearest sentences fetched per candidate unit: a unit's sentences crowd the nearest ones, and the rollup
# needs about `candidates` distinct units
SENTENCES_PER_UNIT = 4
# A collection of at most this many vectors is searched in memory, exactly: at that size a product with every
# vector costs well under a millisecond, while a Chroma query costs milliseconds of overhead whatever its size
EXACT_SEARCH_MAX = 10_000

if TYPE_CHECKING:
    from chromadb.api.models.Collection import Collection
    from llama_index.core.base.embeddings.base import BaseEmbedding

    from assistant.core.rerank import Reranker

Where = dict[str, Any]


@dataclass(frozen=True)
class Selection:
    """What a query's filters let through, as boolean masks over the catalog's units and chunks."""

    filters: Filters
    units: np.ndarray
    chunks: np.ndarray


def _masks(size: int, pairs: Iterable[tuple[Hashable, int]]) -> dict[Hashable, np.ndarray]:
    """key → boolean mask of length `size`, True at the positions paired with the key."""
    positions: dict[Hashable, list[int]] = defaultdict(list)
    for key, position in pairs:
        positions[key].append(position)
    masks = {}
    for key, found in positions.items():
        mask = np.zeros(size, dtype=bool)
        mask[found] = True
        masks[key] = mask
    return masks


class FilterIndex:
    """Per-year, per-section, per-department and per-deadline-month masks of a catalog's units, built once
    when it is loaded.

    Filtering a query, or listing the tasks a question asks for, then costs a few vector operations
    instead of a scan of every unit and chunk.
    """

    def __init__(self, units: list[Task], chunks: list[StoredChunk]) -> None:
        self.units = units
        self.unit_ids = [u.id for u in units]
        position = {u.id: i for i, u in enumerate(units)}
        # a chunk of a unit missing from the catalog points at the False slot appended to unit masks
        self._chunk_unit = np.array([position.get(c.unit_id, -1) for c in chunks], dtype=np.int64)
        n = len(units)
        self._years = _masks(n, ((u.year, i) for i, u in enumerate(units)))
        self._sections = _masks(n, ((u.section.number, i) for i, u in enumerate(units) if u.section))
        self._departments = _masks(n, ((d, i) for i, u in enumerate(units) for d in u.departments))
        self._months = _masks(n, ((d.month, i) for i, u in enumerate(units) for d in u.deadlines))
        self._tasks = np.array([u.kind is UnitKind.TASK for u in units], dtype=bool)
        self._dated = np.array([bool(u.deadlines) for u in units], dtype=bool)
        self._none = np.zeros(n, dtype=bool)

    def mask(
        self,
        year: int | None = None,
        section: str | None = None,
        departments: Iterable[str] = (),
        deadline_month: str | None = None,
        dated: bool = False,
        tasks_only: bool = False,
    ) -> np.ndarray:
        """The units of that year and section, led by all those (canonical) departments, with a deadline
        in that month (any deadline when `dated`), only tasks when `tasks_only`."""
        units = self._tasks.copy() if tasks_only else np.ones(len(self.units), dtype=bool)
        if year is not None:
            units &= self._years.get(year, self._none)
        if section is not None:
            units &= self._sections.get(section, self._none)
        for department in departments:
            units &= self._departments.get(department, self._none)
        if deadline_month is not None:
            units &= self._months.get(deadline_month, self._none)
        if dated:
            units &= self._dated
        return units

    def select(self, filters: Filters) -> Selection | None:
        """The units and chunks passing `filters`; None when nothing is filtered."""
        if not (filters.year or filters.section or filters.department):
            return None
        departments = [canonical_department(filters.department)] if filters.department else []
        units = self.mask(filters.year, filters.section, departments)
        return Selection(filters, units, np.append(units, False)[self._chunk_unit])

    def unit_set(self, selection: Selection) -> set[str]:
        """The ids of the selected units."""
        return {self.unit_ids[i] for i in np.flatnonzero(selection.units)}

    def units_in(self, mask: np.ndarray) -> list[Task]:
        """The units a mask selects, in catalog order."""
        return [self.units[i] for i in np.flatnonzero(mask)]


def _where(selection: Selection, ids: set[str] | None) -> Where | None:
    """The filter Chroma applies for a selective query: the unit ids when few, else year and section.

    A long id list exceeds SQLite's variable limit inside Chroma (seen at 100k chunks).
    """
    if ids is not None:
        return {"unit_id": {"$in": sorted(ids)}}
    filters = selection.filters
    equal: list[Where] = [{"year": filters.year}] if filters.year is not None else []
    if filters.section is not None:
        equal.append({"section": filters.section})
    return {"$and": equal} if len(equal) > 1 else (equal[0] if equal else None)


@dataclass(frozen=True)
class VectorTable:
    """A small collection's ids and normalised vectors, read once when its generation is loaded.

    Answers the unfiltered nearest-neighbour queries in memory, as Chroma's cosine space does (distance =
    1 - cosine similarity), exactly. A generation's collection only changes by an ingest, and an ingest
    ends by loading a new Library, whose tables are read afresh; the Library serving meanwhile answers from
    its own catalog, which knows no chunk written after it.
    """

    ids: list[str]
    vectors: np.ndarray

    @classmethod
    def of(cls, collection: Collection | None, limit: int = EXACT_SEARCH_MAX) -> VectorTable | None:
        """The collection's vectors in memory; None for a larger collection (Chroma's index serves it)."""
        if collection is None or collection.count() > limit:
            return None
        found = collection.get(include=["embeddings"])
        embeddings = found["embeddings"]
        if embeddings is None or len(embeddings) != len(found["ids"]):
            return None
        vectors = np.asarray(embeddings, dtype=np.float32).reshape(len(found["ids"]), -1)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return cls(list(found["ids"]), vectors / np.clip(norms, 1e-12, None))

    def nearest(self, embedding: Sequence[float], count: int) -> tuple[list[str], list[float]]:
        """The ids of the `count` nearest vectors and their cosine distances, nearest first."""
        rows, similarities = self.top(embedding, count)
        return [self.ids[i] for i in rows], [1.0 - float(s) for s in similarities]

    def top(self, embedding: Sequence[float], count: int) -> tuple[np.ndarray, np.ndarray]:
        """(rows, cosine similarities) of the `count` nearest vectors, nearest first, ties in the
        collection's order: the first `count` of a stable sort of every row, without sorting every row."""
        query = np.asarray(embedding, dtype=np.float32)
        negated = -(self.vectors @ (query / max(float(np.linalg.norm(query)), 1e-12)))
        if count <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        if count < len(negated):
            # every row at least as near as the count-th nearest, in row order; sorted stably below
            rows = np.flatnonzero(negated <= np.partition(negated, count - 1)[count - 1])
        else:
            rows = np.arange(len(negated))
        rows = rows[np.argsort(negated[rows], kind="stable")][:count]
        return rows, -negated[rows]


def _query(
    collection: Collection,
    table: VectorTable | None,
    embedding: Sequence[float],
    count: int,
    where: Where | None,
) -> tuple[list[str], list[float]]:
    """Ids and cosine distances of the `count` vectors nearest `embedding` passing `where`: in memory when
    the collection is small and unfiltered, else by Chroma."""
    if table is not None and where is None:
        return table.nearest(embedding, count)
    embeddings: list[Sequence[float]] = [embedding]
    # ids and distances only: the texts are in the catalog, and reading them back costs more than the search
    result = collection.query(
        query_embeddings=embeddings, n_results=count, where=where, include=["distances"]
    )
    distances = result["distances"][0] if result["distances"] else []
    return list(result["ids"][0]), [float(d) for d in distances]


@dataclass
class Hit:
    """A retrieved unit: fused score, the best dense similarity and the text of its best chunk."""

    unit: Task
    score: float
    similarity: float = 0.0  # cosine similarity of the best chunk, 0 when only BM25 found it
    lexical: float = 0.0
    chunk: str = ""
    rerank: float | None = None  # cross-encoder score, when a reranker is configured
    # the unit's sentence (or title) nearest the query: its cosine similarity and position (0 = title)
    sentence_similarity: float = 0.0
    sentence_position: int | None = None


@dataclass
class Timings:
    """Where retrieval spent its time, in milliseconds."""

    values: dict[str, float] = field(default_factory=dict)

    def add(self, name: str, started: float) -> float:
        now = time.perf_counter()
        self.values[name] = self.values.get(name, 0.0) + (now - started) * 1000
        return now


class LexicalIndex:
    """BM25 over chunk texts: stemmed English words without stop words, and jieba words for Chinese."""

    def __init__(self, chunks: list[StoredChunk]) -> None:
        import bm25s

        corpus = [lexical_tokens(c.text) for c in chunks]
        self._vocabulary = {token for document in corpus for token in document}
        self._bm25 = bm25s.BM25()
        self._bm25.index(corpus, show_progress=False)
        self.size = len(chunks)

    def save(self, folder: Path) -> None:
        """Write the index to `folder` (index/lexical_cache.py decides where and when)."""
        self._bm25.save(str(folder), show_progress=False)
        (folder / "vocabulary.json").write_text(json.dumps(sorted(self._vocabulary)), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path, size: int) -> LexicalIndex:
        """The index `save` wrote, over `size` chunks, without tokenizing them again."""
        import bm25s

        index = cls.__new__(cls)
        index._bm25 = bm25s.BM25.load(str(folder), show_progress=False)
        index._vocabulary = set(json.loads((folder / "vocabulary.json").read_text(encoding="utf-8")))
        index.size = size
        return index

    @property
    def vocabulary(self) -> set[str]:
        """Every (stemmed) word of the indexed chunks."""
        return self._vocabulary

    def search(self, query: str, k: int, mask: np.ndarray | None = None) -> list[tuple[int, float]]:
        """(chunk position, BM25 score) pairs, best first; only positions where `mask` is 1."""
        tokens = [t for t in lexical_tokens(query) if t in self._vocabulary]
        if not tokens or not self.size:
            return []
        # n_threads=0 scores in this thread: any other value starts a thread pool on every call
        ids, scores = self._bm25.retrieve(
            [tokens], k=min(k, self.size), show_progress=False, weight_mask=mask, n_threads=0
        )
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if s > 0]


@dataclass(frozen=True)
class SentenceHit:
    """A unit found by its nearest sentence: the sentence's position (0 = title) and cosine similarity."""

    unit_id: str
    similarity: float
    position: int


@dataclass(frozen=True)
class SentenceRows:
    """For a sentence collection searched in memory (`VectorTable`): each row's task (its catalog position,
    -1 for a sentence of a notice, preamble or closing, or of no catalog unit) and its position in the unit,
    read from the row ids once at load. A query then rolls sentences up to their tasks with array
    operations instead of parsing and looking up every id it ranks."""

    table: VectorTable
    units: np.ndarray
    positions: np.ndarray

    @classmethod
    def of(cls, table: VectorTable, task_of_chunk: dict[str, int]) -> SentenceRows:
        """The rows of `table`, whose ids are `index.store.sentence_id`s, with `task_of_chunk` (chunk id →
        catalog position of its task)."""
        parsed = [parse_sentence_id(i) for i in table.ids]
        units = np.array([task_of_chunk.get(chunk, -1) for chunk, _ in parsed], dtype=np.int64)
        positions = np.array([position for _, position in parsed], dtype=np.int64)
        return cls(table, units, positions)

    def hits(
        self,
        embedding: Sequence[float],
        count: int,
        selection: Selection | None,
        catalog_units: list[Task],
        limit: int,
    ) -> list[SentenceHit]:
        """Of the `count` sentences nearest `embedding`, the first of each task that `selection` lets
        through, nearest first, at most `limit`: what `HybridRetriever.sentence_hits` finds from a query."""
        rows, similarities = self.table.top(embedding, count)
        units = self.units[rows]
        kept = units >= 0
        if selection is not None:
            kept &= np.append(selection.units, False)[units]  # -1 reads the False slot
        rows, units, similarities = rows[kept], units[kept], similarities[kept]
        _, first = np.unique(units, return_index=True)  # each task's nearest sentence
        chosen = np.sort(first)[:limit]
        # the similarity as 1 - the cosine distance the query gives, as read from Chroma
        return [
            SentenceHit(
                catalog_units[units[i]].id, 1 - (1.0 - float(similarities[i])), int(self.positions[rows[i]])
            )
            for i in chosen
        ]


# from this many chunks on, the corpus's words are embedded in a thread rather than on first need
BACKGROUND_NEIGHBOURS_FROM = 5000


class HybridRetriever:
    """Finds the units that answer a question: task-level dense + sentence-level dense (rolled up to each
    sentence's unit) + BM25 → RRF, with filters and direct lookup.

    The sentence ranking finds a long task by the one sentence that answers a question, which the task's
    single embedding dilutes; it reuses the query's embedding, so it costs one more nearest-neighbour query.
    """

    def __init__(
        self,
        catalog: Catalog,
        collection: Collection,
        embedder: BaseEmbedding,
        rrf_k: int = 10,
        candidates: int = 30,
        reranker: Reranker | None = None,
        sentences: Collection | None = None,
        sentence_weight: float = 1.0,
        lexical: LexicalIndex | None = None,
        neighbour_similarity: float = 0.55,
        neighbour_file: Path | None = None,
    ) -> None:
        self.catalog = catalog
        self.units = {u.id: u for u in catalog.units}
        self.embedder = embedder
        self.rrf_k = rrf_k
        self.candidates = candidates
        self._collection = collection
        self._chunk_units = [c.unit_id for c in catalog.chunks]
        self._chunk_position = {c.id: i for i, c in enumerate(catalog.chunks)}
        self.filter_index = FilterIndex(catalog.units, catalog.chunks)
        self.lexical = lexical or LexicalIndex(catalog.chunks)  # a saved one, else built from the catalog
        self.reranker = reranker
        self.sentence_weight = sentence_weight
        self._sentences = sentences
        self._sentence_count = sentences.count() if sentences is not None else 0
        self._chunk_table = VectorTable.of(collection)
        self._sentence_table = VectorTable.of(sentences)
        self._unit_position = {u.id: i for i, u in enumerate(catalog.units)}
        # chunk id → catalog position of its unit, for tasks only: the units a sentence hit can name
        self._task_of_chunk = {
            c.id: self._unit_position[c.unit_id]
            for c in catalog.chunks
            if c.unit_id in self._unit_position
            and catalog.units[self._unit_position[c.unit_id]].kind is UnitKind.TASK
        }
        self._sentence_rows = (
            SentenceRows.of(self._sentence_table, self._task_of_chunk) if self._sentence_table else None
        )
        # everyday words the corpus lacks find its own words for BM25 ("tumours" → "cancer"); 1 turns it off
        self.neighbours = CorpusNeighbours(
            lambda: (c.text for c in catalog.chunks),
            self.lexical.vocabulary,
            self.embed_texts,
            threshold=neighbour_similarity,
            background=len(catalog.chunks) > BACKGROUND_NEIGHBOURS_FROM,
            saved=neighbour_file,
        )

    def near_score(self, places: float) -> float:
        """The share of a fused score that a unit ranked `places` lower in every ranking keeps: (k + 1) /
        (k + 1 + places) for the fusion constant k. Answer rules that ask whether a runner-up scores close to
        the best hit compare by places, so they mean the same whatever the constant.
        """
        return (self.rrf_k + 1) / (self.rrf_k + 1 + places)

    def embed(self, text: str) -> list[float]:
        """The query embedding of `text`."""
        return self.embedder.get_query_embedding(text)

    def embed_texts(self, texts: list[str]) -> np.ndarray:
        """Normalised embeddings of `texts`, one row each."""
        return np.asarray(self.embedder.get_text_embedding_batch(texts), dtype=np.float32)

    def allowed_units(self, filters: Filters) -> set[str] | None:
        """Unit ids passing the filters; None when nothing is filtered."""
        selection = self.filter_index.select(filters)
        return None if selection is None else self.filter_index.unit_set(selection)

    def search(
        self,
        query: str,
        filters: Filters | None = None,
        top_k: int = 5,
        embedding: list[float] | None = None,
        timings: Timings | None = None,
    ) -> list[Hit]:
        """The `top_k` units for `query`, best first."""
        timings = timings or Timings()
        selection = self.filter_index.select(filters or Filters())
        if selection is not None and not selection.units.any():
            return []
        started = time.perf_counter()
        embedding = embedding or self.embed(query)
        started = timings.add("embed", started)
        dense = self._dense(embedding, selection)
        started = timings.add("dense", started)
        sentences = self.sentence_hits(embedding, selection)
        started = timings.add("sentences", started)
        lexical = self._bm25(query, selection)
        started = timings.add("lexical", started)
        hits = self._fuse(dense, lexical, sentences)
        started = timings.add("fusion", started)
        if self.reranker is not None:
            hits = self.reranker.rerank(query, hits)
            timings.add("rerank", started)
        return hits[:top_k]

    def dense(self, embedding: list[float], filters: Filters | None = None) -> list[tuple[str, float, str]]:
        """Dense hits, best first: (unit id, cosine similarity, chunk text)."""
        return self._dense(embedding, self.filter_index.select(filters or Filters()))

    def _dense(self, embedding: list[float], selection: Selection | None) -> list[tuple[str, float, str]]:
        """Dense hits passing `selection`: Chroma filters only when few chunks pass, else a post-filter."""
        total = len(self._chunk_units)
        if selection is None:
            return self._nearest(embedding, min(self.candidates, total), None, selection)
        kept = int(selection.chunks.sum())
        if not kept:
            return []
        if kept >= SELECTIVE_SHARE * total:
            return self._nearest(embedding, self._fetch(kept, total), None, selection)
        units = self.filter_index.unit_set(selection)
        if len(units) <= MAX_ID_FILTER:
            return self._nearest(embedding, min(self.candidates, kept), _where(selection, units), selection)
        # too many ids for Chroma: it filters on year and section, the rest is filtered here
        filters = selection.filters
        broad = self.filter_index.select(Filters(year=filters.year, section=filters.section))
        pool = total if broad is None else int(broad.chunks.sum())
        return self._nearest(embedding, self._fetch(kept, pool), _where(selection, None), selection)

    def _fetch(self, kept: int, pool: int) -> int:
        """How many nearest chunks to ask for among `pool` so that about `candidates` of the `kept` pass."""
        return min(pool, math.ceil(self.candidates * OVERFETCH * pool / kept))

    def _nearest(
        self, embedding: list[float], count: int, where: Where | None, selection: Selection | None
    ) -> list[tuple[str, float, str]]:
        """The `count` nearest chunks (ids and distances only: the texts are in the catalog), filtered."""
        if count <= 0:
            return []
        ids, distances = _query(self._collection, self._chunk_table, embedding, count, where)
        hits = []
        for chunk_id, distance in zip(ids, distances, strict=True):
            position = self._chunk_position.get(chunk_id)
            if position is None or (selection is not None and not selection.chunks[position]):
                continue
            # a cosine-space collection: distance = 1 - cosine similarity
            text = self.catalog.chunks[position].text
            hits.append((self._chunk_units[position], 1 - float(distance), text))
            if len(hits) == self.candidates:
                break
        return hits

    def sentence_hits(self, embedding: list[float], selection: Selection | None) -> list[SentenceHit]:
        """Tasks by their sentence (or title) nearest the query, best first, at most `candidates`; those
        passing `selection` only. Empty when the generation has no sentence collection."""
        if self._sentences is None or not self._sentence_count:
            return []
        wanted = self.candidates * SENTENCES_PER_UNIT
        where: Where | None = None
        count = wanted
        if selection is not None:
            kept = int(selection.units.sum())
            share = kept / max(len(self.catalog.units), 1)
            if not kept:
                return []
            if share >= SELECTIVE_SHARE:
                count = math.ceil(wanted * OVERFETCH / share)
            else:
                units = self.filter_index.unit_set(selection)
                where = _where(selection, units if len(units) <= MAX_ID_FILTER else None)
        count = min(count, self._sentence_count)
        if self._sentence_rows is not None and where is None:
            return self._sentence_rows.hits(embedding, count, selection, self.catalog.units, self.candidates)
        # a sentence id names its unit's first chunk and its position (index.store.parse_sentence_id)
        ids, distances = _query(self._sentences, self._sentence_table, embedding, count, where)
        hits: list[SentenceHit] = []
        seen: set[int] = set()
        for sentence, distance in zip(ids, distances, strict=True):
            chunk_id, sentence_position = parse_sentence_id(sentence)
            # tasks only: a notice, preamble or closing is found by its own chunk, and one of its short
            # framing sentences ("2024 is a key year") otherwise matches any question naming its year
            position = self._task_of_chunk.get(chunk_id)
            if position is None or position in seen:
                continue
            if selection is not None and not selection.units[position]:
                continue
            seen.add(position)
            hits.append(SentenceHit(self.catalog.units[position].id, 1 - float(distance), sentence_position))
            if len(hits) == self.candidates:
                break
        return hits

    def _bm25(self, query: str, selection: Selection | None) -> list[tuple[str, float, str]]:
        mask = None if selection is None else selection.chunks.astype(np.float32)
        if self.neighbours.threshold < 1:
            query = " ".join([query, *self.neighbours.of(query)])
        return [
            (self._chunk_units[i], score, self.catalog.chunks[i].text)
            for i, score in self.lexical.search(query, self.candidates, mask)
        ]

    def _fuse(
        self,
        dense: list[tuple[str, float, str]],
        lexical: list[tuple[str, float, str]],
        sentences: Sequence[SentenceHit] = (),
    ) -> list[Hit]:
        hits: dict[str, Hit] = {}
        for ranking, is_dense in ((dense, True), (lexical, False)):
            seen: set[str] = set()  # a unit split into parts ranks once, by its best part
            for unit_id, score, text in ranking:
                if unit_id in seen or unit_id not in self.units:
                    continue
                seen.add(unit_id)
                hit = hits.setdefault(unit_id, Hit(unit=self.units[unit_id], score=0.0, chunk=text))
                hit.score += 1 / (self.rrf_k + len(seen))
                if is_dense:
                    hit.similarity = score
                else:
                    hit.lexical = score
        for rank, found in enumerate(sentences, start=1):
            unit = self.units.get(found.unit_id)
            if unit is None:
                continue
            if found.unit_id not in hits:  # a unit's text is joined from its sentences: only for a new unit
                hits[found.unit_id] = Hit(unit=unit, score=0.0, chunk=unit.text)
            hit = hits[found.unit_id]
            hit.score += self.sentence_weight / (self.rrf_k + rank)
            hit.sentence_similarity, hit.sentence_position = found.similarity, found.position
        if sentences:
            # The sentence ranking judges tasks only; a notice, preamble or closing would otherwise lose a
            # third of its votes by its kind alone. Such a unit is scored by the rankings that judge it.
            for hit in hits.values():
                if hit.unit.kind is not UnitKind.TASK:
                    hit.score *= (2 + self.sentence_weight) / 2
        return sorted(hits.values(), key=lambda h: h.score, reverse=True)
