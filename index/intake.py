"""The checks an uploaded document passes before it goes near the documents folder or the index.

An upload is untrusted input. Each check reads only what it needs, cheapest first: the file name, the size,
the first bytes, a zip's central directory (never its decompressed content). The one check that has to run
the extractors (can the file be read, within the time budget, into a document the parser accepts?) runs in a
child process with a memory cap, killed when `POLICYQA_EXTRACT_TIMEOUT_S` is spent, so a PDF built to make
extraction crawl, or a page built to blow up the parser, costs the server a bounded amount and nothing else.

Run as `python -m index.intake <file> <manifest>` it is that child: it prints one JSON object.
"""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from index.settings import REPO_ROOT

UPLOAD_SUFFIXES = (".txt", ".md", ".html", ".htm", ".pdf", ".docx")
TEXT_SUFFIXES = frozenset({".txt", ".md", ".html", ".htm"})
# A Word file's parts compress well (XML), but not a thousandfold: past that it is built to exhaust memory.
MAX_DOCX_RATIO = 1000
MAX_ZIP_ENTRIES = 5000
MAX_NAME_BYTES = 255
# Characters Windows forbids in file names; refused everywhere so a documents folder can move between systems.
RESERVED_NAME_CHARS = frozenset('<>:"|?*')
# Share of control characters (besides tab, newlines, form feed) above which "text" is binary data.
MAX_CONTROL_SHARE = 0.001
CHILD_MEMORY_BYTES = 2 * 1024**3
PDF_HEADER_WINDOW = 1024  # readers accept the %PDF- header anywhere in the first KiB


class Rejection(StrEnum):
    """Why an upload was refused; the value is the error code the HTTP API reports."""

    BAD_NAME = "invalid_filename"
    UNSUPPORTED = "unsupported_media_type"
    TOO_LARGE = "payload_too_large"
    EMPTY = "empty_file"
    MISMATCH = "content_mismatch"
    ZIP_BOMB = "compression_ratio"
    TIMEOUT = "extract_timeout"
    UNREADABLE = "document_rejected"


