"""Canonical names of the departments the notices make responsible.

Translations of the same body vary between (and within) scrapes; each canonical name below is the
department's official English name, followed by the variants seen in sources.
"""

from __future__ import annotations

import re

DEPARTMENT_ALIASES: dict[str, list[str]] = {
    "National Health Commission": [],
    "National Healthcare Security Administration": [
        "National Medical Insurance Bureau",
        "National Medical Insurance Administration",
        "National Medical Security Administration",
    ],
    "National Administration of Traditional Chinese Medicine": [
        "State Administration of Traditional Chinese Medicine",
    ],
    "National Disease Control and Prevention Administration": [
        "National Bureau of Disease Control and Prevention",
        "National Bureau of Disease Control",
        "National Disease Control and Prevention Bureau",
        "National Disease Control Administration",
        "State Administration of Disease Control",
    ],
    "National Medical Products Administration": [
        "State Drug Administration",
        "State Food and Drug Administration",
    ],
    "State Administration for Market Regulation": ["General Administration of Market Supervision"],
    "General Administration of Sport": ["General Administration of Sports"],
    "Civil Aviation Administration of China": [
        "China The Civil Aviation Administration",
        "China Civil Aviation Administration",
    ],
    "Cyberspace Administration of China": ["Central Cyberspace Administration"],
    "Publicity Department of the CPC Central Committee": ["Central Propaganda Department"],
    "Central Institutional Organization Commission Office": ["Central Authorization Office"],
    "State-owned Assets Supervision and Administration Commission of the State Council": [],
    "National Development and Reform Commission": [],
    "Ministry of Finance": [],
    "Ministry of Education": [],
    "Ministry of Human Resources and Social Security": [],
    "Ministry of Industry and Information Technology": [],
    "Ministry of Science and Technology": [],
    "Ministry of Civil Affairs": [],
    "Ministry of Foreign Affairs": [],
    "General Administration of Customs": [],
    "National Immigration Administration": [],
    "Secretariat of the State Council Medical Reform Leading Group": [
        "Secretariat of the Medical Reform Leading Group of the State Council",
    ],
}


def _key(name: str) -> str:
    return re.sub(r"[^a-z ]", "", name.lower().replace("-", " ")).strip()


_CANONICAL = {
    _key(variant): canonical
    for canonical, variants in DEPARTMENT_ALIASES.items()
    for variant in [canonical, *variants]
}


def canonical_department(name: str) -> str:
    """The official name of a department, or the cleaned name itself when it is not known."""
    cleaned = re.sub(r"^(the|and)\s+", "", name.strip(), flags=re.IGNORECASE).strip(" .")
    return _CANONICAL.get(_key(cleaned), cleaned)


def department_names(query: str) -> list[str]:
    """Canonical departments mentioned in free text, matching any known variant."""
    text = _key(query)
    found: list[str] = []
    for variant_key, canonical in sorted(_CANONICAL.items(), key=lambda kv: -len(kv[0])):
        if re.search(rf"\b{re.escape(variant_key)}\b", text) and canonical not in found:
            found.append(canonical)
    return found
