"""The optional cross-encoder reranker: off by default, a clear error for a bad path, real reordering."""

from __future__ import annotations

import pytest

from assistant.core.rerank import CrossEncoderReranker


def test_reranking_is_off_when_no_model_is_configured(service):
    assert service.settings.reranker_model is None
    assert service.library.retriever.reranker is None
    assert all(h.rerank is None for h in service.search("centralized procurement"))


def test_a_missing_reranker_model_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"reranker model not found at .*nowhere"):
        CrossEncoderReranker(str(tmp_path / "nowhere"))


def test_hits_are_reordered_by_the_cross_encoder_scores(service):
    # No cross-encoder ships offline; MiniLM's weights loaded as a CrossEncoder are a real model whose
    # scores are arbitrary but deterministic, which is all ordering needs.
    reranker = CrossEncoderReranker(service.settings.embed_model_path, depth=5)
    query = "centralized procurement of drugs"
    hits = service.search(query, top_k=8)
    reranked = reranker.rerank(query, list(hits))
    scores = reranker.model.predict([(query, h.chunk) for h in hits[:5]], show_progress_bar=False)
    expected = [h.unit.id for _, h in sorted(zip(scores, hits[:5], strict=True), key=lambda p: -p[0])]
    assert [h.unit.id for h in reranked[:5]] == expected
    assert [h.unit.id for h in reranked[5:]] == [h.unit.id for h in hits[5:]]
    assert all(h.rerank is not None for h in reranked[:5])
