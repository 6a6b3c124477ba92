"""The documents folder as users change it: list what is indexed, add an uploaded file, remove a document.

Every change goes through one door, one at a time: the upload is checked (index/intake.py) before anything is
written; it then lands in the folder atomically (a hidden temporary file linked into place, never over
another document's file unless asked), and the existing incremental ingest (`PolicyQA.reindex`) builds the
new index generation aside while the current one keeps serving. When the ingest fails or does not take the
file, the folder is put back as it was; the index was never swapped, or was rebuilt from the same files.
"""

from __future__ import annotations

import logging
import os
import secrets
import shutil
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from pydantic import BaseModel, Field

from assistant.service import PolicyQA
from index.ingest import IngestProgress, IngestReport, parse_sources
from index.intake import Rejection, UploadRejected, check_content, check_filename, check_size, probe
from index.load import LoadError
from index.model import Document, DocumentInfo, Task, UnitKind, UnplacedLine

logger = logging.getLogger("policyqa.documents")

COPY_CHUNK = 1024 * 1024
CHECKING_STAGE = "checking and parsing the file"  # the first stage of an upload, before the ingest's own
REMOVING_STAGE = "taking the file out of the folder"  # the first stage of a removal, before the ingest's own
# Suffixes of the folder's transient files: none is a source suffix, so an ingest never reads them.
PENDING, REPLACED, DELETED = ".uploading", ".replaced", ".deleted"


class DocumentEntry(BaseModel):
    """One indexed document, as GET /documents lists it."""

    id: str = Field(description='Cited as "<id>-<task>", e.g. "2021" in "2021-5".')
    title: str
    year: int
    issuer: str = ""
    date: str = ""
    number: str = Field("", description="The document number, e.g. 'Guobanfa [2021] No. 20'.")
    format: str = Field(description='The source file\'s type: "txt", "md", "html", "htm", "pdf" or "docx".')
    file: str | None = Field(description="The source file in the documents folder; null when it is gone.")
    tasks: int = Field(description="Numbered tasks (or topical items) indexed.")
    warnings: list[str] = Field(default_factory=list, description="What the parse could not settle.")


class UnusedFile(BaseModel):
    """A file of the documents folder that is not indexed, and why."""

    file: str
    reason: str


class DocumentList(BaseModel):
    count: int
    documents: list[DocumentEntry]
    unused: list[UnusedFile] = Field(default_factory=list)


class IngestBusyError(RuntimeError):
    """Another upload, removal or reindex is running."""


