"""The Documents tab: the indexed notices and how each was parsed; upload a notice, remove one.

A thin surface over `assistant.documents.DocumentShelf`, the same door as POST and DELETE /documents: the
shelf checks the file, stores it and runs the incremental ingest while the current index keeps serving.
Changes need the admin key, as on the HTTP API (the page itself is behind the login form when API keys are
set); with no admin key configured they are disabled, as the admin routes are.
"""

from __future__ import annotations

import contextvars
import hmac
import logging
from collections.abc import Callable, Iterator
from concurrent import futures
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import gradio as gr
import pandas as pd

from assistant.document_jobs import IngestWatch
from assistant.documents import (
    DocumentConflictError,
    DocumentEntry,
    DocumentList,
    DocumentNotFoundError,
    DocumentShelf,
    IngestBusyError,
)
from assistant.service import IndexUnavailableError
from assistant.surfaces.ui.render import esc, index_message, message_html
from index.ingest import IngestProgress
from index.intake import UPLOAD_SUFFIXES, UploadRejected
from index.model import Document, Task, UnitKind

logger = logging.getLogger("policyqa.ui.documents")

# issuer, number and date are on the parse card: the table stays readable beside it
TABLE_COLUMNS = ["id", "title", "year", "format", "tasks", "warnings"]
PICK_HINT = "Select a document in the table, or pick its id, to see how it was parsed."
FORMATS = ", ".join(UPLOAD_SUFFIXES)
PROGRESS_POLL_S = 0.5  # how often an upload's or removal's status shows the ingest's stage
ADMIN_DISABLED = "Adding and removing documents is disabled: set POLICYQA_ADMIN_KEY to enable it."


class DocumentsTab:
    """Handlers of the Documents tab; each turns failures into a message in the tab, never raises."""

    def __init__(self, shelf: DocumentShelf, admin_key: str | None) -> None:
        self.shelf = shelf
        self.admin_key = admin_key

    # reading

    def listing(self, picked: str | None = None) -> tuple[pd.DataFrame, Any, str]:
        """The documents table, the id choices (`picked` chosen when listed) and the files not used."""
        try:
            documents = self.shelf.list()
        except IndexUnavailableError as exc:
            return documents_table([]), gr.update(choices=[], value=None), index_message(str(exc))
        ids = [entry.id for entry in documents.documents]
        return (
            documents_table(documents.documents),
            gr.update(choices=ids, value=picked if picked in ids else None),
            unused_markdown(documents),
        )

    def parsed(self, doc_id: str | None = None) -> str:
        """How one document was parsed: its header, sections, tasks and warnings."""
        if not doc_id:
            return message_html(PICK_HINT)
        try:
            entry = next((e for e in self.shelf.list().documents if e.id == doc_id), None)
        except IndexUnavailableError as exc:
            return message_html(index_message(str(exc)), "warning")
        if entry is None:
            return message_html(f"There is no document “{doc_id}” in the index.", "warning")
        document = self.shelf.scan().documents.get(doc_id)
        units = [u for u in self.shelf.service.library.units.values() if u.doc_id == doc_id]
        return parsed_html(entry, document, units)

    def open_row(self, evt: gr.SelectData) -> tuple[str, Any]:
        """A row of the documents table was selected: its parse, and its id picked for removal."""
        row = evt.row_value or []
        doc_id = str(row[0]) if row else ""
        return self.parsed(doc_id), gr.update(value=doc_id or None)

    # changing

    def upload(
        self,
        path: str | None,
        key: str,
        progress: gr.Progress = gr.Progress(),  # noqa: B008 (Gradio's idiom)
    ) -> Iterator[tuple[str, str, Any]]:
        """Check and index the uploaded file: the ingest's stage as it runs (Gradio's progress bar and the
        status line, with the stages so far), then the outcome, the stages it went through and the new id.

        The file picker is emptied once the attempt is over (the outcome names the file), ready for the next.
        """
        for status, doc_id in self._add(path, key, progress):
            yield status, doc_id, gr.update()
        yield status, doc_id, None

    def _add(self, path: str | None, key: str, progress: gr.Progress) -> Iterator[tuple[str, str]]:
        refusal = self._refusal(key)
        if refusal:
            yield message_html(refusal, "warning"), ""
            return
        if not path:
            yield message_html(f"Choose a file first: one of {FORMATS}.", "warning"), ""
            return
        name = Path(path).name
        watch = IngestWatch()
        adding = _in_worker(lambda tracker: self._add_file(path, name, tracker), watch, "upload")
        for status in _polls(f"Indexing {name}", watch, adding, progress):
            yield status, ""
        try:
            entry = adding.result()
        except (UploadRejected, DocumentConflictError, IngestBusyError, IndexUnavailableError) as exc:
            yield message_html(f"{name} was not added: {_reason(exc)}", "warning"), ""
            return
        except Exception as exc:  # never a stack trace in the page; the log has it
            logger.exception("adding a document from the UI failed")
            yield message_html(f"{name} was not added: {exc}", "warning"), ""
            return
        warnings = f" Warnings: {'; '.join(entry.warnings)}." if entry.warnings else ""
        outcome = message_html(f"Added {name} as “{entry.id}”: {entry.tasks} tasks.{warnings}")
        yield outcome + _stages_html(watch.finished()), entry.id

    def _add_file(self, path: str, name: str, progress: IngestProgress) -> DocumentEntry:
        with open(path, "rb") as upload:
            return self.shelf.add(name, upload, progress=progress)

    def remove(
        self,
        doc_id: str | None,
        key: str,
        progress: gr.Progress = gr.Progress(),  # noqa: B008 (Gradio's idiom)
    ) -> Iterator[str]:
        """Remove a document's file and its tasks from the index: the ingest's stage as it runs, as an
        upload shows it, then the outcome and the stages it went through."""
        refusal = self._refusal(key)
        if refusal:
            yield message_html(refusal, "warning")
            return
        if not doc_id:
            yield message_html("Pick the document to remove first.", "warning")
            return
        watch = IngestWatch()
        removing = _in_worker(lambda tracker: self.shelf.remove(doc_id, tracker), watch, "remove")
        yield from _polls(f"Removing {doc_id}", watch, removing, progress)
        try:
            entry = removing.result()
        except (DocumentNotFoundError, IngestBusyError, IndexUnavailableError) as exc:
            yield message_html(f"{doc_id} was not removed: {_reason(exc)}", "warning")
            return
        except Exception as exc:  # never a stack trace in the page; the log has it
            logger.exception("removing a document from the UI failed")
            yield message_html(f"{doc_id} was not removed: {exc}", "warning")
            return
        outcome = message_html(f"Removed “{entry.id}” ({entry.file or entry.title}).")
        yield outcome + _stages_html(watch.finished())

    def _refusal(self, key: str) -> str | None:
        """Why a change is not allowed with this admin key, or None."""
        if not self.admin_key:
            return ADMIN_DISABLED
        if not key:
            return "Enter the admin key to add or remove documents."
        if not hmac.compare_digest(key.encode(), self.admin_key.encode()):
            return "The admin key is not valid."
        return None


