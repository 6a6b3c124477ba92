"""Canonical names of the departments the notices make responsible.

Translations of the same body vary between (and within) scrapes; each canonical name below is the
department's official English name, followed by the variants seen in sources.
"""

from __future__ import annotations

import re

DEPARTMENT_ALIASES: dict[str, list[str]] = {
    "National Health Commission": ["国家卫生健康委", "国家卫生健康委员会", "国家卫健委", "卫生健康委"],
    "National Healthcare Security Administration": [
        "National Medical Insurance Bureau",
        "National Medical Insurance Administration",
        "National Medical Security Administration",
        "国家医保局",
        "国家医疗保障局",
    ],
    "National Administration of Traditional Chinese Medicine": [
        "State Administration of Traditional Chinese Medicine",
        "国家中医药局",
        "国家中医药管理局",
    ],
    "National Disease Control and Prevention Administration": [
        "National Bureau of Disease Control and Prevention",
        "National Bureau of Disease Control",
        "National Disease Control and Prevention Bureau",
        "National Disease Control Administration",
        "State Administration of Disease Control",
        "国家疾控局",
        "国家疾病预防控制局",
    ],
    "National Medical Products Administration": [
        "State Drug Administration",
        "State Food and Drug Administration",
        "国家药监局",
        "国家药品监督管理局",
    ],
    "State Administration for Market Regulation": [
        "General Administration of Market Supervision",
        "市场监管总局",
        "国家市场监督管理总局",
    ],
    "General Administration of Sport": ["General Administration of Sports", "体育总局", "国家体育总局"],
    "Civil Aviation Administration of China": [
        "China The Civil Aviation Administration",
        "China Civil Aviation Administration",
        "中国民航局",
        "民航局",
    ],
    "Cyberspace Administration of China": ["Central Cyberspace Administration", "中央网信办", "国家网信办"],
    "Publicity Department of the CPC Central Committee": ["Central Propaganda Department", "中央宣传部"],
    "Central Institutional Organization Commission Office": ["Central Authorization Office", "中央编办"],
    "State-owned Assets Supervision and Administration Commission of the State Council": ["国务院国资委"],
    "National Development and Reform Commission": ["国家发展改革委", "国家发展和改革委员会"],
    "Ministry of Finance": ["财政部"],
    "Ministry of Education": ["教育部"],
    "Ministry of Human Resources and Social Security": ["人力资源社会保障部", "人力资源和社会保障部"],
    "Ministry of Industry and Information Technology": ["工业和信息化部", "工业和信息化部"],
    "Ministry of Science and Technology": ["科技部", "科学技术部"],
    "Ministry of Civil Affairs": ["民政部"],
    "Ministry of Foreign Affairs": ["外交部"],
    "Ministry of Public Security": ["公安部"],
    "Ministry of Justice": ["司法部"],
    "Ministry of Commerce": ["商务部"],
    "Ministry of Ecology and Environment": ["生态环境部"],
    "Ministry of Housing and Urban-Rural Development": ["住房城乡建设部", "住房和城乡建设部"],
    "Ministry of Agriculture and Rural Affairs": ["农业农村部"],
    "Ministry of Emergency Management": ["应急管理部"],
    "General Administration of Customs": ["海关总署"],
    "State Taxation Administration": ["税务总局", "国家税务总局"],
    "National Immigration Administration": ["国家移民局", "国家移民管理局"],
    "National Financial Regulatory Administration": ["金融监管总局", "国家金融监督管理总局"],
    "Secretariat of the State Council Medical Reform Leading Group": [
        "Secretariat of the Medical Reform Leading Group of the State Council",
        "国务院医改领导小组秘书处",
        "国务院深化医药卫生体制改革领导小组秘书处",
    ],
}
# Bodies that issue notices but are never made responsible for a task: read as issuers, not departments.
ISSUERS: dict[str, list[str]] = {
    "General Office of the State Council": ["Office of the State Council", "国务院办公厅"],
    "State Council": ["国务院"],
}

CJK = re.compile(r"[\u3400-\u9fff]")


