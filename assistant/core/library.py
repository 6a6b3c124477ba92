"""The loaded index a process answers from: catalog, retriever, and cached sentence embeddings.

Loaded once per process. A reindex builds a new `Library` aside and swaps the reference, so requests in
flight finish on the library they started with.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import threading
from array import array
from collections import OrderedDict, defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from assistant.core.rerank import load_reranker
from assistant.core.retrieve import HybridRetriever, LexicalIndex
from assistant.core.text import content_words
from assistant.core.understand.documents import DocumentIndex
from assistant.settings import Settings
from index.catalog_cache import catalog_folder, serving_catalog
from index.embed import check_embedding, embedding_name, settings_embedder
from index.lexical import CJK_RUN, prepare_chinese
from index.model import Task, UnitKind
from index.store import StoredChunk, first_chunks, open_store, stored_sentence_vectors

if TYPE_CHECKING:
    from chromadb.api.models.Collection import Collection
    from llama_index.core.base.embeddings.base import BaseEmbedding


LEXICAL_GENERATIONS_KEPT = 3  # saved BM25 indexes kept: the serving generation's and the ones before it
# texts whose vectors are kept for the next answer that compares them (the grounding check's cited
# sentences, labels and departments): 384 floats each, ~75 MiB at most
TEXT_VECTORS_KEPT = 50_000
SENTENCE_READ_PAGE = 1000  # sentence ids per Chroma read of several units' stored vectors


def saved_lexical_index(folder: Path, generation: str, chunks: list[StoredChunk]) -> LexicalIndex:
    """The BM25 index of a generation's chunks: loaded from `folder` when it was saved for exactly these
    chunks, else built (tokenizing every chunk: seconds at 100k chunks) and saved for the next start.

    Saved under the generation's name with a hash of its chunk ids, in catalog order (BM25 returns
    positions); written aside and renamed into place, so a crash never leaves a half-written index that
    loads. A folder that cannot be written only costs the rebuild next time.
    """
    fingerprint = hashlib.sha256("\n".join(c.id for c in chunks).encode()).hexdigest()
    target = folder / generation
    try:
        if (target / "chunks.sha256").read_text() == fingerprint:
            return LexicalIndex.load(target, len(chunks))
    except (OSError, ValueError):
        pass  # not saved yet, or unreadable: build it
    index = LexicalIndex(chunks)
    work: Path | None = None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=".lexical-", dir=folder))
        index.save(work)
        (work / "chunks.sha256").write_text(fingerprint)
        shutil.rmtree(target, ignore_errors=True)
        os.replace(work, target)
        saved = [p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")]
        for stale in sorted(saved, key=lambda p: p.stat().st_mtime, reverse=True)[LEXICAL_GENERATIONS_KEPT:]:
            shutil.rmtree(stale, ignore_errors=True)
    except OSError:
        pass  # a read-only data folder: the index is rebuilt at each start, as before
    finally:
        if work is not None and work.exists():
            shutil.rmtree(work, ignore_errors=True)
    return index


def neighbour_table_file(folder: Path, embedder: BaseEmbedding) -> Path:
    """Where the corpus words' vectors of a generation are saved (assistant/core/neighbours.py), named
    after the embedder that made them: another model, backend or export never reads them."""
    identity = f"{type(embedder).__name__} {embedder.model_name} {getattr(embedder, 'onnx_path', '')}"
    return folder / f"neighbours-{hashlib.sha256(identity.encode()).hexdigest()[:16]}.npz"


class WordIndex:
    """Which tasks hold all of some content words: one sorted posting array per word, built once.

    Answers a list question by intersecting a few arrays instead of stemming every task's text.
    """

    def __init__(self, tasks: list[Task]) -> None:
        self._tasks = tasks
        postings: dict[str, array[int]] = defaultdict(lambda: array("i"))
        words_of: dict[str, set[str]] = {}  # titles and sentences repeat across tasks: stem each text once
        for position, task in enumerate(tasks):
            texts = [task.title, *task.sentences]
            for text in texts:
                if text not in words_of:
                    words_of[text] = content_words(text)
            for word in set().union(*(words_of[t] for t in texts)):
                postings[word].append(position)
        self._postings = {w: np.frombuffer(p, dtype=np.int32) for w, p in postings.items()}

    def share(self, word: str) -> float:
        """The share of tasks whose title or sentences hold `word` (stemmed)."""
        return len(self._postings.get(word, ())) / max(len(self._tasks), 1)

    def containing(self, words: set[str]) -> list[Task]:
        """The tasks, in catalog order, whose title and sentences hold every one of `words` (stemmed)."""
        if not words or any(w not in self._postings for w in words):
            return []
        arrays = sorted((self._postings[w] for w in words), key=len)
        found = arrays[0]
        for other in arrays[1:]:
            found = np.intersect1d(found, other, assume_unique=True)
        return [self._tasks[i] for i in found]


@dataclass
class Library:
    """One generation of the index, ready to answer from."""

    retriever: HybridRetriever
    embedder: BaseEmbedding
    embed_model: str
    sentence_store: Collection | None = None  # the generation's sentence vectors, written at ingest
    _sentence_vectors: dict[str, np.ndarray] = field(default_factory=dict)
    _text_vectors: OrderedDict[str, np.ndarray] = field(default_factory=OrderedDict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def load(cls, settings: Settings) -> Library:
        """Open the serving generation; raises IndexMissingError when nothing is built yet."""
        store = open_store(settings)
        check_embedding(store.embedding(), settings)
        # the saved catalog of the serving generation and revision, else read from Chroma (and saved)
        catalog = serving_catalog(store, catalog_folder(settings.data_dir))
        collection = store.generation(catalog.collection)
        embedder = settings_embedder(settings)
        reranker = load_reranker(settings.reranker_model) if settings.reranker_model else None
        lexical = saved_lexical_index(settings.data_dir / "lexical", collection.name, catalog.chunks)
        # saved beside the generation's BM25 index, and removed with it when its chunks change
        neighbour_file = neighbour_table_file(settings.data_dir / "lexical" / collection.name, embedder)
        sentences = store.sentences_of(catalog.collection)
        retriever = HybridRetriever(
            catalog,
            collection,
            embedder,
            settings.rrf_k,
            settings.candidates,
            reranker,
            sentences,
            settings.sentence_weight,
            lexical,
            settings.neighbour_similarity,
            neighbour_file,
        )
        return cls(
            retriever=retriever,
            embedder=embedder,
            embed_model=embedding_name(settings),
            sentence_store=sentences,
        )

    @property
    def units(self) -> dict[str, Task]:
        return self.retriever.units

    @cached_property
    def documents(self) -> list[str]:
        return sorted({u.doc_id for u in self.units.values()})

    @cached_property
    def document_index(self) -> DocumentIndex:
        """The documents by the qualifier of their id: which ones a question names, without a scan."""
        return DocumentIndex(self.documents)

    @cached_property
    def years(self) -> list[int]:
        return sorted({u.year for u in self.units.values()})

    @cached_property
    def tasks(self) -> list[Task]:
        """The tasks (no notices, preambles or closings), in catalog order."""
        return [u for u in self.units.values() if u.kind is UnitKind.TASK]

    @cached_property
    def task_positions(self) -> dict[str, int]:
        """Task id → its position among `tasks` (catalog order): sorting found tasks in catalog order
        then costs no scan of every task."""
        return {t.id: i for i, t in enumerate(self.tasks)}

    def tasks_matching(
        self,
        year: int | None,
        section: str | None,
        departments: list[str],
        deadline_month: str | None,
        dated: bool,
    ) -> list[Task]:
        """The tasks, in catalog order, of that year and section, led by all those (canonical)
        departments, with a deadline in that month (any deadline when `dated`); None matches any."""
        index = self.retriever.filter_index
        return index.units_in(index.mask(year, section, departments, deadline_month, dated, tasks_only=True))

    def tasks_of(self, year: int | None) -> list[Task]:
        """The tasks of one year (all tasks for None), in catalog order."""
        return self.tasks if year is None else self._tasks_by_year.get(year, [])

    @cached_property
    def _tasks_by_year(self) -> dict[int, list[Task]]:
        by_year: dict[int, list[Task]] = defaultdict(list)
        for task in self.tasks:
            by_year[task.year].append(task)
        return dict(by_year)

    @cached_property
    def numbered_years(self) -> list[int]:
        """Years whose document numbers its tasks (not only summary items), ascending."""
        return sorted({u.year for u in self.tasks if not u.unnumbered_in_source})

    @cached_property
    def notices(self) -> list[Task]:
        """The notice header of each document."""
        return [u for u in self.units.values() if u.kind is UnitKind.NOTICE]

    @cached_property
    def task_words(self) -> WordIndex:
        """Content words of every task, indexed on first use (a list question) rather than at load."""
        return WordIndex(self.tasks)

    def embed_texts(self, texts: list[str]) -> np.ndarray:
        """Normalised embeddings of `texts`, one row each."""
        return self.retriever.embed_texts(texts)

    def text_vectors(self, texts: list[str]) -> np.ndarray:
        """Normalised embeddings of `texts`, one row each, as `embed_texts` gives them; a text embedded
        before, or a unit title or sentence whose stored vectors were read, is not embedded again.

        The grounding check compares an answer's sentences with every sentence of the units it cites: a
        list answer citing twenty tasks embedded some four hundred of them on every ask.
        """
        with self._lock:
            known = {t: v for t in dict.fromkeys(texts) if (v := self._text_vectors.get(t)) is not None}
        missing = [t for t in dict.fromkeys(texts) if t not in known]
        if missing:
            fresh = dict(zip(missing, self.embed_texts(missing), strict=True))
            self._remember_texts(fresh)
            known |= fresh
        return np.asarray([known[t] for t in texts], dtype=np.float32).reshape(len(texts), -1)

    def _remember_texts(self, vectors: dict[str, np.ndarray]) -> None:
        """Keep the vectors of these texts for `text_vectors`, dropping the least recently kept past
        TEXT_VECTORS_KEPT."""
        with self._lock:
            for text, vector in vectors.items():
                self._text_vectors[text] = vector
                self._text_vectors.move_to_end(text)
            while len(self._text_vectors) > TEXT_VECTORS_KEPT:
                self._text_vectors.popitem(last=False)

    def sentence_vectors(self, unit: Task) -> np.ndarray:
        """Embeddings of a unit's title and sentences (one row each, title first), read from the index
        (embedded there at ingest) or, for an index built without them, computed; cached either way."""
        with self._lock:
            cached = self._sentence_vectors.get(unit.id)
        if cached is None:
            cached = self._stored_sentence_vectors([unit]).get(unit.id)
            if cached is None:
                cached = self.embed_texts([unit.title, *unit.sentences])
            self._keep_sentence_vectors(unit, cached)
        return cached

    def read_sentence_vectors(self, units: list[Task]) -> None:
        """Read the stored sentence vectors of those `units` not read yet, in as few index reads as can
        be (one per SENTENCE_READ_PAGE sentences instead of one per unit)."""
        with self._lock:
            unread = list({u.id: u for u in units if u.id not in self._sentence_vectors}.values())
        for unit_id, vectors in self._stored_sentence_vectors(unread).items():
            self._keep_sentence_vectors(self.units[unit_id], vectors)

    def read_units_vectors(self, unit_ids: list[str]) -> None:
        """`read_sentence_vectors` of the units with these ids (ids the index lacks are left out)."""
        self.read_sentence_vectors([self.units[i] for i in unit_ids if i in self.units])

    def _keep_sentence_vectors(self, unit: Task, vectors: np.ndarray) -> None:
        with self._lock:
            self._sentence_vectors[unit.id] = vectors
        self._remember_texts(dict(zip([unit.title, *unit.sentences], vectors, strict=True)))

    def _stored_sentence_vectors(self, units: list[Task]) -> dict[str, np.ndarray]:
        """Unit id → its sentence vectors as ingest stored them, for the `units` whose vectors are all in
        the index."""
        return stored_sentence_vectors(self.sentence_store, self._first_chunks, units, SENTENCE_READ_PAGE)

    @cached_property
    def _first_chunks(self) -> dict[str, str]:
        """Unit id → id of its first chunk (the one its sentence vectors are keyed by)."""
        return first_chunks(self.retriever.catalog)

    def warm(self) -> None:
        """Embed every unit's sentences ahead of the questions that need them.

        Stops early once the main thread has finished, so a process never exits with the model mid-call
        (torch aborts the interpreter when a thread is still inside it at exit).
        """
        self.retriever.neighbours.warm()
        if any(CJK_RUN.search(unit.title) for unit in self.units.values()):
            prepare_chinese()
        for unit in self.units.values():
            if not threading.main_thread().is_alive():
                return
            self.sentence_vectors(unit)

    def find_tasks(self, year: int | None, number: int, documents: list[str] | None = None) -> list[Task]:
        """Every task numbered `number` in `documents` (any document) of `year`, in catalog order.

        With several documents of one year ("2023" and "2023h2"), "task 3 of 2023" may mean either: the
        caller narrows `documents` to what the question names, and answers for each task that remains. With
        no year, the latest year that numbers its tasks, as `find_task`.
        """
        if not year:
            latest = self._latest_task_by_number.get(number)
            year = latest.year if latest else None
            if year is None:
                return []
        return [
            t
            for t in self._tasks_by_year.get(year, [])
            if t.number == number and (documents is None or t.doc_id in documents)
        ]

    def find_task(self, year: int | None, number: int) -> Task | None:
        """The task a question names: with no year, the latest document that numbers its tasks."""
        if year:
            return self._task_by_year_and_number.get((year, number))
        return self._latest_task_by_number.get(number)

    @cached_property
    def _task_by_year_and_number(self) -> dict[tuple[int, int], Task]:
        found: dict[tuple[int, int], Task] = {}
        for task in self.tasks:
            if task.number is not None:
                found.setdefault((task.year, task.number), task)
        return found

    @cached_property
    def _latest_task_by_number(self) -> dict[int, Task]:
        """Each number's task in the latest year that numbers its tasks (the first one on a tie)."""
        latest: dict[int, Task] = {}
        for task in self.tasks:
            if task.number is None or task.unnumbered_in_source:
                continue
            if task.number not in latest or task.year > latest[task.number].year:
                latest[task.number] = task
        return latest

    def task_range(self, year: int | None) -> str:
        """ "2021 has tasks (1)–(20)" style description of what exists, for refusals."""
        years = [year] if year else self.years
        parts = [self._ranges[y] for y in years if y in self._ranges]
        return "; ".join(parts) or "no tasks are indexed"

    @cached_property
    def _ranges(self) -> dict[int, str]:
        """Per year with numbered tasks: "2021 has tasks 1–20"."""
        ranges = {}
        for year, tasks in self._tasks_by_year.items():
            numbers = sorted(u.number for u in tasks if u.number)
            if numbers:
                kind = "items" if any(u.unnumbered_in_source for u in tasks) else "tasks"
                ranges[year] = f"{year} has {kind} {numbers[0]}–{numbers[-1]}"
        return ranges
