"""The BM25 index is saved with its generation and loaded at the next start instead of being rebuilt."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.core.library import saved_lexical_index
from assistant.core.retrieve import LexicalIndex

QUESTIONS = [
    "Which department leads the reform of medical insurance payment methods?",
    "public hospital reform and performance appraisal",
    "centralized procurement of drugs",
]


@pytest.fixture(scope="module")
def catalog(settings):
    from index.store import open_store

    return open_store(settings).read_catalog()


def test_a_saved_index_loads_and_ranks_exactly_like_a_fresh_build(
    catalog, tmp_path: Path, monkeypatch
) -> None:
    built = saved_lexical_index(tmp_path, catalog.collection, catalog.chunks)
    assert (tmp_path / catalog.collection / "chunks.sha256").exists()

    def no_rebuild(*args: object) -> None:
        raise AssertionError("the saved index should have been loaded, not rebuilt")

    monkeypatch.setattr(LexicalIndex, "__init__", no_rebuild)
    loaded = saved_lexical_index(tmp_path, catalog.collection, catalog.chunks)
    assert loaded.vocabulary == built.vocabulary and loaded.size == built.size == len(catalog.chunks)
    for question in QUESTIONS:
        assert loaded.search(question, 10) == built.search(question, 10)
        assert built.search(question, 10), question  # the comparison is not between two empty lists


def test_other_chunks_rebuild_the_index_instead_of_loading_a_stale_one(catalog, tmp_path: Path) -> None:
    saved_lexical_index(tmp_path, catalog.collection, catalog.chunks)
    fewer = catalog.chunks[1:]
    rebuilt = saved_lexical_index(tmp_path, catalog.collection, fewer)
    assert rebuilt.size == len(fewer)
    assert saved_lexical_index(tmp_path, catalog.collection, fewer).size == len(fewer)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".lexical-")]


def test_library_load_saves_the_serving_generations_index(service, settings) -> None:
    collection = service.library.retriever.catalog.collection
    assert (settings.data_dir / "lexical" / collection / "chunks.sha256").exists()
