"""Answers that must not stop at one sentence, and department questions worded as users word them.

On the real index built from documents/ (tests/conftest.py): a question asking for everything on a topic,
and a list of one or two tasks, quote each task's sentences on that topic, not only its nearest one.
"""

from __future__ import annotations

import pytest

from assistant.core.types import Filters
from index.model import Task


def _quoted(answer: str, task: Task) -> list[str]:
    """The task's body sentences the answer quotes (answers lower-case a sentence's first letter after a
    colon and put the citation before its full stop, so the comparison ignores case and the stop)."""
    lowered = answer.lower()
    return [s for s in task.sentences if s.rstrip(".").lower() in lowered]


def test_a_question_asking_for_everything_on_a_topic_quotes_more_of_the_task_than_a_one_point_question(
    service,
):
    """ "All the measures" against the epidemic are answered from the covid task's several sentences; a
    question on one point of it keeps the short answer."""
    one_point = service.ask("Is the 2021 plan speeding up vaccination?")
    everything = service.ask("What are all the 2021 measures against the new crown pneumonia epidemic?")
    covid = service.task("2021-12")
    assert covid is not None
    assert [c.id for c in everything.citations][:1] == ["2021-12"], everything.answer
    assert len(_quoted(everything.answer, covid)) >= 3, everything.answer
    assert len(_quoted(everything.answer, covid)) > len(_quoted(one_point.answer, covid)), one_point.answer


def test_a_list_of_one_task_quotes_each_of_its_sentences_on_the_topic(service):
    """Only task (2) of 2021 writes of consumables, in more than one sentence: the list names it with each
    of them, not with its nearest sentence alone."""
    answer = service.ask("List the 2021 tasks that bring up medical consumables.")
    writing = [t for t in service.tasks() if t.year == 2021 and "consumables" in t.text.lower()]
    assert [c.id for c in answer.citations] == [t.id for t in writing], answer.answer
    (task,) = writing
    on_topic = [s for s in task.sentences if "consumables" in s.lower()]
    assert len(on_topic) >= 2
    assert set(on_topic) <= set(_quoted(answer.answer, task)), answer.answer


def test_a_long_list_still_gives_one_sentence_per_task(service):
    """A list of many tasks stays a list: each task with its title and one sentence."""
    answer = service.ask("Which tasks are in section 4 of the 2021 plan?")
    cited = [c.id for c in answer.citations]
    assert len(cited) == 5, answer.answer
    for unit_id in cited:
        task = service.task(unit_id)
        assert task is not None
        assert len(_quoted(answer.answer, task)) <= 1, answer.answer


@pytest.mark.parametrize(
    ("question", "task_id"),
    [
        ("Supervising the medical insurance fund - who does that in 2021?", "2021-20"),
        ("The TCM revitalisation work in 2021 \u2014 who is it down to?", "2021-11"),
    ],
)
def test_a_who_after_a_dash_asks_for_the_departments(service, question, task_id):
    """The question's clause after a dash asks who: the answer is the task's responsibility line, not one of
    its sentences."""
    answer = service.ask(question, filters=Filters())
    task = service.task(task_id)
    assert task is not None
    assert [c.id for c in answer.citations] == [task_id], answer.answer
    assert "responsible" in answer.answer and task.departments_as_written[0] in answer.answer, answer.answer


@pytest.mark.parametrize(
    ("question", "task_id", "department"),
    [
        (
            "Is the Ministry of Education named on the task about training medical talents?",
            "2021-18",
            "Ministry of Education",
        ),
        (
            "Does the General Administration of Sports have a role in the Healthy China work?",
            "2021-14",
            "General Administration of Sports",
        ),
        (
            "Our hospital group is joining a county medical community. Is the National Development and "
            "Reform Commission part of the medical consortium work?",
            "2021-8",
            "National Development and Reform Commission",
        ),
    ],
)
def test_a_yes_no_question_whether_a_department_has_a_part_is_answered_with_the_responsibility_line(
    service, question, task_id, department
):
    """Asked whether a named department is named on, has a role in or is part of a task, the answer is the
    task's responsibility line (which says whether it is), not the task's topic sentences."""
    answer = service.ask(question, filters=Filters())
    assert [c.id for c in answer.citations][:1] == [task_id], answer.answer
    assert "responsible" in answer.answer and department in answer.answer, answer.answer


@pytest.mark.parametrize(
    ("question", "phrases", "year"),
    [
        ("Which 2021 tasks write about myopia or about school doctors?", ("myopia", "school doctors"), 2021),
        ("Which tasks talk about day surgery or telemedicine?", ("day surgery", "telemedicine"), None),
    ],
)
def test_a_list_of_alternatives_names_the_tasks_writing_either(service, question, phrases, year):
    """ "A or B" asks for the tasks writing A and those writing B: no task writes both, and the words of
    both together would leave one side out."""
    expected = [
        t.id
        for t in service.tasks()
        if (year is None or t.year == year) and any(p in t.text.lower() for p in phrases)
    ]
    assert all(not all(p in service.task(i).text.lower() for p in phrases) for i in expected)
    answer = service.ask(question)
    assert [c.id for c in answer.citations] == expected, answer.answer
