"""The format zoo: notices in every supported format and numbering style parse into the right tasks.

The expected values below are read off the fixture files in eval/zoo/documents (written for these tests,
see eval/zoo/README.md), not off the parser's output.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from index.identity import IdRequest, assign_ids
from index.ingest import ingest, parse_sources
from index.load import find_sources, read_manifest, read_source
from index.model import Document
from index.readers import NO_TEXT_LAYER, ReadError, read_document
from index.settings import IndexSettings

REPO = Path(__file__).resolve().parent.parent
ZOO = REPO / "eval" / "zoo" / "documents"
SEEDS = REPO / "documents"

NHC = "National Health Commission"
NHSA = "National Healthcare Security Administration"
MOF = "Ministry of Finance"
NMPA = "National Medical Products Administration"
NDRC = "National Development and Reform Commission"
MIIT = "Ministry of Industry and Information Technology"
MOHRSS = "Ministry of Human Resources and Social Security"
NDCPA = "National Disease Control and Prevention Administration"
SAMR = "State Administration for Market Regulation"
SECRETARIAT = "Secretariat of the State Council Medical Reform Leading Group"


@dataclass(frozen=True)
class ExpectedTask:
    number: int
    printed: str  # the number as the source prints it (spaces removed)
    section: str | None
    title: str
    departments: list[str]  # canonical, lead first
    deadlines: list[tuple[str, str]] = field(default_factory=list)  # (month, phrase)
    written: list[str] | None = None  # departments as written, when they differ from the canonical names


@dataclass(frozen=True)
class ExpectedDocument:
    file: str
    id: str
    year: int
    format: str
    title: str
    number: str
    issuer: str
    date: str
    sections: list[tuple[str, str]]
    tasks: list[ExpectedTask]


EXPECTED = [
    ExpectedDocument(
        "key-tasks-2019.html",
        "2019",
        2019,
        "html",
        "Key Tasks for Deepening the Reform of the Medical and Health System in 2019",
        "Guobanfa [2019] No. 41",
        "General Office of the State Council",
        "2019-06-04",
        [
            ("1", "Advancing tiered diagnosis and treatment"),
            ("2", "Reducing the cost of medicines"),
            ("3", "Strengthening public health services"),
        ],
        [
            ExpectedTask(
                1,
                "(1)",
                "1",
                "Extend the Bright Clinic programme to every rural township",
                [NHC],
                [("2019-09", "by the end of September 2019")],
            ),
            ExpectedTask(
                2, "(2)", "1", "Build compact county medical communities in 300 pilot counties", [NHC, NHSA]
            ),
            ExpectedTask(
                3,
                "(3)",
                "1",
                "Train 12,000 general practitioners through the Riverbank residency scheme",
                [NHC, "Ministry of Education", MOF],
                [("2019-12", "within the year")],
            ),
            ExpectedTask(
                4,
                "(4)",
                "2",
                "Extend the pooled purchasing of generic drugs to 25 more medicines",
                [NHSA],
                [("2019-10", "by the end of October 2019")],
            ),
            ExpectedTask(
                5,
                "(5)",
                "2",
                "Publish a national list of 40 medicines in short supply and keep reserve stocks of them",
                [MIIT, NHC],
            ),
            ExpectedTask(
                6, "(6)", "2", "Pilot a drug price transparency platform in six provinces", [NHSA, SAMR]
            ),
            ExpectedTask(
                7,
                "(7)",
                "3",
                "Raise the per-capita subsidy for basic public health services by 5 yuan",
                [MOF, NHC],
            ),
            ExpectedTask(
                8,
                "(8)",
                "3",
                "Set up the Clearwater surveillance network for waterborne diseases in 50 cities",
                [NHC],
                [("2019-12", "by the end of December 2019")],
            ),
        ],
    ),
    ExpectedDocument(
        "key-tasks-2019-news-summary.txt",
        "2019-summary",
        2019,
        "txt",
        "Health reform to focus on five priorities this year, State Council notice says",
        "Guobanfa [2019] No. 41",
        "General Office of the State Council",
        "2019-06-06",
        [],
        [
            ExpectedTask(
                1,
                "1)",
                None,
                "Bright Clinics in every rural township",
                [NHC],
                [("2019-12", "before the end of the year")],
            ),
            ExpectedTask(2, "2)", None, "Cheaper generic medicines", [NHSA, SAMR]),
            ExpectedTask(
                3,
                "3)",
                None,
                "A residency scheme for general practitioners",
                [NHC, "Ministry of Education"],
                [("2019-12", "within the year")],
            ),
            ExpectedTask(4, "4)", None, "More money for basic public health", [MOF]),
            ExpectedTask(5, "5)", None, "Early warning of waterborne diseases", []),
        ],
    ),
    ExpectedDocument(
        "key-tasks-2020-second-half.md",
        "2020h2",
        2020,
        "markdown",
        "Key Tasks for Deepening the Reform of the Medical and Health System in the Second Half of 2020",
        "Guobanfa [2020] No. 25",
        "General Office of the State Council",
        "2020-07-16",
        [
            ("1", "Running routine care alongside epidemic control"),
            ("2", "Deepening the reform of medicines and medical insurance"),
            ("3", "Strengthening the public health system"),
        ],
        [
            ExpectedTask(
                1,
                "1.",
                "1",
                "Open a fever clinic in every county hospital",
                [NHC, NDRC, MOF],
                [("2020-10", "by the end of October 2020")],
            ),
            ExpectedTask(2, "2.", "1", "Extend the Bright Clinic programme to mountain villages", [NHC, MOF]),
            ExpectedTask(
                3, "3.", "1", "Keep chronic disease prescriptions available during lockdowns", [NHSA, NHC]
            ),
            ExpectedTask(
                4,
                "4.",
                "2",
                "Extend the pooled purchasing of generic drugs to 40 more medicines",
                [NHSA, NHC],
                [("2020-11", "before the end of November 2020")],
            ),
            ExpectedTask(
                5,
                "5.",
                "2",
                "Pay for online follow-up consultations from medical insurance funds",
                [NHSA, NHC, MOF],
            ),
            ExpectedTask(
                6,
                "6.",
                "2",
                "Pilot payment by disease group in 30 cities",
                [NHSA, MOF],
                [("2020-12", "by the end of December 2020")],
            ),
            ExpectedTask(
                7,
                "7.",
                "3",
                "Extend the Clearwater surveillance network to 120 cities",
                [NHC, "Ministry of Ecology and Environment"],
            ),
            ExpectedTask(
                8, "8.", "3", "Stock emergency medical supplies in every province", [MIIT, NDRC, NHC]
            ),
        ],
    ),
    ExpectedDocument(
        "key-tasks-2023.docx",
        "2023",
        2023,
        "docx",
        "Key Tasks for Deepening the Reform of the Medical and Health System in 2023",
        "Guoweitigaifa [2023] No. 9",
        f"{NHC}, {MOF}, {NHSA}",
        "2023-03-28",
        [
            ("1", "Building the Lantern pharmacy network"),
            ("2", "Widening compact county medical communities"),
            ("3", "Putting health records in residents' hands"),
        ],
        [
            ExpectedTask(
                1,
                "1.",
                "1",
                "Open 2,000 Lantern pharmacies in community health centres",
                [NMPA, NHC],
                [("2023-11", "before the end of November 2023")],
            ),
            ExpectedTask(
                2,
                "2.",
                "1",
                "Train Lantern pharmacists in medication reviews",
                [NHC, NMPA],
                [("2023-06", "by the end of June")],
            ),
            ExpectedTask(
                3, "1.", "2", "Extend compact county medical communities to 500 counties", [NHC, NHSA, MOF]
            ),
            ExpectedTask(
                4,
                "2.",
                "2",
                "Pay each county medical community one global budget",
                [NHSA, MOF],
                [("2025-12", "by end-2025")],
            ),
            ExpectedTask(
                5,
                "1.",
                "3",
                "Let every resident read their electronic health record on a phone",
                [NHC, MIIT],
                [("2023-12", "within the year")],
            ),
            ExpectedTask(
                6, "2.", "3", "Recognise test results between hospitals of the same city", [NHC, NHSA]
            ),
        ],
    ),
    ExpectedDocument(
        "key-tasks-2023-second-half.pdf",
        "2023h2",
        2023,
        "pdf",
        "Key Tasks for Deepening the Reform of the Medical and Health System in the Second Half of 2023",
        "Guoweitigaifa [2023] No. 21",
        f"{NHC}, {NDRC}, {MOF}, {NHSA}",
        "2023-07-24",
        [("1", "Strengthening the primary care workforce"), ("2", "Protecting the medical insurance fund")],
        [
            ExpectedTask(
                1,
                "（1）",
                "1",
                "Recruit rural doctors through targeted admission",
                [NHC, "Ministry of Education", MOF],
            ),
            ExpectedTask(
                2,
                "（2）",
                "1",
                "Raise the pay of township health centre staff",
                [MOHRSS, MOF, NHC],
                [("2023-11", "before the end of November 2023")],
            ),
            ExpectedTask(
                3,
                "（1）",
                "2",
                "Inspect the use of medical insurance funds in every designated hospital",
                [
                    NHSA,
                    NHC,
                    "Ministry of Public Security",
                    SAMR,
                    "National Administration of Traditional Chinese Medicine",
                    NMPA,
                ],
                [("2023-12", "by the end of December 2023")],
            ),
            ExpectedTask(
                4, "（2）", "2", "Extend Lantern pharmacies to 3,000 community health centres", [NMPA]
            ),
            ExpectedTask(5, "（3）", "2", "Pay for long-term care in 20 more cities", [NHSA, MOF]),
        ],
    ),
    ExpectedDocument(
        "key-tasks-2024-zh.txt",
        "2024",
        2024,
        "txt",
        "深化医药卫生体制改革2024年重点工作任务",
        "国卫体改发〔2024〕12号",
        "国家卫生健康委、财政部、国家医保局、国家药监局",
        "2024-06-03",
        [("1", "推进明灯药房建设"), ("2", "深化医保支付方式改革"), ("3", "加强公共卫生体系建设")],
        [
            ExpectedTask(
                1,
                "（一）",
                "1",
                "在社区卫生服务中心开设明灯药房",
                [NMPA],
                [("2024-09", "2024年9月底前")],
                written=["国家药监局"],
            ),
            ExpectedTask(
                2,
                "（二）",
                "1",
                "推动明灯药房与家庭医生签约服务衔接",
                [NHC, MOF, NHSA],
                [("2024-12", "年底前")],
                written=["国家卫生健康委", "财政部", "国家医保局"],
            ),
            ExpectedTask(
                3,
                "（三）",
                "2",
                "扩大按病种分值付费范围",
                [NHSA],
                [("2024-11", "2024年11月底前")],
                written=["国家医保局"],
            ),
            ExpectedTask(
                4,
                "（四）",
                "2",
                "完善门诊共济保障机制",
                [NHSA, MOF],
                [("2024-12", "年底前")],
                written=["国家医保局", "财政部"],
            ),
            ExpectedTask(
                5,
                "（五）",
                "3",
                "建设清泉水源性疾病监测网络",
                [NDCPA],
                [("2024-12", "2024年12月底前")],
                written=["国家疾控局"],
            ),
            ExpectedTask(
                6, "（六）", "3", "建立深化医改年度监测评估制度", [SECRETARIAT], written=["医改秘书处"]
            ),
        ],
    ),
    ExpectedDocument(
        "key-tasks-2025.htm",
        "2025",
        2025,
        "html",
        "Key Tasks for Deepening the Reform of the Medical and Health System in 2025",
        "Guoweitigaifa [2025] No. 7",
        f"{NHC}, {MOF}, {NHSA}",
        "2025-05-20",
        [
            ("1", "Strengthening primary care"),
            ("2", "Medicines and medical insurance"),
            ("3", "Public health and monitoring"),
        ],
        [
            ExpectedTask(
                1, "1.", "1", "Give every village a Bright Clinic", [NHC, MOF], [("2025-12", "by end-2025")]
            ),
            ExpectedTask(2, "2.", "1", "Keep general practitioners in rural posts", [NHC, MOHRSS]),
            ExpectedTask(
                3,
                "3.",
                "1",
                "Publish the results of county medical communities",
                [NHC],
                [("2025-12", "within the year")],
            ),
            ExpectedTask(
                4,
                "4.",
                "2",
                "Extend pooled purchasing to biological medicines",
                [NHSA],
                [("2025-09", "by the end of September")],
            ),
            ExpectedTask(5, "5.", "2", "Open 1,500 more Lantern pharmacies", [NMPA, NHC]),
            ExpectedTask(
                6,
                "6.",
                "2",
                "Settle medical bills across provinces on the spot",
                [NHSA, MOF],
                [("2025-12", "by end-2025")],
            ),
            ExpectedTask(7, "7.", "3", "Make the Clearwater network report daily in every city", [NDCPA]),
            ExpectedTask(
                8,
                "8.",
                "3",
                "Evaluate the reform tasks of the five-year plan",
                [SECRETARIAT],
                [("2025-12", "within the year")],
                written=["Reform Secretariat"],
            ),
        ],
    ),
    ExpectedDocument(
        "key-tasks-2026.txt",
        "2026",
        2026,
        "txt",
        "Key Tasks for Deepening the Reform of the Medical and Health System in 2026",
        "Guoweitigaifa [2026] No. 3",
        f"{NHC}, {MOF}, {NHSA}",
        "2026-04-28",
        [
            ("1", "Consolidating primary care"),
            ("2", "Medicines and medical insurance"),
            ("3", "Public health"),
        ],
        [
            ExpectedTask(
                1,
                "1.",
                "1",
                "Keep every village Bright Clinic staffed",
                [NHC, MOF, NHSA],
                [("2026-12", "before the end of the year")],
            ),
            ExpectedTask(2, "2.", "1", "Extend rural post allowances to nurses", [MOHRSS]),
            ExpectedTask(
                3,
                "1.",
                "2",
                "Extend pooled purchasing to 20 more biological medicines",
                [NHSA],
                [("2027-03", "by the end of March 2027")],
            ),
            ExpectedTask(
                4,
                "2.",
                "2",
                "Settle inpatient bills across provinces on the spot",
                [NHSA, MOF, NHC],
                [("2026-12", "within the year")],
            ),
            ExpectedTask(5, "3.", "2", "Cap the price of Lantern pharmacy generics", [NMPA]),
            ExpectedTask(
                6,
                "1.",
                "3",
                "Link the Clearwater network with water utilities",
                [NDCPA, "Ministry of Housing and Urban-Rural Development"],
                [("2026-10", "by the end of October 2026")],
            ),
        ],
    ),
]
BY_FILE = {e.file: e for e in EXPECTED}


@pytest.fixture(scope="module")
def zoo() -> dict[str, Document]:
    documents, errors, _ = parse_sources([ZOO], ZOO / "manifest.json")
    assert not errors, errors
    return {d.info.file: d for d in documents}


def test_the_zoo_covers_every_format_and_two_documents_of_one_year(zoo):
    assert sorted(zoo) == sorted(BY_FILE)
    assert {d.info.format for d in zoo.values()} == {"txt", "markdown", "html", "pdf", "docx"}
    years = [d.info.year for d in zoo.values()]
    assert years.count(2019) == 2 and years.count(2023) == 2


@pytest.mark.parametrize("expected", EXPECTED, ids=lambda e: e.file)
def test_document_identity_and_header(zoo, expected):
    info = zoo[expected.file].info
    assert (info.id, info.year, info.format) == (expected.id, expected.year, expected.format)
    assert info.title == expected.title
    assert (info.number, info.issuer, info.date) == (expected.number, expected.issuer, expected.date)


@pytest.mark.parametrize("expected", EXPECTED, ids=lambda e: e.file)
def test_sections(zoo, expected):
    assert [(s.number, s.title) for s in zoo[expected.file].sections] == expected.sections


@pytest.mark.parametrize("expected", EXPECTED, ids=lambda e: e.file)
def test_tasks_titles_and_numbers(zoo, expected):
    document = zoo[expected.file]
    got = [
        (t.id, t.number, t.source_number, t.section.number if t.section else None, t.title, t.year)
        for t in document.tasks
    ]
    assert got == [
        (f"{expected.id}-{e.number}", e.number, e.printed, e.section, e.title, expected.year)
        for e in expected.tasks
    ]


@pytest.mark.parametrize("expected", EXPECTED, ids=lambda e: e.file)
def test_lead_departments(zoo, expected):
    tasks = zoo[expected.file].tasks
    assert [t.departments for t in tasks] == [e.departments for e in expected.tasks]
    assert [t.lead_department for t in tasks] == [
        e.departments[0] if e.departments else None for e in expected.tasks
    ]
    for task, wanted in zip(tasks, expected.tasks, strict=True):
        if wanted.written is not None:
            assert task.departments_as_written == wanted.written
        source = task.departments_text or " ".join(task.sentences)
        for written in task.departments_as_written:  # as written: verbatim in the note, up to line breaks
            assert written.split()[0] in source, (task.id, written)


@pytest.mark.parametrize("expected", EXPECTED, ids=lambda e: e.file)
def test_deadlines_with_the_sentence_that_sets_them(zoo, expected):
    tasks = zoo[expected.file].tasks
    assert [[(d.month, d.phrase) for d in t.deadlines] for t in tasks] == [
        e.deadlines for e in expected.tasks
    ]
    for task in tasks:
        for deadline in task.deadlines:
            assert deadline.sentence in task.sentences
            assert deadline.phrase in deadline.sentence
            assert deadline.year == int(deadline.month[:4])


def test_one_paragraph_task_title_is_its_first_sentence_and_the_rest_is_body(zoo):
    task = zoo["key-tasks-2019.html"].tasks[0]
    assert task.title == "Extend the Bright Clinic programme to every rural township"
    assert task.sentences[0].startswith("Each county shall designate at least two township health centres")
    assert task.departments_text == "(National Health Commission is responsible)"
    assert task.text.endswith("(National Health Commission is responsible)")


def test_task_whose_title_is_a_heading_keeps_its_body(zoo):
    task = zoo["key-tasks-2023-second-half.pdf"].tasks[1]
    assert task.title == "Raise the pay of township health centre staff"
    assert task.sentences == [
        "The average pay of township health centre staff shall reach that of local civil servants.",
        "Provinces shall publish their pay plans before the end of November 2023.",
    ]


def test_department_list_broken_across_lines_is_one_note(zoo):
    task = zoo["key-tasks-2026.txt"].tasks[3]
    assert task.departments_text == (
        "(National Healthcare Security Administration, Ministry of Finance, National Health Commission, etc. "
        "are responsible according to the division of responsibilities)"
    )


def test_alias_defined_by_the_document_is_resolved(zoo):
    task = zoo["key-tasks-2025.htm"].tasks[7]
    assert task.departments_as_written == ["Reform Secretariat"]
    assert task.departments == [SECRETARIAT]


def test_notice_preamble_and_closing_units(zoo):
    units = {u.id: u for u in zoo["key-tasks-2019.html"].units}
    assert "Guobanfa [2019] No. 41" in units["2019-notice"].text
    assert not units["2019-notice"].text.startswith("#")  # reader heading marks are structure, not text
    assert units["2019-preamble"].text.startswith("This year the reform concentrates")
    assert units["2019-closing"].text.startswith("All localities and departments shall strengthen")
    assert [u.id for u in zoo["key-tasks-2023-second-half.pdf"].units][-1] == "2023h2-closing"


def test_a_year_filter_covers_both_documents_of_that_year(zoo):
    units_2019 = [u for d in zoo.values() for u in d.units if u.year == 2019]
    assert {u.doc_id for u in units_2019} == {"2019", "2019-summary"}
    assert len([u for u in units_2019 if u.kind.value == "task"]) == 8 + 5
    all_ids = [u.id for d in zoo.values() for u in d.units]
    assert len(all_ids) == len(set(all_ids))


# readers on the real files


def read(name: str) -> str:
    path = ZOO / name
    return read_document(path, path.read_bytes())


def test_html_reader_keeps_headings_paragraphs_and_drops_page_furniture():
    text = read("key-tasks-2019.html")
    lines = text.split("\n\n")
    assert "## I. Advancing tiered diagnosis and treatment" in lines
    assert lines[0].startswith("# Notice of the General Office of the State Council")
    for furniture in (
        "Policy Portal",
        "Home",
        "Share",
        "WeChat",
        "Related documents",
        "Copyright",
        "Site map",
    ):
        assert furniture not in text, furniture
    for script in ("Track every visitor", "Injected paragraph", "page view", "font-family"):
        assert script not in text, script


def test_html_reader_numbers_ordered_list_items_and_drops_scripts_and_toolbars():
    lines = read("key-tasks-2025.htm").split("\n\n")
    assert "### Medicines and medical insurance" in lines
    numbered = [line.split(" ", 1)[0] for line in lines if line[:1].isdigit()]
    assert numbered == [f"{n}." for n in range(1, 9)]  # <ol start="4"> continues the numbering
    text = "\n".join(lines)
    for furniture in (
        "Share to",
        "Print this page",
        "About the Commission",
        "ICP record",
        "tracking",
        "Read the",
    ):
        assert furniture not in text, furniture


def test_docx_reader_renders_word_list_numbers_and_heading_styles():
    lines = read("key-tasks-2023.docx").split("\n\n")
    assert lines[0] == "# Key Tasks for Deepening the Reform of the Medical and Health System in 2023"
    assert "## 2、Widening compact county medical communities" in lines
    numbers = [line.split(" ", 1)[0] for line in lines if line[:1].isdigit()]
    assert numbers == ["1.", "2.", "1.", "2.", "1.", "2."]  # Word's numbering restarts in each section
    # the numbers come from numbering.xml: the paragraphs' own text has none
    import docx

    paragraphs = [p.text for p in docx.Document(str(ZOO / "key-tasks-2023.docx")).paragraphs]
    assert "Open 2,000 Lantern pharmacies" in paragraphs[6] and not paragraphs[6][:1].isdigit()


def test_pdf_reader_joins_wrapped_lines_in_reading_order():
    text = read("key-tasks-2023-second-half.pdf")
    lines = text.splitlines()
    assert "Provinces shall publish their pay plans before the end of November 2023." in text
    assert (
        lines[0]
        == "Key Tasks for Deepening the Reform of the Medical and Health System in the Second Half of 2023"
    )
    assert any(
        line.startswith("（ 1 ） Recruit rural doctors") or line.startswith("（1）Recruit") for line in lines
    )
    assert "first half of 2023" in text and "ﬁ" not in text  # ligatures are text again
    recruit = next(i for i, line in enumerate(lines) if "Recruit rural doctors" in line)
    raise_pay = next(i for i, line in enumerate(lines) if "Raise the pay" in line)
    assert recruit < raise_pay


def test_pdf_without_text_layer_is_a_clear_per_file_error(tmp_path):
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (800, 400), "white")
    ImageDraw.Draw(image).text((40, 40), "(1) Key Tasks 2024: a scanned page", fill="black")
    scanned = tmp_path / "scanned-2024.pdf"
    image.save(scanned, "PDF")
    assert scanned.read_bytes().startswith(b"%PDF")
    result = read_source(scanned, {})
    assert result.reason == NO_TEXT_LAYER == "no text layer: scanned PDFs need OCR, which is not supported"


def test_content_must_match_the_extension(tmp_path):
    fake_pdf = tmp_path / "notice-2024.pdf"
    fake_pdf.write_text("(1) A task. (National Health Commission is responsible)", encoding="utf-8")
    not_word = tmp_path / "notice-2024.docx"
    with zipfile.ZipFile(not_word, "w") as package:
        package.writestr("content.xml", "<x/>")
    pdf_as_text = tmp_path / "notice-2024.txt"
    shutil.copy(ZOO / "key-tasks-2023-second-half.pdf", pdf_as_text)
    word_as_html = tmp_path / "notice-2024.html"
    shutil.copy(ZOO / "key-tasks-2023.docx", word_as_html)
    reasons = {p.name: read_source(p, {}).reason for p in (fake_pdf, not_word, pdf_as_text, word_as_html)}
    assert reasons == {
        "notice-2024.pdf": "not a PDF file (no %PDF header)",
        "notice-2024.docx": "not a Word .docx file (the ZIP has no word/document.xml)",
        "notice-2024.txt": "the content is a PDF, not text: give the file a .pdf extension",
        "notice-2024.html": "the content is a ZIP archive (a Word file?), not text: use its real extension",
    }
    with pytest.raises(ReadError, match=r"unsupported file type '\.xlsx'"):
        read_document(tmp_path / "tasks.xlsx", b"PK\x03\x04")


def test_damaged_files_are_errors_of_their_own_file(tmp_path):
    truncated = tmp_path / "truncated-2024.pdf"
    truncated.write_bytes((ZOO / "key-tasks-2023-second-half.pdf").read_bytes()[:3000])
    broken_word = tmp_path / "broken-2024.docx"
    with zipfile.ZipFile(broken_word, "w") as package:
        package.writestr("[Content_Types].xml", "<Types/>")
        package.writestr("word/document.xml", "<not xml")
    assert read_source(truncated, {}).reason.startswith("unreadable PDF (")
    assert read_source(broken_word, {}).reason.startswith("unreadable .docx file (")


def test_every_unused_file_in_the_folder_is_reported_with_its_reason(tmp_path):
    folder = tmp_path / "documents"
    folder.mkdir()
    shutil.copy(ZOO / "key-tasks-2026.txt", folder)
    (folder / "manifest.json").write_text('{"documents": []}', encoding="utf-8")
    (folder / "glossary.json").write_text("{}", encoding="utf-8")
    (folder / "budget.xlsx").write_bytes(b"PK\x03\x04 not really")
    (folder / "README").write_text("notes", encoding="utf-8")
    (folder / ".DS_Store").write_bytes(b"\x00\x01")
    (folder / "old").mkdir()
    (folder / "empty.md").write_text("\n\n", encoding="utf-8")
    (folder / "no-year.txt").write_text("(1) A task without a year.\n(2) Another one.\n", encoding="utf-8")
    (folder / "prose-2024.txt").write_text(
        "In 2024 the weather was fine.\nNothing is numbered.\n", encoding="utf-8"
    )
    documents, errors, _ = parse_sources([folder], folder / "manifest.json")
    assert [d.info.id for d in documents] == ["2026"]
    reasons = {e.path.name: e.reason for e in errors}
    supported = ".docx, .htm, .html, .md, .pdf, .txt"
    assert reasons == {
        "budget.xlsx": f"unsupported file type '.xlsx' (supported: {supported})",
        "README": f"unsupported file type without an extension (supported: {supported})",
        ".DS_Store": "hidden file, not read",
        "old": "a folder: documents in sub-folders are not read",
        "empty.md": "file is empty",
        "no-year.txt": "no manifest entry and no year found in the text",
        "prose-2024.txt": "document 2024: no recognisable structure "
        "(no numbered sections or tasks, and no topical items)",
    }
    files, _ = find_sources([folder])
    assert "manifest.json" not in {f.name for f in files}


# identity


def test_ids_are_readable_unique_and_the_manifest_wins(tmp_path):
    def request(name: str, year: int, half: str = "", summary: bool = False, manifest: str = "") -> IdRequest:
        return IdRequest(tmp_path / name, year, half, summary, manifest)

    requests = [
        request("key-tasks-2023.docx", 2023),
        request("key-tasks-2023-second-half.pdf", 2023, half="h2"),
        request("key-tasks-2019.html", 2019),
        request("key-tasks-2019-news-summary.txt", 2019, summary=True),
        request("notes-2024.md", 2024),
        request("key-tasks-2024.md", 2024),
        request("scrape.txt", 2021, manifest="2021"),
        request("key-tasks-2021-copy.txt", 2021),
        request("key-tasks-2025.htm", 2025),
    ]
    ids = {path.name: doc_id for path, doc_id in assign_ids(requests).items()}
    assert ids == {
        "key-tasks-2023.docx": "2023",
        "key-tasks-2023-second-half.pdf": "2023h2",
        "key-tasks-2019.html": "2019",
        "key-tasks-2019-news-summary.txt": "2019-summary",
        "key-tasks-2024.md": "2024-key-tasks",
        "notes-2024.md": "2024-notes",
        "scrape.txt": "2021",
        # never the manifest's id; not every name says "key-tasks", so those words stay
        "key-tasks-2021-copy.txt": "2021-key-tasks-copy",
        "key-tasks-2025.htm": "2025",
    }


def test_a_second_document_of_a_year_is_added_without_editing_the_manifest(tmp_path):
    folder = tmp_path / "documents"
    shutil.copytree(SEEDS, folder)
    shutil.copy(ZOO / "key-tasks-2023.docx", folder)
    shutil.copy(ZOO / "key-tasks-2023-second-half.pdf", folder)
    (folder / "key-tasks-2021-notes.md").write_text(  # a seed's year, not in the manifest
        "# Notes on the Key Tasks of 2021\n\n"
        "1. Sanming in brief. (National Health Commission is responsible)\n\n"
        "2. Procurement in brief. (National Healthcare Security Administration is responsible)\n",
        encoding="utf-8",
    )
    documents, errors, _ = parse_sources([folder], folder / "manifest.json")
    assert not errors, errors
    ids = {d.info.file: d.info.id for d in documents}
    assert ids == {
        "key-tasks-2021-echemi.txt": "2021",
        "key-tasks-2022-chinanews.txt": "2022",
        "key-tasks-2023.docx": "2023",
        "key-tasks-2023-second-half.pdf": "2023h2",
        "key-tasks-2021-notes.md": "2021-notes",  # "key-tasks" is in every name: it tells nothing apart
    }
    notes = next(d for d in documents if d.info.id == "2021-notes")
    assert [t.id for t in notes.tasks] == ["2021-notes-1", "2021-notes-2"]
    assert all(t.year == 2021 for t in notes.units)


# the seeds are parsed exactly as before


def test_seeds_parse_exactly_as_the_original_code_did():
    """tests/data/seeds-4917052.json is the original parser's output (commit 4917052) on documents/."""
    reference = json.loads((REPO / "tests" / "data" / "seeds-4917052.json").read_text(encoding="utf-8"))
    documents, errors, _ = parse_sources([SEEDS], SEEDS / "manifest.json")
    assert not errors
    assert [len(d.tasks) for d in documents] == [20, 6]
    for document, expected in zip(documents, reference["documents"], strict=True):
        assert document.info.id == expected["info"]["id"]
        assert [s.model_dump() for s in document.sections] == expected["sections"]
        assert len(document.units) == len(expected["units"])
        for unit, old in zip(document.units, expected["units"], strict=True):
            new = unit.model_dump(mode="json")
            for key, value in old.items():
                if key == "departments_as_written":
                    # the one intended change: "and the X" is written "X", like every other name
                    value = [v.removeprefix("the ") for v in value]
                assert new[key] == value, (unit.id, key)


