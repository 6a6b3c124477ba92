"""A small collection is searched in memory: the same ids, order and distances as Chroma's own query."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.core.retrieve import VectorTable
from assistant.core.types import Filters
from index.model import UnitKind

QUESTIONS = [
    "Which department leads the reform of medical insurance payment methods?",
    "centralized procurement of drugs and consumables",
    "How will rural doctors be trained?",
]


@pytest.fixture(scope="module")
def collections(service):
    retriever = service.library.retriever
    return {"chunks": retriever._collection, "sentences": retriever._sentences}


@pytest.mark.parametrize("name", ["chunks", "sentences"])
def test_in_memory_search_finds_what_chroma_finds(service, collections, name) -> None:
    collection = collections[name]
    table = VectorTable.of(collection)
    assert table is not None and len(table.ids) == collection.count()
    count = min(20, collection.count())
    for question in QUESTIONS:
        embedding = service.library.retriever.embed(question)
        ids, distances = table.nearest(embedding, count)
        chroma = collection.query(query_embeddings=[embedding], n_results=count, include=["distances"])
        assert ids == chroma["ids"][0], question
        assert np.allclose(distances, chroma["distances"][0], atol=1e-5)
        assert distances == sorted(distances)


def test_a_collection_over_the_limit_stays_with_chroma(collections) -> None:
    assert VectorTable.of(collections["sentences"], limit=collections["sentences"].count() - 1) is None
    assert VectorTable.of(None) is None


def test_the_retriever_searches_small_collections_in_memory(service) -> None:
    retriever = service.library.retriever
    assert retriever._chunk_table is not None and retriever._sentence_table is not None


def _stable_order(table: VectorTable, embedding: list[float]) -> tuple[np.ndarray, np.ndarray]:
    """Every row by cosine similarity, nearest first, ties in row order: what `VectorTable.top` cuts short."""
    query = np.asarray(embedding, dtype=np.float32)
    similarities = table.vectors @ (query / np.linalg.norm(query))
    return np.argsort(-similarities, kind="stable"), similarities


@pytest.mark.parametrize("count", [1, 30, 120, 1700, 10**6])
def test_the_nearest_rows_are_the_head_of_a_full_stable_sort(service, collections, count) -> None:
    table = VectorTable.of(collections["sentences"])
    assert table is not None
    for question in QUESTIONS:
        order, similarities = _stable_order(table, service.library.retriever.embed(question))
        rows, found = table.top(service.library.retriever.embed(question), count)
        assert rows.tolist() == order[:count].tolist()
        assert found.tolist() == similarities[order[:count]].tolist()


def _scanned_sentence_hits(retriever, embedding: list[float], selection, count: int) -> list[tuple]:
    """Sentence hits as found before they were precomputed: each ranked sentence id parsed and looked up."""
    table = retriever._sentence_table
    order, similarities = _stable_order(table, embedding)
    units = {u.id: u for u in retriever.catalog.units}
    chunk_units = {c.id: c.unit_id for c in retriever.catalog.chunks}
    hits: list[tuple] = []
    for row in order[:count]:
        chunk_id, position = table.ids[row].rsplit(":", 1)
        unit = units.get(chunk_units.get(chunk_id, ""))
        if unit is None or unit.kind is not UnitKind.TASK or unit.id in {h[0] for h in hits}:
            continue
        if selection is not None and unit.id not in retriever.filter_index.unit_set(selection):
            continue
        hits.append((unit.id, 1 - (1.0 - float(similarities[row])), int(position)))
        if len(hits) == retriever.candidates:
            break
    return hits


@pytest.mark.parametrize("filters", [Filters(), Filters(year=2022), Filters(year=2021, section="3")])
def test_sentence_hits_from_precomputed_rows_match_a_scan_of_the_ranked_ids(service, filters) -> None:
    retriever = service.library.retriever
    assert retriever._sentence_rows is not None
    selection = retriever.filter_index.select(filters)
    # unfiltered, as a query ranks; filtered, every sentence (a section's tasks may rank far down)
    count = retriever._sentence_count if selection is not None else 4 * retriever.candidates
    for question in [*QUESTIONS, "What is planned for the health of the elderly?"]:
        embedding = retriever.embed(question)
        expected = _scanned_sentence_hits(retriever, embedding, selection, count)
        rows = retriever._sentence_rows.hits(
            embedding, count, selection, retriever.catalog.units, retriever.candidates
        )
        assert expected and [(h.unit_id, h.similarity, h.position) for h in rows] == expected
        # the id-by-id path a large collection takes (Chroma's ranked ids) finds the same
        if selection is None:
            scanned = retriever.sentence_hits.__func__(_without_rows(retriever), embedding, None)
            assert [(h.unit_id, h.similarity, h.position) for h in scanned] == expected


def _without_rows(retriever):
    """The retriever as one over a collection too large for memory sees it: ranked ids, no rows."""
    import copy

    plain = copy.copy(retriever)
    plain._sentence_rows = None
    return plain