class UploadRejected(ValueError):
    """An upload that must not be stored: the reason's code and a message that says what to fix."""

    def __init__(self, reason: Rejection, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


@dataclass(frozen=True)
class ProbedDocument:
    """What the trial extraction and parse of an upload found."""

    id: str
    year: int
    title: str
    tasks: int


def check_filename(name: str | None) -> str:
    """The upload's file name when it is a plain, portable name of a supported type; its suffix is returned.

    A name is used as a path inside the documents folder, so anything that could leave the folder or name
    something else (separators, `..`, an absolute or drive path, NUL and other control characters) is refused
    rather than cleaned up: a silently altered name would be a surprise too.
    """
    if not name:
        raise UploadRejected(Rejection.BAD_NAME, "the upload has no file name")
    shown = ascii(name)
    if "/" in name or "\\" in name:
        message = f"file name {shown} contains a path separator: send a plain name such as notice-2023.pdf"
        raise UploadRejected(Rejection.BAD_NAME, message)
    if any(ord(c) < 32 or ord(c) == 127 for c in name):
        raise UploadRejected(Rejection.BAD_NAME, f"file name {shown} contains NUL or control characters")
    if RESERVED_NAME_CHARS & set(name):
        reserved = " ".join(sorted(RESERVED_NAME_CHARS))
        raise UploadRejected(Rejection.BAD_NAME, f"file name {shown} contains one of {reserved}")
    if name.startswith(".") or name.endswith((".", " ")) or name != name.strip():
        message = f"file name {shown} may not start with a dot or start or end with a space or dot"
        raise UploadRejected(Rejection.BAD_NAME, message)
    if len(name.encode()) > MAX_NAME_BYTES:
        raise UploadRejected(Rejection.BAD_NAME, f"file name is longer than {MAX_NAME_BYTES} bytes")
    suffix = Path(name).suffix.lower()
    if suffix not in UPLOAD_SUFFIXES:
        allowed = ", ".join(UPLOAD_SUFFIXES)
        message = f"{suffix or 'a file without an extension'} is not supported; upload one of {allowed}"
        raise UploadRejected(Rejection.UNSUPPORTED, message)
    return suffix


def check_size(size: int, limit: int) -> None:
    """Refuse an empty file and one over `limit` bytes."""
    if size == 0:
        raise UploadRejected(Rejection.EMPTY, "the file is empty")
    if size > limit:
        message = f"the file is {size} bytes, over the limit of {limit} bytes (POLICYQA_MAX_UPLOAD_BYTES)"
        raise UploadRejected(Rejection.TOO_LARGE, message)


def check_content(path: Path, suffix: str) -> None:
    """The file's bytes are what its extension says: PDF magic, a Word zip, or UTF-8 text."""
    if suffix == ".pdf":
        _check_pdf(path)
    elif suffix == ".docx":
        _check_docx(path)
    else:
        _check_text(path, suffix)


def _check_pdf(path: Path) -> None:
    with path.open("rb") as file:
        head = file.read(PDF_HEADER_WINDOW)
    if b"%PDF-" not in head:
        raise UploadRejected(Rejection.MISMATCH, "the file is named .pdf but is not a PDF (no %PDF- header)")


def _check_docx(path: Path) -> None:
    """A zip holding word/document.xml whose declared sizes add up to at most MAX_DOCX_RATIO times the file.

    Only the central directory is read. The declared sizes bound what is ever decompressed: Python's
    zipfile (which python-docx reads with) stops each member at its declared size and fails its CRC check.
    """
    size = path.stat().st_size
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        message = f"the file is named .docx but is not a Word document (not a zip archive: {exc})"
        raise UploadRejected(Rejection.MISMATCH, message) from exc
    if not any(m.filename == "word/document.xml" for m in members):
        message = "the file is named .docx but is not a Word document (no word/document.xml inside)"
        raise UploadRejected(Rejection.MISMATCH, message)
    if len(members) > MAX_ZIP_ENTRIES:
        message = f"the Word file holds {len(members)} parts, more than {MAX_ZIP_ENTRIES}"
        raise UploadRejected(Rejection.ZIP_BOMB, message)
    unpacked = sum(m.file_size for m in members)
    if unpacked > MAX_DOCX_RATIO * size:
        message = (
            f"the Word file would decompress to {unpacked} bytes, more than {MAX_DOCX_RATIO} times its "
            f"{size} bytes: refused as a zip bomb"
        )
        raise UploadRejected(Rejection.ZIP_BOMB, message)


def _check_text(path: Path, suffix: str) -> None:
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        message = (
            f"a {suffix} file must be UTF-8 text; byte {exc.start} is not (binary data or another encoding)"
        )
        raise UploadRejected(Rejection.MISMATCH, message) from exc
    if "\0" in text:
        raise UploadRejected(Rejection.MISMATCH, f"a {suffix} file must be text; this one holds NUL bytes")
    controls = sum(1 for c in text if (ord(c) < 32 and c not in "\t\n\r\f\v") or ord(c) == 127)
    if controls > MAX_CONTROL_SHARE * len(text):
        message = f"a {suffix} file must be text; this one holds {controls} control characters"
        raise UploadRejected(Rejection.MISMATCH, message)
    if not text.strip():
        raise UploadRejected(Rejection.EMPTY, "the file holds only white space")


def probe(path: Path, manifest_path: Path, timeout_s: float) -> ProbedDocument:
    """Extract and parse `path` as the ingest would, in a child process given `timeout_s` seconds.

    Raises UploadRejected when the budget is spent (the child is killed) or the file does not make one
    document; the message is the extractor's or parser's own reason.
    """
    command = [sys.executable, "-m", "index.intake", str(path), str(manifest_path)]
    try:
        run = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=timeout_s)
    except subprocess.TimeoutExpired as exc:
        message = (
            f"reading the file took longer than the {timeout_s:g} s budget (POLICYQA_EXTRACT_TIMEOUT_S); "
            "it was stopped"
        )
        raise UploadRejected(Rejection.TIMEOUT, message) from exc
    lines = run.stdout.strip().splitlines()
    if run.returncode != 0 or not lines:
        error = run.stderr.strip().splitlines()[-1:] or [f"exit status {run.returncode}"]
        if "MemoryError" in error[0]:
            message = f"reading the file needs more than {CHILD_MEMORY_BYTES // 1024**2} MiB of memory"
        else:
            message = f"the file could not be read: {error[0]}"
        raise UploadRejected(Rejection.UNREADABLE, message)
    outcome = json.loads(lines[-1])
    if "error" in outcome:
        raise UploadRejected(Rejection.UNREADABLE, outcome["error"])
    return ProbedDocument(**outcome)


# The child process.


def _extract_binary(path: Path) -> None:
    """Run the format's extractor over the whole file: the part a hostile PDF or Word file makes slow.

    The loader reads these formats again at ingest; doing it here first is what bounds its time.
    """
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        from pypdf import PdfReader

        reader = PdfReader(path)
        text = "".join(page.extract_text() or "" for page in reader.pages)
        if not text.strip():
            raise ValueError("no text layer: scanned PDFs need OCR, which is not supported")
    elif suffix == ".docx":
        import docx

        document = docx.Document(str(path))
        text = "\n".join(p.text for p in document.paragraphs)
        if not text.strip():
            raise ValueError("the Word document holds no text")


def _probe_in_child(path: Path, manifest_path: Path) -> dict[str, object]:
    from index.ingest import parse_sources

    try:
        _extract_binary(path)
    except Exception as exc:
        return {"error": f"{type(exc).__name__}: {exc}" if not isinstance(exc, ValueError) else str(exc)}
    documents, errors, _ = parse_sources([path], manifest_path)
    if errors:
        return {"error": errors[0].reason}
    if len(documents) != 1:
        return {"error": "the file does not hold a document"}
    document = documents[0]
    info = document.info
    return {"id": info.id, "year": info.year, "title": info.title, "tasks": len(document.tasks)}


def _limit_memory() -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (CHILD_MEMORY_BYTES, CHILD_MEMORY_BYTES))


if __name__ == "__main__":
    _limit_memory()
    print(json.dumps(_probe_in_child(Path(sys.argv[1]), Path(sys.argv[2]))))