# the whole zoo in a real Chroma store


def test_the_whole_zoo_ingests_into_a_real_chroma_store(tmp_path, monkeypatch):
    from index.store import open_store

    monkeypatch.setenv("POLICYQA_DOCUMENTS_DIR", str(ZOO))  # how a user points PolicyQA at a folder
    monkeypatch.setenv("POLICYQA_DATA_DIR", str(tmp_path / "data"))
    settings = IndexSettings()
    assert settings.documents_dir == ZOO and settings.manifest_path == ZOO / "manifest.json"
    report = ingest(settings)
    assert not report.errors, report.errors
    assert report.tasks == sum(len(e.tasks) for e in EXPECTED)
    catalog = open_store(settings).read_catalog()
    ids = {u.id for u in catalog.units}
    for expected in EXPECTED:
        assert {f"{expected.id}-{t.number}" for t in expected.tasks} <= ids
    stored = next(u for u in catalog.units if u.id == "2024-2")
    assert stored.departments == [NHC, MOF, NHSA] and stored.year == 2024
    chunk = next(c for c in catalog.chunks if c.unit_id == "2023h2-3")
    assert chunk.metadata["document"] == "2023h2" and chunk.metadata["year"] == 2023
    assert chunk.metadata["deadlines"] == "2023-12"
    documents = {d.id: d for d in catalog.documents}  # what the files said, kept in the index
    assert sorted(documents) == sorted(e.id for e in EXPECTED)
    assert documents["2023h2"].format == "pdf" and documents["2023h2"].number == "Guoweitigaifa [2023] No. 21"
    assert documents["2024"].issuer == "国家卫生健康委、财政部、国家医保局、国家药监局"
    assert ingest(settings).build.embedded == 0  # nothing changed: nothing re-embedded


