"""The evaluation metrics, gate and report helpers on small hand-made cases."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from eval.baselines import units_of_chunk
from eval.gate import check_gate
from eval.harness import git_commit, retrieval_query
from eval.metrics import (
    RefusalCounts,
    answer_metrics,
    breakdown,
    citation_precision,
    citation_recall,
    facts_present,
    key_fact_coverage,
    lexical_grounding,
    mean,
    ndcg_at_k,
    percentile,
    product_metrics,
    recall_at_k,
    reciprocal_rank,
    retrieval_metrics,
)
from eval.records import Breakdown, GoldItem, QuestionRecord, RunConfig, RunResult
from eval.report import comparison_rows, problems
from index.model import Task, UnitKind


def record(**fields: object) -> QuestionRecord:
    base: dict[str, object] = {
        "id": "q1",
        "question": "?",
        "category": "fact",
        "answerable": True,
        "gold_ids": ["2021-1"],
        "key_facts": [],
    }
    return QuestionRecord.model_validate(base | fields)


def test_recall_at_k() -> None:
    ranking = ["2021-3", "2021-1", "2021-2"]
    assert recall_at_k(ranking, {"2021-1", "2021-2"}, 1) == 0
    assert recall_at_k(ranking, {"2021-1", "2021-2"}, 2) == 0.5
    assert recall_at_k(ranking, {"2021-1", "2021-2"}, 5) == 1


def test_recall_at_k_is_capped_at_k_gold_ids() -> None:
    """A list question with more gold ids than places: a perfect top five scores 1, a half-right one 0.6."""
    gold = {f"2021-{n}" for n in range(1, 9)}
    perfect = [f"2021-{n}" for n in range(1, 9)]
    assert recall_at_k(perfect, gold, 5) == 1
    assert recall_at_k(["2021-1", "2021-2", "2021-3", "2022-1", "2022-2"], gold, 5) == 0.6


def test_reciprocal_rank() -> None:
    assert reciprocal_rank(["a", "b", "c"], {"c", "b"}) == 0.5
    assert reciprocal_rank(["a", "b"], {"z"}) == 0


def test_ndcg_at_k() -> None:
    assert ndcg_at_k(["g", "x"], {"g"}, 5) == 1
    assert ndcg_at_k(["x", "g"], {"g"}, 5) == pytest.approx(1 / math.log2(3))
    # two gold ids, one found at rank 1: DCG = 1, IDCG = 1 + 1/log2(3)
    assert ndcg_at_k(["g", "x", "y"], {"g", "h"}, 5) == pytest.approx(1 / (1 + 1 / math.log2(3)))
    assert ndcg_at_k(["x"] * 5 + ["g"], {"g"}, 5) == 0


def test_citation_precision_and_recall() -> None:
    assert citation_precision(["a", "b"], ["a"]) == 0.5
    assert citation_precision([], ["a"]) is None
    assert citation_recall(["a"], ["a", "b"]) == 0.5
    assert citation_recall(["a"], []) is None


def test_key_facts_are_case_insensitive_substrings_with_variants() -> None:
    answer = "It pilots an ANNUAL  salary system [2021-4]."
    facts = [["annual salary system"], ["price reduction", "salary"], ["missing"]]
    assert facts_present(answer, facts) == [True, True, False]
    assert key_fact_coverage(answer, facts) == pytest.approx(2 / 3)
    assert key_fact_coverage(answer, []) is None


def test_key_facts_cannot_be_met_by_citation_markers_ids_or_labels() -> None:
    answer = "2021 task (12), as set out in 2021-12, covers it [2021-12] [2023h2-4]."
    assert facts_present(answer, [["2021-12"], ["task (12)"], ["(12)"], ["2023h2-4"], ["covers it"]]) == [
        False,
        False,
        False,
        False,
        True,
    ]


def test_lexical_grounding_checks_each_sentence_against_what_it_cites() -> None:
    cited = {"2021-4": "Explore an annual salary system for the main persons in charge of public hospitals."}
    supported = "The main persons in charge of public hospitals may get an annual salary [2021-4]."
    unrelated = "Rural pharmacies must close on Sundays [2021-4]."
    uncited = "Public hospitals get an annual salary system."
    assert lexical_grounding(supported, cited) == 1
    assert lexical_grounding(f"{supported} {unrelated}", cited) == 0.5
    assert lexical_grounding(uncited, cited) == 0
    not_returned = "The persons in charge get a salary [2021-9]."
    assert lexical_grounding(not_returned, cited) == 0
    assert lexical_grounding("", cited) is None


def test_the_document_a_sentence_cites_counts_as_its_evidence_and_nothing_more() -> None:
    cited = {"2020h2-4": "Extend the pooled purchasing of generic drugs to 40 more medicines."}
    assert lexical_grounding(
        "The 2020h2 notice extends pooled purchasing to 40 more medicines [2020h2-4].", cited
    )
    assert lexical_grounding("In 2020, generic drugs: 40 more medicines [2020h2-4].", cited) == 1
    # another document's id is a claim the evidence does not hold
    assert (
        lexical_grounding(
            "The 2019h2 notice extends pooled purchasing to 40 more medicines [2020h2-4].", cited
        )
        == 0
    )


def test_a_sentence_with_no_content_is_not_supported() -> None:
    cited = {"2021-4": "Explore an annual salary system for the main persons in charge of public hospitals."}
    assert lexical_grounding("2021 task (4) [2021-4].", cited) == 0
    assert lexical_grounding("It is this one [2021-4].", cited) == 0


def test_any_units_label_and_quoted_title_are_a_reference_not_a_claim() -> None:
    cited = {"2033h2-closing": "All localities shall report their progress before the end of January 2034."}
    claim = "all localities shall report their progress before the end of January 2034"
    assert (
        lexical_grounding(f"2033h2 closing, \u201cClosing: Reporting\u201d: {claim} [2033h2-closing].", cited)
        == 1
    )
    # the title alone states nothing, and a changed figure after it is still caught
    assert lexical_grounding("2033h2 closing, \u201cClosing: Reporting\u201d [2033h2-closing].", cited) == 0
    wrong = claim.replace("2034", "2035")
    assert (
        lexical_grounding(f"2033h2 closing, \u201cClosing: Reporting\u201d: {wrong} [2033h2-closing].", cited)
        == 0
    )


def test_a_changed_figure_or_name_is_not_supported() -> None:
    cited = {
        "2022-6": "Telemedicine services should cover 95% of districts; the National Health Commission leads."
    }
    assert lexical_grounding("Telemedicine services should cover 95% of districts [2022-6].", cited) == 1
    assert lexical_grounding("Telemedicine services should cover 59% of districts [2022-6].", cited) == 0
    assert lexical_grounding("The Ministry of Justice leads on telemedicine services [2022-6].", cited) == 0
    # the year of the cited unit is evidence for "In 2022"; another year is not
    assert (
        lexical_grounding("In 2022, telemedicine services should cover 95% of districts [2022-6].", cited)
        == 1
    )
    assert (
        lexical_grounding("In 2021, telemedicine services should cover 95% of districts [2022-6].", cited)
        == 0
    )


def test_chinese_sentences_are_checked_by_character_pairs() -> None:
    cited = {"2024zh-3": "推进远程医疗服务覆盖全国95%的区县。"}
    assert lexical_grounding("远程医疗服务覆盖95%的区县 [2024zh-3]。", cited) == 1
    assert lexical_grounding("取消全部乡镇卫生院的药品加成 [2024zh-3]。", cited) == 0


def test_evidence_is_the_units_sentences_and_departments_not_its_label_or_title() -> None:
    from eval.harness import evidence_text

    unit = Task(
        id="2021-5",
        doc_id="2021",
        year=2021,
        kind=UnitKind.TASK,
        number=5,
        title="Promote the reform of medical insurance payment methods",
        sentences=["Promote the pilot projects of paying by disease points."],
        departments_text="(National Medical Insurance Bureau is responsible)",
    )
    text = evidence_text(unit)
    assert "paying by disease points" in text and "National Medical Insurance Bureau" in text
    assert "reform of medical insurance payment methods" not in text
    assert (
        lexical_grounding(
            "This is the reform of medical insurance payment methods [2021-5].", {"2021-5": text}
        )
        == 0
    )


def test_refusal_counts() -> None:
    # (refused, answerable): one correct refusal, one wrong refusal, one missed refusal, two correct answers
    counts = RefusalCounts.of([(True, False), (True, True), (False, False), (False, True), (False, True)])
    assert counts == RefusalCounts(true_positive=1, false_positive=1, false_negative=1, true_negative=2)
    assert counts.precision == 0.5
    assert counts.recall == 0.5
    assert counts.accuracy == 0.6
    assert RefusalCounts.of([(False, True)]).precision is None
    assert RefusalCounts.of([(False, True)]).recall is None


def test_percentile_and_mean() -> None:
    assert percentile([30.0, 10.0, 20.0, 40.0], 50) == 20
    assert percentile([30.0, 10.0, 20.0, 40.0], 95) == 40
    assert percentile([5.0], 50) == 5
    assert percentile([], 50) is None
    assert mean([1.0, None, 0.0]) == 0.5
    assert mean([None]) is None


def test_metrics_skip_undefined_cases_and_break_down_by_category() -> None:
    records = [
        record(
            id="q1",
            rankings={"hybrid": ["2021-1"]},
            citations=["2021-1"],
            answer="A [2021-1].",
            grounding=1.0,
            key_facts=[["a"], ["b"]],
            latency_ms=10.0,
        ),
        record(
            id="q2", rankings={"hybrid": ["2021-2", "2021-1"]}, refused=True, grounding=1.0, latency_ms=30.0
        ),
        record(
            id="q3",
            category="out_of_corpus",
            answerable=False,
            gold_ids=[],
            rankings={"hybrid": ["2021-5"]},
            citations=["2021-5"],
            grounding=0.5,
            latency_ms=20.0,
        ),
    ]
    retrieval = retrieval_metrics(records, "hybrid")
    assert retrieval["recall@1"] == 0.5
    assert retrieval["mrr"] == 0.75
    answers = answer_metrics(records)
    assert answers["citation_precision"] == 1  # q2 cites nothing: undefined, left out
    assert answers["citation_recall"] == 0.5  # q2 refused: recall 0
    assert answers["key_fact_coverage"] == 0.5  # q2 has no key facts: left out
    assert answers["grounding"] == 0.75  # refusals left out
    assert answers["refusal_accuracy"] == pytest.approx(1 / 3)
    assert answers["latency_p50_ms"] == 20
    result = breakdown(records, product_metrics)
    assert list(result.by_category) == ["fact", "out_of_corpus"]
    assert result.by_category["out_of_corpus"]["recall@5"] is None
    assert result.by_category["out_of_corpus"]["refusal_recall"] == 0
    assert result.overall["questions"] == 3
    assert result.overall["unanswerable"] == 1


def test_an_error_is_a_wrong_answer_in_every_metric() -> None:
    failed_answerable = record(id="e1", error="TimeoutError: slow", key_facts=[["a"]], grounding_lexical=0.0)
    failed_unanswerable = record(
        id="e2", category="out_of_corpus", answerable=False, gold_ids=[], error="TimeoutError: slow"
    )
    values = product_metrics([failed_answerable, failed_unanswerable])
    assert values["errors"] == 2
    assert values["citation_precision"] == 0
    assert values["citation_recall"] == 0
    assert values["key_fact_coverage"] == 0
    assert values["grounding"] == 0
    assert values["grounding_lexical"] == 0
    assert values["refusal_accuracy"] == 0  # neither the answerable nor the unanswerable one was right
    assert values["refusal_recall"] == 0
    assert values["refusal_precision"] == 0


def test_chunk_maps_to_the_units_it_overlaps_most() -> None:
    def unit(uid: str, sentence: str) -> Task:
        return Task(id=uid, doc_id="2021", year=2021, kind=UnitKind.PREAMBLE, title=uid, sentences=[sentence])

    long_unit = unit("2021-1", " ".join(f"word{i}" for i in range(40)))
    short_unit = unit("2021-2", "alpha beta gamma delta epsilon zeta eta")
    elsewhere = unit("2021-3", "something else entirely that the chunk does not hold at all")
    chunk = f"{short_unit.text} " + " ".join(f"word{i}" for i in range(15))
    assert units_of_chunk(chunk, [long_unit, short_unit, elsewhere]) == ["2021-1", "2021-2"]
    assert units_of_chunk("nothing in common", [long_unit]) == []


def test_follow_ups_are_retrieved_with_the_earlier_user_turns() -> None:
    item = GoldItem.model_validate(
        {
            "id": "q9",
            "question": "Who leads it?",
            "category": "follow_up",
            "answerable": True,
            "gold_ids": ["2021-5"],
            "key_facts": [],
            "history": [
                {"role": "user", "content": "What does task 5 do?"},
                {"role": "assistant", "content": "x"},
            ],
        }
    )
    assert retrieval_query(item) == "What does task 5 do? Who leads it?"


def test_problems_name_what_went_wrong() -> None:
    found = problems(
        record(
            rankings={"hybrid": ["2021-9"] * 5},
            citations=["2021-9"],
            answer="x [2021-9].",
            key_facts=[["annual salary"]],
            grounding=0.5,
        )
    )
    assert found == [
        "retrieval: 2021-1 not in top 5",
        "missing facts: annual salary",
        "gold not cited: 2021-1",
        "non-gold cited: 2021-9",
        "grounding 0.50",
    ]
    assert problems(record(answerable=False, gold_ids=[], refused=True)) == []
    assert problems(record(answerable=False, gold_ids=[])) == ["answered an unanswerable question"]


def result_with(
    overall: dict[str, float | None], by_category: dict[str, dict[str, float | None]]
) -> RunResult:
    config = RunConfig(
        model="extractive",
        embedding="m",
        embedding_path="/m",
        split="test",
        questions=1,
        git_commit=None,
        date="2025-01-01T00:00:00+00:00",
    )
    return RunResult(config=config, metrics=Breakdown(overall=overall, by_category=by_category), records=[])


def test_gate_failure_message_shows_measured_value_and_categories() -> None:
    result = result_with({"mrr": 0.8}, {"fact": {"mrr": 0.9}, "follow_up": {"mrr": 0.5}})
    (check,) = check_gate(result, {"mrr": 0.85}, maximums={}, floors={})
    assert not check.passed
    assert check.message() == "mrr = 0.800 < 0.85 (by category: fact 0.900, follow_up 0.500)"
    assert check_gate(result, {"mrr": 0.75}, maximums={}, floors={})[0].passed
    assert not check_gate(result, {"recall@5": 0.5}, maximums={}, floors={})[0].passed  # missing metric fails


def test_gate_requires_no_errors() -> None:
    (ok,) = check_gate(result_with({"errors": 0.0}, {}), {}, floors={})
    (failed,) = check_gate(result_with({"errors": 1.0}, {}), {}, floors={})
    assert ok.passed and not failed.passed
    assert failed.message() == "errors = 1.000 > 0 (by category: )"


def test_gate_floors_apply_per_category() -> None:
    result = result_with(
        {},
        {
            "fact": {
                "questions": 10.0,
                "unanswerable": 0.0,
                "key_fact_coverage": 0.9,
                "refusal_recall": None,
            },
            "list": {"questions": 5.0, "unanswerable": 0.0, "key_fact_coverage": 0.6, "refusal_recall": None},
            "out_of_corpus": {
                "questions": 8.0,
                "unanswerable": 8.0,
                "key_fact_coverage": None,
                "refusal_recall": 0.75,
            },
            # mixed categories are held to key facts only; their refusals count in the overall accuracy
            "follow_up": {
                "questions": 6.0,
                "unanswerable": 1.0,
                "key_fact_coverage": 0.8,
                "refusal_recall": 0.0,
            },
        },
    )
    checks = check_gate(result, {}, maximums={})
    assert [(c.name, c.passed) for c in checks] == [
        ("key_fact_coverage [fact]", True),
        ("key_fact_coverage [list]", False),
        ("key_fact_coverage [follow_up]", True),
        ("refusal_recall [out_of_corpus]", False),
    ]
    assert checks[1].message() == "key_fact_coverage [list] = 0.600 < 0.75"


def test_comparison_rows_give_b_minus_a() -> None:
    a = result_with({"mrr": 0.5, "latency_p50_ms": 100.0}, {})
    b = result_with({"mrr": 0.75, "refusal_recall": None}, {})
    assert comparison_rows(a, b) == [
        ("mrr", 0.5, 0.75, 0.25),
        ("latency_p50_ms", 100.0, None, None),
        ("refusal_recall", None, None, None),
    ]


def test_git_commit_is_read_from_the_git_folder(tmp_path: Path) -> None:
    git = tmp_path / ".git"
    (git / "refs" / "heads").mkdir(parents=True)
    (git / "HEAD").write_text("ref: refs/heads/main\n")
    assert git_commit(tmp_path) is None
    (git / "packed-refs").write_text("# pack-refs\n" + "a" * 40 + " refs/heads/main\n")
    assert git_commit(tmp_path) == "a" * 40
    (git / "refs" / "heads" / "main").write_text("b" * 40 + "\n")
    assert git_commit(tmp_path) == "b" * 40
    assert git_commit(tmp_path / "elsewhere") is None


@pytest.mark.parametrize("split", ["dev", "test"])
def test_a_test_split_run_is_written_sealed(tmp_path: Path, split: str) -> None:
    """A test-split run keeps aggregates and per-category numbers; its questions and failures stay out."""
    from eval.harness import write_run

    failing = record(id="q9", question="Which sealed question failed?", rankings={"hybrid": ["2021-9"]})
    result = result_with({"mrr": 0.0}, {"fact": {"mrr": 0.0}}).model_copy(update={"records": [failing]})
    result.config.split = split
    report = write_run(result, tmp_path).read_text()
    saved = RunResult.load(tmp_path / "result.json")
    assert saved.metrics == result.metrics
    assert "| fact |" in report
    if split == "test":
        assert saved.records == []
        assert "Which sealed question failed?" not in report and "q9" not in report
        assert "the test split is sealed" in report
    else:
        assert [r.id for r in saved.records] == ["q9"]
        assert "Which sealed question failed?" in report
