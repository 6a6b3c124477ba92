"""Read source files and their manifest entries; every failure is collected per file, never raised mid-run."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import ClassVar

from index.model import DocumentInfo

SOURCE_SUFFIXES = {".txt", ".md", ".html", ".htm"}


@dataclass(frozen=True)
class SourceText:
    """A decoded source file with its manifest entry."""

    info: DocumentInfo
    path: Path
    text: str


@dataclass(frozen=True)
class LoadError:
    """Why one file could not be used; names the file."""

    path: Path
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


class ManifestError(ValueError):
    """The manifest is unreadable or inconsistent."""


def read_manifest(path: Path) -> dict[str, DocumentInfo]:
    """Manifest entries keyed by file name; an absent manifest means no entries."""
    if not path.exists():
        return {}
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        entries = [DocumentInfo.model_validate(item) for item in raw["documents"]]
    except (ValueError, KeyError, TypeError) as exc:
        raise ManifestError(f"{path}: not a valid manifest ({exc})") from exc
    ids = [e.id for e in entries]
    if len(ids) != len(set(ids)):
        raise ManifestError(f"{path}: duplicate document ids {sorted({i for i in ids if ids.count(i) > 1})}")
    return {entry.file: entry for entry in entries}


def find_sources(paths: list[Path]) -> tuple[list[Path], list[LoadError]]:
    """Expand folders into their source files; missing paths become errors."""
    files: list[Path] = []
    errors: list[LoadError] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.iterdir() if p.suffix.lower() in SOURCE_SUFFIXES))
        elif path.is_file():
            files.append(path)
        else:
            errors.append(LoadError(path, "no such file or directory"))
    return files, errors


class _TextExtractor(HTMLParser):
    """Visible text of an HTML page, one block element per line."""

    _BLOCKS: ClassVar[set[str]] = {
        "p",
        "div",
        "br",
        "li",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "tr",
        "section",
        "article",
    }
    _SKIP: ClassVar[set[str]] = {"script", "style", "noscript", "head"}

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self._skipping += 1
        elif tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP and self._skipping:
            self._skipping -= 1
        elif tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    """The visible text of an HTML document."""
    extractor = _TextExtractor()
    extractor.feed(html)
    return "".join(extractor.parts)


def _infer_info(path: Path, text: str) -> DocumentInfo:
    """A manifest entry for a file the manifest does not list: id from the name, year from the text."""
    years = re.findall(r"\b(20\d\d)\b", text[:4000])
    year = int(max(set(years), key=years.count)) if years else 0
    doc_id = str(year) if year else path.stem
    return DocumentInfo(id=doc_id, year=year, title=path.stem.replace("-", " "), file=path.name)


def read_source(path: Path, manifest: dict[str, DocumentInfo]) -> SourceText | LoadError:
    """Decode one file; the result is an error naming the file when it cannot be used."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        return LoadError(path, f"cannot read file ({exc.strerror})")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return LoadError(path, f"not UTF-8 text (undecodable byte at offset {exc.start})")
    if path.suffix.lower() in {".html", ".htm"}:
        text = html_to_text(text)
    if not text.strip():
        return LoadError(path, "file is empty")
    info = manifest.get(path.name) or _infer_info(path, text)
    if not info.year:
        return LoadError(path, "no manifest entry and no year found in the text")
    return SourceText(info=info, path=path, text=text)
