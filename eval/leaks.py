"""The sealed test split must not leak: no test question, or near-copy of one, in dev or in pytest cases.

Run in CI by tests/test_eval_leaks.py. Two texts are near-copies when, after normalising (lower case,
punctuation dropped, whitespace collapsed), their word-set Jaccard similarity or their difflib ratio reaches
`NEAR_COPY`. The difflib ratio catches reworded copies that keep most characters; Jaccard catches copies
with the words reordered.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable
from dataclasses import dataclass
from difflib import SequenceMatcher
from pathlib import Path

NEAR_COPY = 0.8
MIN_LITERAL = 20  # characters: shorter string literals in tests cannot be a question


def normalise(text: str) -> str:
    """Lower case, words (and Chinese characters) only, single spaces."""
    return " ".join(re.findall(r"[a-z0-9]+|[\u3400-\u9fff]", text.lower()))


def similarity(a: str, b: str) -> float:
    """The larger of word-set Jaccard and difflib ratio of the normalised texts, in [0, 1].

    The (slow) difflib ratio is computed only when its cheap upper bounds reach NEAR_COPY; below that it
    counts as 0, so values under NEAR_COPY are lower bounds, which is all the leak check compares.
    """
    left, right = normalise(a), normalise(b)
    words_a, words_b = set(left.split()), set(right.split())
    union = words_a | words_b
    jaccard = len(words_a & words_b) / len(union) if union else 1.0
    matcher = SequenceMatcher(None, left, right, autojunk=False)
    close = matcher.real_quick_ratio() >= NEAR_COPY and matcher.quick_ratio() >= NEAR_COPY
    ratio = matcher.ratio() if close else 0.0
    return max(jaccard, ratio)


@dataclass(frozen=True)
class Leak:
    """A sealed question found (or nearly) somewhere it must not be."""

    sealed_id: str
    sealed: str
    where: str  # "dev q123", "tests/test_x.py:42"
    text: str
    score: float

    def __str__(self) -> str:
        # Ids and the score only: either text would show the sealed question to whoever reads the log.
        return f"sealed {self.sealed_id} ~ {self.where} ({self.score:.2f})"


def find_leaks(
    sealed: Iterable[tuple[str, str]], candidates: Iterable[tuple[str, str]], threshold: float = NEAR_COPY
) -> list[Leak]:
    """Every (sealed question, candidate text) pair at least `threshold` similar.

    Both arguments are (name, text) pairs: sealed ids with their questions; where a candidate is found
    with its text.
    """
    pool = list(candidates)
    return [
        Leak(sealed_id, question, where, text, score)
        for sealed_id, question in sealed
        for where, text in pool
        if (score := similarity(question, text)) >= threshold
    ]


def string_literals(path: Path, root: Path | None = None) -> list[tuple[str, str]]:
    """("file:line", text) of every string literal of at least MIN_LITERAL characters in a Python file."""
    name = str(path.relative_to(root)) if root else str(path)
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return [
        (f"{name}:{node.lineno}", node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and len(node.value) >= MIN_LITERAL
    ]
