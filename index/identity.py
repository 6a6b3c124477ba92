"""Readable, stable document ids, so that several documents of one year coexist without a manifest.

A document's id is its year ("2021") when it is the only plain document of that year; a half-year notice
is "2023h2" and a news summary "2019-summary" whatever else is indexed; documents that still collide get
the words of their file names that tell them apart ("2023-notes"). A manifest id always wins, and no
derived id takes one that the manifest gives. Unit ids are "<document>-<task>" ("2023h2-4").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class IdRequest:
    """What a document's id is derived from."""

    path: Path
    year: int
    half: str  # "h1", "h2" or ""
    summary: bool
    manifest_id: str = ""


def base_id(year: int, half: str, summary: bool) -> str:
    """The id a document gets when nothing else of its year competes for it."""
    if half:
        return f"{year}{half}"
    return f"{year}-summary" if summary else str(year)


def _words(path: Path, year: int) -> list[str]:
    return [w for w in re.split(r"[^a-z0-9]+", path.stem.lower()) if w and w != str(year)]


def assign_ids(requests: list[IdRequest]) -> dict[Path, str]:
    """An id for every document: the manifest's, else its base id, made unique with file-name words."""
    taken = {r.manifest_id for r in requests if r.manifest_id}
    ids = {r.path: r.manifest_id for r in requests if r.manifest_id}
    groups: dict[str, list[IdRequest]] = {}
    for request in requests:
        if not request.manifest_id:
            groups.setdefault(base_id(request.year, request.half, request.summary), []).append(request)
    everyone = [set(_words(r.path, r.year)) for r in requests]
    for candidate, group in groups.items():
        if len(group) == 1 and candidate not in taken:
            ids[group[0].path] = candidate
            taken.add(candidate)
            continue
        # words every competing name shares ("key-tasks") do not tell the documents apart
        rivals = [set(_words(r.path, r.year)) for r in group] if len(group) > 1 else everyone
        shared = set.intersection(*rivals) if len(rivals) > 1 else set()
        for request in sorted(group, key=lambda r: r.path.name):
            distinct = [w for w in _words(request.path, request.year) if w not in shared]
            name = candidate if not distinct else f"{candidate}-{'-'.join(distinct)}"
            if name in taken:
                name = f"{name}-{request.path.suffix.lstrip('.').lower()}"
            ids[request.path] = name
            taken.add(name)
    return ids
