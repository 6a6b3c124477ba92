"""What a notice says about itself: title, year, half-year, document number, issuer, date, and the short
names it defines for departments ("hereinafter referred to as …").

Read from the text when the manifest does not give them; the manifest always wins where it has a value.
"""

from __future__ import annotations

import calendar
import re
from collections import Counter
from dataclasses import dataclass

from index.departments import CJK, ISSUERS, _key, find_departments, is_known_department

FRONT_LINES = 40  # the header of a notice: title, number, addressees, signature, date
MONTHS = "|".join(calendar.month_name[1:])
DATE_EN = re.compile(rf"\b(?P<month>{MONTHS})\s+(?P<day>\d{{1,2}}),?\s+(?P<year>20\d\d)\b")
DATE_EN_DAY_FIRST = re.compile(rf"\b(?P<day>\d{{1,2}})\s+(?P<month>{MONTHS}),?\s+(?P<year>20\d\d)\b")
DATE_ZH = re.compile(r"(?P<year>20\d\d)年(?P<month>\d{1,2})月(?P<day>\d{1,2})日")
DATE_ISO = re.compile(r"\b(?P<year>20\d\d)-(?P<month>\d{2})-(?P<day>\d{2})\b")
# "Guobanfa [2019] No. 28", "State Council Fa [2021] No. 20", "国办发〔2019〕28号"
NUMBER_EN = re.compile(  # one word ("Guobanfa"), or a short one after its issuer's name ("State Council Fa")
    r"(?:\b(?:[A-Z][a-z]+ ){1,3}[A-Z][a-z]{0,2}|\b[A-Z][A-Za-z]{3,}) ?[\[〔]20\d\d[\]〕] ?No\. ?\d+\b"
)
NUMBER_ZH = re.compile(r"[\u4e00-\u9fff]{2,8}〔20\d\d〕\d+号")
TITLE_KEY = re.compile(r"(?i)\bkey\s+tasks\b|重点工作任务")
NOTICE_OF = re.compile(
    r"^Notice of (?:the )?(?P<issuer>.+?) on (?:Issuing|Printing and Distributing)\b", re.I
)
NOTICE_ZH = re.compile(r"^(?P<issuer>.+?)关于印发")
ISSUED_BY = re.compile(
    r"\b(?:Issued by|Issuer:)\s+(?P<issuer>.+?)(?=\s+(?:on|as)\s|[.;]|$)"
    r"|^(?:The\s+)?(?P<subject>.+?)\s+has issued\b"
)
HALF = [
    ("h1", re.compile(r"(?i)\bfirst[\s-]half\b|上半年|(?<![a-z])h1(?![a-z0-9])")),
    ("h2", re.compile(r"(?i)\bsecond[\s-]half\b|下半年|(?<![a-z])h2(?![a-z0-9])")),
]
SUMMARY = re.compile(r"(?i)\b(?:summary|news|report|digest|interpretation)\b|解读|新闻|综述")
HEREINAFTER_EN = re.compile(
    r"\((?:hereinafter(?:\s+referred\s+to\s+as)?|hereafter)\s+(?:the\s+)?[\"“']?(?P<short>[^\"”')]+?)[\"”']?\)",
    re.IGNORECASE,
)
HEREINAFTER_ZH = re.compile(r"[（(]以下简称[“\"]?(?P<short>[^”\"）)]+)[”\"]?[）)]")
NAME_TAIL_EN = re.compile(r"((?:[A-Z][\w-]*)(?:\s+(?:[A-Z][\w-]*|of|and|the|for|on))*)\s*$")


@dataclass(frozen=True)
class NoticeMetadata:
    """What the text says about the notice; empty strings and 0 where it says nothing."""

    title: str
    year: int
    half: str  # "h1", "h2" or ""
    summary: bool  # a news summary or report about a notice rather than the notice itself
    number: str
    issuer: str
    date: str  # YYYY-MM-DD


def _strip_heading(line: str) -> str:
    return re.sub(r"^#{1,6}\s+", "", line).strip()


def find_title(lines: list[str]) -> str:
    """The notice's title: the first line naming the key tasks (without "Notice of … on Issuing the"),
    else the first heading, else the first line."""
    front = [_strip_heading(line) for line in lines[:FRONT_LINES]]
    for line in front:
        if TITLE_KEY.search(line) and len(line) <= 200:
            inner = re.search(r"《(?P<t>[^》]+)》", line)
            if inner:
                return inner["t"]
            title = re.sub(r"(?i)^Notice of .+? on (?:Issuing|Printing and Distributing) (?:the )?", "", line)
            title = re.sub(r"^.+?关于印发(?P<t>.+?)的通知$", r"\g<t>", title)
            return title.strip(" .。")
    headings = [_strip_heading(line) for line in lines if line.startswith("#")]
    return (headings or front or [""])[0][:200]


def find_year(title: str, lines: list[str]) -> int:
    """The notice's year: the one its title names, else the most frequent year in its header."""
    if match := re.search(r"(20\d\d)", title):
        return int(match[1])
    years = re.findall(r"(?<!\d)(20\d\d)(?!\d)", "\n".join(lines[:FRONT_LINES]))
    return int(Counter(years).most_common(1)[0][0]) if years else 0


