"""Ingest: cleaning, parsing, chunking and the Chroma store, on the real documents and model."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.settings import Settings
from index.clean import clean_text
from index.ingest import IngestProgress, ingest, parse_sources
from index.load import read_manifest, read_source
from index.model import DocumentInfo, UnitKind
from index.parse import parse_document
from index.store import IndexMissingError, open_store, sentences_name

REPO = Path(__file__).resolve().parent.parent
DOCS = REPO / "documents"
RAW_2021 = (DOCS / "key-tasks-2021-echemi.txt").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def documents():
    docs, errors, noise = parse_sources([DOCS], DOCS / "manifest.json")
    assert not errors
    return {d.info.id: d for d in docs}, noise


def source_titles() -> dict[int, str]:
    """Task titles straight from the raw scrape's first copy, independently of the parser."""
    titles: dict[int, str] = {}
    for match in re.finditer(r"^\s*\((\d{1,2})\) (.+?)\s*$", RAW_2021, re.MULTILINE):
        titles.setdefault(int(match[1]), match[2])
    return titles


# cleaning


def test_cleaning_removes_page_furniture_and_seo_lines():
    cleaned = clean_text(RAW_2021)
    text = "\n".join(line for p in cleaned.paragraphs for line in p)
    for noise in (
        "echemi",
        "Related Articles",
        "Contact Us",
        "Drugs Drugs Drugs",
        "Enterprise business enterprise",
        "Health care products health products",
        "Last Update",
        "Home >",
        "plagiarism",
    ):
        assert noise not in text, noise
    assert cleaned.report.removed["SEO tag line"] == 3
    assert cleaned.report.removed["boilerplate line"] >= 10


def test_cleaning_keeps_one_copy_and_rejoins_sentences():
    cleaned = clean_text(RAW_2021)
    lines = [line for p in cleaned.paragraphs for line in p]
    assert RAW_2021.count("(2) Promote centralized procurement") == 3
    assert sum(line.startswith("(2) Promote centralized procurement") for line in lines) == 1
    assert cleaned.report.removed["repeated copy of the text"] == 2
    assert not any(re.fullmatch(r"[.;,]", line) for line in lines)
    assert "Please organize and implement it carefully in accordance with the actual situation." in lines
    assert "State Council Fa [2021] No. 20" in lines


# parsing


def test_2021_parses_to_4_sections_and_20_tasks_with_source_titles(documents):
    doc = documents[0]["2021"]
    assert [s.number for s in doc.sections] == ["1", "2", "3", "4"]
    assert (
        doc.sections[2].title
        == "Adhere to prevention first and strengthen the construction of the public health system"
    )
    tasks = doc.tasks
    assert [t.number for t in tasks] == list(range(1, 21))
    expected = source_titles()
    assert len(expected) == 20
    assert {t.number: t.title for t in tasks} == expected
    assert [t.section.number for t in tasks] == ["1"] * 6 + ["2"] * 5 + ["3"] * 4 + ["4"] * 5


def test_notice_preamble_and_closing_are_units_of_their_own(documents):
    units = {u.id: u for u in documents[0]["2021"].units}
    assert "No. 20" in units["2021-notice"].text
    assert "May 24, 2021" in units["2021-notice"].text
    assert units["2021-preamble"].text.startswith("Since the implementation of the new round")
    assert "report quarterly" in units["2021-closing"].text
    assert units["2021-closing"].kind is UnitKind.CLOSING
    assert units["2021-20"].text.endswith("responsibilities)")  # the closing is not swallowed by task 20


@pytest.mark.parametrize(
    ("task", "departments"),
    [
        (1, ["Secretariat of the State Council Medical Reform Leading Group"]),
        (
            2,
            [
                "National Healthcare Security Administration",
                "National Health Commission",
                "Ministry of Finance",
                "Ministry of Human Resources and Social Security",
                "National Medical Products Administration",
            ],
        ),
        (
            5,
            [
                "National Healthcare Security Administration",
                "Ministry of Finance",
                "National Health Commission",
                "National Administration of Traditional Chinese Medicine",
            ],
        ),
        (
            12,
            [
                "National Health Commission",
                "National Disease Control and Prevention Administration",
                "Ministry of Foreign Affairs",
                "National Development and Reform Commission",
                "Ministry of Industry and Information Technology",
                "Ministry of Finance",
                "General Administration of Customs",
                "National Healthcare Security Administration",
                "National Immigration Administration",
                "Civil Aviation Administration of China",
                "National Medical Products Administration",
            ],
        ),
        (
            16,
            [
                "Ministry of Industry and Information Technology",
                "National Health Commission",
                "National Healthcare Security Administration",
                "National Administration of Traditional Chinese Medicine",
                "National Disease Control and Prevention Administration",
                "National Medical Products Administration",
            ],
        ),
        (
            19,
            [
                "Ministry of Industry and Information Technology",
                "National Health Commission",
                "National Medical Products Administration",
            ],
        ),
    ],
)
def test_departments_are_parsed_and_normalised(documents, task, departments):
    unit = next(t for t in documents[0]["2021"].tasks if t.number == task)
    assert unit.departments == departments
    for written in unit.departments_as_written:  # what was written is verbatim in the source parenthetical
        assert written in unit.departments_text