def _in_worker(
    work: Callable[[IngestProgress], DocumentEntry], watch: IngestWatch, name: str
) -> Future[DocumentEntry]:
    """Run a change in a thread of its own with the watch's progress, the request's context (its id in the
    log lines) going with it; the thread ends with the change."""
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"policyqa-ui-{name}")
    try:
        return pool.submit(contextvars.copy_context().run, work, watch.progress())
    finally:
        pool.shutdown(wait=False)


def _polls(
    label: str, watch: IngestWatch, running: Future[DocumentEntry], progress: gr.Progress
) -> Iterator[str]:
    """The status while a change runs, every PROGRESS_POLL_S: Gradio's bar and the stages so far.

    The first status waits (up to one poll) for the change's first stage: a removal can finish within one
    poll, and its only running status would otherwise say "starting" instead of what it does."""
    watch.begun.wait(PROGRESS_POLL_S)
    while True:
        stage, done, total = watch.now()
        progress((done, total or None), desc=f"{label}: {stage}", unit="texts")
        yield _progress_html(label, watch)
        if futures.wait([running], timeout=PROGRESS_POLL_S).done:
            return


def _stage_text(stage: str, done: int, total: int) -> str:
    return f"{stage} {done}/{total}" if total else stage


def _stages_html(stages: list[tuple[str, int, int]]) -> str:
    """The stages of an ingest as a numbered list: what ran, with how many texts each embedded."""
    items = "".join(f"<li>{esc(_stage_text(*stage))}</li>" for stage in stages)
    return f'<ol class="ingest-stages">{items}</ol>' if items else ""


def _progress_html(label: str, watch: IngestWatch) -> str:
    stage, done, total = watch.now()
    head = message_html(
        f"{label}: {_stage_text(stage, done, total)}… the current index keeps answering meanwhile."
    )
    return head + _stages_html(watch.finished())


def _reason(exc: Exception) -> str:
    return exc.message if isinstance(exc, UploadRejected) else str(exc).strip("'\"")


def documents_table(entries: list[DocumentEntry]) -> pd.DataFrame:
    rows = [[e.id, e.title, e.year, e.format, e.tasks, len(e.warnings)] for e in entries]
    return pd.DataFrame(rows, columns=TABLE_COLUMNS)


def unused_markdown(documents: DocumentList) -> str:
    """The files of the documents folder that are not indexed, with the reason; empty when all are."""
    if not documents.unused:
        return ""
    lines = [f"- `{u.file}`: {u.reason}" for u in documents.unused]
    return "**Files not used**\n\n" + "\n".join(lines)


