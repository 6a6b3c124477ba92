"""Read source files and their manifest entries; every failure is collected per file, never raised mid-run.

Formats are read by the readers registered in index.readers; what a file says about itself (title, year,
number, issuer, date) fills what the manifest leaves out.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from index.clean import CleanText, clean_text
from index.identity import IdRequest, assign_ids, base_id
from index.metadata import NoticeMetadata, defined_aliases, read_metadata
from index.model import DocumentInfo
from index.readers import READERS, ReadError, reader_for, unsupported_reason

SOURCE_SUFFIXES = set(READERS)
CONFIG_FILES = {"manifest.json", "glossary.json"}  # the documents folder's configuration, not documents


@dataclass(frozen=True)
class SourceText:
    """A decoded source file with its manifest entry (completed from the text) and its cleaned text."""

    info: DocumentInfo
    path: Path
    text: str
    cleaned: CleanText | None = None
    metadata: NoticeMetadata | None = None
    aliases: dict[str, str] = field(default_factory=dict)
    in_manifest: bool = False


@dataclass(frozen=True)
class LoadError:
    """Why one file could not be used; names the file."""

    path: Path
    reason: str
    skipped: bool = False  # not a document at all (hidden, a folder, another type): reported, never "failed"

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
    """Expand folders into their source files; missing paths and every file a folder holds that will not be
    read (unknown type, hidden, a sub-folder) become errors naming the file and the reason."""
    files: list[Path] = []
    errors: list[LoadError] = []
    for path in paths:
        if path.is_dir():
            for entry in sorted(path.iterdir()):
                if entry.name in CONFIG_FILES:
                    continue
                if reason := _not_a_source(entry):
                    errors.append(LoadError(entry, reason, skipped=True))
                else:
                    files.append(entry)
        elif path.is_file():
            files.append(path)
        else:
            errors.append(LoadError(path, "no such file or directory"))
    return files, errors


def _not_a_source(entry: Path) -> str:
    if entry.name.startswith("."):
        return "hidden file, not read"
    if entry.is_dir():
        return "a folder: documents in sub-folders are not read"
    if reader_for(entry) is None:
        return unsupported_reason(entry)
    return ""


def _merge(
    entry: DocumentInfo | None, path: Path, metadata: NoticeMetadata, file_format: str
) -> DocumentInfo:
    """The manifest entry where it has a value, else what the text says."""
    inferred = DocumentInfo(
        id=base_id(metadata.year, metadata.half, metadata.summary) if metadata.year else path.stem,
        year=metadata.year,
        title=metadata.title or path.stem.replace("-", " "),
        issuer=metadata.issuer,
        date=metadata.date,
        number=metadata.number,
        file=path.name,
        format=file_format,
    )
    if entry is None:
        return inferred
    given = {k: v for k, v in entry.model_dump().items() if v not in ("", 0, None)}
    return inferred.model_copy(update=given)


def read_source(path: Path, manifest: dict[str, DocumentInfo]) -> SourceText | LoadError:
    """Read and clean one file; the result is an error naming the file when it cannot be used."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        return LoadError(path, f"cannot read file ({exc.strerror})")
    reader = reader_for(path)
    if reader is None:
        return LoadError(path, unsupported_reason(path))
    if not data.strip():
        return LoadError(path, "file is empty")
    try:
        text = reader.read(data)
    except ReadError as exc:
        return LoadError(path, str(exc))
    if not text.strip():
        return LoadError(path, "file is empty" if reader.format != "html" else "no text in the page")
    cleaned = clean_text(text)
    lines = [line for p in cleaned.paragraphs for line in p]
    metadata = read_metadata(path.stem, lines)
    entry = manifest.get(path.name)
    info = _merge(entry, path, metadata, reader.format)
    if not info.year:
        return LoadError(path, "no manifest entry and no year found in the text")
    return SourceText(
        info=info,
        path=path,
        text=text,
        cleaned=cleaned,
        metadata=metadata,
        aliases=defined_aliases(lines),
        in_manifest=entry is not None,
    )


def with_document_ids(sources: list[SourceText]) -> list[SourceText]:
    """The sources with their final ids: several documents of one year get ids that tell them apart."""
    requests = [
        IdRequest(
            path=s.path,
            year=s.info.year,
            half=s.metadata.half if s.metadata else "",
            summary=s.metadata.summary if s.metadata else False,
            manifest_id=s.info.id if s.in_manifest else "",
        )
        for s in sources
    ]
    ids = assign_ids(requests)
    return [
        SourceText(
            info=s.info.model_copy(update={"id": ids[s.path]}),
            path=s.path,
            text=s.text,
            cleaned=s.cleaned,
            metadata=s.metadata,
            aliases=s.aliases,
            in_manifest=s.in_manifest,
        )
        for s in sources
    ]