def test_department_variants_share_one_canonical_name(documents):
    tasks = {t.number: t for t in documents[0]["2021"].tasks}
    assert "National Medical Insurance Bureau" in tasks[2].departments_as_written
    assert "National Medical Insurance Administration" in tasks[8].departments_as_written
    assert "National Healthcare Security Administration" in tasks[2].departments
    assert "National Healthcare Security Administration" in tasks[8].departments


def test_deadlines(documents):
    months = {t.number: [d.month for d in t.deadlines] for t in documents[0]["2021"].tasks}
    assert months[2] == ["2021-08"]
    assert months[3] == ["2021-09"]
    assert months[7] == ["2021-10"]
    assert months[11] == ["2021-09"]
    assert {n for n, m in months.items() if m} == {2, 3, 7, 11}
    task2 = next(t for t in documents[0]["2021"].tasks if t.number == 2)
    assert "by the end of August 2021" in task2.deadlines[0].sentence


def test_unnumbered_summary_is_split_into_flagged_items(documents):
    doc = documents[0]["2022"]
    assert [u.id for u in doc.units][:2] == ["2022-notice", "2022-preamble"]
    items = doc.tasks
    assert [t.number for t in items] == [1, 2, 3, 4, 5, 6]
    assert all(t.unnumbered_in_source for t in items)
    assert "public hospitals" in items[0].title
    assert any("telemedicine" in s for s in items[5].sentences)


def test_chinese_numbering_sample():
    raw = (REPO / "tests" / "data" / "zh-sample.txt").read_text(encoding="utf-8")
    doc = parse_document(DocumentInfo(id="zh-2021", year=2021, title="sample"), clean_text(raw))
    assert [s.number for s in doc.sections] == ["1", "2"]
    tasks = doc.tasks
    assert [(t.number, t.title) for t in tasks] == [
        (1, "大力推广三明市医改经验"),
        (2, "推进药品耗材集中采购"),
        (3, "推进优质医疗资源扩容和均衡布局"),
    ]
    # Chinese names are aliases of the canonical (English) names, so one filter serves both languages
    assert tasks[1].departments_as_written == ["国家医保局", "国家卫生健康委", "财政部"]
    assert tasks[1].departments == [
        "National Healthcare Security Administration",
        "National Health Commission",
        "Ministry of Finance",
    ]
    assert tasks[0].departments_as_written == ["国务院医改领导小组秘书处"]
    assert tasks[0].departments == ["Secretariat of the State Council Medical Reform Leading Group"]
    assert [d.month for d in tasks[1].deadlines] == ["2021-08"]
    assert [d.month for d in tasks[2].deadlines] == ["2021-10"]
    assert [t.section.number for t in tasks] == ["1", "1", "2"]
    assert "国办发〔2021〕20号" in doc.units[0].text


# chunks and the store


def test_chunks_carry_ids_and_metadata(settings):
    catalog = open_store(settings).read_catalog()
    ids = {c.unit_id for c in catalog.chunks}
    assert {"2021-notice", "2021-preamble", "2021-closing", "2022-notice"} <= ids
    assert {f"2021-{n}" for n in range(1, 21)} <= ids
    chunk = next(c for c in catalog.chunks if c.unit_id == "2021-2")
    assert chunk.metadata["year"] == 2021 and chunk.metadata["task"] == 2 and chunk.metadata["section"] == "1"
    assert chunk.metadata["deadlines"] == "2021-08"
    assert "National Health Commission" in chunk.metadata["departments"]