def _key(name: str) -> str:
    """Comparable form of a name: lower case letters and CJK characters, single spaces."""
    kept = re.sub(r"[^a-z \u3400-\u9fff]", "", name.lower().replace("-", " "))
    return re.sub(r"\s+", " ", kept).strip()


_CANONICAL = {
    _key(variant): canonical
    for canonical, variants in DEPARTMENT_ALIASES.items()
    for variant in [canonical, *variants]
}


def is_known_department(name: str) -> bool:
    return _key(canonical_department(name)) in _CANONICAL


def canonical_department(name: str, aliases: dict[str, str] | None = None) -> str:
    """The official name of a department, or the cleaned name itself when it is not known.

    `aliases` are short names a document defines for itself ("hereinafter referred to as …"), each mapped
    to the full name it stands for.
    """
    cleaned = re.sub(r"^(the|and)\s+", "", name.strip(), flags=re.IGNORECASE).strip(" .")
    if aliases and (full := aliases.get(_key(cleaned))):
        cleaned = full
    return _CANONICAL.get(_key(cleaned), cleaned)


def _variant_pattern(variant: str) -> str:
    words = [re.escape(w) for w in re.split(r"[\s-]+", variant.strip())]
    body = r"[\s-]+".join(words)
    return body if CJK.search(variant) else rf"(?<![A-Za-z]){body}(?![A-Za-z])"


_MENTION = re.compile(
    "|".join(
        _variant_pattern(v)
        for v in sorted(
            {v for canonical, variants in DEPARTMENT_ALIASES.items() for v in [canonical, *variants]},
            key=len,
            reverse=True,
        )
    ),
    re.IGNORECASE,
)


def find_departments(text: str) -> list[tuple[str, str]]:
    """Known departments named in running text, in order: (as written, canonical), each canonical once."""
    found: dict[str, str] = {}
    for match in _MENTION.finditer(text):
        found.setdefault(canonical_department(match[0]), match[0])
    return [(written, canonical) for canonical, written in found.items()]


def department_names(query: str) -> list[str]:
    """Canonical departments mentioned in free text, matching any known variant."""
    text = _key(query)
    found: list[str] = []
    for key, pattern, canonical in _VARIANT_PATTERNS:
        # the substring test first: it rules out nearly every variant at a fraction of a regex search's cost
        if canonical not in found and key in text and pattern.search(text):
            found.append(canonical)
    return found


# Each known variant's pattern, longest variant first, compiled once: there are more of them than `re`'s
# own cache holds, so compiling them per call recompiled every one for every question.
_VARIANT_PATTERNS = [
    (key, re.compile(re.escape(key) if CJK.search(key) else rf"\b{re.escape(key)}\b"), canonical)
    for key, canonical in sorted(_CANONICAL.items(), key=lambda kv: -len(kv[0]))
]


def split_department_names(names: str) -> list[str]:
    """The names in a list such as "A, B and C": split at commas and "、", and at an "and" that joins two
    names rather than belonging to one ("Ministry of Human Resources and Social Security")."""
    parts: list[str] = []
    for part in re.split(r",\s*|、|，|；|;", names):
        parts.extend(_split_at_and(part.strip()))
    return [p for p in parts if p]


def _split_at_and(part: str) -> list[str]:
    part = re.sub(r"^(?:and|the)\s+", "", part, flags=re.IGNORECASE)
    if " and " not in part or is_known_department(part):
        return [part]
    pieces = part.split(" and ")
    # the split whose two sides are both known names, else the one with a known side, else the last "and"
    candidates = []
    for i in range(1, len(pieces)):
        left, right = " and ".join(pieces[:i]), " and ".join(pieces[i:])
        known = is_known_department(left) + is_known_department(right)
        candidates.append((known, i, left, right))
    known, _, left, right = max(candidates, key=lambda c: (c[0], c[1]))
    if known == 0 and not re.match(r"(?:the\s+)?[A-Z]", right):
        return [part]
    return [*_split_at_and(left), *_split_at_and(right)] if known < 2 else [left, right]