def test_manifest_for_the_zoo_is_optional():
    assert not (ZOO / "manifest.json").exists()
    assert read_manifest(ZOO / "manifest.json") == {}


# the lexical tokenizer


def test_lexical_tokens_stem_english_and_segment_chinese():
    from index.lexical import lexical_tokens

    assert lexical_tokens("The National Healthcare Security Administration is responsible") == [
        "nation", "healthcar", "secur", "administr", "respons",
    ]  # fmt: skip
    tokens = lexical_tokens("（国家医保局负责）扩大按病种分值付费范围 and pooled purchasing")
    assert {"国家医保局", "医保", "负责", "病种", "付费", "范围"} <= set(
        tokens
    )  # names are words, and their parts
    assert tokens[-2:] == ["pool", "purchas"]
    assert "的" not in lexical_tokens("明灯药房的建设")


def test_jieba_runs_offline_quietly_and_caches_in_the_temp_folder(tmp_path):
    code = (
        "from index.lexical import lexical_tokens; "
        "print(' '.join(lexical_tokens('国家卫生健康委牵头，财政部参与')))"
    )
    run = subprocess.run(
        [sys.executable, "-c", code],
        env={"PATH": "/usr/bin:/bin", "TMPDIR": str(tmp_path), "HOME": "/nonexistent"},
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert run.stderr == ""
    assert "财政部" in run.stdout.split()
    assert (tmp_path / "jieba.cache").exists()


def test_readers_registry_serves_each_documented_format():
    from index.readers import READERS

    assert {suffix: reader.format for suffix, reader in READERS.items()} == {
        ".txt": "txt", ".md": "markdown", ".html": "html", ".htm": "html", ".pdf": "pdf", ".docx": "docx",
    }  # fmt: skip


def test_lexical_tokens_of_english_are_the_tokens_bm25s_makes_today():
    """Swapping the BM25 tokenizer for lexical_tokens changes nothing for English documents."""
    import bm25s
    import Stemmer

    from index.lexical import lexical_tokens

    documents, _, _ = parse_sources([SEEDS], SEEDS / "manifest.json")
    texts = [u.text for d in documents for u in d.units]
    tokenizer = bm25s.tokenization.Tokenizer(stemmer=Stemmer.Stemmer("english"), stopwords="en")
    ids = tokenizer.tokenize(texts, return_as="ids", show_progress=False)
    words = {i: w for w, i in tokenizer.get_vocab_dict().items()}
    for row, text in zip(ids, texts, strict=True):
        assert [words[i] for i in row] == lexical_tokens(text)


def test_every_unit_id_matches_the_citation_pattern(zoo):
    from index.model import UNIT_ID

    documents, _, _ = parse_sources([SEEDS], SEEDS / "manifest.json")
    units = [u for d in [*zoo.values(), *documents] for u in d.units]
    assert all(UNIT_ID.fullmatch(u.id) for u in units)
    assert UNIT_ID.findall("as [2023h2-4] and [2019-summary-3] say, unlike [1] or [2021]") == [
        "2023h2-4",
        "2019-summary-3",
    ]