def find_number(lines: list[str]) -> str:
    text = "\n".join(lines[:FRONT_LINES])
    match = NUMBER_ZH.search(text) or NUMBER_EN.search(text)
    return re.sub(r"\s+", " ", match[0]).strip() if match else ""


def _iso(match: re.Match[str]) -> str:
    month = match["month"]
    number = int(month) if month.isdigit() else list(calendar.month_name).index(month.capitalize())
    return f"{match['year']}-{number:02d}-{int(match['day']):02d}"


def find_date(lines: list[str]) -> str:
    """The date of issue: a line that is only a date (a signature), else the first date in the header."""
    patterns = (DATE_ZH, DATE_EN, DATE_EN_DAY_FIRST, DATE_ISO)
    front = lines[:FRONT_LINES]
    for line in front:
        for pattern in patterns:
            if (match := pattern.search(line)) and match[0] == line.strip(" .。"):
                return _iso(match)
    for line in front:
        found = [m for p in patterns if (m := p.search(line))]
        if found:
            return _iso(min(found, key=lambda m: m.start()))
    return ""


def _issuer_names(text: str) -> list[str]:
    """Known issuers and departments in a phrase, in order, as written."""
    names = [written for written, _ in find_departments(text)]
    for canonical, variants in ISSUERS.items():
        for variant in sorted([canonical, *variants], key=len, reverse=True):
            if re.search(re.escape(variant), text, re.IGNORECASE) and not any(variant in n for n in names):
                names.insert(0, canonical if not CJK.search(variant) else variant)
                break
    return names


def _only_names(line: str) -> bool:
    """A line that is nothing but issuer or department names: a signature or an issuer line."""
    rest = line
    for name in sorted(_issuer_names(line), key=len, reverse=True):
        rest = re.sub(re.escape(name), "", rest, flags=re.IGNORECASE)
    return bool(_issuer_names(line)) and not re.sub(r"[\s,、，;；]|\band\b|\bthe\b", "", rest)


def find_issuer(lines: list[str]) -> str:
    """Who issued the notice: "Notice of X on Issuing …", "Issued by X", "X has issued", "X关于印发", or the
    signature lines of names above the date."""
    front = [_strip_heading(line) for line in lines[:FRONT_LINES]]
    for line in front:
        for pattern in (NOTICE_OF, NOTICE_ZH):
            if (match := pattern.search(line)) and not re.search(r"(?i)other departments|等部门", match[0]):
                issuer = match["issuer"]
                names = _issuer_names(issuer)
                if CJK.search(issuer):
                    return "、".join(issuer.split())
                return ", ".join(names) if names else issuer
        if match := ISSUED_BY.search(line):
            names = _issuer_names(match["issuer"] or match["subject"])
            if names:
                return ", ".join(names)
    signature: list[str] = []
    for line in front:
        if _only_names(line):
            signature.extend(_issuer_names(line))
        elif signature:
            break
    return ", ".join(dict.fromkeys(signature))


def read_metadata(file_stem: str, lines: list[str]) -> NoticeMetadata:
    """Everything the text says about the notice (lines are the cleaned text's lines, in order)."""
    title = find_title(lines)
    named = f"{file_stem} {title}"
    half = next((name for name, pattern in HALF if pattern.search(named)), "")
    return NoticeMetadata(
        title=title,
        year=find_year(title, lines) or find_year(file_stem, []),
        half=half,
        summary=bool(SUMMARY.search(file_stem.replace("-", " ").replace("_", " "))),
        number=find_number(lines),
        issuer=find_issuer(lines),
        date=find_date(lines),
    )


def defined_aliases(lines: list[str]) -> dict[str, str]:
    """Short names a notice defines for departments: {comparable short name: full name}.

    "The Secretariat of … (hereinafter referred to as the Reform Secretariat)" → "reform secretariat" →
    the Secretariat's full name; "国家医疗保障局（以下简称医保局）" likewise.
    """
    aliases: dict[str, str] = {}
    for line in lines:
        for match in HEREINAFTER_EN.finditer(line):
            if full := _name_before(line[: match.start()]):
                aliases[_key(match["short"])] = full
        for match in HEREINAFTER_ZH.finditer(line):
            if full := _name_before(line[: match.start()]):
                aliases[_key(match["short"])] = full
    return aliases


def _name_before(text: str) -> str:
    """The name that ends where a "hereinafter" parenthesis starts: a known department, else the
    capitalised phrase (or the run of Chinese characters after the last punctuation)."""
    text = text.rstrip()
    known = [written for written, _ in find_departments(text) if text.lower().endswith(written.lower())]
    if known:
        return max(known, key=len)
    if CJK.search(text[-1:]):
        run = re.split(r"[，。；：、,.;:\s）)]", text)[-1]
        for start in range(len(run)):  # the longest known name that ends the run
            if is_known_department(run[start:]):
                return run[start:]
        return run
    if match := NAME_TAIL_EN.search(text):
        return re.sub(r"^(?:The|the)\s+", "", match[1])
    return ""
