"""The corpus's own words for everyday words it never uses, learned by the real embedding model."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.core.neighbours import CorpusNeighbours
from assistant.core.types import Filters
from index.lexical import english_words

CORPUS = [
    "Expand the coverage of cancer screening in county hospitals.",
    "Promote the prevention of myopia in children and adolescents.",
    "Carry out unannounced inspections of medical institutions.",
]


@pytest.fixture(scope="module")
def embed(service):
    return service.library.embed_texts


def neighbours(embed, threshold: float = 0.55) -> CorpusNeighbours:
    vocabulary = {stem for text in CORPUS for stem in english_words(text)}
    return CorpusNeighbours(lambda: CORPUS, vocabulary, embed, threshold=threshold)


def test_a_word_the_corpus_lacks_finds_the_corpus_word_it_means(embed) -> None:
    found = neighbours(embed)
    unknown = found.unknown("Are tumours found earlier in kids' screening?")
    assert {"tumours", "kids"} <= set(unknown)
    assert not {"are", "screening", "in"} & set(unknown)  # stop words, and a word the corpus uses
    assert "cancer" in found.of("tumours")
    assert "children" in found.of("kids")
    assert "inspections" in found.of("inspectors")


def test_words_the_corpus_uses_and_unrelated_words_add_nothing(embed) -> None:
    found = neighbours(embed)
    assert found.of("cancer screening for children") == []  # every word is the corpus's own
    assert found.of("the parking") == []  # nothing in these three sentences is near it
    assert neighbours(embed, threshold=1.0).of("tumours") == []


def test_an_everyday_word_finds_its_task_through_the_corpus_words(service) -> None:
    retriever = service.library.retriever
    question = "Any plan to check folks for tumours earlier out in rural districts?"

    def rank_of_cancer_task() -> int:
        ids = [h.unit.id for h in retriever.search(question, Filters(year=2021), top_k=20)]
        return ids.index("2021-14") if "2021-14" in ids else 99

    with_neighbours = rank_of_cancer_task()
    threshold = retriever.neighbours.threshold
    retriever.neighbours.threshold = 1.0
    try:
        without = rank_of_cancer_task()
    finally:
        retriever.neighbours.threshold = threshold
    assert with_neighbours < without
    assert with_neighbours < 3


def test_nearest_gives_stand_ins_for_any_word_as_stems(embed) -> None:
    found = neighbours(embed)
    near = found.nearest(["tumours", "screening", "parking"], 0.55)
    assert "cancer" in near["tumours"]
    assert "screen" in near["screening"]  # a word the corpus uses stands for itself
    assert near["parking"] == set()


def test_a_large_corpus_embeds_its_words_in_the_background_and_questions_meanwhile_do_not_wait(embed) -> None:
    vocabulary = {stem for text in CORPUS for stem in english_words(text)}
    found = CorpusNeighbours(lambda: CORPUS, vocabulary, embed, background=True)
    assert found.of("tumours") == []  # the build has only started
    found.warm()  # waits for the build under way
    assert "cancer" in found.of("tumours")


def test_a_word_looked_up_once_costs_no_model_call_again(embed) -> None:
    calls: list[list[str]] = []

    def counted(texts: list[str]) -> np.ndarray:
        calls.append(texts)
        return embed(texts)

    vocabulary = {stem for text in CORPUS for stem in english_words(text)}
    found = CorpusNeighbours(lambda: CORPUS, vocabulary, counted)
    first = found.of("tumours in kids")
    after_first = len(calls)  # the corpus's words, then the question's two words in one call
    assert calls[-1] == ["tumours", "kids"]
    assert set(found.of("kids with tumours")) == set(first) and len(calls) == after_first
    assert found.nearest(["kids"], 0.55)["kids"] and len(calls) == after_first


def test_the_embedded_corpus_words_are_saved_and_read_back_instead_of_embedded_again(embed, tmp_path) -> None:
    calls: list[list[str]] = []

    def counted(texts: list[str]) -> np.ndarray:
        calls.append(texts)
        return embed(texts)

    vocabulary = {stem for text in CORPUS for stem in english_words(text)}
    saved = tmp_path / "neighbours.npz"
    first = CorpusNeighbours(lambda: CORPUS, vocabulary, counted, saved=saved)
    first.warm()
    assert saved.exists() and len(calls) == 1
    again = CorpusNeighbours(lambda: CORPUS, vocabulary, counted, saved=saved)
    again.warm()
    assert len(calls) == 1  # read from the file, no model call
    assert again.of("tumours") == first.of("tumours") and "cancer" in again.of("tumours")
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".neighbours-")]


def test_a_saved_table_of_other_words_is_not_used(embed, tmp_path) -> None:
    """A document added or removed changes the corpus's words: the saved vectors are embedded again."""
    saved = tmp_path / "neighbours.npz"
    vocabulary = {stem for text in CORPUS for stem in english_words(text)}
    CorpusNeighbours(lambda: CORPUS[:1], vocabulary, embed, saved=saved).warm()  # fewer words
    calls: list[list[str]] = []

    def counted(texts: list[str]) -> np.ndarray:
        calls.append(texts)
        return embed(texts)

    grown = CorpusNeighbours(lambda: CORPUS, vocabulary, counted, saved=saved)
    assert "children" in grown.of("kids")  # "children" is only in the second sentence
    assert calls and "children" in calls[0]  # the corpus's words were embedded again
    with np.load(saved) as table:  # and the file now holds the new words
        assert "children" in table["words"].tolist()


def test_an_unreadable_saved_table_is_embedded_again(embed, tmp_path) -> None:
    saved = tmp_path / "neighbours.npz"
    saved.write_bytes(b"not a numpy file")
    vocabulary = {stem for text in CORPUS for stem in english_words(text)}
    assert "cancer" in CorpusNeighbours(lambda: CORPUS, vocabulary, embed, saved=saved).of("tumours")


def test_the_library_saves_its_corpus_words_under_its_embedders_name(service, settings) -> None:
    from assistant.core.library import neighbour_table_file

    library = service.library
    library.retriever.neighbours.warm()
    folder = settings.data_dir / "lexical" / library.retriever.catalog.collection
    assert neighbour_table_file(folder, library.embedder).exists()

    class Other:
        model_name = "another-model"

    assert neighbour_table_file(folder, Other()) != neighbour_table_file(folder, library.embedder)  # type: ignore[arg-type]
