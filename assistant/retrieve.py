"""Hybrid retrieval: dense (Chroma via llama-index) and BM25 (bm25s), fused by reciprocal rank fusion."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from assistant.models import Filters
from index.departments import canonical_department
from index.model import Task
from index.store import Catalog, StoredChunk

MAX_ID_FILTER = (
    1000  # unit ids Chroma is given to filter on; beyond that, metadata equality and a post-filter
)

if TYPE_CHECKING:
    from chromadb.api.models.Collection import Collection
    from llama_index.core.base.embeddings.base import BaseEmbedding
    from llama_index.core.vector_stores import MetadataFilters

    from assistant.rerank import CrossEncoderReranker


def _chroma_filters(filters: Filters, allowed: set[str] | None) -> MetadataFilters | None:
    """The filters Chroma applies: the exact unit ids when few, else year and section equality.

    A long id list exceeds SQLite's variable limit inside Chroma (seen at 100k chunks).
    """
    from llama_index.core.vector_stores import FilterOperator, MetadataFilter, MetadataFilters

    if allowed is None:
        return None
    if len(allowed) <= MAX_ID_FILTER:
        return MetadataFilters(
            filters=[MetadataFilter(key="unit_id", value=sorted(allowed), operator=FilterOperator.IN)]
        )
    equal = [MetadataFilter(key="year", value=filters.year)] if filters.year else []
    if filters.section:
        equal.append(MetadataFilter(key="section", value=filters.section))
    return MetadataFilters(filters=equal) if equal else None


@dataclass
class Hit:
    """A retrieved unit: fused score, the best dense similarity and the text of its best chunk."""

    unit: Task
    score: float
    similarity: float = 0.0  # cosine similarity of the best chunk, 0 when only BM25 found it
    lexical: float = 0.0
    chunk: str = ""
    rerank: float | None = None  # cross-encoder score, when a reranker is configured


@dataclass
class Timings:
    """Where retrieval spent its time, in milliseconds."""

    values: dict[str, float] = field(default_factory=dict)

    def add(self, name: str, started: float) -> float:
        now = time.perf_counter()
        self.values[name] = self.values.get(name, 0.0) + (now - started) * 1000
        return now


class LexicalIndex:
    """BM25 over chunk texts, with English stemming and stop words."""

    def __init__(self, chunks: list[StoredChunk]) -> None:
        import bm25s
        import Stemmer

        self._tokenizer = bm25s.tokenization.Tokenizer(stemmer=Stemmer.Stemmer("english"), stopwords="en")
        corpus = self._tokenizer.tokenize([c.text for c in chunks], return_as="ids", show_progress=False)
        self._bm25 = bm25s.BM25()
        self._bm25.index(corpus, show_progress=False)
        self.size = len(chunks)

    def search(self, query: str, k: int, mask: np.ndarray | None = None) -> list[tuple[int, float]]:
        """(chunk position, BM25 score) pairs, best first; only positions where `mask` is 1."""
        tokens = self._tokenizer.tokenize([query], update_vocab=False, return_as="ids", show_progress=False)
        if not tokens[0] or not self.size:
            return []
        ids, scores = self._bm25.retrieve(
            tokens, k=min(k, self.size), show_progress=False, weight_mask=mask, n_threads=1
        )
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if s > 0]


class HybridRetriever:
    """Finds the units that answer a question: dense + BM25 → RRF, with filters and direct lookup."""

    def __init__(
        self,
        catalog: Catalog,
        collection: Collection,
        embedder: BaseEmbedding,
        rrf_k: int = 60,
        candidates: int = 30,
        reranker: CrossEncoderReranker | None = None,
    ) -> None:
        from llama_index.vector_stores.chroma import ChromaVectorStore

        self.catalog = catalog
        self.units = {u.id: u for u in catalog.units}
        self.embedder = embedder
        self.rrf_k = rrf_k
        self.candidates = candidates
        self._vector_store = ChromaVectorStore(chroma_collection=collection)
        self._chunk_units = [c.unit_id for c in catalog.chunks]
        self._lexical = LexicalIndex(catalog.chunks)
        self.reranker = reranker

    def embed(self, text: str) -> list[float]:
        """The query embedding of `text`."""
        return self.embedder.get_query_embedding(text)

    def allowed_units(self, filters: Filters) -> set[str] | None:
        """Unit ids passing the filters; None when nothing is filtered."""
        if not (filters.year or filters.section or filters.department):
            return None
        department = canonical_department(filters.department) if filters.department else None
        return {
            u.id
            for u in self.units.values()
            if (filters.year is None or u.year == filters.year)
            and (filters.section is None or (u.section is not None and u.section.number == filters.section))
            and (department is None or department in u.departments)
        }

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
        allowed = self.allowed_units(filters or Filters())
        if allowed is not None and not allowed:
            return []
        started = time.perf_counter()
        embedding = embedding or self.embed(query)
        started = timings.add("embed", started)
        dense = self.dense(embedding, allowed, filters)
        started = timings.add("dense", started)
        lexical = self._bm25(query, allowed)
        started = timings.add("lexical", started)
        hits = self._fuse(dense, lexical)
        started = timings.add("fusion", started)
        if self.reranker is not None:
            hits = self.reranker.rerank(query, hits)
            timings.add("rerank", started)
        return hits[:top_k]

    def dense(
        self, embedding: list[float], allowed: set[str] | None = None, filters: Filters | None = None
    ) -> list[tuple[str, float, str]]:
        """Dense hits from Chroma, best first: (unit id, cosine similarity, chunk text)."""
        from llama_index.core.vector_stores import VectorStoreQuery

        top_k = self.candidates
        if allowed is not None and len(allowed) > MAX_ID_FILTER:
            top_k *= 4  # filtered on year/section in Chroma, on the rest here
        result = self._vector_store.query(
            VectorStoreQuery(
                query_embedding=embedding,
                similarity_top_k=top_k,
                filters=_chroma_filters(filters or Filters(), allowed),
            )
        )
        hits = []
        for node, similarity in zip(result.nodes or [], result.similarities or [], strict=True):
            unit_id = str(node.metadata["unit_id"])
            if allowed is None or unit_id in allowed:
                # the Chroma adapter reports exp(-distance); recover the cosine similarity
                hits.append((unit_id, 1 + math.log(similarity), node.get_content()))
        return hits[: self.candidates]

    def _bm25(self, query: str, allowed: set[str] | None) -> list[tuple[str, float, str]]:
        mask = None
        if allowed is not None:
            mask = np.array([u in allowed for u in self._chunk_units], dtype=np.float32)
        return [
            (self._chunk_units[i], score, self.catalog.chunks[i].text)
            for i, score in self._lexical.search(query, self.candidates, mask)
        ]

    def _fuse(self, dense: list[tuple[str, float, str]], lexical: list[tuple[str, float, str]]) -> list[Hit]:
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
        return sorted(hits.values(), key=lambda h: h.score, reverse=True)
