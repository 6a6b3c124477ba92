"""The loaded index a process answers from: catalog, retriever, and cached sentence embeddings.

Loaded once per process. A reindex builds a new `Library` aside and swaps the reference, so requests in
flight finish on the library they started with.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

from assistant.rerank import load_reranker
from assistant.retrieve import HybridRetriever
from index.embed import load_embedder, model_name
from index.model import Task, UnitKind
from index.settings import Settings
from index.store import open_store

if TYPE_CHECKING:
    from llama_index.core.base.embeddings.base import BaseEmbedding


@dataclass
class Library:
    """One generation of the index, ready to answer from."""

    retriever: HybridRetriever
    embedder: BaseEmbedding
    embed_model: str
    _sentence_vectors: dict[str, np.ndarray] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def load(cls, settings: Settings) -> Library:
        """Open the serving generation; raises IndexMissingError when nothing is built yet."""
        store = open_store(settings)
        collection = store.active()
        catalog = store.read_catalog()
        embedder = load_embedder(settings.embed_model_path, settings.embed_batch_size)
        reranker = load_reranker(settings.reranker_model) if settings.reranker_model else None
        retriever = HybridRetriever(
            catalog, collection, embedder, settings.rrf_k, settings.candidates, reranker
        )
        return cls(retriever=retriever, embedder=embedder, embed_model=model_name(settings.embed_model_path))

    @property
    def units(self) -> dict[str, Task]:
        return self.retriever.units

    @cached_property
    def documents(self) -> list[str]:
        return sorted({u.doc_id for u in self.units.values()})

    @cached_property
    def years(self) -> list[int]:
        return sorted({u.year for u in self.units.values()})

    @property
    def tasks(self) -> list[Task]:
        return [u for u in self.units.values() if u.kind is UnitKind.TASK]

    def embed_texts(self, texts: list[str]) -> np.ndarray:
        """Normalised embeddings of `texts`, one row each."""
        return np.asarray(self.embedder.get_text_embedding_batch(texts), dtype=np.float32)

    def sentence_vectors(self, unit: Task) -> np.ndarray:
        """Embeddings of a unit's title and sentences, computed once and cached."""
        with self._lock:
            cached = self._sentence_vectors.get(unit.id)
        if cached is None:
            cached = self.embed_texts([unit.title, *unit.sentences])
            with self._lock:
                self._sentence_vectors[unit.id] = cached
        return cached

    def warm(self) -> None:
        """Embed every unit's sentences ahead of the questions that need them.

        Stops early once the main thread has finished, so a process never exits with the model mid-call
        (torch aborts the interpreter when a thread is still inside it at exit).
        """
        for unit in self.units.values():
            if not threading.main_thread().is_alive():
                return
            self.sentence_vectors(unit)

    def find_task(self, year: int | None, number: int) -> Task | None:
        """The task a question names: with no year, the latest document that numbers its tasks."""
        candidates = [
            u
            for u in self.tasks
            if u.number == number and (u.year == year if year else not u.unnumbered_in_source)
        ]
        return max(candidates, key=lambda u: u.year) if candidates else None

    def task_range(self, year: int | None) -> str:
        """ "2021 has tasks (1)–(20)" style description of what exists, for refusals."""
        years = [year] if year else self.years
        parts = []
        for y in years:
            numbers = sorted(u.number for u in self.tasks if u.year == y and u.number)
            if numbers:
                kind = "items" if any(u.unnumbered_in_source for u in self.tasks if u.year == y) else "tasks"
                parts.append(f"{y} has {kind} {numbers[0]}–{numbers[-1]}")
        return "; ".join(parts) or "no tasks are indexed"
