"""What the web UI shows, as Markdown (chat messages) and HTML (task cards); every piece of data is escaped.

Chat messages are Markdown rendered by Gradio's Chatbot. Each citation marker `[2021-2]` stays in the text as
written and becomes a chip through a reference-style link definition (`[2021-2]: #cite-2021-2`) appended to
the message: the rendered page shows a link, while the copy button (which copies the raw message) gives the
plain markers and a Sources list.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

from assistant.core.answer.extractive import ExtractiveComposer
from assistant.core.text import MARKER
from assistant.core.types import Answer, Citation, RefusalCode
from assistant.failures import describe_failure
from index.model import DocumentInfo, Task

CITE_ANCHOR = "#cite-"
NOT_COVERED = "Not covered by these documents."
# The heading of a refusal whose reason is not that the documents lack the answer
REFUSAL_HEADINGS = {
    RefusalCode.FALSE_PREMISE: "The documents do not say what this question assumes.",
    RefusalCode.INSTRUCTION_IGNORED: "Instructions to the assistant are ignored; ask about the documents.",
}
NOT_BUILT = "The index is not built yet: run `policyqa ingest`, then reload this page."
STILL_LOADING = "The index is still loading; reload this page in a few seconds."
OFFLINE_MODEL = ExtractiveComposer.name
BUSY = "The model server is busy right now. Try again in a moment, or choose another model."
# Characters that make markup anywhere in a line (emphasis, code, links and images, HTML, tables, maths,
# e-mail autolinks) ...
_INLINE_SPECIAL = re.compile(r"([\\`*_\[\]<>|~$&@])")
# ... bare URLs, which GitHub-flavoured Markdown turns into links ...
_AUTOLINK = re.compile(r"\b(https?|ftp)(:)(?=//)|\b(www)(\.)", re.IGNORECASE)
# ... and those that do only at the start of a line (headings, quotes, lists, setext underlines). Escaping no
# more than these keeps stray backslashes out of copied answers ("task (2)." stays as it is).
_LINE_START_SPECIAL = re.compile(r"^(\s*)([#+=-]|\d+[.)])", re.MULTILINE)


# chat messages (Markdown)


def escape_markdown(text: str) -> str:
    """`text` shown literally by a Markdown renderer: no emphasis, links, images or raw HTML."""
    text = _INLINE_SPECIAL.sub(r"\\\1", text)
    text = _AUTOLINK.sub(lambda m: f"{m[1] or m[3]}\\{m[2] or m[4]}", text)
    return _LINE_START_SPECIAL.sub(lambda m: f"{m[1]}{m[2][:-1]}\\{m[2][-1]}", text)


def with_chips(text: str) -> str:
    """Answer text as Markdown: the text escaped, its `[id]` markers kept as reference links."""
    parts: list[str] = []
    position = 0
    for marker in MARKER.finditer(text):
        parts.append(escape_markdown(text[position : marker.start()]))
        parts.append(marker.group(0))
        position = marker.end()
    parts.append(escape_markdown(text[position:]))
    return "".join(parts)


def cited_ids(text: str) -> list[str]:
    """The ids the markers of `text` cite, in order of first mention."""
    return list(dict.fromkeys(MARKER.findall(text)))


def chip_definitions(ids: Iterable[str], labels: dict[str, str]) -> str:
    """Link reference definitions turning `[id]` into a chip linking to `#cite-<id>`, its label as tooltip."""
    lines = []
    for unit_id in ids:
        title = labels.get(unit_id, unit_id).replace('"', "'")
        lines.append(f'[{unit_id}]: {CITE_ANCHOR}{unit_id} "{html.escape(title, quote=False)}"')
    return "\n".join(lines)


def partial_answer_markdown(text: str) -> str:
    """A streamed answer while it grows: its chips work already, labels come with the final answer."""
    ids = cited_ids(text)
    return "\n\n".join(part for part in (with_chips(text), chip_definitions(ids, {})) if part)


def sources_list(citations: list[Citation]) -> str:
    """The compact "Sources" list under an answer: marker, label and title of each cited unit."""
    items = [f"- [{c.id}] {escape_markdown(c.label or c.id)} · {escape_markdown(c.title)}" for c in citations]
    return "\n".join(["**Sources**", *items])


def grounding_note(answer: Answer) -> str:
    """One muted line: how much of the answer the cited text supports, and which model wrote it."""
    note = f"Grounding {answer.grounding:.0%}"
    if answer.unsupported:
        count = len(answer.unsupported)
        note += f" ({count} sentence{'s' if count > 1 else ''} not supported by the cited text)"
    return f"_{note} · {escape_markdown(answer.model)}_"


def refusal_markdown(answer: Answer) -> str:
    """The "not covered" state: a quote block (styled amber) with a heading for the refusal's code and the
    reason the answer gives."""
    heading = REFUSAL_HEADINGS.get(answer.refusal.code, NOT_COVERED) if answer.refusal else NOT_COVERED
    return f"> **{heading}**\n> {escape_markdown(answer.answer)}"


def answer_markdown(answer: Answer) -> str:
    """The final chat message of an Answer: text with chips, Sources list, grounding note."""
    if answer.refused:
        return refusal_markdown(answer)
    labels = {c.id: c.label or c.id for c in answer.citations}
    ids = cited_ids(answer.answer)
    parts = [with_chips(answer.answer)]
    if answer.citations:
        parts.append(sources_list(answer.citations))
    parts.append(grounding_note(answer))
    parts.append(chip_definitions(dict.fromkeys([*ids, *labels]), labels))
    return "\n\n".join(p for p in parts if p)


def _inline_code(escaped: str) -> str:
    """`code` spans of our own messages (already HTML-escaped) as <code>."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", escaped)


