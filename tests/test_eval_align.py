"""Alignment precision and recall against the hand labels (eval/gold/align.json), with the real model."""

from __future__ import annotations

from eval.align import TARGET, GoldPair, evaluate, load_gold, score_pair
from index.align import LinkStatus, PairAlignment, TaskLink


def test_the_test_pair_meets_the_target() -> None:
    """The test pair (eval/zoo/align-test) was written and labelled before the aligner ran on it."""
    result = evaluate("test")
    assert result["pairs"] == 1
    assert result["precision"] >= TARGET and result["recall"] >= TARGET, result["per_pair"]
    assert result["change_kind_accuracy"] >= TARGET, result["per_pair"]


def test_the_scorer_counts_wrong_links_missed_new_and_dropped_tasks() -> None:
    gold = next(p for p in load_gold() if (p.from_doc, p.to_doc) == ("2034", "2035"))
    assert isinstance(gold, GoldPair)
    perfect = PairAlignment(
        from_doc="2034",
        to_doc="2035",
        fingerprint="",
        links=[
            *(TaskLink(status=LinkStatus.CHANGED, from_id=g.from_id, to_id=g.to_id) for g in gold.links),
            *(TaskLink(status=LinkStatus.NEW, to_id=i) for i in gold.new),
            *(TaskLink(status=LinkStatus.DROPPED, from_id=i) for i in gold.dropped),
        ],
    )
    score = score_pair(gold, perfect)
    assert score.correct == score.predicted == score.gold
    # link a new task to a dropped one: one wrong link, one new and one dropped task missed
    wrong = perfect.model_copy(deep=True)
    wrong.links = [lk for lk in wrong.links if lk.to_id != "2035-2" and lk.from_id != "2034-3"]
    wrong.links.append(TaskLink(status=LinkStatus.CONTINUED, from_id="2034-3", to_id="2035-2"))
    score = score_pair(gold, wrong)
    assert score.predicted - score.correct == 1
    assert score.gold - score.correct == 2
