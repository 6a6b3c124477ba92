"""The optional cross-encoder reranker: off by default, a clear error for a bad path, and its ordering logic
checked against a small deterministic scorer whose scores are known in advance."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from assistant.core.rerank import CrossEncoderReranker
from assistant.core.retrieve import Hit
from index.model import Task, UnitKind


def test_reranking_is_off_when_no_model_is_configured(service):
    assert service.settings.reranker_model is None
    assert service.library.retriever.reranker is None
    assert all(h.rerank is None for h in service.search("centralized procurement"))


def test_a_missing_reranker_model_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"reranker model not found at .*nowhere"):
        CrossEncoderReranker(str(tmp_path / "nowhere"))


class WordCountScorer:
    """Scores a (query, chunk) pair by how many times the chunk says "procurement", minus its length in
    hundreds of characters: simple enough that the expected order is worked out by hand below."""

    def __init__(self) -> None:
        self.calls: list[list[tuple[str, str]]] = []

    def predict(self, pairs: Sequence[tuple[str, str]], show_progress_bar: bool = False) -> list[float]:
        self.calls.append(list(pairs))
        return [chunk.count("procurement") - len(chunk) / 100 for _, chunk in pairs]


def hit(uid: str, chunk: str, score: float) -> Hit:
    unit = Task(id=uid, doc_id="2021", year=2021, kind=UnitKind.TASK, number=1, title=uid, sentences=[chunk])
    return Hit(unit=unit, score=score, chunk=chunk)


def reranker_with(scorer: WordCountScorer, depth: int) -> CrossEncoderReranker:
    """A reranker whose cross-encoder is the known scorer (no model is loaded)."""
    reranker = CrossEncoderReranker.__new__(CrossEncoderReranker)
    reranker.model = scorer
    reranker.depth = depth
    return reranker


def test_the_head_is_ordered_by_score_and_the_tail_kept_in_place() -> None:
    hits = [
        hit("a", "prices", 0.9),  # 0 - 0.06 = -0.06
        hit("b", "procurement procurement", 0.8),  # 2 - 0.23 = 1.77
        hit("c", "procurement", 0.7),  # 1 - 0.11 = 0.89
        hit("d", "procurement procurement procurement", 0.6),  # beyond depth: not scored, stays last
    ]
    scorer = WordCountScorer()
    reranked = reranker_with(scorer, depth=3).rerank("centralized procurement", hits)
    assert [h.unit.id for h in reranked] == ["b", "c", "a", "d"]
    assert [h.rerank for h in reranked[:3]] == pytest.approx([1.77, 0.89, -0.06])
    assert reranked[3].rerank is None
    assert scorer.calls == [[("centralized procurement", h.chunk) for h in hits[:3]]]


def test_equal_scores_keep_the_fused_order_and_negative_scores_rank_below_zero() -> None:
    hits = [hit("x", "aa", 0.5), hit("y", "bb", 0.4), hit("z", "procurement" + "c" * 189, 0.3)]
    # x and y tie at -0.02; z scores 1 - 2.0 = -1.0
    reranked = reranker_with(WordCountScorer(), depth=10).rerank("q", hits)
    assert [h.unit.id for h in reranked] == ["x", "y", "z"]


def test_no_hits_and_no_scoring() -> None:
    scorer = WordCountScorer()
    assert reranker_with(scorer, depth=5).rerank("q", []) == []
    assert scorer.calls == []


def test_the_real_cross_encoder_scores_the_head_only(service):
    # No cross-encoder ships offline; MiniLM's weights loaded as a CrossEncoder are a real model. Its scores
    # are arbitrary, so only what does not depend on them is asserted: the head is scored and is a
    # permutation of the fused head, the tail is untouched.
    reranker = CrossEncoderReranker(service.settings.embed_model_path, depth=5)
    query = "centralized procurement of drugs"
    hits = service.search(query, top_k=8)
    head_ids = sorted(h.unit.id for h in hits[:5])
    reranked = reranker.rerank(query, list(hits))
    assert sorted(h.unit.id for h in reranked[:5]) == head_ids
    assert [h.unit.id for h in reranked[5:]] == [h.unit.id for h in hits[5:]]
    scores = [h.rerank for h in reranked[:5]]
    assert all(s is not None for s in scores)
    assert scores == sorted(scores, reverse=True)
