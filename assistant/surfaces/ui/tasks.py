"""The Tasks tab's data: filter choices built from the loaded tasks, the filters they stand for, the table."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from assistant.service import TaskFilters
from index.model import Task

ALL = "All"
NONE = "—"
WITH_DEADLINE = "Yes"
WITHOUT_DEADLINE = "No"
DEADLINE_CHOICES = [ALL, WITH_DEADLINE, WITHOUT_DEADLINE]
TABLE_COLUMNS = ["id", "title", "departments", "deadlines"]
SECTION_TITLE_CHARS = 60
TABLE_DEPARTMENTS = 3  # more make rows tall; the task view lists them all

Choices = list[tuple[str, str]]


@dataclass(frozen=True)
class TaskChoices:
    """What the filter dropdowns offer: years, sections (per year) and canonical lead departments."""

    years: list[str]
    sections: Choices
    departments: list[str]

    @classmethod
    def of(cls, tasks: list[Task]) -> TaskChoices:
        sections = {(t.year, t.section.number): t.section.title for t in tasks if t.section}
        return cls(
            years=[ALL, *(str(y) for y in sorted({t.year for t in tasks}))],
            sections=[(ALL, ALL)]
            + [(section_label(y, n, title), f"{y}:{n}") for (y, n), title in sorted(sections.items())],
            departments=[ALL, *sorted({d for t in tasks for d in t.departments})],
        )


def section_label(year: int, number: str, title: str) -> str:
    """The section dropdown's label: "2021 §1 · Further promote the medical reform experience of …"."""
    short = title if len(title) <= SECTION_TITLE_CHARS else f"{title[: SECTION_TITLE_CHARS - 1].rstrip()}…"
    return f"{year} §{number} · {short}"


def year_value(choice: str | None) -> int | None:
    """The year a year choice ("All", "2021") stands for."""
    return int(choice) if choice and choice != ALL else None


def task_filters(
    year: str | None, section: str | None, department: str | None, deadline: str | None
) -> TaskFilters | None:
    """The service filters the dropdowns stand for; None when they contradict (a section of another year)."""
    chosen_year = year_value(year)
    section_number = None
    if section and section != ALL:
        section_year, section_number = section.split(":", 1)
        if chosen_year is not None and chosen_year != int(section_year):
            return None
        chosen_year = int(section_year)
    return TaskFilters(
        year=chosen_year,
        section=section_number,
        department=department if department and department != ALL else None,
        has_deadline={WITH_DEADLINE: True, WITHOUT_DEADLINE: False}.get(deadline or ALL),
    )


def short_list(items: list[str], limit: int) -> str:
    """The first `limit` items joined by semicolons, then how many more there are; a dash for none."""
    shown = "; ".join(items[:limit]) or NONE
    return f"{shown}; +{len(items) - limit} more" if len(items) > limit else shown


def tasks_table(tasks: list[Task]) -> pd.DataFrame:
    """One row per task: id, title, lead departments and deadlines (month and phrase)."""
    rows = [
        [
            t.id,
            t.title,
            short_list(t.departments, TABLE_DEPARTMENTS),
            "; ".join(f"{d.month} ({d.phrase})" for d in t.deadlines) or NONE,
        ]
        for t in tasks
    ]
    return pd.DataFrame(rows, columns=TABLE_COLUMNS)


def count_text(count: int, total: int) -> str:
    """The line above the table: "26 tasks" or "6 of 26 tasks"."""
    noun = "task" if total == 1 else "tasks"
    return f"**{count}** {noun}" if count == total else f"**{count}** of {total} {noun}"
