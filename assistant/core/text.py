"""Words of a text as PolicyQA compares them: stemmed content words, without stop words or citation markers.

Question reading, refusal checks, evidence ranking and the grounding check all compare texts by these words,
so they live below all of them.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache
from typing import Any

from index.model import UNIT_ID

MARKER = re.compile(rf"\s*\[({UNIT_ID.pattern})\]")
# Words of PolicyQA's own answer templates: they frame a claim, they are not the claim.
FRAME_WORDS = set(
    [
        "task",
        "tasks",
        "item",
        "items",
        "section",
        "sections",
        "notice",
        "preamble",
        "closing",
        "lead",
        "leads",
        "led",
        "department",
        "departments",
        "responsible",
        "responsibility",
        "deadline",
        "deadlines",
        "set",
        "sets",
        "dated",
        "covers",
        "cover",
        "covered",
        "addresses",
        "address",
        "names",
        "name",
        "named",
        "according",
        "following",
        "among",
        "others",
        "other",
        "document",
        "documents",
        "plan",
        "plans",
        "summary",
        "year",
        "years",
        "says",
        "say",
        "said",
        "calls",
        "call",
        "asks",
        "ask",
        "includes",
        "include",
        "including",
        "match",
        "matches",
        "part",
        "parts",
        "numbered",
        "key",
        "also",
        "under",
        "titled",
    ]
)


@cache
def _stemmer() -> Any:  # PyStemmer ships no type information
    import Stemmer

    return Stemmer.Stemmer("english")


@cache
def _stopwords() -> frozenset[str]:
    from bm25s.stopwords import STOPWORDS_EN

    return frozenset(STOPWORDS_EN)


@cache
def _inflection() -> Any:  # inflect's engine (untyped)
    import inflect

    return inflect.engine()


@cache
def singular(word: str) -> str:
    """`word` in the singular when it is an irregular plural that keeps its singular's stem ("children" →
    "child", "women" → "woman", "criteria" → "criterion"), else `word` as it is.

    The stemmer folds regular plurals ("diseases", "policies") onto their singular but leaves irregular ones
    apart, so a question on "children" would not find "maternal and child". Only irregular plurals are
    changed: a regular one the stemmer already folds, and inflect's guess of a singular for a word that is
    no plural ("analysis" → "analysi", "has" → "ha") is always a regular-looking one.
    """
    found = _inflection().singular_noun(word)
    if not found or found == word:
        return word
    regular = {found + "s", found + "es", found[:-1] + "ies", found[:-1] + "ves", found[:-2] + "ves"}
    if word in regular:
        return word
    # a plural that keeps its singular's stem ("child-ren", "wom-e-n", "criteri-a"), not a word of its own
    # ("people" is a collective noun, not only persons): then they mean the same thing
    shared = next(
        (i for i, (a, b) in enumerate(zip(word, found, strict=False)) if a != b), min(len(word), len(found))
    )
    return found if shared >= min(len(word), len(found)) - 2 else word


# texts whose content words are kept: a unit's sentences are stemmed again by every question that finds it
CONTENT_WORDS_CACHED = 1 << 15


def content_words(text: str) -> set[str]:
    """Stemmed content words of `text`: no stop words, no answer-template words, no markers."""
    return set(_content_words(text))  # a copy: callers may change their set


@lru_cache(maxsize=CONTENT_WORDS_CACHED)
def _content_words(text: str) -> frozenset[str]:
    words = re.findall(r"[a-z0-9]+(?:[-'][a-z0-9]+)*", MARKER.sub(" ", text).lower())
    kept = [w for w in words if w not in _stopwords() and w not in FRAME_WORDS]
    return frozenset(_stemmer().stemWords([singular(w) for w in kept]))


def written_form(text: str) -> str:
    """A phrase as compared when asked for as written: lower case, each word stemmed, symbols such as "+"
    kept as words and other punctuation dropped ("Internet + Services" ~ "internet + service")."""
    tokens = re.findall(r"[a-z0-9]+|\+", text.lower())
    return " ".join(_stemmer().stemWords(tokens))
