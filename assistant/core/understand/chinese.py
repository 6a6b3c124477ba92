"""Reading a question written in Chinese: what it asks (who, when, how many), the years and tasks it names,
and the words it is about (jieba, as the lexical index segments Chinese text).

The English reader's vocabulary checks (unknown names, missing terms) judge English words against an English
vocabulary; a Chinese question has none of those words, so it is judged here instead: it is answered only when
the passages retrieved for it hold most of the words it is about.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from index.lexical import chinese_words
from index.model import Task
from index.parse import chinese_or_arabic

CJK = re.compile(r"[\u4e00-\u9fff]")
LATIN = re.compile(r"[A-Za-z]")
YEAR = re.compile(r"(20\d\d)\s*年")
NUMERAL = r"(?:(?P<num>\d{1,2})|(?P<zh>[一二三四五六七八九十]{1,3}))"
TASK_REF = re.compile(
    rf"第{NUMERAL}(?:项|条|个任务)|任务\s*[（(]{NUMERAL.replace('num', 'num2').replace('zh', 'zh2')}[）)]"
)

# Facts of a notice's header a Chinese question asks for (the names of question.NOTICE_FACTS): its number
# (文号: "国卫体改发〔2024〕12号"), its date, who issued it. Asking for any of them asks about the notice.
NOTICE_FACTS = {
    "number": re.compile(r"文号|字号|编号"),
    "date": re.compile(r"(?:印发|发布|发文|成文)(?:日期|时间)|(?:哪天|何时|什么时候)(?:印发|发布|发文)"),
    "issuer": re.compile(
        r"(?:哪些|哪个|哪几个|什么)(?:部门|单位|机构)(?:联合)?(?:印发|发布|发文)|发文(?:单位|机关)|谁印发"
    ),
}
WHO = re.compile(r"谁|哪(?:个|些|一)?部门|哪(?:个|些)单位|负责|牵头|主管")
WHEN = re.compile(r"何时|什么时候|哪(?:一)?年|几月|期限|截止|底前|之前完成|时间节点|多久")
HOW_MANY = re.compile(r"多少|几(?:个|家|所|项|万|千|百|成)|比例|百分之")
# Words of the question that say what kind of answer it wants, not what it is about.
ASKING_WORDS = frozenset(
    [
        "谁",
        "哪个",
        "哪些",
        "部门",
        "负责",
        "牵头",
        "何时",
        "什么",
        "时候",
        "多少",
        "多久",
        "几",
        "是否",
        "如何",
        "怎样",
        "怎么",
        "为什么",
        "要求",
        "规定",
        "提出",
        "关于",
        "根据",
        "按照",
        "年",
        "月",
        "吗",
        "呢",
        "哪",
        "由",
        "对",
        "在",
        "有",
        "家",
        "个",
        "项",
    ]
)
# Share of the question's subject words that the best passage must hold for the question to be answered.
MIN_COVERAGE = 0.75


def is_chinese(text: str) -> bool:
    """The question is written in Chinese: more CJK characters than Latin letters."""
    return len(CJK.findall(text)) > len(LATIN.findall(text))


def chinese_years(text: str) -> list[int]:
    return [int(y) for y in YEAR.findall(text)]


def chinese_task_refs(text: str, years: Sequence[int]) -> list[tuple[int | None, int]]:
    """(year or None, number) of "第三项", "第3项", "任务（三）"; the year when the question names one."""
    year = years[0] if len(set(years)) == 1 else None
    refs: list[tuple[int | None, int]] = []
    for match in TASK_REF.finditer(text):
        groups = match.groupdict()
        number = chinese_or_arabic(
            groups.get("num") or groups.get("num2"), groups.get("zh") or groups.get("zh2")
        )
        if (year, number) not in refs:
            refs.append((year, number))
    return refs


def chinese_notice_facts(text: str) -> list[str]:
    """The header facts the question asks for ("number", "date", "issuer"); none for a question on tasks."""
    return [name for name, asked in NOTICE_FACTS.items() if asked.search(text)]


def chinese_intent(text: str) -> str:
    """ "structure" for the notice's header, else "who", "when" or "what" (a figure question is a "what"
    question that needs a number)."""
    if chinese_notice_facts(text):
        return "structure"
    if WHO.search(text):
        return "who"
    if WHEN.search(text):
        return "when"
    return "what"


def asks_figure(text: str) -> bool:
    return bool(HOW_MANY.search(text))


def subject_words(text: str) -> list[str]:
    """The words the question is about: jieba's words less asking words, years and numbers."""
    words = chinese_words(YEAR.sub(" ", text))
    seen: list[str] = []
    for word in words:
        if len(word) < 2 or word in ASKING_WORDS or not CJK.search(word) or word in seen:
            continue
        seen.append(word)
    return seen


def coverage(words: Sequence[str], unit: Task) -> float:
    """Share of `words` found in the unit's text (title, sentences, responsibility line)."""
    if not words:
        return 0.0
    text = unit.text
    return sum(1 for w in words if w in text) / len(words)


def not_covered(text: str, units: Sequence[Task]) -> bool:
    """Whether no passage retrieved for the Chinese question holds most of what it is about."""
    words = subject_words(text)
    if not words:
        return True
    return max((coverage(words, u) for u in units), default=0.0) < MIN_COVERAGE
