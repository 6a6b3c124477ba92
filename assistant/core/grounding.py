"""Check that every sentence of an answer is supported by the text of the units it cites."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from assistant.core.text import MARKER, content_words
from index.parse import split_sentences


def answer_sentences(answer: str) -> list[str]:
    """Split an answer into sentences, each keeping its citation markers.

    A marker closes a sentence when a new one starts after it; inside the text between markers, ordinary
    sentence boundaries apply (never at "No." or "etc.").
    """
    sentences: list[str] = []
    start = 0
    for match in re.finditer(r"\[20\d\d-\w+\]\.?", answer):
        rest = answer[match.end() :]
        # a new sentence may open with a label: "… [2021-3]. 2021 task (4), “…”"
        if not rest.strip() or re.match(r"\s*\n|\s+[A-Z0-9\"“(]", rest):
            sentences.extend(split_sentences(answer[start : match.end()]))
            start = match.end()
    sentences.extend(split_sentences(answer[start:]))
    return [s for s in sentences if not re.fullmatch(r"[\W_]+", s)]


@dataclass
class SentenceSupport:
    """How well one answer sentence is supported by the text it cites."""

    sentence: str
    cited: list[str]
    coverage: float  # share of its content words found in the cited text
    similarity: float  # best embedding similarity to a cited sentence (computed only when needed)
    score: float
    supported: bool


@dataclass
class GroundingResult:
    score: float  # share of sentences supported, in [0, 1]
    sentences: list[SentenceSupport] = field(default_factory=list)
    embed_ms: float = 0.0  # of the check's time, what the embedding model took (paraphrased sentences)

    @property
    def unsupported(self) -> list[str]:
        return [s.sentence for s in self.sentences if not s.supported]


class GroundingChecker:
    """Scores answer sentences against cited text: content-word coverage, then embedding similarity.

    Coverage alone decides clear cases; a sentence that paraphrases (coverage below `lexical_pass`) is
    also compared by embedding with the cited sentences, so a faithful paraphrase can still pass.
    """

    def __init__(
        self,
        embed: Callable[[list[str]], np.ndarray] | None = None,
        threshold: float = 0.6,
        lexical_pass: float = 0.8,
        read_sources: Callable[[list[str]], object] | None = None,
    ) -> None:
        self.embed = embed
        # called with the source ids once, before the first sentence is compared by embedding (none may
        # be): reads the vectors the sources already have, so that `embed` need not compute them
        self.read_sources = read_sources
        self.threshold = threshold
        self.lexical_pass = lexical_pass

    def check(self, answer: str, sources: dict[str, list[str]]) -> GroundingResult:
        """Grounding of `answer`, whose markers cite the ids of `sources` (id → support sentences)."""
        embed_ms = [0.0]
        prepared = self.read_sources is None

        def embed(texts: list[str]) -> np.ndarray:
            nonlocal prepared
            if not prepared:
                prepared = True
                started = time.perf_counter()
                self.read_sources(list(sources))  # type: ignore[misc]  # not None while unprepared
                embed_ms[0] -= (time.perf_counter() - started) * 1000  # reading vectors is not embedding
            assert self.embed is not None  # only called when the checker embeds
            return self.embed(texts)

        results = [self._sentence(s, sources, embed_ms, embed) for s in answer_sentences(answer)]
        if not results:
            return GroundingResult(score=0.0)
        score = sum(r.supported for r in results) / len(results)
        return GroundingResult(score=score, sentences=results, embed_ms=embed_ms[0])

    def _sentence(
        self,
        sentence: str,
        sources: dict[str, list[str]],
        embed_ms: list[float],
        embed: Callable[[list[str]], np.ndarray],
    ) -> SentenceSupport:
        cited = [c for c in MARKER.findall(sentence) if c in sources]
        support = [s for c in cited for s in sources[c]]
        words = content_words(sentence)
        if not cited:
            return SentenceSupport(sentence, cited, 0.0, 0.0, 0.0, False)
        support_words = content_words(" ".join(support))
        coverage = len(words & support_words) / len(words) if words else 1.0
        similarity = 0.0
        score = coverage
        if coverage < self.lexical_pass and self.embed is not None and support:
            started = time.perf_counter()
            vectors = embed([MARKER.sub("", sentence), *support])
            embed_ms[0] += (time.perf_counter() - started) * 1000
            similarity = float(np.max(vectors[1:] @ vectors[0]))
            score = (coverage + similarity) / 2
        return SentenceSupport(sentence, cited, coverage, similarity, score, score >= self.threshold)
