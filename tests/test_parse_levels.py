"""Which numbered level holds the tasks when levels nest: sections over tasks, or tasks over their points.

The notices below are made up (an orchard office's yearly tasks) in the forms real Key Tasks notices take.
A task carries one responsibility note and a section gathers several, so the notes decide: a notice with
no sections whose tasks list sub-points is read as tasks with the points inside their text, and a notice
with sections whose tasks have no points is read as sections holding tasks, as before. Without any notes,
the text decides: outer items that say what is to be done (deadlines, sentences past the title) over points
counting from 1 are tasks; bare titles over task paragraphs are sections.
"""

from __future__ import annotations

from pathlib import Path

from index.clean import clean_text
from index.ingest import parse_sources
from index.model import Document, DocumentInfo
from index.parse import parse_document, read_marker

INFO = DocumentInfo(id="2031", year=2031, title="Key Tasks of the Orchard Office in 2031")
MOF = "Ministry of Finance"
NHC = "National Health Commission"
MOHRSS = "Ministry of Human Resources and Social Security"


def parse(text: str) -> Document:
    return parse_document(INFO, clean_text(text))


def outline(document: Document) -> list[tuple[str, str | None, str, list[str]]]:
    """(printed number, section number, title, departments) of each task."""
    return [
        (t.source_number, t.section.number if t.section else None, t.title, t.departments)
        for t in document.tasks
    ]


def body(document: Document, number: int) -> list[str]:
    return next(t.sentences for t in document.tasks if t.number == number)


ARABIC_TASKS_WITH_POINTS = """Key Tasks of the Orchard Office for 2031

The Orchard Office sets out the following tasks for the year.

1. Plant more apple trees. Each county plants one new orchard.
(1) Choose sites with good drainage by the end of March 2031.
(2) Buy seedlings from local nurseries.
(Ministry of Finance is responsible)

2. Repair the barns. Old barns get new roofs.
(1) Survey every barn.
(2) Replace broken tiles within the year.
(3) Fit gutters where rain collects.
(National Health Commission and Ministry of Finance are responsible)

3. Train the pickers.
(Ministry of Human Resources and Social Security is responsible)
"""


def test_tasks_with_bracketed_points_and_no_sections_are_tasks_with_the_points_inside():
    document = parse(ARABIC_TASKS_WITH_POINTS)
    assert document.sections == []
    assert outline(document) == [
        ("1.", None, "Plant more apple trees", [MOF]),
        ("2.", None, "Repair the barns", [NHC, MOF]),
        ("3.", None, "Train the pickers", [MOHRSS]),
    ]
    assert body(document, 1) == [
        "Each county plants one new orchard.",
        "(1) Choose sites with good drainage by the end of March 2031.",
        "(2) Buy seedlings from local nurseries.",
    ]
    assert [(d.month, d.phrase) for d in document.tasks[0].deadlines] == [
        ("2031-03", "by the end of March 2031")
    ]
    assert [d.month for d in document.tasks[1].deadlines] == ["2031-12"]
    assert document.unplaced == []


CHINESE_TASKS_WITH_POINTS = """果园办公室2031年重点工作任务

为做好今年果园工作，提出以下任务。

（一）扩大苹果种植。各县新建一处果园。
1．3月底前选定排水良好的地块。
2．从本地苗圃采购树苗。
（财政部负责）

（二）修缮谷仓。
1．逐一排查谷仓。
2．年底前更换破损瓦片。
（国家卫生健康委牵头，财政部参与）

（三）培训采摘工人。（人力资源社会保障部负责）
"""


def test_chinese_tasks_with_numbered_points_are_tasks_with_the_points_inside():
    document = parse(CHINESE_TASKS_WITH_POINTS)
    assert document.sections == []
    assert outline(document) == [
        ("（一）", None, "扩大苹果种植", [MOF]),
        ("（二）", None, "修缮谷仓", [NHC, MOF]),
        ("（三）", None, "培训采摘工人", [MOHRSS]),
    ]
    assert body(document, 2) == ["1．逐一排查谷仓。", "2．年底前更换破损瓦片。"]
    assert [d.month for d in document.tasks[0].deadlines] == ["2031-03"]
    assert document.unplaced == []


def test_a_full_width_point_whose_text_opens_with_a_date_is_an_item_but_a_figure_is_not():
    marker = read_marker("1．3月底前选定地块。")
    assert marker is not None
    assert (marker.style, marker.number, marker.rest) == ("1.", 1, "3月底前选定地块。")
    assert read_marker("1.5 million trees were planted.") is None


