"""The one lexical tokenizer of PolicyQA: BM25 terms for English, Chinese and mixed text.

Latin text is split as bm25s splits it (words of two or more characters, lower case), English stop words
dropped and the rest stemmed with the same Snowball stemmer; runs of Chinese characters are segmented by
jieba in search mode, which also yields the shorter words inside long compounds ("国家医保局" → "国家",
"医保", "医保局", "国家医保局"), so a question's wording need not match the notice's segmentation exactly.
The Chinese names of the departments (index.departments) are added to jieba's dictionary as words.

jieba is used offline: its dictionary ships inside the package. Its prefix-dictionary cache goes to the
system temp folder (never next to the package, which may be read-only) and its log lines are silenced.
"""

from __future__ import annotations

import logging
import re
import tempfile
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import jieba as jieba_module
    import jieba.posseg

CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
LATIN_WORD = re.compile(r"(?u)\b\w\w+\b")  # bm25s's default token pattern
# Function words that carry no topic; kept short: BM25's idf discounts the common rest anyway.
CHINESE_STOP_WORDS = frozenset("的了和与及等在对为将并或是把被由按各其之以于从到中")


@cache
def _jieba() -> jieba_module.Tokenizer:
    """jieba's tokenizer, initialised once, quietly, with its cache in the temp folder."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    logging.getLogger("jieba").setLevel(logging.WARNING)
    from index.departments import CJK, DEPARTMENT_ALIASES

    tokenizer = jieba.Tokenizer()
    tokenizer.tmp_dir = tempfile.gettempdir()
    tokenizer.initialize()
    for names in DEPARTMENT_ALIASES.values():  # department names are words, whatever jieba's dictionary says
        for name in names:
            if CJK.search(name):
                tokenizer.add_word(name, tag="nt")  # an organisation's name, as jieba tags one
    return tokenizer


@cache
def _jieba_tagger() -> jieba_module.posseg.POSTokenizer:
    """jieba's part-of-speech tagger over the same tokenizer, so both segment a text alike."""
    import jieba.posseg

    return jieba.posseg.POSTokenizer(_jieba())


@cache
def _english() -> tuple[object, frozenset[str]]:
    import Stemmer
    from bm25s.stopwords import STOPWORDS_EN

    return Stemmer.Stemmer("english"), frozenset(STOPWORDS_EN)


def chinese_words(text: str) -> list[str]:
    """jieba's words of a run of Chinese characters, search mode, function words dropped."""
    words = _jieba().lcut_for_search(text)
    return [w for w in words if w.strip() and w not in CHINESE_STOP_WORDS]


def prepare_chinese() -> None:
    """Load jieba's dictionary and its part-of-speech table now (a second or more each), not on the first
    Chinese question."""
    _jieba_tagger()


def chinese_tagged_words(text: str) -> list[tuple[str, str]]:
    """(word, part-of-speech flag) of a Chinese text in jieba's precise mode: "n…" nouns, "v…" verbs, "r"
    pronouns, "m" numerals, "d" adverbs, and so on (the ICTCLAS tag set jieba's dictionary uses)."""
    return [(pair.word, pair.flag) for pair in _jieba_tagger().cut(text) if pair.word.strip()]


def english_words(text: str) -> list[str]:
    """Stemmed English words without stop words, as bm25s's English tokenizer makes them."""
    stemmer, stop_words = _english()
    words = [w for w in LATIN_WORD.findall(text.lower()) if w not in stop_words]
    stemmed: list[str] = stemmer.stemWords(words)  # type: ignore[attr-defined]
    return stemmed


def lexical_tokens(text: str) -> list[str]:
    """BM25 terms of any text, in order: stemmed English words and jieba-segmented Chinese words."""
    tokens: list[str] = []
    position = 0
    for run in CJK_RUN.finditer(text):
        tokens.extend(english_words(text[position : run.start()]))
        tokens.extend(chinese_words(run[0]))
        position = run.end()
    tokens.extend(english_words(text[position:]))
    return tokens
