"""The corpus's own words for a word it never uses: "tumours" → "cancer", "kids" → "children".

A user asks in everyday words; the notices use their own. BM25 finds nothing for a word the corpus lacks, so
such a word is looked up among the corpus's words by the embedder's sense of them, and the nearest (above a
threshold) join the lexical query. Learned from the indexed text, not listed by hand: a new document brings
its own vocabulary.
"""

from __future__ import annotations

import os
import re
import tempfile
import threading
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np

from index.lexical import english_words

BATCH = 256  # corpus words embedded per model call
CACHED_WORDS = 50_000  # question words whose nearest corpus words are kept
WORD = re.compile(r"[a-z]{3,}")  # English words (Chinese goes to jieba, which needs no stand-ins)


class CorpusNeighbours:
    """Nearest corpus words of a word outside the corpus's vocabulary.

    `embed` embeds a batch of texts (normalised rows). The corpus's words are embedded once, on first use
    (or by `warm`): a small corpus's few hundred words at once, so that every answer is the same from the
    first question on; a large corpus's (`background`) in a thread, in batches, while the questions asked
    meanwhile go without stand-ins rather than wait.

    With `saved`, the embedded words are kept in that file for the next start (embedding every corpus word
    costs seconds of a server's cold start). The file is used only when it holds exactly the words the
    corpus has now; the caller names it after the embedder, so another model or backend never reads it.
    """

    def __init__(
        self,
        texts: Callable[[], Iterable[str]],
        vocabulary: set[str],
        embed: Callable[[list[str]], np.ndarray],
        threshold: float = 0.55,
        per_word: int = 2,
        background: bool = False,
        saved: Path | None = None,
    ) -> None:
        self._texts = texts
        self._saved = saved
        self.vocabulary = vocabulary  # stemmed, as BM25 holds them
        self._embed = embed
        self.threshold = threshold
        self.per_word = per_word
        self.background = background
        self._lock = threading.Lock()
        self._table: tuple[list[str], np.ndarray] | None = None
        self._building: threading.Thread | None = None
        # word → its nearest corpus words with their similarity: people reuse their words, and a word looked
        # up once costs no model call again
        self._nearest: dict[str, list[tuple[str, float]]] = {}

    def _build(self) -> None:
        words = sorted({w for text in self._texts() for w in WORD.findall(text.lower())})
        words = [w for w in words if english_words(w)]  # stop words have no stem to add
        if (vectors := self._load_saved(words)) is not None:
            self._table = (words, vectors)
            return
        batches: list[np.ndarray] = []
        for start in range(0, len(words), BATCH):
            if not threading.main_thread().is_alive():
                return  # never leave the process with the model mid-call
            batches.append(self._embed(words[start : start + BATCH]))
        self._table = (words, np.vstack(batches) if batches else np.zeros((0, 1), dtype=np.float32))
        self._save(*self._table)

    def _load_saved(self, words: list[str]) -> np.ndarray | None:
        """The saved vectors of `words`; None when nothing is saved, or it was saved for other words."""
        if self._saved is None:
            return None
        try:
            with np.load(self._saved, allow_pickle=False) as saved:
                if saved["words"].tolist() != words:
                    return None
                vectors: np.ndarray = saved["vectors"]
        except (OSError, ValueError, KeyError):
            return None  # not saved yet, or unreadable: embed the words again
        return vectors

    def _save(self, words: list[str], vectors: np.ndarray) -> None:
        """Write the table for the next start: aside, then renamed into place, so that a crash never leaves
        a half-written file; a folder that cannot be written only costs the embedding next time."""
        if self._saved is None:
            return
        work: str | None = None
        try:
            self._saved.parent.mkdir(parents=True, exist_ok=True)
            handle, work = tempfile.mkstemp(prefix=".neighbours-", suffix=".npz", dir=self._saved.parent)
            with os.fdopen(handle, "wb") as output:
                np.savez(output, words=np.array(words, dtype=str), vectors=vectors)
            os.replace(work, self._saved)
            work = None
        except OSError:
            pass
        finally:
            if work is not None:
                Path(work).unlink(missing_ok=True)

    def warm(self) -> None:
        """Embed the corpus's words now (in this thread)."""
        with self._lock:
            if self._table is None:
                self._build()

    def _ready(self) -> tuple[list[str], np.ndarray] | None:
        """The embedded corpus words; None while a background build is still running."""
        if self._table is not None:
            return self._table
        if not self.background:
            self.warm()
            return self._table
        with self._lock:
            if self._building is None:
                self._building = threading.Thread(target=self.warm, name="policyqa-neighbours", daemon=True)
                self._building.start()
        return None

    def unknown(self, text: str) -> list[str]:
        """The words of `text` the corpus never uses (English words with a content stem)."""
        return [
            w
            for w in dict.fromkeys(WORD.findall(text.lower()))
            if (stem := english_words(w)) and stem[0] not in self.vocabulary
        ]

    def _looked_up(self, words: list[str]) -> dict[str, list[tuple[str, float]]]:
        """Each word's `per_word` nearest corpus words and similarities (one model call for the new words);
        empty while the corpus's words are not embedded yet."""
        table = self._ready()
        if table is None or not table[0]:
            return {w: [] for w in words}
        corpus, vectors = table
        new = [w for w in dict.fromkeys(words) if w not in self._nearest]
        if new:
            similarities = vectors @ self._embed(new).T  # one column per new word
            with self._lock:
                if len(self._nearest) > CACHED_WORDS:
                    self._nearest.clear()
                for word, column in zip(new, similarities.T, strict=True):
                    best = np.argsort(-column)[: self.per_word]
                    self._nearest[word] = [(corpus[i], float(column[i])) for i in best]
        return {w: self._nearest.get(w, []) for w in words}

    def nearest(self, words: list[str], threshold: float) -> dict[str, set[str]]:
        """Each word's nearest corpus words at least `threshold` similar, as stems ("countryside" →
        {"rural"}): any word, whether or not the corpus uses it."""
        return {
            word: {
                stem for near, similarity in found if similarity >= threshold for stem in english_words(near)
            }
            for word, found in self._looked_up(words).items()
        }

    def of(self, text: str) -> list[str]:
        """Corpus words standing in for the words of `text` the corpus lacks, nearest first per word."""
        found: list[str] = []
        for near in self._looked_up(self.unknown(text)).values():
            found += [w for w, similarity in near if similarity >= self.threshold and w not in found]
        return found