def test_long_units_are_split_into_parts_that_keep_the_id(settings):
    from index.embed import token_counter

    catalog = open_store(settings).read_catalog()
    tokenizer = token_counter(settings.embed_model_path)
    split = [c for c in catalog.chunks if c.metadata["parts"] > 1]
    assert split, "some unit exceeds the 256-token window"
    for chunk in split:
        assert len(tokenizer.encode(chunk.text).ids) <= settings.chunk_max_tokens
        parts = [c for c in catalog.chunks if c.unit_id == chunk.unit_id]
        assert sorted(c.metadata["part"] for c in parts) == list(range(chunk.metadata["parts"]))


def test_dense_query_ranks_procurement_task_first(service):
    retriever = service.library.retriever
    dense = retriever.dense(retriever.embed("centralized procurement of drugs and consumables"))
    assert dense[0][0] == "2021-2"
    assert service.search("centralized procurement of drugs and consumables")[0].unit.id == "2021-2"


def test_header_and_closing_are_retrievable(service):
    assert service.search("report quarterly")[0].unit.id == "2021-closing"
    assert service.search("State Council document No. 20 issued May 24, 2021")[0].unit.id == "2021-notice"


FILTERS = [
    {"year": 2021},
    {"year": 2022},
    {"section": "3"},
    {"year": 2021, "section": "2"},
    {"department": "National Health Commission"},
    {"department": "Ministry of Finance", "year": 2021},
]


@pytest.mark.parametrize("fields", FILTERS)
def test_filter_masks_select_the_units_a_scan_selects(service, fields):
    from assistant.core.types import Filters
    from index.departments import canonical_department

    filters = Filters(**fields)
    department = canonical_department(filters.department) if filters.department else None
    expected = {
        u.id
        for u in service.library.units.values()
        if (filters.year is None or u.year == filters.year)
        and (filters.section is None or (u.section is not None and u.section.number == filters.section))
        and (department is None or department in u.departments)
    }
    assert expected
    assert service.library.retriever.allowed_units(filters) == expected


def assert_filtered_dense_paths_agree(retriever, monkeypatch) -> None:
    """Every way of filtering a dense query gives the same hits: post-filtering an unfiltered HNSW query
    (broad filters), Chroma filtering on unit ids (selective filters) or on year and section (many ids)."""
    from assistant.core import retrieve
    from assistant.core.types import Filters

    vector = retriever.embed("medical insurance payment reform and drug prices")
    for fields in FILTERS:
        filters = Filters(**fields)
        allowed = retriever.allowed_units(filters)
        post_filtered = retriever.dense(vector, filters)
        with monkeypatch.context() as patch:
            patch.setattr(retrieve, "SELECTIVE_SHARE", 1.1)  # every filter counts as selective
            by_ids = retriever.dense(vector, filters)
            patch.setattr(retrieve, "MAX_ID_FILTER", 0)  # … with too many ids to pass
            by_metadata = retriever.dense(vector, filters)
        assert post_filtered, fields
        assert {unit for unit, _, _ in post_filtered} <= allowed
        for other in (by_ids, by_metadata):
            assert [(u, text) for u, _, text in other] == [(u, text) for u, _, text in post_filtered], fields
            assert [s for _, s, _ in other] == pytest.approx([s for _, s, _ in post_filtered], abs=1e-4)


def test_filtered_dense_queries_agree_whichever_way_they_filter(service, monkeypatch):
    assert_filtered_dense_paths_agree(service.library.retriever, monkeypatch)


def test_dense_hits_carry_the_catalog_text_and_cosine_similarity(service):
    retriever = service.library.retriever
    texts = {c.unit_id: c.text for c in retriever.catalog.chunks if c.metadata["part"] == 0}
    vector = retriever.embed("centralized procurement of drugs and consumables")
    unit, similarity, text = retriever.dense(vector)[0]
    assert (unit, text) == ("2021-2", texts["2021-2"])
    assert 0.3 < similarity <= 1.0


def test_word_index_finds_the_tasks_a_scan_finds(service):
    from assistant.core.text import content_words

    library = service.library
    for query in ("drug procurement", "elderly care", "pilot public hospitals", "telemedicine zebra", ""):
        words = content_words(query)
        expected = [
            u for u in library.tasks if words and words <= content_words(" ".join([u.title, *u.sentences]))
        ]
        assert library.task_words.containing(words) == expected, query


# incremental ingest


@pytest.fixture()
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "documents"
    shutil.copytree(DOCS, folder)
    return folder