MARKDOWN_TASKS_WITH_POINTS = """# Key Tasks of the Orchard Office for 2031

The tasks for the year follow.

## 1. Plant more apple trees

Each county plants one new orchard.

- choose sites with good drainage by the end of March 2031;
- buy seedlings from local nurseries.

(Ministry of Finance is responsible)

## 2. Repair the barns

a) survey every barn;
b) replace broken tiles within the year.

(National Health Commission is responsible)

## 3. Train the pickers

(1) Write a picking handbook.
(2) Hold two courses before the harvest.

(Ministry of Human Resources and Social Security is responsible)

## 4. Count the beehives

(1) Count the hives in spring.
(2) Count them again in autumn.

(Ministry of Finance is responsible)
"""


def test_markdown_heading_tasks_keep_dashed_lettered_and_numbered_points_inside(tmp_path: Path):
    """Read from a real .md file through the reader, as `policyqa ingest` reads it."""
    (tmp_path / "key-tasks-2031.md").write_text(MARKDOWN_TASKS_WITH_POINTS, encoding="utf-8")
    documents, errors, _ = parse_sources([tmp_path], tmp_path / "manifest.json")
    assert errors == []
    (document,) = documents
    assert document.sections == []
    assert [(t.number, t.title, t.departments) for t in document.tasks] == [
        (1, "Plant more apple trees", [MOF]),
        (2, "Repair the barns", [NHC]),
        (3, "Train the pickers", [MOHRSS]),
        (4, "Count the beehives", [MOF]),
    ]
    assert body(document, 2) == ["a) survey every barn;", "b) replace broken tiles within the year."]
    assert body(document, 3) == ["(1) Write a picking handbook.", "(2) Hold two courses before the harvest."]
    assert document.unplaced == []


def test_one_task_with_points_among_tasks_without_is_no_section():
    document = parse(
        "1. Plant more apple trees.\n(Ministry of Finance is responsible)\n\n"
        "2. Repair the barns.\n(1) Survey every barn.\n(2) Replace broken tiles.\n"
        "(National Health Commission is responsible)\n\n"
        "3. Train the pickers.\n(Ministry of Finance is responsible)\n"
    )
    assert document.sections == []
    assert [(t.source_number, t.title) for t in document.tasks] == [
        ("1.", "Plant more apple trees"),
        ("2.", "Repair the barns"),
        ("3.", "Train the pickers"),
    ]


def test_a_note_that_opens_a_task_before_its_points_still_marks_the_task_level():
    document = parse(
        "(1) Plant more apple trees.\n(Ministry of Finance is responsible)\n"
        "1) Choose sites.\n2) Buy seedlings.\n\n"
        "(2) Repair the barns.\n(National Health Commission is responsible)\n1) Survey every barn.\n"
        "2) Replace broken tiles.\n"
    )
    assert document.sections == []
    assert outline(document) == [
        ("(1)", None, "Plant more apple trees", [MOF]),
        ("(2)", None, "Repair the barns", [NHC]),
    ]
    assert body(document, 2) == ["1) Survey every barn.", "2) Replace broken tiles."]


def test_a_lead_named_in_the_task_text_marks_the_task_level_too():
    document = parse(
        "1. Plant more apple trees. "
        "The National Health Commission takes the lead, with the Ministry of Finance.\n"
        "(1) Choose sites.\n(2) Buy seedlings.\n\n"
        "2. Repair the barns. The Ministry of Finance takes the lead.\n"
        "(1) Survey every barn.\n(2) Fit gutters.\n"
    )
    assert document.sections == []
    assert outline(document) == [
        ("1.", None, "Plant more apple trees", [NHC, MOF]),
        ("2.", None, "Repair the barns", [MOF]),
    ]


SECTIONS_OVER_TASKS = """I. Orchards

(1) Plant more apple trees. Each county plants one new orchard.
(Ministry of Finance is responsible)

(2) Prune the pear trees.
(National Health Commission is responsible)

II. Barns

(3) Repair the barns.
(Ministry of Finance is responsible)

(4) Paint the barns red.
(Ministry of Finance is responsible)
"""


def test_sections_whose_tasks_have_no_points_are_still_sections_over_tasks():
    document = parse(SECTIONS_OVER_TASKS)
    assert [(s.number, s.title) for s in document.sections] == [("1", "Orchards"), ("2", "Barns")]
    assert outline(document) == [
        ("(1)", "1", "Plant more apple trees", [MOF]),
        ("(2)", "1", "Prune the pear trees", [NHC]),
        ("(3)", "2", "Repair the barns", [MOF]),
        ("(4)", "2", "Paint the barns red", [MOF]),
    ]


