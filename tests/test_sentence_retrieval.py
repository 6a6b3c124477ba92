"""Sentence-level retrieval ("small-to-big"): every unit title and sentence embedded at ingest, searched with
the question's embedding and rolled up to its task; and extractive answers that lead with the sentence asked
about. Real Chroma, real embedding model, the seed documents."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from assistant.core.types import Filters
from assistant.settings import Settings
from index.ingest import ingest
from index.store import open_store, sentences_name

DOCS = Path(__file__).resolve().parent.parent / "documents"


def sentence_rows(store) -> dict[str, dict]:
    """Sentence id → metadata of the serving generation's sentence collection."""
    collection = store.active_sentences()
    assert collection is not None
    page = collection.get(include=["metadatas"])
    return dict(zip(page["ids"], page["metadatas"], strict=True))


def test_every_title_and_sentence_is_stored_with_its_unit(settings):
    store = open_store(settings)
    catalog = store.read_catalog()
    rows = sentence_rows(store)
    expected = {(u.id, p) for u in catalog.units for p in range(len(u.sentences) + 1)}
    assert {(str(m["unit_id"]), int(m["position"])) for m in rows.values()} == expected
    assert len(rows) == len(expected)


def test_stored_sentence_vectors_are_the_model_embeddings_of_the_sentences(service):
    library = service.library
    unit = library.units["2021-14"]
    stored = library.sentence_vectors(unit)
    assert stored.shape == (len(unit.sentences) + 1, 384)
    computed = library.embed_texts([unit.title, *unit.sentences])
    assert np.allclose(stored, computed, atol=1e-4)


def test_a_question_matching_one_sentence_deep_in_a_long_task_finds_that_task(service, monkeypatch):
    # 2021-14 holds ten topics; county cancer screening is its fifth sentence, and nothing in its title
    question = "Is there a cancer screening programme for counties?"
    retriever = service.library.retriever
    embedding = retriever.embed(question)
    by_sentence = retriever.sentence_hits(embedding, None)
    assert (by_sentence[0].unit_id, by_sentence[0].position) == ("2021-14", 5)
    hits = service.search(question)
    assert hits[0].unit.id == "2021-14"
    assert hits[0].sentence_position == 5 and hits[0].sentence_similarity > hits[1].sentence_similarity
    # the task's own embedding, diluted by its other nine topics, does not find it first
    monkeypatch.setattr(retriever, "sentence_weight", 0.0)
    monkeypatch.setattr(retriever.neighbours, "threshold", 1.0)  # nor BM25 on its own ("counties" → county)
    assert service.search(question)[0].unit.id != "2021-14"


def test_sentence_search_honours_the_filters(service):
    retriever = service.library.retriever
    embedding = retriever.embed("prevention and control of myopia in children")
    for filters in (Filters(year=2022), Filters(year=2021, section="3")):
        selection = retriever.filter_index.select(filters)
        assert selection is not None
        allowed = retriever.filter_index.unit_set(selection)
        found = retriever.sentence_hits(embedding, selection)
        assert found and {h.unit_id for h in found} <= allowed
    hits = service.search("prevention and control of myopia in children", Filters(year=2022))
    assert hits and {h.unit.year for h in hits} == {2022}


def test_an_answer_leads_with_the_sentence_asked_about_and_leaves_out_padding(service):
    answer = service.ask("Are there any plans for doctors working in schools?")
    assert not answer.refused, answer.refusal
    task = service.library.units["2021-18"]
    school, residents = task.sentences[5], task.sentences[2]
    assert "school doctors" in school and "resident doctors" in residents
    label = f"{task.label}, \u201c{task.title}\u201d: "
    # the task label stays, leading the sentence on school doctors; resident training is left out
    assert label in answer.answer, answer.answer
    after = answer.answer[answer.answer.index(label) + len(label) :]
    assert after[1:].startswith(school.rstrip(".")[1:]), answer.answer
    assert residents[:40] not in answer.answer


@pytest.fixture()
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "documents"
    shutil.copytree(DOCS, folder)
    return folder


def test_sentence_vectors_swap_with_their_generation_and_leave_with_their_document(corpus, tmp_path):
    settings = Settings(documents_dir=corpus, data_dir=tmp_path / "data")
    first = ingest(settings)
    store = open_store(settings)
    generation = store.active_name()
    assert first.build.sentences == first.build.sentences_embedded == len(sentence_rows(store))

    path = corpus / "key-tasks-2021-echemi.txt"
    edited = path.read_text(encoding="utf-8").replace(
        "Formulate antitrust guidelines in the field of APIs", "Formulate antitrust rules for APIs", 1
    )
    path.write_text(edited, encoding="utf-8")
    second = ingest(settings)
    task20 = next(u for u in store.read_catalog().units if u.id == "2021-20")
    # only the edited task's title and sentences are embedded again; the rest are copied
    assert second.build.sentences_embedded == len(task20.sentences) + 1
    assert second.build.sentences == first.build.sentences
    names = {c if isinstance(c, str) else c.name for c in store.client.list_collections()}
    assert {store.active_name(), generation} <= names
    assert {sentences_name(store.active_name()), sentences_name(generation)} <= names  # previous kept

    (corpus / "key-tasks-2022-chinanews.txt").unlink()
    ingest(settings)
    rows = sentence_rows(store)
    assert rows and {m["year"] for m in rows.values()} == {2021}
    names = {c if isinstance(c, str) else c.name for c in store.client.list_collections()}
    assert sentences_name(generation) not in names  # two swaps later, the first generation is gone


