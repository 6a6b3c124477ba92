"""Reading reform questions worded as people word them (assistant/core/understand/reform.py): departments by
acronym or informal name, deadline windows, topics; and the answers they lead to on the real seed index."""

from __future__ import annotations

import pytest

from assistant.core.types import RefusalCode
from assistant.core.understand.reform import (
    DeadlineWindow,
    ReformIntent,
    acronyms,
    deadline_window,
    mentioned_departments,
    read_reform_question,
)
from assistant.service import PolicyQA

DEPARTMENTS = [
    "National Health Commission",
    "National Medical Products Administration",
    "State Administration for Market Regulation",
    "Ministry of Science and Technology",
    "Ministry of Finance",
    "Ministry of Civil Affairs",
    "Civil Aviation Administration of China",
    "General Administration of Customs",
]
COMMON = {"health", "medic", "nation"}  # stems most tasks hold


def share(word: str) -> float:
    return 0.9 if word in COMMON else 0.01


def test_acronyms_with_and_without_of() -> None:
    assert acronyms("Ministry of Finance") == {"MF", "MOF"}
    assert "NMPA" in acronyms("National Medical Products Administration")
    assert "SAMR" in acronyms("State Administration for Market Regulation")


@pytest.mark.parametrize(
    ("question", "department"),
    [
        ("What does the NMPA lead?", "National Medical Products Administration"),
        ("tasks for the MOF?", "Ministry of Finance"),
        ("what is the market regulator in charge of", "State Administration for Market Regulation"),
        ("jobs given to the science ministry", "Ministry of Science and Technology"),
        (
            "is the civil aviation regulator responsible for anything",
            "Civil Aviation Administration of China",
        ),
        ("which tasks is customs involved in", "General Administration of Customs"),
    ],
)
def test_departments_are_recognised_as_people_name_them(question: str, department: str) -> None:
    assert mentioned_departments(question, DEPARTMENTS, share) == [department]


@pytest.mark.parametrize(
    "question",
    [
        "which department is responsible for health promotion?",  # asks for a department
        "what does the civil service do?",  # "civil" names two departments equally: no winner
        "what is said about health?",  # a common word alone names nothing
    ],
)
def test_words_that_do_not_single_out_a_department_name_none(question: str) -> None:
    assert mentioned_departments(question, DEPARTMENTS, share) == []


@pytest.mark.parametrize(
    ("text", "window"),
    [
        ("what is due before the end of september 2021", DeadlineWindow("2021-01", "2021-09")),
        ("what is due by june 2030", DeadlineWindow("2030-01", "2030-06")),
        ("what must be completed before march 2021", DeadlineWindow("2021-01", "2021-02")),
        ("what must be completed before january 2021", DeadlineWindow("2021-01", "2020-12")),
        ("anything due in august 2021", DeadlineWindow("2021-08", "2021-08")),
        ("deadlines in the third quarter of 2021", DeadlineWindow("2021-07", "2021-09")),
        ("deadlines in q1 2024", DeadlineWindow("2024-01", "2024-03")),
        ("what is due in the second half of 2023", DeadlineWindow("2023-07", "2023-12")),
        ("deadlines after october 2021", DeadlineWindow("2021-11", None)),
        ("what is due before the end of may", DeadlineWindow("????-01", "????-05")),
        ("what are the 2021 deadlines", None),
    ],
)
def test_deadline_windows(text: str, window: DeadlineWindow | None) -> None:
    # "due before the end of June 2022" asks what falls due in 2022 up to June: a window starts in January
    years = [int(w) for w in text.split() if w.isdigit()]
    assert deadline_window(text, years) == window


@pytest.mark.parametrize(
    ("question", "intent"),
    [
        ("List every deadline in date order", ReformIntent.DUE),
        ("NMPA: which dates must it meet?", ReformIntent.DUE),
        ("When is the price reform document due?", None),  # one task's deadline: the usual pipeline
        ("What are the deadlines of the procurement task?", None),
        ("Does the Ministry of Civil Affairs take the lead on anything?", ReformIntent.LEADS),
        ("What role does the National Health Commission play in vaccination?", None),  # a topic
        ("Which ministry is in charge of vaccination?", None),  # asks for a department
        ("Trace the procurement work through the notices", ReformIntent.EVOLVED),
        ("How did the 2021 tasks change in 2022?", ReformIntent.EVOLVED),
        ("Which topics stayed on the agenda from 2021 to 2022?", ReformIntent.CONTINUED),
        ("Was the vaccination task dropped in 2022?", ReformIntent.DROPPED),
        ("Have drug prices dropped?", None),  # about prices, not about the notices
    ],
)
def test_reform_intents(question: str, intent: ReformIntent | None) -> None:
    read = read_reform_question(question, DEPARTMENTS, share)
    assert (read.intent if read else None) is intent


def test_a_status_question_names_its_topic_and_a_list_question_does_not() -> None:
    with_topic = read_reform_question("Was the vaccination task dropped in 2022?", DEPARTMENTS, share)
    listing = read_reform_question("Which 2021 tasks were dropped in 2022?", DEPARTMENTS, share)
    assert with_topic is not None and with_topic.topic
    assert listing is not None and not listing.topic


def cited(service: PolicyQA, question: str) -> list[str]:
    return [c.id for c in service.ask(question).citations]


def test_informally_named_departments_are_answered_with_the_tasks_they_lead(service: PolicyQA) -> None:
    # the General Administration of Customs leads 2021 tasks (12) and (13); the NMPA (2), (12), (16), (19)
    assert set(cited(service, "Which tasks does customs lead?")) == {"2021-12", "2021-13"}
    answer = service.ask("what is the NMPA responsible for")
    assert {c.id for c in answer.citations} == {"2021-2", "2021-12", "2021-16", "2021-19"}
    assert answer.grounding == 1.0, answer.unsupported


def test_deadline_windows_are_answered_or_refused_from_the_task_metadata(service: PolicyQA) -> None:
    # 2021 deadlines: task (2) August, (3) and (11) September, (7) October
    assert cited(service, "What falls due in the third quarter of 2021?") == ["2021-2", "2021-3", "2021-11"]
    assert cited(service, "Every deadline of the 2021 notice, please") == [
        "2021-2",
        "2021-3",
        "2021-11",
        "2021-7",
    ]
    assert set(cited(service, "Which dates does the NDRC have to meet?")) == {"2021-3", "2021-7", "2021-11"}
    assert service.ask("Who leads the task that falls due in October 2021?").citations[0].id == "2021-7"
    early = service.ask("Is anything due to be finished before February 2021?")
    assert early.refused and early.refusal is not None and early.refusal.code is RefusalCode.NO_DEADLINE
    assert "January 2021" in early.answer


def test_a_change_question_about_a_year_with_no_notice_is_refused(service: PolicyQA) -> None:
    answer = service.ask("How did the 2019 tasks change in 2021?")
    assert answer.refused and answer.refusal is not None
    assert answer.refusal.code is RefusalCode.YEAR_NOT_INDEXED


def test_a_topic_status_question_follows_the_topic_through_the_notices(service: PolicyQA) -> None:
    # the Chinese-medicine task of 2021 (11) continues as 2022 item 5; the price-reform task (3) stops
    assert cited(service, "Was traditional Chinese medicine carried over into 2022?") == ["2021-11", "2022-5"]
    dropped = service.ask("Did the 2022 items drop the reform of medical service prices?")
    assert [c.id for c in dropped.citations] == ["2021-3"] and dropped.answer.startswith("Only in 2021")
    assert dropped.grounding == 1.0, dropped.unsupported