def test_sections_over_tasks_over_points_keep_all_three_levels_apart():
    document = parse(
        "一、果园\n\n（一）扩大苹果种植。\n1．选定地块。\n2．采购树苗。\n（财政部负责）\n\n"
        "（二）修剪梨树。（国家卫生健康委负责）\n\n"
        "二、谷仓\n\n（三）修缮谷仓。\n1．排查谷仓。\n2．更换瓦片。\n（财政部负责）\n"
    )
    assert [(s.number, s.title) for s in document.sections] == [("1", "果园"), ("2", "谷仓")]
    assert outline(document) == [
        ("（一）", "1", "扩大苹果种植", [MOF]),
        ("（二）", "1", "修剪梨树", [NHC]),
        ("（三）", "2", "修缮谷仓", [MOF]),
    ]
    assert body(document, 3) == ["1．排查谷仓。", "2．更换瓦片。"]


def test_points_that_each_carry_their_own_note_are_the_tasks():
    """A note on every lower item makes those items the tasks, whatever their numbering looks like."""
    document = parse(
        "1. Orchards\n(1) Plant more apple trees.\n(Ministry of Finance is responsible)\n"
        "(2) Prune the pear trees.\n(National Health Commission is responsible)\n\n"
        "2. Barns\n(1) Repair the barns.\n(Ministry of Finance is responsible)\n"
        "(2) Paint the barns red.\n(Ministry of Finance is responsible)\n"
    )
    assert [(s.number, s.title) for s in document.sections] == [("1", "Orchards"), ("2", "Barns")]
    assert [(t.number, t.source_number, t.title) for t in document.tasks] == [
        (1, "(1)", "Plant more apple trees"),
        (2, "(2)", "Prune the pear trees"),
        (3, "(1)", "Repair the barns"),
        (4, "(2)", "Paint the barns red"),
    ]


def test_without_notes_title_headings_over_sentences_are_sections_over_tasks():
    """Bare titles ("1. Orchards") over sentences: the outer items read as headings, so they are sections."""
    document = parse(
        "1. Orchards\n(1) Plant apple trees.\n(2) Prune pear trees.\n\n2. Barns\n(1) Repair barns.\n"
    )
    assert [s.title for s in document.sections] == ["Orchards", "Barns"]
    assert [t.title for t in document.tasks] == ["Plant apple trees", "Prune pear trees", "Repair barns"]


def test_sections_with_one_noted_task_each_stay_sections_when_the_note_is_no_task_s_closing():
    """One note per upper item is a task's only where a task puts it, at its start or after its last
    point; here each section's noted task is its middle one, so these are sections over tasks."""
    document = parse(
        "I. Orchards\n\n(1) Plant apple trees.\n\n(2) Prune the pear trees.\n"
        "(Ministry of Finance is responsible)\n\n(3) Water the young trees.\n\n"
        "II. Barns\n\n(4) Survey every barn.\n\n(5) Repair the roofs.\n"
        "(National Health Commission is responsible)\n\n(6) Paint the doors.\n"
    )
    assert [s.title for s in document.sections] == ["Orchards", "Barns"]
    assert outline(document) == [
        ("(1)", "1", "Plant apple trees", []),
        ("(2)", "1", "Prune the pear trees", [MOF]),
        ("(3)", "1", "Water the young trees", []),
        ("(4)", "2", "Survey every barn", []),
        ("(5)", "2", "Repair the roofs", [NHC]),
        ("(6)", "2", "Paint the doors", []),
    ]


# ------------------------------------------------ no responsibility notes at all: the text itself decides
# A made-up lighthouse service; none of these notices names who is responsible for anything.

LIGHTHOUSE = DocumentInfo(id="2032", year=2032, title="Key Tasks of the Coastal Lighthouse Service in 2032")


def parse_lighthouse(text: str) -> Document:
    return parse_document(LIGHTHOUSE, clean_text(text))


def tasks_of(document: Document) -> list[tuple[int, str, str | None, str]]:
    """(number, printed number, section number, title) of each task."""
    return [
        (t.number, t.source_number, t.section.number if t.section else None, t.title) for t in document.tasks
    ]


