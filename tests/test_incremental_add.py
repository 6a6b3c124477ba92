"""Adding a document writes only its chunks and sentences into the serving generation, as a new revision.

Real Chroma, real model, real documents: the 2021 notice is indexed first, then the 2022 notice is added.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from assistant.core.library import Library
from assistant.service import PolicyQA
from assistant.settings import Settings
from index.catalog_cache import catalog_folder, load_catalog
from index.embed import settings_embedder
from index.ingest import IngestReport, ingest, parse_sources
from index.store import Catalog, IndexStore, open_store, unit_sentences

REPO = Path(__file__).resolve().parent.parent
DOCS = REPO / "documents"
ADDED = "key-tasks-2022-chinanews.txt"


@dataclass
class Snapshot:
    """Everything a reader of the store can see: pointer, collections and every row of the serving one."""

    pointer: dict[str, Any]
    collections: set[str]
    chunks: dict[str, Any]
    sentences: dict[str, Any]


def snapshot(store: IndexStore) -> Snapshot:
    name, _ = store.serving()
    assert name is not None
    sentences = store.sentences_of(name)
    assert sentences is not None
    return Snapshot(
        dict(store._pointer().metadata or {}),
        {c if isinstance(c, str) else c.name for c in store.client.list_collections()},
        rows(store.generation(name).get(include=["metadatas", "documents"])),
        rows(sentences.get(include=["metadatas", "documents"])),
    )


def rows(page: Any) -> dict[str, Any]:
    return {i: (d, m) for i, d, m in zip(page["ids"], page["documents"], page["metadatas"], strict=True)}


def same_catalog(a: Catalog, b: Catalog) -> None:
    assert (a.collection, a.revision) == (b.collection, b.revision)
    assert [c.id for c in a.chunks] == [c.id for c in b.chunks]  # same order: BM25 positions follow it
    assert [(c.unit_id, c.text, c.metadata) for c in a.chunks] == [
        (c.unit_id, c.text, c.metadata) for c in b.chunks
    ]
    assert a.units == b.units and a.documents == b.documents


@pytest.fixture
def setup(tmp_path: Path) -> tuple[Settings, Path]:
    """A documents folder holding only the 2021 notice, indexed; the 2022 notice waits beside it."""
    folder = tmp_path / "documents"
    shutil.copytree(DOCS, folder)
    aside = tmp_path / ADDED
    (folder / ADDED).rename(aside)
    settings = Settings(documents_dir=folder, data_dir=tmp_path / "data")
    assert ingest(settings).build.swapped
    return settings, aside


def put_back(settings: Settings, aside: Path) -> None:
    shutil.copy(aside, settings.documents_dir / ADDED)


def added_units(settings: Settings) -> list[Any]:
    documents, _, _ = parse_sources([settings.documents_dir / ADDED], settings.manifest_path)
    return [u for d in documents for u in d.units]


def test_adding_a_notice_writes_only_its_rows_and_readers_see_it_after_reloading(setup) -> None:
    settings, aside = setup
    store = open_store(settings)
    before = snapshot(store)
    generation, revision = store.serving()
    reader = Library.load(settings)
    put_back(settings, aside)

    report: IngestReport = ingest(settings)
    assert report.build is not None and report.build.added and not report.build.swapped
    assert store.serving() == (generation, revision + 1)
    after = snapshot(store)
    assert after.collections == before.collections  # no new generation
    # every earlier row is untouched; the new ones are the 2022 notice's, tagged with the new revision
    assert {k: after.chunks[k] for k in before.chunks} == before.chunks
    assert {k: after.sentences[k] for k in before.sentences} == before.sentences
    new_chunks = {k: v for k, v in after.chunks.items() if k not in before.chunks}
    new_sentences = {k: v for k, v in after.sentences.items() if k not in before.sentences}
    units = added_units(settings)
    assert report.build.embedded == len(new_chunks) > 0
    assert {m["document"] for _, m in new_chunks.values()} == {"2022"}
    assert report.build.sentences_embedded == len(new_sentences) == sum(1 + len(u.sentences) for u in units)
    assert {m["revision"] for _, m in [*new_chunks.values(), *new_sentences.values()]} == {revision + 1}

    # the catalog saved by the add is what Chroma gives for the new revision
    saved = load_catalog(catalog_folder(settings.data_dir), generation, revision + 1)
    assert saved is not None
    same_catalog(saved, store.read_catalog())

    task = next(u for u in units if u.kind.value == "task" and len(u.sentences) > 1)
    question = task.sentences[1]
    # a process loaded before the add keeps answering from what it loaded, new rows in Chroma or not
    assert all(hit.unit.year == 2021 for hit in reader.retriever.search(question))
    reloaded = Library.load(settings)
    assert reloaded.retriever.search(question)[0].unit.id == task.id
    stored = reloaded.sentence_vectors(task)  # read from the sentence collection, as the model embeds them
    model = settings_embedder(settings)
    expected = model.get_text_embedding_batch([task.title, *task.sentences])
    assert stored.shape == (len(task.sentences) + 1, len(expected[0]))
    assert abs(float(stored[1] @ expected[1]) - 1.0) < 1e-4


def test_a_rebuild_after_an_add_keeps_the_added_rows(setup) -> None:
    """A rebuild copies rows tagged with a revision; the revision never goes down, so they stay served."""
    settings, aside = setup
    put_back(settings, aside)
    assert ingest(settings).build.added
    store = open_store(settings)
    generation, revision = store.serving()
    path = settings.documents_dir / "key-tasks-2021-echemi.txt"
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            "Formulate antitrust guidelines in the field of APIs", "Formulate antitrust rules for APIs", 1
        ),
        encoding="utf-8",
    )
    rebuilt = ingest(settings)
    assert rebuilt.build is not None and rebuilt.build.swapped and rebuilt.build.embedded == 1
    assert store.serving()[0] != generation and store.serving()[1] == revision
    assert {u.year for u in Library.load(settings).units.values()} == {2021, 2022}


def test_a_failed_add_leaves_the_index_exactly_as_it_was(setup, monkeypatch) -> None:
    settings, aside = setup
    store = open_store(settings)
    before = snapshot(store)
    units_before = list(Library.load(settings).units)
    put_back(settings, aside)
    original = IndexStore._embed_sentences

    def fail_half_way(records, target, embedder, batch_size, progress):  # type: ignore[no-untyped-def]
        original(records[:5], target, embedder, batch_size, progress)  # some rows are written …
        raise RuntimeError("embedding server crashed")  # … then the add fails

    monkeypatch.setattr(IndexStore, "_embed_sentences", staticmethod(fail_half_way))
    with pytest.raises(RuntimeError, match="embedding server crashed"):
        ingest(settings)
    assert snapshot(store) == before
    shutil.rmtree(catalog_folder(settings.data_dir))  # read from Chroma, not from a saved copy
    assert list(Library.load(settings).units) == units_before


def test_rows_left_by_a_crashed_add_are_never_served_and_the_next_add_clears_them(setup) -> None:
    settings, aside = setup
    store = open_store(settings)
    generation, revision = store.serving()
    assert generation is not None
    put_back(settings, aside)
    # what a process killed in the middle of an add leaves: rows of the next revision, the pointer marked as
    # adding it but its revision unmoved
    store._set_pointer(generation, store.previous_name() or generation, revision, adding=revision + 1)
    from index.chunk import chunk_units
    from index.embed import embedding_name, token_counter

    tokenizer = token_counter(settings.embed_model_path)
    chunks = chunk_units(
        added_units(settings),
        lambda t: len(tokenizer.encode(t).ids),
        settings.chunk_max_tokens,
        embedding_name(settings),
    )
    model = settings_embedder(settings)
    store._embed_into(chunks, store.generation(generation), model, 32, None, revision + 1)
    unit = next(u for u in added_units(settings) if u.kind.value == "task")
    sentences = store.sentences_of(generation)
    assert sentences is not None
    sentences.add(
        ids=[r.id for r in unit_sentences(unit, chunks[0].node_id)],
        embeddings=[[1.0] + [0.0] * 383] * (len(unit.sentences) + 1),
        metadatas=[r.metadata | {"revision": revision + 1} for r in unit_sentences(unit, chunks[0].node_id)],
    )
    assert store.generation(generation).count() > len(store.read_catalog().chunks)
    assert "2022" not in set(store.stored_ids().values())
    shutil.rmtree(catalog_folder(settings.data_dir))
    assert {u.year for u in Library.load(settings).units.values()} == {2021}

    report = ingest(settings)
    assert report.build is not None and report.build.added
    assert "adding" not in (store._pointer().metadata or {})
    catalog = store.read_catalog()
    assert len({c.id for c in catalog.chunks}) == len(catalog.chunks) == store.generation(generation).count()
    assert sentences.count() == sum(1 + len(u.sentences) for u in catalog.units)
    assert {u.year for u in Library.load(settings).units.values()} == {2021, 2022}


def test_the_service_answers_from_the_new_revision_after_its_reindex(setup) -> None:
    settings, aside = setup
    qa = PolicyQA(settings)
    assert qa.load(warm=False), qa.load_error
    assert "2022" not in {u.doc_id for u in qa.library.units.values()}
    put_back(settings, aside)
    assert qa.reindex().build.added  # type: ignore[union-attr]
    assert "2022" in {u.doc_id for u in qa.library.units.values()}
    answer = qa.ask("What does the 2022 plan say about the multi-level medical security system?")
    assert any(c.id.startswith("2022-") for c in answer.citations), answer


def test_a_start_reads_the_saved_catalog_and_never_another_revisions(setup, monkeypatch) -> None:
    settings, aside = setup
    put_back(settings, aside)
    ingest(settings)
    folder = catalog_folder(settings.data_dir)
    store = open_store(settings)
    generation, revision = store.serving()
    expected = store.read_catalog()

    def no_chroma_read(self: IndexStore) -> Catalog:
        raise AssertionError("the saved catalog should have been read")

    monkeypatch.setattr(IndexStore, "read_catalog", no_chroma_read)
    same_catalog(Library.load(settings).retriever.catalog, expected)
    monkeypatch.undo()
    (folder / f"{generation}.r{revision}.jsonl").unlink()  # only the previous revision's copy is left
    assert [p.name for p in folder.glob("*.jsonl")] == [f"{generation}.r{revision - 1}.jsonl"]
    same_catalog(Library.load(settings).retriever.catalog, expected)  # read from Chroma, and saved again
    assert (folder / f"{generation}.r{revision}.jsonl").exists()
