"""The parser on small texts: each numbering style and nesting, each responsibility and deadline phrasing."""

from __future__ import annotations

import pytest

from index.clean import clean_text
from index.departments import canonical_department, department_names, split_department_names
from index.metadata import defined_aliases, find_date, find_issuer, find_number, read_metadata
from index.model import DocumentInfo
from index.parse import (
    ParseError,
    find_deadlines,
    parse_departments,
    parse_document,
    read_marker,
    responsibility,
)

INFO = DocumentInfo(id="2024", year=2024, title="sample")


@pytest.mark.parametrize(
    ("line", "style", "number", "rest"),
    [
        ("1. Expand clinics", "1.", 1, "Expand clinics"),
        ("12．Expand clinics", "1.", 12, "Expand clinics"),
        ("(3) Expand clinics", "(1)", 3, "Expand clinics"),
        ("（3）扩大", "(1)", 3, "扩大"),
        ("（ 3 ） Expand", "(1)", 3, "Expand"),  # as a PDF's text layer spaces it
        ("3) Expand", "1)", 3, "Expand"),
        ("3、Expand", "1、", 3, "Expand"),
        ("IV. Expand", "I.", 4, "Expand"),
        ("四、扩大", "一、", 4, "扩大"),
        ("（十二）扩大", "（一）", 12, "扩大"),
        ("## 2. Medicines", "h2", 2, "Medicines"),
        ("### Medicines", "h3", None, "Medicines"),
    ],
)
def test_numbering_styles(line, style, number, rest):
    marker = read_marker(line)
    assert marker is not None
    assert (marker.style, marker.number, marker.rest) == (style, number, rest)


@pytest.mark.parametrize(
    "line", ["1.5 million people", "2023. A year", "IIV. Not roman", "In 2024 (1) x", "I am"]
)
def test_lines_that_open_no_item(line):
    assert read_marker(line) is None


def parse(text: str):
    return parse_document(INFO, clean_text(text))


def test_sections_and_tasks_are_chosen_by_nesting_whatever_the_styles():
    doc = parse(
        "Preamble of the notice.\n\n一、First part\n\n1. Task one. Body. (财政部负责)\n\n2. Task two.\n\n"
        "二、Second part\n\n3. Task three.\n\n4. Task four.\n"
    )
    assert [(s.number, s.title) for s in doc.sections] == [("1", "First part"), ("2", "Second part")]
    assert [(t.number, t.section.number) for t in doc.tasks] == [(1, "1"), (2, "1"), (3, "2"), (4, "2")]
    assert doc.tasks[0].departments == ["Ministry of Finance"]


def test_sub_items_inside_a_task_stay_in_its_body():
    doc = parse(
        "I. Part one\n\n(1) Task one.\n1) first point;\n2) second point.\n\n(2) Task two.\n\n"
        "II. Part two\n\n(3) Task three.\n1) a point.\n"
    )
    assert [t.title for t in doc.tasks] == ["Task one", "Task two", "Task three"]
    assert doc.tasks[0].sentences == ["1) first point;", "2) second point."]


def test_restarting_numbers_get_document_order_numbers_and_keep_the_printed_one():
    doc = parse("1、Part\n\n(1) A.\n\n(2) B.\n\n2、Part\n\n(1) C.\n")
    assert [(t.id, t.source_number) for t in doc.tasks] == [
        ("2024-1", "(1)"),
        ("2024-2", "(2)"),
        ("2024-3", "(1)"),
    ]


def test_numbers_out_of_order_are_an_error():
    with pytest.raises(ParseError, match=r"task numbers are not 1\.\.3 in order: \[1, 3, 2\]"):
        parse("(1) A.\n\n(3) B.\n\n(2) C.\n")


def test_a_notice_with_tasks_and_no_sections():
    doc = parse("# Key Tasks 2024\n\nIntro.\n\n1) A first.\n\n2) B second.\n\n3) C third.\n")
    assert doc.sections == []
    assert [t.title for t in doc.tasks] == ["A first", "B second", "C third"]