def parsed_html(entry: DocumentEntry, document: Document | None, units: list[Task]) -> str:
    """The parse of one document as a card: header facts, warnings, sections and a row per task."""
    facts = [
        ("Id", entry.id),
        ("Title", entry.title),
        ("Year", str(entry.year)),
        ("Issuer", entry.issuer),
        ("Number", entry.number),
        ("Date", entry.date),
        ("Format", entry.format),
        ("File", entry.file or ""),
    ]
    blank = '<span class="muted">—</span>'
    facts_html = "".join(f"<dt>{esc(k)}</dt><dd>{esc(v) or blank}</dd>" for k, v in facts)
    warnings = (
        '<ul class="doc-warnings">' + "".join(f"<li>{esc(w)}</li>" for w in entry.warnings) + "</ul>"
        if entry.warnings
        else '<p class="muted doc-no-warnings">No warnings.</p>'
    )
    sections = document.sections if document else []
    sections_html = (
        "<ol class='doc-sections'>"
        + "".join(f"<li><b>{esc(s.number)}</b> {esc(s.title)}</li>" for s in sections)
        + "</ol>"
        if sections
        else '<p class="muted">No sections.</p>'
    )
    tasks = sorted((u for u in units if u.kind is UnitKind.TASK), key=lambda t: t.number or 0)
    rows = "".join(_task_row(t) for t in tasks)
    return (
        f'<article class="doc-card" data-document="{esc(entry.id)}">'
        f'<dl class="task-facts">{facts_html}</dl>'
        f"<h4>Warnings</h4>{warnings}"
        f"<h4>Sections ({len(sections)})</h4>{sections_html}"
        f"<h4>Tasks ({len(tasks)})</h4>"
        '<table class="doc-tasks"><thead><tr><th>task</th><th>section</th><th>title</th>'
        "<th>lead departments</th><th>deadlines</th></tr></thead>"
        f"<tbody>{rows}</tbody></table></article>"
    )


def _task_row(task: Task) -> str:
    departments = esc(", ".join(task.departments)) or '<span class="muted">none named</span>'
    deadlines = esc("; ".join(f"{d.month} ({d.phrase})" for d in task.deadlines)) or (
        '<span class="muted">none</span>'
    )
    section = esc(task.section.number) if task.section else ""
    return (
        f'<tr data-task="{esc(task.id)}"><td>{esc(task.id)}</td><td>{section}</td><td>{esc(task.title)}</td>'
        f"<td>{departments}</td><td>{deadlines}</td></tr>"
    )


def documents_tab(shelf: DocumentShelf, admin_key: str | None, demo: gr.Blocks) -> None:
    """Lay out the tab inside the current Blocks context and wire its events."""
    tab = DocumentsTab(shelf, admin_key)
    status = gr.HTML("", elem_id="documents-status")
    with gr.Row(equal_height=False):
        with gr.Column(scale=3, min_width=480):
            table = gr.Dataframe(
                headers=TABLE_COLUMNS,
                elem_id="documents-table",
                interactive=False,
                wrap=True,
                column_widths=["18%", "46%", "9%", "9%", "8%", "10%"],
                max_height=420,
            )
            unused = gr.Markdown(elem_id="documents-unused")
            with gr.Group(elem_id="documents-change"):
                upload_file = gr.File(
                    label=f"Add a notice ({FORMATS})",
                    file_count="single",
                    type="filepath",
                    elem_id="documents-upload",
                )
                key = gr.Textbox(
                    label="Admin key",
                    type="password",
                    elem_id="documents-admin-key",
                    placeholder="POLICYQA_ADMIN_KEY" if admin_key else "disabled: no POLICYQA_ADMIN_KEY set",
                    max_lines=1,
                )
                with gr.Row():
                    add = gr.Button("Add document", variant="primary", elem_id="documents-add")
                    picked = gr.Dropdown([], label="Document", elem_id="documents-pick", scale=2)
                    remove = gr.Button("Remove document", variant="stop", elem_id="documents-remove")
        with gr.Column(scale=4, min_width=480):
            parsed = gr.HTML(message_html(PICK_HINT), elem_id="documents-parsed", padding=True)
    added = gr.State("")  # the id of the document just added, to show its parse
    listing = [table, picked, unused]
    table.select(tab.open_row, None, [parsed, picked])
    picked.input(tab.parsed, picked, parsed)
    add.click(tab.upload, [upload_file, key], [status, added, upload_file], concurrency_limit=1).then(
        tab.listing, added, listing
    ).then(tab.parsed, added, parsed)
    removed = remove.click(tab.remove, [picked, key], status, concurrency_limit=1)
    removed.then(tab.listing, None, listing).then(tab.parsed, None, parsed)
    demo.load(tab.listing, None, listing)