ARABIC_TASKS_WITH_POINTS_NO_NOTES = """Key Tasks of the Coastal Lighthouse Service for 2032

The Lighthouse Service sets out the following tasks for the year.

1. Replace the lamps in the northern towers. Each northern tower gets a new lamp by the end of June 2032.
(1) Survey the lamp rooms in spring.
(2) Order the lamps from two suppliers.

2. Train new keepers. Each district trains at least four keepers within the year.
(1) Write a keeper's handbook.
(2) Hold the first course in the southern district.
(3) Test every trainee before the storm season.

3. Repaint the island towers. The paint must stand salt spray for ten years.
(1) Choose a paint.
(2) Repaint the three oldest towers first.
"""


def test_without_notes_numbered_paragraphs_with_deadlines_over_points_are_tasks_with_points_inside():
    document = parse_lighthouse(ARABIC_TASKS_WITH_POINTS_NO_NOTES)
    assert document.sections == []
    assert tasks_of(document) == [
        (1, "1.", None, "Replace the lamps in the northern towers"),
        (2, "2.", None, "Train new keepers"),
        (3, "3.", None, "Repaint the island towers"),
    ]
    assert document.tasks[1].sentences == [
        "Each district trains at least four keepers within the year.",
        "(1) Write a keeper's handbook.",
        "(2) Hold the first course in the southern district.",
        "(3) Test every trainee before the storm season.",
    ]
    assert [[d.month for d in t.deadlines] for t in document.tasks] == [["2032-06"], ["2032-12"], []]
    assert document.unplaced == []


ARABIC_SECTIONS_OVER_TASKS_NO_NOTES = """Key Tasks of the Coastal Lighthouse Service for 2032

1. Lamps and power
The service runs forty towers, and half of them still burn the old lamps.
(1) Replace the lamps in the northern towers by the end of June 2032.
(2) Fit solar panels on the island towers. Each panel feeds one lamp.

2. Keepers and training.
(1) Train at least four new keepers in each district within the year.
(2) Write a keeper's handbook.
"""


def test_without_notes_bare_title_lines_are_section_headings_even_with_an_introduction():
    """A bare "1. Lamps and power" is a title, not a sentence, though a paragraph follows it; "2. Keepers and
    training." is one title with a full stop and nothing more. Both read as headings over tasks."""
    document = parse_lighthouse(ARABIC_SECTIONS_OVER_TASKS_NO_NOTES)
    assert [(s.number, s.title) for s in document.sections] == [
        ("1", "Lamps and power"),
        ("2", "Keepers and training"),
    ]
    assert tasks_of(document) == [
        (1, "(1)", "1", "Replace the lamps in the northern towers by the end of June 2032"),
        (2, "(2)", "1", "Fit solar panels on the island towers"),
        (3, "(1)", "2", "Train at least four new keepers in each district within the year"),
        (4, "(2)", "2", "Write a keeper's handbook"),
    ]
    assert [[d.month for d in t.deadlines] for t in document.tasks] == [["2032-06"], [], ["2032-12"], []]


CHINESE_TASKS_WITH_POINTS_NO_NOTES = """海岸灯塔管理处2032年重点工作任务

为做好今年灯塔管理工作，提出以下任务。

一、更换北部灯塔灯具。北部沿海每座灯塔6月底前换装低功耗灯具。
（一）春季排查灯室。
（二）向两家供应商订购灯具。

二、培训新任看守员。各片区年内至少培训4名看守员。
（一）编写看守员手册。
（二）在南部片区举办首期培训。

三、重新粉刷海岛灯塔。
（一）选定耐盐雾涂料。
（二）先粉刷最老的三座灯塔。
"""


def test_without_notes_chinese_sentences_over_points_are_tasks_even_when_one_is_a_bare_title():
    """Two of the three 一、 items say what is to be done and by when; the third is a short title, but the
    notice reads as tasks with points all the same."""
    document = parse_lighthouse(CHINESE_TASKS_WITH_POINTS_NO_NOTES)
    assert document.sections == []
    assert tasks_of(document) == [
        (1, "一、", None, "更换北部灯塔灯具"),
        (2, "二、", None, "培训新任看守员"),
        (3, "三、", None, "重新粉刷海岛灯塔"),
    ]
    assert document.tasks[0].sentences == [
        "北部沿海每座灯塔6月底前换装低功耗灯具。",
        "（一）春季排查灯室。",
        "（二）向两家供应商订购灯具。",
    ]
    assert [[d.month for d in t.deadlines] for t in document.tasks] == [["2032-06"], ["2032-12"], []]


CHINESE_SECTIONS_OVER_TASKS_NO_NOTES = """海岸灯塔管理处2032年重点工作任务

一、灯具与供电

（一）更换北部灯塔灯具。北部沿海每座灯塔6月底前换装低功耗灯具。

（二）为海岛灯塔加装太阳能板。

二、看守队伍建设

（一）培训新任看守员。各片区年内至少培训4名看守员。

（二）编写看守员手册。
"""


