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


# texts whose content words are kept: a unit's sentences are stemmed again by every question that finds it
CONTENT_WORDS_CACHED = 1 << 15


def content_words(text: str) -> set[str]:
    """Stemmed content words of `text`: no stop words, no answer-template words, no markers."""
    return set(_content_words(text))  # a copy: callers may change their set


@lru_cache(maxsize=CONTENT_WORDS_CACHED)
def _content_words(text: str) -> frozenset[str]:
    words = re.findall(r"[a-z0-9]+(?:[-'][a-z0-9]+)*", MARKER.sub(" ", text).lower())
    kept = [w for w in words if w not in _stopwords() and w not in FRAME_WORDS]
    return frozenset(_stemmer().stemWords(kept))


def written_form(text: str) -> str:
    """A phrase as compared when asked for as written: lower case, each word stemmed, symbols such as "+"
    kept as words and other punctuation dropped ("Internet + Services" ~ "internet + service")."""
    tokens = re.findall(r"[a-z0-9]+|\+", text.lower())
    return " ".join(_stemmer().stemWords(tokens))