def error_html(message: str) -> str:
    """A failure shown in the chat (styled red); `message` is our own text, `code` spans allowed."""
    return f'<div class="ui-error"><strong>Could not answer.</strong> {_inline_code(esc(message))}</div>'


def index_message(load_error: str | None) -> str:
    """Why there is no index to answer from: still loading (no error yet) or not built."""
    return STILL_LOADING if load_error is None else NOT_BUILT


def failure_message(exc: Exception, load_error: str | None, model: str | None) -> str:
    """What to tell the user about `exc`: never a stack trace, always what they can do next."""
    failure = describe_failure(exc)
    match failure.code if failure else None:
        case "index_unavailable":
            return index_message(load_error)
        case "invalid_choice" if failure and failure.field == "model":
            offered = ", ".join(failure.allowed)
            return f"The model “{failure.model}” is not offered here. Choose one of: {offered}."
        case "model_unavailable" if failure and failure.busy:
            return BUSY
        case "model_unavailable" if failure:
            return (
                f"The model “{failure.model}” could not be reached. Choose another model "
                f"(“{OFFLINE_MODEL}” works offline) or try again later."
            )
    if model and model != OFFLINE_MODEL:
        return (
            f"The model “{model}” failed to answer; its endpoint may be unreachable. "
            "Choose another model or try again later."
        )
    return "Something went wrong while answering. Try again; the server log has the details."


# task cards (HTML)


def esc(text: str) -> str:
    return html.escape(text, quote=True)


def highlight(text: str, quote: str | None) -> str:
    """`text` escaped, with the first occurrence of `quote` wrapped in <mark>."""
    at = text.find(quote) if quote else -1
    if not quote or at < 0:
        return esc(text)
    end = at + len(quote)
    return f"{esc(text[:at])}<mark>{esc(text[at:end])}</mark>{esc(text[end:])}"


def _document_line(task: Task, document: DocumentInfo | None) -> str:
    if document is None:
        return f"{task.year} · Key Tasks for Deepening the Reform of the Medical and Health System"
    details = [d for d in (document.issuer, document.date, document.number) if d]
    return " · ".join([str(task.year), document.title, *details])


def _departments_html(task: Task) -> str:
    if not task.departments:
        return '<span class="muted">None named</span>'
    items = "".join(f"<li>{esc(name)}</li>" for name in task.departments)
    return f'<ul class="dept-list">{items}</ul>'


def _deadlines_html(task: Task) -> str:
    if not task.deadlines:
        return '<span class="muted">None stated</span>'
    items = "".join(
        f'<li><span class="deadline-month">{esc(d.month)}</span> {esc(d.phrase)}</li>' for d in task.deadlines
    )
    return f'<ul class="deadline-list">{items}</ul>'


def task_html(task: Task, document: DocumentInfo | None = None, quote: str | None = None) -> str:
    """A task as a card: document, section, label and title, departments, deadlines, full text.

    `quote` (the sentence a citation rests on) is highlighted wherever it occurs.
    """
    section = (
        f'<div class="task-section">Section {esc(task.section.number)} · {esc(task.section.title)}</div>'
        if task.section
        else ""
    )
    body = f"<p>{highlight(' '.join(task.sentences), quote)}</p>" if task.sentences else ""
    responsibility = (
        f'<p class="responsibility">{highlight(task.departments_text, quote)}</p>'
        if task.departments_text
        else ""
    )
    return (
        f'<article class="task-card" data-task="{esc(task.id)}">'
        f'<div class="task-doc">{esc(_document_line(task, document))}</div>'
        f'<h3 class="task-title"><span class="task-label">{esc(task.label)}</span> '
        f"{highlight(task.title, quote)}</h3>"
        f"{section}"
        '<dl class="task-facts">'
        f"<dt>Lead departments</dt><dd>{_departments_html(task)}</dd>"
        f"<dt>Deadlines</dt><dd>{_deadlines_html(task)}</dd>"
        "</dl>"
        f'<div class="task-text">{body}{responsibility}</div>'
        "</article>"
    )


def message_html(message: str, kind: str = "hint") -> str:
    """A short note in a panel ("click a chip…", "no task 2021-99"); `kind` is hint or warning."""
    return f'<div class="panel-note panel-{esc(kind)}">{_inline_code(esc(message))}</div>'
