"""The corpus's own words for a word it never uses: "tumours" → "cancer", "kids" → "children".

A user asks in everyday words; the notices use their own. BM25 finds nothing for a word the corpus lacks, so
such a word is looked up among the corpus's words by the embedder's sense of them, and the nearest (above a
threshold) join the lexical query. Learned from the indexed text, not listed by hand: a new document brings
its own vocabulary.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable
from functools import cached_property

import numpy as np

from index.lexical import english_words

WORD = re.compile(r"[a-z]{3,}")  # English words (Chinese goes to jieba, which needs no stand-ins)


class CorpusNeighbours:
    """Nearest corpus words of a word outside the corpus's vocabulary.

    `embed` embeds a batch of texts (normalised rows). The corpus's words are embedded once, on first use
    (or by `warm`), since a few thousand words take seconds and most questions need none of them.
    """

    def __init__(
        self,
        texts: Callable[[], Iterable[str]],
        vocabulary: set[str],
        embed: Callable[[list[str]], np.ndarray],
        threshold: float = 0.55,
        per_word: int = 2,
    ) -> None:
        self._texts = texts
        self.vocabulary = vocabulary  # stemmed, as BM25 holds them
        self._embed = embed
        self.threshold = threshold
        self.per_word = per_word
        self._lock = threading.Lock()

    @cached_property
    def _table(self) -> tuple[list[str], np.ndarray]:
        words = sorted({w for text in self._texts() for w in WORD.findall(text.lower())})
        words = [w for w in words if english_words(w)]  # stop words have no stem to add
        vectors = self._embed(words) if words else np.zeros((0, 1), dtype=np.float32)
        return words, vectors

    def warm(self) -> None:
        with self._lock:
            _ = self._table

    def unknown(self, text: str) -> list[str]:
        """The words of `text` the corpus never uses (English words with a content stem)."""
        return [
            w
            for w in dict.fromkeys(WORD.findall(text.lower()))
            if (stem := english_words(w)) and stem[0] not in self.vocabulary
        ]

    def nearest(self, words: list[str], threshold: float) -> dict[str, set[str]]:
        """Each word's nearest corpus words at least `threshold` similar, as stems ("countryside" →
        {"rural"}): any word, whether or not the corpus uses it."""
        with self._lock:
            corpus, vectors = self._table
        if not words or not corpus:
            return {w: set() for w in words}
        similarities = vectors @ self._embed(words).T
        return {
            word: {
                stem
                for i in np.argsort(-column)[: self.per_word]
                if column[i] >= threshold
                for stem in english_words(corpus[i])
            }
            for word, column in zip(words, similarities.T, strict=True)
        }

    def of(self, text: str) -> list[str]:
        """Corpus words standing in for the words of `text` the corpus lacks, nearest first per word."""
        unknown = self.unknown(text)
        if not unknown:
            return []
        with self._lock:
            words, vectors = self._table
        if not words:
            return []
        similarities = vectors @ self._embed(unknown).T  # one column per unknown word
        found: list[str] = []
        for column in similarities.T:
            best = np.argsort(-column)[: self.per_word]
            found += [words[i] for i in best if column[i] >= self.threshold and words[i] not in found]
        return found
