"""Reading a question written in Chinese: what it asks (who, when, how many), the years and tasks it names,
and the words it is about (jieba, as the lexical index segments Chinese text).

The English reader's vocabulary checks (unknown names, missing terms) judge English words against an English
vocabulary; a Chinese question has none of those words, so it is judged here instead: it is answered only when
the passages retrieved for it hold most of the words it is about.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from index.lexical import chinese_tagged_words
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
WHEN = re.compile(r"何时|什么时候|哪(?:一)?年|几月|期限|截止|底前|之前完成|时间|多久")
HOW_MANY = re.compile(r"多少|几(?:个|家|所|项|万|千|百|成)|比例|百分之")
# Words that say what kind of answer the question wants, or frame the asking, not what it is about; the
# pronouns, numerals, particles and adverbs among them need no listing, as the part of speech drops them.
ASKING_WORDS = frozenset(
    [
        "部门",
        "负责",
        "牵头",
        "时候",
        "时间",
        "是否",
        "期限",
        "截止",
        "数量",
        "数目",
        "比例",
        "目标",
        "要求",
        "规定",
        "提出",
        "请问",
        "知道",
        "了解",
        "听说",
        "计划",
        "政策",
        "文件",
        "通知",
        "任务",
        "工作",
        "方面",
        "情况",
        "内容",
        "具体",
        "相关",
    ]
)
# A clause that tells who asks ("我们医院…", "作为药店从业者") is context unless it also asks something.
ASKER = re.compile(r"^(?:我|咱|本人|本单位|作为)")
INTERROGATIVE = re.compile(
    r"什么|多少|几|哪|谁|何时|吗|啥|怎么|如何|怎样|是否|多久|多长|有没有|能不能|是不是|呢"
)
HEARSAY = re.compile(r"^听\w{0,4}?说")  # "听说…", "听朋友说…": the rest of the clause is what was heard
CLAUSE_BREAK = re.compile(r"[，,；;。？?！!、：:]")
# Parts of speech that name what a question is about (nouns, abbreviations, idioms, verbal nouns: the
# ICTCLAS flags jieba tags with), and those that describe it in the asker's own wording (verbs,
# adjectives), which count half: "第一批名单能出来" is about the list, however it is said to come out.
NAMING = ("n", "j", "l", "i", "vn", "an")
DESCRIBING = ("v", "a")
# Share of the question's weighted subject words that the best passage must hold to be answered.
MIN_COVERAGE = 0.6
STATED_NUMBER = re.compile(r"(?<![\d.])\d+(?:\.\d+)?(?![\d.])")
DATE_PART = re.compile(r"\d+\s*[年月日号]")  # "2024年", "9月": a date, not a figure
GIVEN_FIGURE = re.compile(r"\d|百分之|[一二两三四五六七八九十百千万]+(?:个|家|所|项|倍|成|万|亿)")


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
    asked = " ".join(asking_clauses(text))  # "我们单位负责…，…几月底之前搞完？" asks when, not who
    if WHO.search(asked):
        return "who"
    if WHEN.search(asked):
        return "when"
    return "what"


def asks_figure(text: str) -> bool:
    return bool(HOW_MANY.search(text))


@dataclass(frozen=True)
class ChineseReading:
    """What a Chinese question is about and what it states, read once by the question reader."""

    subject: dict[str, float]  # subject words and their weight (`_weighted_subject`)
    stated: list[str]  # figures it states (not its years or task numbers)
    asks_figure: bool  # it asks how many / how much


def read(text: str) -> ChineseReading:
    """The subject, stated figures and figure request of a Chinese question."""
    stated = STATED_NUMBER.findall(_without_references(text))
    return ChineseReading(_weighted_subject(text), stated, asks_figure(text))


def asking_clauses(text: str) -> list[str]:
    """The clauses of the question less those that only say who asks, each less a hearsay frame."""
    clauses = (clause.strip() for clause in CLAUSE_BREAK.split(text))
    return [
        HEARSAY.sub("", clause)
        for clause in clauses
        if clause and (INTERROGATIVE.search(clause) or not ASKER.match(clause))
    ]


def _weighted_subject(text: str) -> dict[str, float]:
    """Subject words with their weight: 1 for a word that names, 0.5 for one that describes. They are the
    nouns and verbs of the asking clauses, less asking words, years and numbers; clauses that only say who
    asks, and a hearsay frame, are left out."""
    words: dict[str, float] = {}
    for clause in asking_clauses(YEAR.sub(" ", text)):
        for word, flag in chinese_tagged_words(clause):
            if len(word) < 2 or word in ASKING_WORDS or not CJK.search(word) or word in words:
                continue
            if flag.startswith(NAMING):
                words[word] = 1.0
            elif flag.startswith(DESCRIBING):
                words[word] = 0.5
    return words


def coverage(words: dict[str, float], unit: Task) -> float:
    """Weighted share of `words` found in the unit's text (title, sentences, responsibility line)."""
    total = sum(words.values())
    if not total:
        return 0.0
    text = unit.text
    return sum(weight for word, weight in words.items() if word in text) / total


def passages_about(reading: ChineseReading, units: Sequence[Task]) -> list[Task]:
    """The units that hold most of what the Chinese question is about, in their order."""
    return [unit for unit in units if coverage(reading.subject, unit) >= MIN_COVERAGE]


def unsupported(reading: ChineseReading, about: Sequence[Task]) -> str | None:
    """Why the passages about a Chinese question (`passages_about`) cannot answer it, or None when one can
    (the names of core.types.RefusalCode): "not_in_documents" when there is none; "false_premise" when
    none holds every figure it states; "figure_not_given" when it asks for a figure and none gives one."""
    if not about:
        return "not_in_documents"
    if not any(all(number in unit.text for number in reading.stated) for unit in about):
        return "false_premise"
    if reading.asks_figure and not any(gives_figure(unit) for unit in about):
        return "figure_not_given"
    return None


def answering_unit(reading: ChineseReading, about: Sequence[Task]) -> Task | None:
    """The passage that answers a figure question: the first of those about it that gives a figure (two
    passages on one subject, and only one says how many); None for other questions."""
    if not reading.asks_figure:
        return None
    return next((unit for unit in about if gives_figure(unit)), None)


def gives_figure(unit: Task) -> bool:
    """The unit states a figure: a number that is not part of a date."""
    return bool(GIVEN_FIGURE.search(DATE_PART.sub(" ", unit.text)))


def _without_references(text: str) -> str:
    """The question less its years and the task numbers it names: the numbers left are figures it states."""
    return TASK_REF.sub(" ", YEAR.sub(" ", text))
