"""One reader of time expressions (understand/when.py) for the general question reader and the reform
questions: seasons, quarters, halves, mid-year, the year's end, the early or late part of a year, two periods
joined ("Q3 or Q4"), each turned into a window by the word before it ("by", "before", "after", "in").
The reader is a pure function; the answers are asked of the real seed index and embedding model, whose only
dated deadlines are 2021's: August (task 2), September (tasks 3 and 11) and October (task 7)."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.core.understand.question import read_question
from assistant.core.understand.reform import read_reform_question
from assistant.core.understand.when import DeadlineWindow, time_window
from assistant.service import PolicyQA


@pytest.mark.parametrize(
    ("text", "window"),
    [
        ("what falls due in summer 2022", DeadlineWindow("2022-06", "2022-08")),
        ("anything due in the autumn of 2021", DeadlineWindow("2021-09", "2021-11")),
        ("deadlines in the fall, 2021", DeadlineWindow("2021-09", "2021-11")),
        ("due during spring 2030", DeadlineWindow("2030-03", "2030-05")),
        # a winter runs into the next year
        ("due in the winter of 2021", DeadlineWindow("2021-12", "2022-02")),
        ("what is due in h2 2021", DeadlineWindow("2021-07", "2021-12")),
        ("tasks due in the first half of 2021", DeadlineWindow("2021-01", "2021-06")),
        ("what is due in the latter half of 2024", DeadlineWindow("2024-07", "2024-12")),
        ("what is due in Q3 2021", DeadlineWindow("2021-07", "2021-09")),
        ("deadlines in the last quarter of 2021", DeadlineWindow("2021-10", "2021-12")),
        # the operator turns the period into the window asked about
        ("what must be done by mid-year 2021", DeadlineWindow("2021-01", "2021-06")),
        ("by mid-2022, what should be finished", DeadlineWindow("2022-01", "2022-06")),
        ("what is due by year end 2021", DeadlineWindow("2021-01", "2021-12")),
        ("anything before the end of the year 2023", DeadlineWindow("2023-01", "2023-12")),
        ("what is due before the summer of 2021", DeadlineWindow("2021-01", "2021-05")),
        ("deadlines after Q3 2021", DeadlineWindow("2021-10", None)),
        ("anything due early in 2022", DeadlineWindow("2022-01", "2022-04")),
        ("what falls due late 2021", DeadlineWindow("2021-09", "2021-12")),
        # two periods joined: one window over both
        ("is it due in Q3 or Q4 2021", DeadlineWindow("2021-07", "2021-12")),
        ("summer and autumn 2021", DeadlineWindow("2021-06", "2021-11")),
        # months as before
        ("is anything due by end of july 2021", DeadlineWindow("2021-01", "2021-07")),
        ("what must be completed before march 2021", DeadlineWindow("2021-01", "2021-02")),
        ("anything due in august 2021", DeadlineWindow("2021-08", "2021-08")),
    ],
)
def test_periods_people_name_are_read_as_windows(text: str, window: DeadlineWindow) -> None:
    assert time_window(text) == window


def test_a_period_without_a_year_takes_the_questions_year_or_is_left_to_the_caller() -> None:
    assert time_window("what is due in the fourth quarter?", [2021]) == DeadlineWindow("2021-10", "2021-12")
    assert time_window("what is due in the fourth quarter?") == DeadlineWindow("????-10", "????-12")
    # a winter with no year cannot run into a year nobody named
    assert time_window("anything due in winter?") == DeadlineWindow("????-12", "????-12")


@pytest.mark.parametrize(
    "text",
    [
        "which deliverables fall due",  # the verb, not the season
        "what falls under the first half of the task list",
        "the h1n1 vaccination programme",
        "what springboard does the plan give",
        "is there anything about early childhood care",
        "the August deadline",  # a month named alone dates no window for a reform list
    ],
)
def test_words_that_name_no_period(text: str) -> None:
    assert time_window(text) is None


def test_the_general_reader_and_the_reform_reader_read_the_same_window() -> None:
    text = "Which tasks fall due in the second half of 2022?"
    question = read_question(text, [], _no_glossary())
    reform = read_reform_question(text, [], lambda word: 0.0)
    assert reform is not None
    assert question.deadline_window == reform.window == DeadlineWindow("2022-07", "2022-12")
    # one month of a known year is the general reader's deadline month, as before
    assert read_question("What is due in August 2021?", [], _no_glossary()).deadline_month == "2021-08"
    assert read_question("What is the August 2021 deadline?", [], _no_glossary()).deadline_month == "2021-08"


def _no_glossary() -> Path:
    """No glossary: the window is read from the question's own words."""
    return Path("/nonexistent/glossary.json")


def cited(service: PolicyQA, question: str) -> set[str]:
    return {c.id for c in service.ask(question).citations}


def test_seasons_and_halves_list_the_seed_deadlines_they_hold(service: PolicyQA) -> None:
    assert cited(service, "Which tasks have deadlines in the summer of 2021?") == {"2021-2"}
    assert cited(service, "What falls due in the autumn of 2021?") == {"2021-3", "2021-7", "2021-11"}
    assert cited(service, "what's due by year end 2021?") == {"2021-2", "2021-3", "2021-7", "2021-11"}


@pytest.mark.parametrize(
    "question",
    [
        "Any deadlines in spring 2021?",  # the first 2021 deadline is August
        "What must be done by mid-year 2021?",
        "Which deliverables fall due in summer 2022?",  # the 2022 summary dates nothing
        "Anything due early in 2022?",
    ],
)
def test_a_window_holding_no_deadline_is_refused_saying_so(service: PolicyQA, question: str) -> None:
    answer = service.ask(question)
    assert answer.refused, answer.answer
    assert "No task sets a deadline" in answer.answer


def test_an_obligation_inside_a_window_lists_that_bodys_deadlines_in_it(service: PolicyQA) -> None:
    # the Ministry of Human Resources and Social Security is on 2021-2 (August) only among the dated tasks
    assert cited(service, "What does the HR ministry have to finish in Q3 2021?") == {"2021-2"}


def test_the_general_list_keeps_every_task_dated_inside_the_window(service: PolicyQA) -> None:
    # no reform deadline word: the general reader's window lists the tasks, August's included
    question = read_question("What takes place by October 2021?", [], _no_glossary())
    assert question.deadline_window == DeadlineWindow("2021-01", "2021-10")
    assert question.deadline_month is None
    assert cited(service, "What takes place by October 2021?") == {"2021-2", "2021-3", "2021-7", "2021-11"}
