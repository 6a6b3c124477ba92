"""Lines the document's own structure puts in no task are counted, kept for search and reported.

The small notices here are fictional, written for these tests (orchards, barns and fences of an imaginary
office). Each asserts the exact lines found: a false alarm on a section's introduction, the preamble, the
header or the closing would be as wrong as a missed stray line.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.documents import unplaced_warning
from index.clean import clean_text
from index.ingest import parse_sources
from index.model import Document, DocumentInfo, UnplacedLine
from index.parse import ParseError, parse_document

REPO = Path(__file__).resolve().parent.parent
INFO = DocumentInfo(id="2031", year=2031, title="Key Tasks of the Orchard Office in 2031")
MOF = "(Ministry of Finance is responsible)"
NHC = "(National Health Commission is responsible)"


def parse(text: str) -> Document:
    return parse_document(INFO, clean_text(text))


def found(document: Document) -> list[tuple[str, str, str]]:
    return [(u.text, u.where, u.kept_in) for u in document.unplaced]


def unit(document: Document, unit_id: str) -> str:
    return next(u.text for u in document.units if u.id == unit_id)


WHOLE_NOTICE = f"""Notice of the Orchard Office on Issuing the Key Tasks for 2031

Orchard Office Document [2031] No. 4

To the offices of all counties:

The key tasks below are issued to you. Please carry them out.

Orchard Office
March 3, 2031

Key Tasks of the Orchard Office in 2031

This year the office concentrates on orchards and barns.

I. Growing the orchards

Part one sets the scene for the orchard work.

(1) Plant orchards on idle land.
1. Pick the sites by the end of May 2031.
2. Buy the trees.
{MOF}

(2) Paint the barns red.
3. Choose the paint.
{NHC}

II. Keeping the fences

Part two begins here.
It runs over two lines.

(3) Mend the fences before winter.
1. Count the posts.
{MOF}

All counties shall report progress every quarter.

Attachments:
1. Table of orchard sites
2. Table of barn colours