class DocumentConflictError(ValueError):
    """The upload would take another document's file name or id."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class DocumentNotFoundError(LookupError):
    """No document has that id."""


@dataclass
class FolderScan:
    """The documents folder parsed as the ingest would: its documents by id and the files it cannot use."""

    documents: dict[str, Document] = field(default_factory=dict)
    errors: list[LoadError] = field(default_factory=list)


class DocumentShelf:
    """Lists, adds and removes documents of one service; one change at a time per process."""

    def __init__(self, service: PolicyQA) -> None:
        self.service = service
        self.settings = service.settings
        self._change = threading.Lock()
        self._scan_lock = threading.Lock()
        self._scan_cache: tuple[tuple[object, ...], FolderScan] | None = None

    @property
    def busy(self) -> bool:
        return self._change.locked() or self.service.reindexing

    # reading

    def list(self) -> DocumentList:
        """The documents of the serving index, described from their files; and the files not used."""
        library = self.service.library  # IndexUnavailableError before the first load
        scan = self.scan()
        units: dict[str, list[Task]] = {}
        for unit in library.units.values():
            units.setdefault(unit.doc_id, []).append(unit)
        entries = [
            _entry(doc_id, doc_units, scan.documents.get(doc_id)) for doc_id, doc_units in units.items()
        ]
        entries.sort(key=lambda e: (e.year, e.id))
        unused = [UnusedFile(file=e.path.name, reason=e.reason) for e in scan.errors]
        unused += [
            UnusedFile(file=d.info.file, reason="parsed, but not in the serving index yet: reindex to add it")
            for doc_id, d in scan.documents.items()
            if doc_id not in units
        ]
        return DocumentList(count=len(entries), documents=entries, unused=unused)

    def scan(self) -> FolderScan:
        """The folder parsed, cached until a file or the manifest changes (size or modification time)."""
        folder = self.settings.documents_dir
        signature = tuple(
            (p.name, s.st_mtime_ns, s.st_size)
            for p in sorted(folder.iterdir())
            if p.is_file() and not p.name.startswith(".") and (s := p.stat())
        )
        with self._scan_lock:
            if self._scan_cache is None or self._scan_cache[0] != signature:
                documents, errors, _ = parse_sources([folder], self.settings.manifest_path)
                scan = FolderScan({d.info.id: d for d in documents}, errors)
                self._scan_cache = (signature, scan)
            return self._scan_cache[1]

    # changing

    def add(
        self,
        name: str | None,
        upload: BinaryIO,
        replace: bool = False,
        progress: IngestProgress | None = None,
    ) -> DocumentEntry:
        """Check, store and index an uploaded file.

        Raises UploadRejected, DocumentConflictError or IngestBusyError, with nothing changed.

        With `replace`, a file of the same name is replaced (its document re-parsed); otherwise that is a
        conflict. Nothing is written before every check has passed. `progress` is told each stage: the
        checks, then the ingest's own stages (see `PolicyQA.reindex`).
        """
        progress = progress or IngestProgress()
        limit = self.settings.max_upload_bytes
        with self._exclusive():
            progress.start(CHECKING_STAGE, 0)
            suffix = check_filename(name)
            name = str(name)
            with tempfile.TemporaryDirectory(prefix="policyqa-upload-") as scratch:
                staged = Path(scratch) / name
                check_size(_copy_at_most(upload, staged, limit), limit)
                check_content(staged, suffix)
                probed = probe(staged, self.settings.manifest_path, self.settings.extract_timeout_s)
                target = self.settings.documents_dir / name
                replacing = target.exists()
                if replacing and not replace:
                    message = f"{name} is already in the documents folder; send ?replace=true to replace it"
                    raise DocumentConflictError("file_exists", message)
                self._check_id_free(probed.id, name)
                placement = _place(staged, target, replacing)
            report = self._reindex(placement.undo, progress)
            failure = next((e for e in report.errors if e.path.name == name), None)
            if failure is not None or probed.id not in {d.info.id for d in report.documents}:
                placement.undo()
                reason = failure.reason if failure else "the ingest did not take it"
                raise UploadRejected(Rejection.UNREADABLE, f"{name} could not be indexed: {reason}")
            placement.commit()
            logger.info("document added", extra={"fields": {"file": name, "document": probed.id}})
            return self._entry_of(probed.id)

    def remove(self, doc_id: str, progress: IngestProgress | None = None) -> DocumentEntry:
        """Take a document's file out of the folder and the index.

        Raises DocumentNotFoundError or IngestBusyError, with nothing changed. `progress` is told each
        stage once the document is found: the file set aside, then the ingest's own (see `PolicyQA.reindex`).
        """
        progress = progress or IngestProgress()
        with self._exclusive():
            scan = self.scan()
            document = scan.documents.get(doc_id)
            if document is None or not document.info.file:
                known = ", ".join(sorted(scan.documents)) or "none"
                raise DocumentNotFoundError(f"no document {doc_id!r} in the documents folder (ids: {known})")
            entry = self._entry_of(doc_id)
            progress.start(REMOVING_STAGE, 0)
            target = self.settings.documents_dir / document.info.file
            aside = target.with_name(f".{target.name}.{secrets.token_hex(4)}{DELETED}")
            os.replace(target, aside)
            self._reindex(lambda: os.replace(aside, target), progress)
            aside.unlink()
            logger.info("document removed", extra={"fields": {"file": target.name, "document": doc_id}})
            return entry

    def _exclusive(self) -> _Exclusive:
        return _Exclusive(self)

    def _check_id_free(self, doc_id: str, name: str) -> None:
        owner = self.scan().documents.get(doc_id)
        if owner is not None and owner.info.file != name:
            message = (
                f"document id {doc_id!r} is already used by {owner.info.file}; give the new file a manifest "
                "entry with its own id, or replace that file"
            )
            raise DocumentConflictError("document_id_taken", message)

    def _reindex(self, restore: Callable[[], None], progress: IngestProgress | None = None) -> IngestReport:
        """Run the incremental ingest; on any failure put the folder back first."""
        try:
            return self.service.reindex(progress)
        except RuntimeError as exc:
            restore()
            if self.service.reindexing:
                raise IngestBusyError("a reindex is already running") from exc
            raise
        except BaseException:
            restore()
            raise

    def _entry_of(self, doc_id: str) -> DocumentEntry:
        for entry in self.list().documents:
            if entry.id == doc_id:
                return entry
        raise DocumentNotFoundError(f"document {doc_id!r} is not in the serving index")


class _Exclusive:
    """Holds the shelf's change lock, or raises IngestBusyError at once when a change or reindex runs."""

    def __init__(self, shelf: DocumentShelf) -> None:
        self.shelf = shelf

    def __enter__(self) -> None:
        if not self.shelf._change.acquire(blocking=False):
            raise IngestBusyError("another document is being added or removed")
        if self.shelf.service.reindexing:
            self.shelf._change.release()
            raise IngestBusyError("a reindex is running")

    def __exit__(self, *exc: object) -> None:
        self.shelf._change.release()