def test_an_index_built_without_sentences_gets_them_on_the_next_ingest(corpus, tmp_path):
    settings = Settings(documents_dir=corpus, data_dir=tmp_path / "data")
    first = ingest(settings)
    store = open_store(settings)
    store.client.delete_collection(sentences_name(store.active_name()))
    assert store.active_sentences() is None
    again = ingest(settings)
    assert again.build.swapped and again.build.embedded == 0
    assert again.build.sentences_embedded == first.build.sentences


def test_stored_sentence_vectors_are_read_for_several_units_at_once_and_reused_for_their_texts(
    settings, monkeypatch
):
    # a library loaded without the warm-up, as a server past warm_max_units: nothing read yet
    from assistant.core.library import Library

    library = Library.load(settings)
    units = [library.units["2021-14"], library.units["2021-3"], library.units["2022-1"]]
    reads: list[int] = []
    store = library.sentence_store
    assert store is not None
    real_get = store.get

    def counted_get(*args, **kwargs):
        reads.append(len(kwargs.get("ids") or []))
        return real_get(*args, **kwargs)

    monkeypatch.setattr(store, "get", counted_get)
    library.read_sentence_vectors(units)
    assert reads == [sum(len(u.sentences) + 1 for u in units)]  # one read for the three units
    library.read_sentence_vectors(units)
    assert len(reads) == 1  # nothing read twice
    stored = library.sentence_vectors(units[0])
    assert len(reads) == 1 and stored.shape == (len(units[0].sentences) + 1, 384)

    # a title or sentence read with its unit is not embedded again; any other text is, once
    embedded: list[list[str]] = []
    real_embed = library.embed_texts
    monkeypatch.setattr(library, "embed_texts", lambda texts: embedded.append(texts) or real_embed(texts))
    unit = units[0]
    new = "Counties screen for cancer."
    vectors = library.text_vectors([unit.sentences[4], new, unit.title])
    assert embedded == [[new]]
    assert np.array_equal(vectors[0], stored[5]) and np.array_equal(vectors[2], stored[0])
    assert np.allclose(vectors[1], real_embed([new])[0], atol=1e-5)
    library.text_vectors([new])
    assert embedded == [[new]]


def test_grounding_reads_the_cited_units_vectors_once_and_only_when_it_compares_by_meaning(settings):
    from assistant.core.grounding import GroundingChecker
    from assistant.core.library import Library

    library = Library.load(settings)
    asked: list[list[str]] = []

    def read_sources(ids: list[str]) -> None:
        asked.append(ids)
        library.read_units_vectors(ids)

    checker = GroundingChecker(library.text_vectors, read_sources=read_sources)
    unit = library.units["2021-14"]
    # every word is in the cited task: decided by its words, no vector read
    verbatim = checker.check(f"{unit.sentences[4]} [2021-14].", {"2021-14": unit.sentences})
    assert verbatim.score == 1.0 and asked == []
    # a paraphrase of two of its sentences is compared by meaning: the task's vectors are read once
    answer = "Rural areas get screening for tumours [2021-14]. Poor places get oncology checks [2021-14]."
    paraphrase = checker.check(answer, {"2021-14": unit.sentences})
    assert asked == [["2021-14"]]
    assert all(s.similarity > 0 for s in paraphrase.sentences)
    # the same scores as a checker that embeds every cited sentence afresh
    plain = GroundingChecker(library.embed_texts).check(answer, {"2021-14": unit.sentences})
    assert [round(s.score, 4) for s in paraphrase.sentences] == [round(s.score, 4) for s in plain.sentences]


def test_a_unit_the_sentence_ranking_puts_first_is_not_outvoted_by_middling_ranks(service, monkeypatch):
    # "career promotion" is 2021-4's "professional title evaluation" sentence in other words: the sentence
    # ranking finds it first, while BM25 (on "doctors", "rules") ranks other tasks above it
    question = "What about doctors' career promotion rules?"
    retriever = service.library.retriever
    by_sentence = retriever.sentence_hits(retriever.embed(question), None)
    assert by_sentence[0].unit_id == "2021-4"
    lexical = [unit_id for unit_id, _, _ in retriever._bm25(question, None)]
    assert "2021-4" not in lexical[:5]
    # the default fusion constant weighs a first place against middling ones: the task is in the top 2
    assert "2021-4" in [h.unit.id for h in service.search(question)][:2]
    # with the textbook constant (60) ranks 1 and 10 differ by a seventh only, and it drops out of the top 5
    monkeypatch.setattr(retriever, "rrf_k", 60)
    assert "2021-4" not in [h.unit.id for h in service.search(question)][:5]