def test_a_trailing_section_without_tasks_is_the_closing():
    doc = parse("## 1. Part\n\n1. A. (财政部负责)\n\n2. B.\n\n## 2. Organisation\n\nReport every quarter.\n")
    assert [s.title for s in doc.sections] == ["Part"]
    closing = doc.units[-1]
    assert closing.id == "2024-closing" and "Report every quarter." in closing.text


def test_a_long_one_paragraph_task_is_titled_by_its_first_clause():
    words = " ".join(["word"] * 30)
    doc = parse(f"(1) Improve the payment system; {words}.\n\n(2) Short.\n")
    assert doc.tasks[0].title == "Improve the payment system"
    assert doc.tasks[0].sentences[0].startswith("word word")


@pytest.mark.parametrize(
    ("note", "lead", "names"),
    [
        ("National Health Commission is responsible", "", "National Health Commission"),
        ("MOF and NHC are responsible", "", "MOF and NHC"),
        ("A, B, etc. are responsible according to the division of responsibilities", "", "A, B, etc."),
        ("Led by the NHC, with the Ministry of Finance", "the NHC", "the Ministry of Finance"),
        ("Led by NHC with the participation of MOF and NHSA", "NHC", "MOF and NHSA"),
        ("The National Health Commission takes the lead", "The National Health Commission", ""),
        ("NHC takes the lead, with the Ministry of Finance participating", "NHC", "the Ministry of Finance"),
        ("国家医保局负责", "", "国家医保局"),
        ("国家卫生健康委牵头，财政部、国家医保局参与", "国家卫生健康委", "财政部、国家医保局"),
        ("国家医保局、财政部等按职责分工负责", "", "国家医保局、财政部等"),
    ],
)  # fmt: skip
def test_responsibility_phrasings(note, lead, names):
    assert responsibility(note) == (lead, names)


@pytest.mark.parametrize("note", ["hereinafter referred to as the NHSA", "see Annex 2", "2024年"])
def test_brackets_that_are_not_responsibility_notes(note):
    assert responsibility(note) is None


def test_department_lists_split_at_the_right_and():
    assert split_department_names(
        "Ministry of Human Resources and Social Security and National Development and Reform Commission"
    ) == ["Ministry of Human Resources and Social Security", "National Development and Reform Commission"]
    canonical, written = parse_departments(
        "the Ministry of Finance and the National Health Commission",
        lead="the National Healthcare Security Administration",
    )
    assert canonical == [
        "National Healthcare Security Administration",
        "Ministry of Finance",
        "National Health Commission",
    ]
    assert written[0] == "National Healthcare Security Administration"


def test_chinese_department_names_are_aliases_of_the_canonical_names():
    assert canonical_department("国家卫生健康委") == "National Health Commission"
    assert canonical_department("人力资源社会保障部") == "Ministry of Human Resources and Social Security"
    assert canonical_department("国家药监局") == "National Medical Products Administration"
    assert department_names("国家医保局负责哪些任务？") == ["National Healthcare Security Administration"]
    assert department_names("What does the Ministry of Finance do?") == ["Ministry of Finance"]


def test_aliases_the_document_defines():
    aliases = defined_aliases(
        [
            "The National Healthcare Security Administration (hereinafter referred to as the NHSA) pays.",
            "国家疾病预防控制局（以下简称疾控局）负责监测。",
            "The Joint Working Office (hereinafter the Office) meets monthly.",
        ]
    )
    assert canonical_department("NHSA", aliases) == "National Healthcare Security Administration"
    assert canonical_department("疾控局", aliases) == "National Disease Control and Prevention Administration"
    assert canonical_department("Office", aliases) == "Joint Working Office"