def _copy_at_most(source: BinaryIO, target: Path, limit: int) -> int:
    """Copy the upload, stopping one byte past `limit`; the size copied (over `limit` means too large)."""
    copied = 0
    with target.open("wb") as out:
        while copied <= limit and (chunk := source.read(min(COPY_CHUNK, limit + 1 - copied))):
            out.write(chunk)
            copied += len(chunk)
    return copied


@dataclass
class _Placement:
    """A file just put in the documents folder, and the previous version of it when it replaced one."""

    target: Path
    backup: Path | None = None

    def undo(self) -> None:
        if self.backup is not None:
            os.replace(self.backup, self.target)
        else:
            self.target.unlink(missing_ok=True)

    def commit(self) -> None:
        if self.backup is not None:
            self.backup.unlink(missing_ok=True)


def _place(staged: Path, target: Path, replacing: bool) -> _Placement:
    """Put the checked file in the folder atomically; the placement can be undone until committed.

    The bytes go to a hidden pending file first, then are linked to the final name, which fails rather
    than overwrite a file that appeared meanwhile. A replaced file is kept aside (hard link) until the new
    version is indexed.
    """
    token = secrets.token_hex(4)
    pending = target.with_name(f".{target.name}.{token}{PENDING}")
    shutil.copyfile(staged, pending)
    with pending.open("rb+") as file:
        os.fsync(file.fileno())
    if not replacing:
        try:
            os.link(pending, target)
        except FileExistsError as exc:
            message = f"{target.name} appeared in the documents folder meanwhile; send ?replace=true"
            raise DocumentConflictError("file_exists", message) from exc
        finally:
            pending.unlink()
        return _Placement(target)
    backup = target.with_name(f".{target.name}.{token}{REPLACED}")
    os.link(target, backup)
    os.replace(pending, target)
    return _Placement(target, backup)


def unplaced_warning(lines: list[UnplacedLine], shown: int = 3) -> str:
    """ "2 lines could not be placed in a task: “(3) Mend the …” (numbered (3) after task (5); kept in
    2024-5); …": how many, which (first words) and where, so the user can find them in the file."""
    count = len(lines)
    described = [f"“{first_words(u.text)}” ({u.where}; kept in {u.kept_in})" for u in lines[:shown]]
    more = f"; and {count - shown} more" if count > shown else ""
    noun = "line" if count == 1 else "lines"
    return f"{count} {noun} could not be placed in a task: {'; '.join(described)}{more}"


def first_words(text: str, words: int = 6, characters: int = 16) -> str:
    """The opening of a line, by words (or by characters for text without spaces, such as Chinese)."""
    parts = text.split()
    if len(parts) > 1:
        return " ".join(parts[:words]) + (" …" if len(parts) > words else "")
    return text[:characters] + ("…" if len(text) > characters else "")


def _entry(doc_id: str, units: list[Task], document: Document | None) -> DocumentEntry:
    info = document.info if document else DocumentInfo(id=doc_id, year=units[0].year, title=doc_id)
    tasks = [u for u in units if u.kind is UnitKind.TASK]
    warnings = [f"{t.label} names no lead department" for t in tasks if not t.departments]
    if not tasks:
        warnings.append("no tasks were found")
    if document is not None and document.unplaced:
        warnings.append(unplaced_warning(document.unplaced))
    if document is None:
        warnings.append("its file is no longer in the documents folder; the next reindex drops it")
    return DocumentEntry(
        id=doc_id,
        title=info.title,
        year=info.year,
        issuer=info.issuer,
        date=info.date,
        number=info.number,
        format=Path(info.file).suffix.lstrip(".").lower() if info.file else "",
        file=info.file or None,
        tasks=len(tasks),
        warnings=warnings,
    )