def corpus_settings(corpus: Path, tmp_path: Path) -> Settings:
    return Settings(documents_dir=corpus, data_dir=tmp_path / "data")


def test_reingest_embeds_nothing_and_one_edit_embeds_one_chunk(corpus, tmp_path):
    settings = corpus_settings(corpus, tmp_path)
    first = ingest(settings)
    assert first.build.embedded == first.build.chunks > 30
    again = ingest(settings)
    assert (again.build.embedded, again.build.reused, again.build.swapped) == (0, first.build.chunks, False)
    path = corpus / "key-tasks-2021-echemi.txt"
    text = path.read_text(encoding="utf-8")
    edited = text.replace(
        "Formulate antitrust guidelines in the field of APIs", "Formulate antitrust rules for APIs", 1
    )
    path.write_text(edited, encoding="utf-8")
    third = ingest(settings)
    assert third.build.embedded == 1
    assert third.build.reused == first.build.chunks - 1
    catalog = open_store(settings).read_catalog()
    task20 = next(u for u in catalog.units if u.id == "2021-20")
    assert "Formulate antitrust rules for APIs." in task20.sentences


def test_unchanged_reingest_imports_no_model_or_llama_index(server_env):
    """A re-ingest that embeds nothing stays cheap: chunk ids are computed without llama-index or torch."""
    code = (
        "import sys; from index.ingest import ingest; from assistant.settings import Settings; "
        "build = ingest(Settings()).build; assert build.embedded == 0 and not build.swapped, build; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & "
        "{'llama_index', 'torch', 'transformers', 'sentence_transformers'}))"
    )
    run = subprocess.run(
        [sys.executable, "-c", code], env=server_env, cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[]"


def test_removed_document_is_deleted_from_the_index(corpus, tmp_path):
    settings = corpus_settings(corpus, tmp_path)
    ingest(settings)
    (corpus / "key-tasks-2022-chinanews.txt").unlink()
    report = ingest(settings)
    assert report.build.removed > 0
    catalog = open_store(settings).read_catalog()
    assert {u.year for u in catalog.units} == {2021}


def test_failed_build_leaves_previous_index_serving(corpus, tmp_path):
    settings = corpus_settings(corpus, tmp_path)
    ingest(settings)
    store = open_store(settings)
    before = store.active_name()
    path = corpus / "key-tasks-2022-chinanews.txt"
    path.write_text(
        path.read_text(encoding="utf-8") + "\nA new sentence about telemedicine in 2022.\n", encoding="utf-8"
    )

    class FailingModel:
        def get_text_embedding_batch(self, texts: list[str]) -> list[list[float]]:
            raise RuntimeError("embedding server crashed")

    from index.chunk import chunk_units
    from index.embed import model_name, token_counter

    docs, _, _ = parse_sources([corpus], corpus / "manifest.json")
    tokenizer = token_counter(settings.embed_model_path)
    nodes = chunk_units(
        [u for d in docs for u in d.units],
        lambda t: len(tokenizer.encode(t).ids),
        256,
        model_name(settings.embed_model_path),
    )
    with pytest.raises(RuntimeError, match="embedding server crashed"):
        store.build(nodes, FailingModel)
    assert store.active_name() == before
    names = {c if isinstance(c, str) else c.name for c in store.client.list_collections()}
    assert names == {before, sentences_name(before), store.pointer_name}  # the half-built one is gone
    assert len(store.read_catalog().units) == 31


def test_catalog_reads_every_chunk_across_pages(settings, monkeypatch):
    from index import store

    whole = open_store(settings).read_catalog()
    monkeypatch.setattr(store, "READ_PAGE", 5)
    paged = open_store(settings).read_catalog()
    assert len(whole.chunks) > 5 * 2
    assert [c.id for c in paged.chunks] == [c.id for c in whole.chunks]
    assert [u.id for u in paged.units] == [u.id for u in whole.units]
    assert set(open_store(settings).stored_ids()) == {c.id for c in whole.chunks}


def test_empty_store_says_no_index(tmp_path):
    with pytest.raises(IndexMissingError, match="policyqa ingest"):
        open_store(Settings(data_dir=tmp_path / "empty")).active()


# bad input


def test_each_bad_input_is_reported_by_file_and_the_rest_is_indexed(corpus, tmp_path):
    settings = corpus_settings(corpus, tmp_path)
    (corpus / "empty.txt").write_text("  \n", encoding="utf-8")
    (corpus / "latin1.txt").write_bytes("Key Tasks 2023 caf\xe9 \xff\xfe".encode("latin-1"))
    (corpus / "prose.txt").write_text(
        "In 2023 the weather was fine.\nNothing here is numbered.\n", encoding="utf-8"
    )
    missing = corpus / "missing.txt"
    report = ingest(settings, [corpus, missing])
    reasons = {e.path.name: e.reason for e in report.errors}
    assert reasons["empty.txt"] == "file is empty"
    assert reasons["latin1.txt"].startswith("not UTF-8 text")
    assert "no recognisable structure" in reasons["prose.txt"]
    assert reasons["missing.txt"] == "no such file or directory"
    assert {d.info.id for d in report.documents} == {"2021", "2022"}
    assert len(open_store(settings).read_catalog().units) == 31


def test_a_file_that_turns_bad_keeps_its_indexed_chunks(corpus, tmp_path):
    settings = corpus_settings(corpus, tmp_path)
    ingest(settings)
    (corpus / "key-tasks-2022-chinanews.txt").write_bytes(b"\xff\xfe\x00broken")
    report = ingest(settings)
    assert [e.path.name for e in report.errors] == ["key-tasks-2022-chinanews.txt"]
    assert report.build is None or report.build.kept_from_failed > 0
    assert {u.year for u in open_store(settings).read_catalog().units} == {2021, 2022}


def test_manifest_entry_is_used(corpus):
    manifest = read_manifest(corpus / "manifest.json")
    source = read_source(corpus / "key-tasks-2021-echemi.txt", manifest)
    assert source.info.number == "Guobanfa [2021] No. 20"
    assert source.info.issuer == "General Office of the State Council"


@pytest.mark.chroma_server
def test_the_same_store_code_runs_against_a_chroma_server(corpus, tmp_path, server_env, monkeypatch):
    """Ingest into a real `chroma run` server: full build, unchanged re-ingest, one edit, a real query."""
    from server_support import running_chroma

    from assistant.core.library import Library

    with running_chroma(tmp_path / "chroma-server", server_env) as port:
        settings = Settings(
            documents_dir=corpus, data_dir=tmp_path / "unused", chroma_host="127.0.0.1", chroma_port=port
        )
        first = ingest(settings)
        assert first.build.embedded == first.build.chunks
        assert ingest(settings).build.embedded == 0
        path = corpus / "key-tasks-2021-echemi.txt"
        path.write_text(
            path.read_text(encoding="utf-8").replace(
                "Strict supervision and management", "Strict supervision", 1
            ),
            encoding="utf-8",
        )
        assert ingest(settings).build.embedded == 1
        library = Library.load(settings)
        assert (
            library.retriever.search("centralized procurement of drugs and consumables")[0].unit.id
            == "2021-2"
        )
        assert library.units["2021-20"].title == "Strict supervision"
        assert_filtered_dense_paths_agree(library.retriever, monkeypatch)
    # nothing was written to the embedded store; only machine-local files live in the data folder: the build
    # lock, and the catalog and BM25 index saved per generation (caches, read again from the store if missing)
    assert not settings.chroma_path.exists()
    assert {p.name for p in (tmp_path / "unused").iterdir()} <= {"ingest.lock", "lexical", "catalog"}


def test_an_ingest_reports_its_progress_stage_by_stage(tmp_path):
    """What `policyqa ingest` draws its progress bar from: each stage's total, then every batch done."""
    folder = tmp_path / "documents"
    folder.mkdir()
    shutil.copy(REPO / "eval" / "zoo" / "documents" / "key-tasks-2026.txt", folder)
    stages: list[tuple[str, int]] = []
    done: dict[str, int] = {}

    def start(stage: str, total: int) -> None:
        stages.append((stage, total))
        done[stage] = 0

    def advance(count: int) -> None:
        done[stages[-1][0]] += count

    settings = Settings(documents_dir=folder, data_dir=tmp_path / "data", embed_batch_size=4)
    report = ingest(settings, progress=IngestProgress(start=start, advance=advance))
    assert report.build is not None and report.build.embedded > 4  # several batches
    names = [name for name, _ in stages]
    assert names[0] == "embedding" and "embedding sentences" in names
    assert dict(stages)["embedding"] == report.build.embedded
    assert done == {name: total for name, total in stages}  # every stage ran to its total