@pytest.mark.parametrize(
    ("sentence", "months"),
    [
        ("Publish it by the end of September 2019.", ["2019-09"]),
        ("Finish before the end of November 2023.", ["2023-11"]),
        ("Reach all villages by end-2025.", ["2025-12"]),
        ("Complete it by the end of 2025.", ["2025-12"]),
        ("Enrol the first cohort within the year.", ["2024-12"]),
        ("Report before the end of the year.", ["2024-12"]),
        ("Report by year-end.", ["2024-12"]),
        ("Train them by the end of June.", ["2024-06"]),
        ("Submit no later than March 2025, then by May 2025.", ["2025-03", "2025-05"]),
        ("2024年9月底前公布名单。", ["2024-09"]),
        ("9月底前公布名单。", ["2024-09"]),
        ("年底前出台措施。", ["2024-12"]),
        ("2025年底前完成。", ["2025-12"]),
        ("年内完成评估。", ["2024-12"]),
        ("Allowances apply from July 2026.", []),
        ("The list may be extended by may-day.", []),
    ],
)
def test_deadline_phrasings_resolve_against_the_notice_year(sentence, months):
    deadlines = find_deadlines([sentence], 2024)
    assert [d.month for d in deadlines] == months
    assert all(d.sentence == sentence and d.phrase in sentence for d in deadlines)


def test_notice_header_metadata():
    lines = [
        "国务院办公厅关于印发深化医药卫生体制改革2019年重点工作任务的通知",
        "国办发〔2019〕28号",
        "国务院办公厅",
        "2019年6月4日",
    ]
    metadata = read_metadata("notice", lines)
    assert (metadata.title, metadata.year, metadata.number) == (
        "深化医药卫生体制改革2019年重点工作任务",
        2019,
        "国办发〔2019〕28号",
    )
    assert (metadata.issuer, metadata.date) == ("国务院办公厅", "2019-06-04")
    assert find_number(["State Council Fa [2021] No. 20"]) == "State Council Fa [2021] No. 20"
    assert find_issuer(["The General Office of the State Council has issued the key tasks."]) == (
        "General Office of the State Council"
    )
    assert find_date(["Issued on 24 May 2021 in Beijing"]) == "2021-05-24"
    assert read_metadata("key-tasks-2023-h2", ["Key Tasks 2023"]).half == "h2"
    assert read_metadata("key-tasks-2019-news-summary", ["Key Tasks 2019"]).summary


def test_tasks_that_are_headings_with_their_body_below():
    doc = parse(
        "# Key Tasks 2024\n\n## I. Part one\n\n### (1) Title one\n\nBody one. More.\n\n"
        "(National Health Commission is responsible)\n\n### (2) Title two\n\nBody two.\n\n"
        "## II. Part two\n\n### (3) Title three\n\nBody three by the end of May.\n"
    )
    assert [(s.number, s.title) for s in doc.sections] == [("1", "Part one"), ("2", "Part two")]
    assert [(t.number, t.title, t.sentences) for t in doc.tasks] == [
        (1, "Title one", ["Body one.", "More."]),
        (2, "Title two", ["Body two."]),
        (3, "Title three", ["Body three by the end of May."]),
    ]
    assert doc.tasks[0].departments == ["National Health Commission"]
    assert [d.month for d in doc.tasks[2].deadlines] == ["2024-05"]


def test_a_task_of_one_sentence_keeps_the_deadline_its_title_sets():
    doc = parse(
        "(1) Replace the oil lamps on the river road by the end of June 2024.\n(财政部负责)\n\n"
        "(2) 年底前修好公园路灯。\n(财政部负责)\n\n(3) Clean every lamp glass. Finish it within the year.\n"
    )
    assert [t.title for t in doc.tasks] == [
        "Replace the oil lamps on the river road by the end of June 2024",
        "年底前修好公园路灯",
        "Clean every lamp glass",
    ]
    assert [[(d.month, d.phrase, d.sentence) for d in t.deadlines] for t in doc.tasks] == [
        [
            (
                "2024-06",
                "by the end of June 2024",
                "Replace the oil lamps on the river road by the end of June 2024",
            )
        ],
        [("2024-12", "年底前", "年底前修好公园路灯")],
        [("2024-12", "within the year", "Finish it within the year.")],
    ]
