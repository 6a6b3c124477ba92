"""Task alignment across notices and the questions that use it, on the session's real index of documents/."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from assistant.core.reform import UnknownDepartmentError, UnknownDocumentError, reform_view
from assistant.service import PolicyQA
from assistant.settings import Settings
from index.align import LinkStatus, document_chain, read_stored
from index.model import Task, UnitKind
from index.store import open_store

REPO = Path(__file__).resolve().parent.parent


def links(service: PolicyQA, from_doc: str, to_doc: str) -> dict[tuple[str | None, str | None], LinkStatus]:
    pair = reform_view(service.library).changes(from_doc, to_doc)
    return {(link.from_id, link.to_id): link.status for link in pair.links}


def test_the_alignment_is_stored_with_the_generation_and_used_when_loaded(
    settings: Settings, service: PolicyQA
) -> None:
    stored = read_stored(open_store(settings).active())
    assert stored is not None, "ingest stores the alignment in the generation's metadata"
    assert stored.chain == ["2021", "2022"]
    assert [(p.from_doc, p.to_doc) for p in stored.pairs] == [("2021", "2022")]
    assert reform_view(service.library).alignment == stored


def test_the_2022_summary_items_are_linked_to_the_2021_tasks_they_restate(service: PolicyQA) -> None:
    """Labels read from the two documents (eval/gold/align.json): four of the six items are clear."""
    found = links(service, "2021", "2022")
    linked = {pair for pair, status in found.items() if status in (LinkStatus.CONTINUED, LinkStatus.CHANGED)}
    assert {
        ("2021-6", "2022-1"),
        ("2021-10", "2022-3"),
        ("2021-19", "2022-4"),
        ("2021-11", "2022-5"),
    } <= linked
    # COVID-19 control, medical service prices and the personnel pay reform have no 2022 item
    for dropped in ("2021-12", "2021-3", "2021-4"):
        assert found[(dropped, None)] is LinkStatus.DROPPED
    # one-to-one: no task is linked twice
    assert len({a for a, _ in linked}) == len({b for _, b in linked}) == len(linked)


def test_a_summary_is_never_flagged_for_the_departments_and_dates_it_does_not_state(
    service: PolicyQA,
) -> None:
    pair = reform_view(service.library).changes("2021", "2022")
    assert all(link.status is not LinkStatus.CHANGED for link in pair.links)


def test_any_two_documents_can_be_compared_and_unknown_ones_are_named(service: PolicyQA) -> None:
    view = reform_view(service.library)
    backwards = view.changes("2022", "2021")
    assert {(lk.from_id, lk.to_id) for lk in backwards.links if lk.from_id and lk.to_id} >= {
        ("2022-4", "2021-19")
    }
    with pytest.raises(UnknownDocumentError, match="2099"):
        view.changes("2021", "2099")
    with pytest.raises(UnknownDepartmentError):
        view.department_tasks("Ministry of Magic")


def test_deadlines_and_department_views(service: PolicyQA) -> None:
    view = reform_view(service.library)
    due = view.deadlines(before="2021-09")
    assert [(d.task.id, d.deadline.month) for d in due] == [
        ("2021-2", "2021-08"),
        ("2021-3", "2021-09"),
        ("2021-11", "2021-09"),
    ]
    assert "2021-7" in {d.task.id for d in view.deadlines()}  # October 2021
    # an alias, in any case, names the canonical department
    tasks = view.department_tasks("national medical insurance bureau")
    assert {"2021-2", "2021-5", "2021-10"} <= {t.id for t in tasks}
    assert "2021-18" not in {t.id for t in tasks}
    assert view.department_year_counts()["National Health Commission"][2021] >= 15


def _task(doc_id: str, year: int, number: int, unnumbered: bool = False) -> Task:
    return Task(
        id=f"{doc_id}-{number}",
        doc_id=doc_id,
        year=year,
        kind=UnitKind.TASK,
        number=number,
        title=f"task {number}",
        unnumbered_in_source=unnumbered,
    )


def test_notices_are_chained_by_year_then_half_and_a_summary_yields_to_the_full_notice() -> None:
    units = [
        _task("2023h2", 2023, 1),
        _task("2023", 2023, 1),
        _task("2023", 2023, 2),
        _task("2022-news", 2022, 1, unnumbered=True),
        _task("2022-news", 2022, 2, unnumbered=True),
        _task("2022-news", 2022, 3, unnumbered=True),
        _task("2022", 2022, 1),
        _task("2024-first-half", 2024, 1),
    ]
    assert document_chain(units) == ["2022", "2023", "2023h2", "2024-first-half"]


@pytest.mark.parametrize(
    ("question", "cited", "not_cited"),
    [
        ("Which 2021 tasks were dropped in 2022?", {"2021-12", "2021-3"}, {"2021-6", "2021-19", "2022-1"}),
        ("How has the task on centralized procurement evolved?", {"2021-2"}, set()),
        ("What is due before the end of September?", {"2021-2", "2021-3", "2021-11"}, {"2021-7"}),
        (
            "What does the National Healthcare Security Administration lead this year?",
            {"2021-2", "2021-5", "2021-10"},
            {"2021-18"},
        ),
        ("Which tasks continue from 2021 to 2022?", {"2021-6", "2022-1", "2021-19", "2022-4"}, {"2021-12"}),
    ],
)
def test_reform_questions_are_answered_from_the_alignment_with_citations(
    service: PolicyQA, question: str, cited: set[str], not_cited: set[str]
) -> None:
    answer = service.ask(question)
    ids = {c.id for c in answer.citations}
    assert not answer.refused, answer.answer
    assert cited <= ids, answer.answer
    assert not (not_cited & ids), answer.answer
    assert answer.grounding == 1.0, answer.unsupported


def test_nothing_is_new_in_2022_when_every_item_continues_a_2021_task(service: PolicyQA) -> None:
    """eval/gold/align.json labels no 2022 item new: item 2 continues the Sanming task 2021-1 (linked by the
    name only that task writes, `index.align.name_links`), so the answer says every item continues one."""
    answer = service.ask("What is new in 2022?")
    assert answer.refused and answer.refusal is not None
    assert "continues a 2021 task" in answer.refusal.message


def test_a_year_with_no_notice_or_nothing_before_it_is_refused(service: PolicyQA) -> None:
    assert service.ask("What is new in 2024?").refused
    earliest = service.ask("What is new in 2021?")
    assert earliest.refused and "earliest" in earliest.answer


def test_adding_a_notice_recomputes_only_the_pairs_it_touches(data_dir: Path, tmp_path: Path) -> None:
    """A copy of the session's index, then ingest with one more notice: 2021→2022 is reused from the
    previous generation, 2022→2031 is computed."""
    from index.ingest import ingest

    data = tmp_path / "data"
    shutil.copytree(data_dir, data)
    documents = tmp_path / "documents"
    shutil.copytree(REPO / "documents", documents)
    shutil.copy(REPO / "eval/zoo/align/key-tasks-2031.txt", documents)
    manifest = json.loads((documents / "manifest.json").read_text())
    extra = json.loads((REPO / "eval/zoo/align/manifest.json").read_text())["documents"]
    manifest["documents"].append(next(d for d in extra if d["id"] == "2031"))
    (documents / "manifest.json").write_text(json.dumps(manifest))

    report = ingest(Settings(data_dir=data, documents_dir=documents))
    assert not report.errors and report.alignment is not None
    assert report.alignment.reused == [("2021", "2022")]
    assert report.alignment.computed == [("2022", "2031")]
    stored = read_stored(open_store(Settings(data_dir=data)).active())
    assert stored is not None and stored.chain == ["2021", "2022", "2031"]


def test_a_recomputed_pair_reads_its_tasks_stored_sentence_vectors_instead_of_embedding_them_again(
    settings: Settings, service: PolicyQA
) -> None:
    """Ingest stored every unit's title and sentence vectors: aligning reads them (the model is not called)
    and aligns exactly as embedding the texts again does; a generation without them embeds them."""
    import numpy as np

    from index.align import build_alignment, embedding_lookup, stored_lookup
    from index.store import first_chunks

    store = open_store(settings)
    catalog = store.read_catalog()
    sentences = store.sentences_of(catalog.collection)
    embed_batch = service.library.embedder.get_text_embedding_batch
    model_calls: list[int] = []

    def model() -> object:
        model_calls.append(1)
        return embed_batch

    tasks = [u for u in catalog.units if u.kind is UnitKind.TASK]
    stored = stored_lookup(tasks, sentences, first_chunks(catalog), model)  # type: ignore[arg-type]
    assert model_calls == []
    embedded = embedding_lookup(tasks, embed_batch)
    for task in tasks:
        assert stored(task).shape == (len(task.sentences) + 1, embedded(task).shape[1])
        assert np.allclose(stored(task), embedded(task), atol=1e-5)
    by_stored = build_alignment(
        catalog.units,
        lambda ts: stored_lookup(ts, sentences, first_chunks(catalog), model),  # type: ignore[arg-type]
    )
    assert (
        by_stored.alignment
        == build_alignment(catalog.units, lambda ts: embedding_lookup(ts, embed_batch)).alignment
    )
    assert model_calls == []

    without = stored_lookup(tasks, None, first_chunks(catalog), model)  # type: ignore[arg-type]
    assert model_calls == [1]
    assert all(np.allclose(without(t), embedded(t), atol=1e-5) for t in tasks)
