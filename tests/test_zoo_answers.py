"""Questions over the format zoo on a real index of eval/zoo/documents: task references that must pick the
right one of two documents of one year, and questions written in Chinese about the Chinese notice."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from assistant.core.types import RefusalCode, Turn
from assistant.core.understand.chinese import (
    chinese_intent,
    chinese_task_refs,
    chinese_years,
    is_chinese,
    read,
)
from assistant.service import PolicyQA
from assistant.settings import Settings
from index.ingest import ingest
from index.settings import REPO_ROOT


@pytest.fixture(scope="module")
def zoo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PolicyQA]:
    settings = Settings(
        documents_dir=REPO_ROOT / "eval" / "zoo" / "documents",
        data_dir=tmp_path_factory.mktemp("zoo-data"),
        warm_max_units=0,
    )
    report = ingest(settings)
    assert not report.errors, report.errors
    service = PolicyQA(settings)
    assert service.load(warm=False), service.load_error
    yield service


def cited(service: PolicyQA, question: str) -> list[str]:
    answer = service.ask(question)
    assert not answer.refused, (question, answer.answer)
    return [c.id for c in answer.citations]


# two documents of one year: 2023 (Word) and 2023h2 (PDF); 2019 (HTML) and 2019-summary (text)


def test_a_qualified_task_reference_picks_its_document(zoo: PolicyQA) -> None:
    assert cited(zoo, "What does task 4 of the 2023 second-half notice say?") == ["2023h2-4"]
    assert cited(zoo, "Who leads task 3 of the 2019 news summary?") == ["2019-summary-3"]


def test_a_document_id_in_the_question_is_the_task_it_names(zoo: PolicyQA) -> None:
    assert cited(zoo, "What does 2019-summary-3 say?") == ["2019-summary-3"]
    assert cited(zoo, "Who is responsible for 2023h2-1?") == ["2023h2-1"]


def test_an_ambiguous_year_is_answered_for_each_document(zoo: PolicyQA) -> None:
    answer = zoo.ask("Who is responsible for 2023 task 1?")
    assert [c.id for c in answer.citations] == ["2023-1", "2023h2-1"]
    # each document's own lead departments, as its file states them
    assert "National Medical Products Administration" in answer.answer  # 2023-1
    assert "Ministry of Education" in answer.answer  # 2023h2-1


def test_a_task_number_no_document_of_that_year_has_is_refused(zoo: PolicyQA) -> None:
    answer = zoo.ask("What does task 9 of the 2023 second-half notice say?")
    assert answer.refused


# Chinese questions about the Chinese notice (key-tasks-2024-zh.txt)


def test_chinese_question_reading() -> None:
    assert is_chinese("谁负责第三项任务？") and not is_chinese("Who leads task 3 (第三项)?")
    assert chinese_years("在2024年底前") == [2024]
    assert chinese_task_refs("2024年第三项任务由谁负责？", [2024]) == [(2024, 3)]
    assert chinese_task_refs("任务（六）的期限", []) == [(None, 6)]


def test_a_chinese_question_is_about_its_asking_clauses_not_who_asks() -> None:
    # a clause that only says who asks is context; a hearsay frame is not the subject
    words = read("我们是一家县医院，听同事说监测网络要扩大，数据多久报一次？").subject
    assert "县医院" not in words and "同事" not in words
    assert {"监测", "网络", "数据"} <= set(words)
    # the context clause's "负责" (in charge) does not make a when-question a who-question
    assert chinese_intent("我们单位负责医保结算，分值测算几月底前要完成？") == "when"
    # a clause that says who asks and asks something is kept
    assert "药房" in read("我们药房能不能申请？").subject


@pytest.mark.parametrize(
    ("question", "task", "fact"),
    [
        ("我们是一家社区医院，听说水源性疾病监测要扩展，最终覆盖多少个城市？", "2024-5", "200个城市"),
        ("听同事说签约居民能在明灯药房取长期处方药，这是哪个部门牵头的？", "2024-2", "国家卫生健康委"),
        ("作为医保经办人员，想请问分值测算的完成时间？", "2024-3", "2024年11月底前"),
    ],
)
def test_a_chinese_question_with_the_askers_context_is_answered(
    zoo: PolicyQA, question: str, task: str, fact: str
) -> None:
    answer = zoo.ask(question)
    assert not answer.refused, answer.answer
    assert answer.citations[0].id == task
    assert fact in answer.answer, answer.answer


@pytest.mark.parametrize(
    ("question", "code"),
    [
        ("明灯药房今年要新开设1000家吗？", RefusalCode.FALSE_PREMISE),  # not the figure it gives
        ("普通门诊费用纳入统筹以后能报销百分之几？", RefusalCode.FIGURE_NOT_GIVEN),  # the task has no rate
        ("我们是民营医院，2024年对民营医院的医保定点有什么新要求？", RefusalCode.NOT_IN_DOCUMENTS),
    ],
)
def test_a_chinese_question_is_refused_with_the_reason(
    zoo: PolicyQA, question: str, code: RefusalCode
) -> None:
    answer = zoo.ask(question)
    assert answer.refused, answer.answer
    assert answer.refusal is not None and answer.refusal.code is code, answer.refusal


def test_a_chinese_figure_question_is_answered_by_the_passage_with_the_figure(zoo: PolicyQA) -> None:
    # two tasks are on the pharmacies; only one says how many open
    answer = zoo.ask("明灯药房今年总共准备开多少家？")
    assert answer.citations[0].id == "2024-1"
    assert "800家" in answer.answer


@pytest.mark.parametrize(
    ("question", "task", "facts"),
    [
        ("完善门诊共济保障机制由哪个部门负责？", "2024-4", ["国家医保局"]),
        ("2024年第三项任务由谁负责？", "2024-3", ["国家医保局"]),
        ("清泉监测网络什么时候实现数据按日报送？", "2024-5", ["2024年12月底前"]),
        ("清泉监测网络要扩展到多少个城市？", "2024-5", ["200个城市"]),
    ],
)
def test_chinese_questions_are_answered_from_the_chinese_notice(
    zoo: PolicyQA, question: str, task: str, facts: list[str]
) -> None:
    answer = zoo.ask(question)
    assert not answer.refused, answer.answer
    assert task in [c.id for c in answer.citations]
    for fact in facts:
        assert fact in answer.answer, (fact, answer.answer)


@pytest.mark.parametrize(
    "question",
    ["明灯药房的药品价格由哪家企业制定？", "2024年全国共有多少名乡村医生退休？"],
)
def test_chinese_questions_the_notice_does_not_answer_are_refused(zoo: PolicyQA, question: str) -> None:
    answer = zoo.ask(question)
    assert answer.refused, answer.answer


def test_a_document_named_by_more_than_its_year_is_searched_first(zoo: PolicyQA) -> None:
    # 2019-4 (the notice) and 2019-summary-2 (its news summary) both cover cheaper generic medicines
    answer = zoo.ask("In the 2019 news summary, who takes the lead on cheaper generic medicines?")
    assert [c.id for c in answer.citations] == ["2019-summary-2"]
    answer = zoo.ask("In the 2019 notice, who is responsible for pooled purchasing of generic drugs?")
    assert [c.id for c in answer.citations] == ["2019-4"]


# what the notices state in a task's title, and what a question only gives as context


def test_a_figure_stated_only_in_a_task_title_is_given_not_refused(zoo: PolicyQA) -> None:
    # 2023 task (3)'s title holds its only figure: "… to 500 counties"
    answer = zoo.ask("How many counties are the 2023 compact county medical communities meant to reach?")
    assert not answer.refused, answer.answer
    assert [c.id for c in answer.citations][:1] == ["2023-3"]
    assert "500 counties" in answer.answer


def test_a_place_named_only_as_the_askers_context_refuses_nothing(zoo: PolicyQA) -> None:
    answer = zoo.ask("I manage a township clinic in Hangzhou. What will the 2025 notice give every village?")
    assert not answer.refused, answer.answer
    assert "2025-1" in [c.id for c in answer.citations]
    asked = zoo.ask("Does the 2025 notice fund village clinics in Hangzhou?")
    assert asked.refusal is not None and asked.refusal.code == "not_in_documents"
    assert "Hangzhou" in asked.refusal.message


def test_a_time_span_is_when_not_what(zoo: PolicyQA) -> None:
    # "Q4" and "the last quarter" name months, not a topic the documents would have to mention
    for question in (
        "Does anything in the 2019 notice fall due in Q4?",
        "What is due in the last quarter of 2019?",
    ):
        answer = zoo.ask(question)
        assert not answer.refused, (question, answer.answer)
        assert "2019-4" in [c.id for c in answer.citations], question  # due by the end of October 2019


def test_which_commission_asks_for_the_lead_department(zoo: PolicyQA) -> None:
    answer = zoo.ask("Which commission is in charge of widening the 2023 compact county medical communities?")
    assert [c.id for c in answer.citations][:1] == ["2023-3"]
    assert "National Health Commission" in answer.answer


def test_a_section_named_by_its_title_lists_exactly_its_tasks(zoo: PolicyQA) -> None:
    answer = zoo.ask("Which 2019 tasks fall under reducing the cost of medicines?")
    assert [c.id for c in answer.citations] == ["2019-4", "2019-5", "2019-6"]
    # each listed task says what it does in a sentence of its own, not by its title alone
    assert answer.answer.count("\u201d: ") == 3, answer.answer


def test_who_put_out_a_notice_is_read_from_that_notices_header(zoo: PolicyQA) -> None:
    answer = zoo.ask("Which ministries put out the second-half 2023 notice?")
    assert [c.id for c in answer.citations] == ["2023h2-notice"]
    assert "National Development and Reform Commission" in answer.answer


def test_a_follow_up_asking_which_places_is_refused_when_the_task_names_none(zoo: PolicyQA) -> None:
    first = "What does the 2023 second-half notice say about long-term care insurance?"
    history = [Turn(role="user", content=first), Turn(role="assistant", content=zoo.ask(first).answer)]
    answer = zoo.ask("and which cities are in that pilot?", history=history)
    assert answer.refusal is not None and answer.refusal.code == "instances_not_named", answer.answer


def test_a_department_asked_about_is_not_a_list_of_its_tasks(zoo: PolicyQA) -> None:
    # the tasks are what the report covers, not what is asked for: the closing's reporting sentence answers
    answer = zoo.ask(
        "Before what date do localities owe the National Health Commission their report on the"
        " second-half 2023 tasks?"
    )
    assert [c.id for c in answer.citations] == ["2023h2-closing"]
    assert "January 2024" in answer.answer


# structure questions over a year with two documents: counted, first and last within the document named


def test_a_task_count_counts_the_document_named_not_the_whole_year(zoo: PolicyQA) -> None:
    half = zoo.ask("How many numbered tasks are in the 2023 second-half notice?")
    assert [c.id for c in half.citations] == ["2023h2-1", "2023h2-5"]
    assert "5 numbered tasks" in half.answer
    summary = zoo.ask("How many tasks are in the 2019 news summary?")
    assert [c.id for c in summary.citations] == ["2019-summary-1", "2019-summary-5"]


def test_a_year_named_alone_means_that_years_own_notice_for_structure(zoo: PolicyQA) -> None:
    # the 2023 Word notice has six tasks, the second-half PDF five: "the 2023 notice" is the former
    answer = zoo.ask("How many tasks does the 2023 notice have?")
    assert [c.id for c in answer.citations] == ["2023-1", "2023-6"]
    assert "6 numbered tasks" in answer.answer


def test_a_section_named_as_a_part_or_chapter_with_any_numeral_lists_its_tasks(zoo: PolicyQA) -> None:
    roman = zoo.ask("What is part II of the 2019 plan about?")
    assert [c.id for c in roman.citations] == ["2019-4", "2019-5", "2019-6"]
    assert "Reducing the cost of medicines" in roman.answer
    chapter = zoo.ask("What's the second chapter of the 2020 second-half notice?")
    assert [c.id for c in chapter.citations] == ["2020h2-4", "2020h2-5", "2020h2-6"]
    assert "medicines and medical insurance" in chapter.answer


# the notice header, asked for by what the notice issues ("the key tasks", "the plan") or by who ran it


def test_who_issued_the_key_tasks_is_answered_from_the_header_with_every_signatory(zoo: PolicyQA) -> None:
    answer = zoo.ask("Who signed off the 2026 plan?")
    assert [c.id for c in answer.citations] == ["2026-notice"]
    signatories = ["National Health Commission", "Ministry of Finance"]
    signatories.append("National Healthcare Security Administration")
    for issuer in signatories:
        assert issuer in answer.answer  # signed one per line below the address
    dated = zoo.ask("When were the 2025 key tasks issued?")
    assert [c.id for c in dated.citations] == ["2025-notice"]
    assert "May 20, 2025" in dated.answer


def test_the_paper_that_ran_a_news_summary_is_read_from_its_header(zoo: PolicyQA) -> None:
    answer = zoo.ask("Which paper carried the 2019 news summary?")
    assert [c.id for c in answer.citations] == ["2019-summary-notice"]
    assert "Capital Health Daily" in answer.answer


# a how-many question needs a number of what it counts, not any number in a sentence that names it


def test_a_count_of_people_the_sentence_only_mentions_is_refused(zoo: PolicyQA) -> None:
    # 2026-2: "Nurses who serve five years in a rural post…": a number and nurses, but no number of nurses
    answer = zoo.ask("How many nurses will get the rural post allowance in 2026?")
    assert answer.refused and answer.refusal is not None
    assert answer.refusal.code == RefusalCode.FIGURE_NOT_GIVEN


@pytest.mark.parametrize(
    ("question", "task", "figure"),
    [
        ("How many students must medical colleges admit under targeted contracts?", "2023h2-1", "6,000"),
        ("For how many years must 2025 Riverbank graduates serve in a county?", "2025-2", "five years"),
        ("How many more Lantern pharmacies does 2025 open?", "2025-5", "1,500"),
    ],
)
def test_a_number_followed_by_what_is_counted_answers_a_count(
    zoo: PolicyQA, question: str, task: str, figure: str
) -> None:
    answer = zoo.ask(question)
    assert [c.id for c in answer.citations][:1] == [task], answer.answer
    assert figure in answer.answer


def test_which_places_pilot_a_scheme_asks_for_names_the_notice_does_not_give(zoo: PolicyQA) -> None:
    answer = zoo.ask("Which cities are piloting long-term care insurance in 2023?")  # "20 more cities"
    assert answer.refused and answer.refusal is not None
    assert answer.refusal.code == RefusalCode.INSTANCES_NOT_NAMED


# a long question's context matching closely does not vouch for what it asks about when that is unrelated


@pytest.mark.parametrize(
    "question",
    [
        "What penalties do counties face if a village Bright Clinic has no doctor four days a week?",
        "What compensation do water utilities get for sharing water quality alerts with disease control?",
    ],
)
def test_a_focus_unrelated_to_every_found_sentence_is_refused_despite_a_close_context(
    zoo: PolicyQA, question: str
) -> None:
    answer = zoo.ask(question)
    assert answer.refused and answer.refusal is not None, answer.answer
    assert answer.refusal.code == RefusalCode.NOT_IN_DOCUMENTS


def test_a_news_summary_is_named_as_the_news_article_or_write_up_and_its_items_as_priorities(
    zoo: PolicyQA,
) -> None:
    last = zoo.ask("What is the last priority in the 2019 news article?")
    assert [c.id for c in last.citations] == ["2019-summary-5"]
    lead = zoo.ask("Who takes the lead on cheaper generics according to the 2019 news write-up?")
    assert [c.id for c in lead.citations] == ["2019-summary-2"]


# a department named as the subject: its tasks are asked, within the document the question names


def test_what_a_named_department_is_in_charge_of_lists_its_tasks_in_the_named_document(zoo: PolicyQA) -> None:
    half = zoo.ask("What is the National Medical Products Administration in charge of, second half of 2023?")
    assert [c.id for c in half.citations] == ["2023h2-3", "2023h2-4"]  # not the 2023 Word notice's tasks
    handled = zoo.ask("What does the Ministry of Human Resources and Social Security handle in 2026?")
    assert [c.id for c in handled.citations] == ["2026-2"]
    assert "rural post allowances to nurses" in handled.answer


# a Chinese question about the notice itself: its number, date and issuers, from its header


@pytest.mark.parametrize(
    ("question", "fact"),
    [
        ("麻烦告诉我，四部门那份2024年医改文件编的文号是多少", "国卫体改发〔2024〕12号"),
        ("这份2024年通知的印发日期是哪天？", "2024年6月3日"),
        ("2024年的通知是哪些部门联合印发的？", "国家药监局"),
    ],
)
def test_a_chinese_question_about_the_notice_is_answered_from_its_header(
    zoo: PolicyQA, question: str, fact: str
) -> None:
    answer = zoo.ask(question)
    assert [c.id for c in answer.citations] == ["2024-notice"], answer.answer
    assert fact in answer.answer


def test_a_lead_answer_names_a_department_by_the_short_name_the_notice_defines(zoo: PolicyQA) -> None:
    """The 2025 notice defines "the Reform Secretariat" for the State Council's medical reform secretariat
    and makes it responsible for task 8: the answer names it as the task writes it."""
    answer = zoo.ask("Which 2025 tasks does the Reform Secretariat lead?")
    assert [c.id for c in answer.citations] == ["2025-8"], answer.answer
    assert "Reform Secretariat" in answer.answer and answer.grounding == 1.0
