"""A small collection is searched in memory: the same ids, order and distances as Chroma's own query."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.core.retrieve import VectorTable

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