Orchard Office
March 3, 2031
"""


def test_a_notice_whose_every_line_has_its_place_reports_none():
    """Header, preamble, section introductions, points inside tasks (numbered on across tasks),
    the closing, its attachments list and signature are all in place."""
    document = parse(WHOLE_NOTICE)
    assert [t.id for t in document.tasks] == ["2031-1", "2031-2", "2031-3"]
    assert [u.id for u in document.units if u.kind.value != "task"] == [
        "2031-notice",
        "2031-preamble",
        "2031-closing",
    ]
    assert document.unplaced == []


def test_text_between_sections_after_a_task_note_is_unplaced_and_stays_searchable():
    text = WHOLE_NOTICE.replace(
        f"{NHC}\n\nII. Keeping", f"{NHC}\n\nThe weather was mild that spring.\n\nII. Keeping"
    )
    document = parse(text)
    assert found(document) == [
        (
            "The weather was mild that spring.",
            "after task (2)'s responsibility note, before section II",
            "2031-2",
        )
    ]
    assert "The weather was mild that spring." in unit(document, "2031-2")  # kept where it was


def test_text_between_two_tasks_of_a_section_is_unplaced():
    text = WHOLE_NOTICE.replace(f"{MOF}\n\n(2) Paint", f"{MOF}\n\nSee also the barn survey.\n\n(2) Paint")
    assert found(parse(text)) == [
        ("See also the barn survey.", "after task (1)'s responsibility note, before task (2)", "2031-1")
    ]


def test_text_after_the_last_task_before_the_closing_section_is_unplaced():
    text = (
        f"I. Orchards\n\n(1) Plant orchards.\n{MOF}\n\n(2) Paint barns.\n{NHC}\n\n"
        "Left over words about rain.\n\nII. Organisation\n\nReport every quarter.\n"
    )
    document = parse(text)
    assert found(document) == [
        (
            "Left over words about rain.",
            "after task (2)'s responsibility note, before section II",
            "2031-closing",
        )
    ]
    assert [s.title for s in document.sections] == ["Orchards"]


def test_a_task_number_stepping_back_is_unplaced_and_the_tasks_keep_their_numbers():
    text = (
        f"(1) Plant orchards.\n{MOF}\n\n(2) Paint barns.\n{MOF}\n\n(3) Mend fences.\n{MOF}\n\n"
        f"(2) Paint the barns again.\n\n(4) Dig wells.\n{NHC}\n"
    )
    document = parse(text)
    assert [(t.id, t.title) for t in document.tasks] == [
        ("2031-1", "Plant orchards"),
        ("2031-2", "Paint barns"),
        ("2031-3", "Mend fences"),
        ("2031-4", "Dig wells"),
    ]
    assert found(document) == [("(2) Paint the barns again.", "numbered (2) after task (3)", "2031-3")]


def test_a_repeated_first_task_in_a_section_that_restarts_its_numbers_is_unplaced():
    text = (
        "一、果园\n\n（一）种植果园。\n（财政部负责）\n\n（二）粉刷谷仓。\n（财政部负责）\n\n"
        "二、围栏\n\n（一）修补围栏。\n（财政部负责）\n\n（一）再修一次。\n\n（二）挖井。\n（财政部负责）\n"
    )
    document = parse(text)
    assert [(t.id, t.source_number, t.section.number if t.section else None) for t in document.tasks] == [
        ("2031-1", "（一）", "1"),
        ("2031-2", "（二）", "1"),
        ("2031-3", "（一）", "2"),
        ("2031-4", "（二）", "2"),
    ]
    assert found(document) == [("（一）再修一次。", "numbered （一） after task （一）", "2031-3")]


def test_a_stray_number_of_another_style_is_unplaced_and_leaves_the_outline_alone():
    """A lone "7." in a notice numbered "(1)…" would otherwise make task (1) a section holding a task 7."""
    text = (
        f"(1) Plant orchards.\n{MOF}\n\n7. A stray seven.\n\n"
        f"(2) Paint barns.\n{MOF}\n\n(3) Mend fences.\n{MOF}\n"
    )
    document = parse(text)
    assert document.sections == []
    assert [t.title for t in document.tasks] == ["Plant orchards", "Paint barns", "Mend fences"]
    assert found(document) == [
        ("7. A stray seven.", "numbered 7. after task (1), in no list of its style", "2031-1")
    ]


def test_numbering_broken_throughout_is_still_an_error_not_a_guess():
    with pytest.raises(ParseError, match=r"task numbers are not 1\.\.3 in order: \[1, 3, 2\]"):
        parse("(1) A.\n\n(3) B.\n\n(2) C.\n")


def test_text_after_a_note_that_opens_each_task_is_that_task_s_body():
    """Where the tasks of a notice put their note first and their body below it, nothing is stray."""
    text = (
        f"I. Part\n\n(1) Plant orchards. {MOF}\nPick the sites.\n\n"
        f"(2) Paint barns. {MOF}\nChoose a colour.\n\n"
        f"(3) Mend fences. {MOF}\nCount the posts.\n\nII. Part two\n\n(4) Dig wells. {NHC}\nFind water.\n"
    )
    document = parse(text)
    assert [t.sentences for t in document.tasks[:2]] == [["Pick the sites."], ["Choose a colour."]]
    assert document.unplaced == []


def test_the_closing_after_the_last_task_is_not_unplaced_without_a_closing_section():
    document = parse(f"(1) Plant orchards.\n{MOF}\n\n(2) Paint barns.\n{MOF}\n\nReport every quarter.\n")
    assert document.unplaced == []
    assert "Report every quarter." in unit(document, "2031-closing")


def every_fixture() -> list[Document]:
    folders = ["documents", "eval/zoo/documents", "eval/zoo/align", "eval/zoo/align-test"]
    documents: list[Document] = []
    for folder in folders:
        parsed, errors, _ = parse_sources([REPO / folder], REPO / folder / "manifest.json")
        assert not errors, errors
        documents.extend(parsed)
    return documents


def test_the_seeds_and_every_zoo_notice_have_every_line_in_place():
    documents = every_fixture()
    assert len(documents) == 2 + 8 + 4 + 2
    assert {d.info.id: d.unplaced for d in documents if d.unplaced} == {}


def test_the_warning_says_how_many_lines_which_and_where():
    lines = [
        UnplacedLine(
            text=f"Stray line number {n} about the weather in spring",
            where=f"after task ({n})",
            kept_in=f"2031-{n}",
        )
        for n in range(1, 5)
    ]
    assert unplaced_warning(lines[:1]) == (
        "1 line could not be placed in a task: “Stray line number 1 about the …” "
        "(after task (1); kept in 2031-1)"
    )
    four = unplaced_warning(lines)
    assert four.startswith("4 lines could not be placed in a task: “Stray line number 1")
    assert four.endswith("(after task (3); kept in 2031-3); and 1 more")
    chinese = unplaced_warning(
        [UnplacedLine(text="（一）再修一次围栏和谷仓的屋顶以及水井", where="w", kept_in="2031-3")]
    )
    assert "“（一）再修一次围栏和谷仓的屋顶以…”" in chinese
