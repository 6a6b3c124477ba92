"""Vocabulary learned from the indexed documents: how each document writes what a question may call otherwise.

The glossary (documents/glossary.json) holds only general knowledge. What depends on one source's wording is
read here, from the units at load, so it follows whatever documents are indexed:

- departments, as each document writes them: a question naming the official name, any known alias or its
  acronym ("NHSA", "State Administration for Market Regulation") is searched with the document's own
  wording ("National Medical Insurance Bureau");
- terms the text defines: "X (hereinafter referred to as Y)" and "Full Name (ACR)".
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from index.departments import DEPARTMENT_ALIASES, canonical_department
from index.model import Task

# A name, then in brackets the short name it defines: "National Bureau of Disease Control and Prevention
# (hereinafter referred to as the National Bureau…)", "Diagnosis Related Groups (DRG)"
DEFINITION = re.compile(
    r"(?P<full>[A-Z][\w-]*(?:\s+(?:of|and|for|the|on|in|[A-Z][\w-]*))*)\s*\("
    r"(?:hereinafter (?:referred to as|called)\s+(?:the\s+)?[\"\u201c]?(?P<short>[^\"\u201d)]+?)[\"\u201d]?"
    r"|(?P<acronym>[A-Z]{2,8})s?)\)"
)
MINOR_WORDS = {"of", "and", "for", "the", "on", "in", "to"}


def acronym(name: str) -> str:
    """The initials of a name's words, minor words aside: "National Healthcare Security Administration" →
    "NHSA"."""
    return "".join(w[0] for w in name.replace("-", " ").split() if w.lower() not in MINOR_WORDS).upper()


def defined_terms(sentences: Iterable[str]) -> dict[str, str]:
    """Short name → full name for every term the sentences define."""
    terms: dict[str, str] = {}
    for sentence in sentences:
        for match in DEFINITION.finditer(sentence):
            if match["short"]:
                terms.setdefault(match["short"].strip().lower(), match["full"].strip())
                continue
            # an acronym: the last words of the name whose initials spell it
            words = match["full"].split()
            spelled = (" ".join(words[i:]) for i in range(len(words)))
            if full := next((f for f in spelled if acronym(f) == match["acronym"]), None):
                terms.setdefault(match["acronym"].lower(), full)
    return terms


def department_terms(units: Iterable[Task]) -> dict[str, str]:
    """Official name, known aliases and acronym of every department the documents name → as they write it."""
    written: dict[str, list[str]] = {}
    for unit in units:
        for name in unit.departments_as_written:
            canonical = canonical_department(name)
            if canonical != name and name not in written.setdefault(canonical, []):
                written[canonical].append(name)
    terms: dict[str, str] = {}
    for canonical, names in written.items():
        wording = " ".join(names)
        for alias in [canonical, acronym(canonical), *DEPARTMENT_ALIASES.get(canonical, [])]:
            if alias not in names:
                terms.setdefault(alias.lower(), wording)
    return terms


def learned_terms(units: Iterable[Task]) -> dict[str, str]:
    """Everything learned from `units`: a question's term → the documents' wording, to search with."""
    units = list(units)
    return {
        **department_terms(units),
        **defined_terms(s for u in units for s in u.sentences),
    }