def test_without_notes_chinese_title_headings_over_task_paragraphs_are_sections():
    document = parse_lighthouse(CHINESE_SECTIONS_OVER_TASKS_NO_NOTES)
    assert [(s.number, s.title) for s in document.sections] == [("1", "灯具与供电"), ("2", "看守队伍建设")]
    assert tasks_of(document) == [
        (1, "（一）", "1", "更换北部灯塔灯具"),
        (2, "（二）", "1", "为海岛灯塔加装太阳能板"),
        (3, "（一）", "2", "培训新任看守员"),
        (4, "（二）", "2", "编写看守员手册"),
    ]


def test_without_notes_points_numbered_on_across_items_are_tasks_under_sections():
    """Items under each outer item that number on ("(3)" opening the second) are the notice's tasks, never
    a task's points, however much the outer items say."""
    document = parse_lighthouse(
        "1. Replace the lamps. The old lamps go by the end of June 2032.\n(1) Survey the lamp rooms.\n"
        "(2) Order the lamps.\n\n2. Train keepers. Each district trains four keepers within the year.\n"
        "(3) Write a handbook.\n(4) Hold a course.\n"
    )
    assert [s.number for s in document.sections] == ["1", "2"]
    assert [(t.number, t.section.number if t.section else None) for t in document.tasks] == [
        (1, "1"),
        (2, "1"),
        (3, "2"),
        (4, "2"),
    ]


MARKDOWN_TASKS_WITH_POINTS_NO_NOTES = """# Key Tasks of the Coastal Lighthouse Service for 2032

The tasks for the year follow.

## 1. Replace the lamps in the northern towers

Every northern tower gets a low-power lamp by the end of June 2032.

- survey the lamp rooms in spring;
- order the lamps from two suppliers.

## 2. Train new keepers

Each district trains at least four keepers within the year.

(1) Write a keeper's handbook.
(2) Hold the first course in the southern district.

## 3. Repaint the island towers

The paint must stand salt spray for ten years.

(1) Choose a paint.
(2) Repaint the three oldest towers first.
"""

MARKDOWN_SECTIONS_OVER_TASKS_NO_NOTES = """# Key Tasks of the Coastal Lighthouse Service for 2032

## 1. Lamps and power

1. Replace the lamps in the northern towers by the end of June 2032.
2. Fit solar panels on the island towers.

## 2. Keepers

3. Train at least four new keepers in each district within the year.
4. Write a keeper's handbook.
"""


def test_without_notes_markdown_headings_with_text_over_points_are_tasks(tmp_path: Path):
    """Read from a real .md file: a `## 1.` heading followed by what is to be done is a task, its `-` and
    `(1)` points are its text."""
    (tmp_path / "key-tasks-2032.md").write_text(MARKDOWN_TASKS_WITH_POINTS_NO_NOTES, encoding="utf-8")
    documents, errors, _ = parse_sources([tmp_path], tmp_path / "manifest.json")
    assert errors == []
    (document,) = documents
    assert document.sections == []
    assert tasks_of(document) == [
        (1, "1.", None, "Replace the lamps in the northern towers"),
        (2, "2.", None, "Train new keepers"),
        (3, "3.", None, "Repaint the island towers"),
    ]
    assert document.tasks[1].sentences == [
        "Each district trains at least four keepers within the year.",
        "(1) Write a keeper's handbook.",
        "(2) Hold the first course in the southern district.",
    ]
    assert document.unplaced == []


def test_without_notes_markdown_title_headings_over_numbered_tasks_are_sections(tmp_path: Path):
    (tmp_path / "key-tasks-2032.md").write_text(MARKDOWN_SECTIONS_OVER_TASKS_NO_NOTES, encoding="utf-8")
    documents, errors, _ = parse_sources([tmp_path], tmp_path / "manifest.json")
    assert errors == []
    (document,) = documents
    assert [(s.number, s.title) for s in document.sections] == [("1", "Lamps and power"), ("2", "Keepers")]
    assert [(t.number, t.section.number if t.section else None, t.title) for t in document.tasks] == [
        (1, "1", "Replace the lamps in the northern towers by the end of June 2032"),
        (2, "1", "Fit solar panels on the island towers"),
        (3, "2", "Train at least four new keepers in each district within the year"),
        (4, "2", "Write a keeper's handbook"),
    ]
