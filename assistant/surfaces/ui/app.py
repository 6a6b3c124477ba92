"""The PolicyQA web UI: Gradio Blocks with Chat, Tasks, Timeline and Evaluation tabs, on the FastAPI app.

Mount it with `mount_ui(app, service, settings)`: in Gradio 6 the theme, CSS and footer are arguments of
`gr.mount_gradio_app`, not of `gr.Blocks`. The page is fully offline (system fonts, no CDN, no analytics).
How it is tested and why it is built this way: docs/ui.md and docs/browser-testing.md.
"""

from __future__ import annotations

import logging
from collections.abc import Generator, Iterator
from typing import Any

import gradio as gr
import pandas as pd
from fastapi import FastAPI

from assistant.core.types import Answer, Filters, Turn
from assistant.documents import DocumentShelf
from assistant.failures import EXPECTED_FAILURES
from assistant.service import IndexUnavailableError, PolicyQA
from assistant.settings import Settings
from assistant.surfaces.ui import UI_PATH
from assistant.surfaces.ui import documents as ui_documents
from assistant.surfaces.ui import evaluation as ui_eval
from assistant.surfaces.ui import tasks as ui_tasks
from assistant.surfaces.ui import timeline as ui_timeline
from assistant.surfaces.ui.render import (
    answer_markdown,
    error_html,
    escape_markdown,
    failure_message,
    index_message,
    message_html,
    partial_answer_markdown,
    task_html,
)
from assistant.surfaces.ui.style import CSS, THEME
from assistant.surfaces.ui.wording import GENERIC, Wording, wording
from index.load import ManifestError, read_manifest
from index.model import DocumentInfo

logger = logging.getLogger("policyqa.ui")

TITLE = "PolicyQA"
SOURCES_HINT = "Click a citation chip in an answer to read the task it cites here."
# Answers that may run at once (Gradio's default is 1): an LLM answer mostly waits on its endpoint, and one
# slow model should not queue every other user; more would only contend for the CPU the extractive one needs.
ANSWER_CONCURRENCY = 4
# Gradio refuses uploads over this multiple of POLICYQA_MAX_UPLOAD_BYTES before they reach the shelf.
UPLOAD_BACKSTOP = 4

# Runs once when the hidden bridge mounts; one capture-phase listener on document serves every chip of
# every message, including those rendered later. trigger('cite', ...) fires bridge.cite in Python.
CITE_BRIDGE_JS = """
document.addEventListener('click', (ev) => {
  const chip = ev.target.closest('#chat a[href^="#cite-"]');
  if (!chip) return;
  ev.preventDefault();   // keep '#cite-…' out of the URL
  ev.stopPropagation();  // and do not also fire the Chatbot's message select
  trigger('cite', {cite_id: chip.getAttribute('href').slice('#cite-'.length)});
}, true);
"""

Message = dict[str, str]
ChatOutputs = tuple[str, list[Message], list[Message], dict[str, str]]


def document_infos(settings: Settings) -> dict[str, DocumentInfo]:
    """Manifest entries by document id, for the title line of task cards; empty when unreadable."""
    try:
        return {info.id: info for info in read_manifest(settings.manifest_path).values()}
    except (OSError, ManifestError) as exc:
        logger.warning("no document titles for the UI: %s", exc)
        return {}


class PolicyQAUI:
    """The UI's event handlers, on one service. Every handler turns failures into messages, never raises."""

    def __init__(self, service: PolicyQA, settings: Settings) -> None:
        self.service = service
        self.settings = settings
        self.documents = document_infos(settings)

    # page load

    def status_banner(self) -> str:
        """Empty when the index is loaded; otherwise what is wrong and what to do."""
        if self.service.ready:
            return ""
        return message_html(index_message(self.service.load_error), "warning")

    def wording(self) -> Wording:
        """Heading, placeholders and examples of the loaded library (generic before it loads)."""
        return wording(self.service.library.tasks) if self.service.ready else GENERIC

    def chat_controls(self) -> tuple[str, Any, Any, str, Any, Any]:
        """The banner, the year choices of the loaded library, the models on offer, and the heading,
        placeholder and example questions of the loaded library."""
        years = (
            [ui_tasks.ALL, *(str(y) for y in self.service.library.years)]
            if self.service.ready
            else [ui_tasks.ALL]
        )
        models = self.service.models()
        words = self.wording()
        return (
            self.status_banner(),
            gr.update(choices=years, value=ui_tasks.ALL),
            gr.update(choices=models, value=models[0] if models else None),
            words.heading,
            gr.update(placeholder=words.placeholder),
            gr.update(samples=[[q] for q in words.examples]),
        )

    def task_controls(self) -> tuple[Any, Any, Any, pd.DataFrame, str, Any, str]:
        """Filter choices built from the loaded tasks, and the unfiltered table."""
        try:
            tasks = self.service.tasks()
        except IndexUnavailableError:
            tasks = []
        choices = ui_tasks.TaskChoices.of(tasks)
        return (
            gr.update(choices=choices.years, value=ui_tasks.ALL),
            gr.update(choices=choices.sections, value=ui_tasks.ALL),
            gr.update(choices=choices.departments, value=ui_tasks.ALL),
            ui_tasks.tasks_table(tasks),
            ui_tasks.count_text(len(tasks), len(tasks)),
            gr.update(placeholder=f"Open a task by id, e.g. {self.wording().task_id_example}"),
            message_html(self.wording().task_hint),
        )

    def evaluation(self) -> tuple[str, pd.DataFrame, Any, Any]:
        """Summary, metrics table, comparison chart and the harness's chart of the latest runs."""
        results = ui_eval.read_results(self.settings.eval_results_dir)
        figure = ui_eval.comparison_chart(results)
        latest = ui_eval.latest_chart(results)
        return (
            ui_eval.summary_markdown(results, self.settings.eval_results_dir),
            ui_eval.metrics_table(results),
            gr.update(value=figure, visible=figure is not None),
            gr.update(value=latest[0], label=latest[1], visible=True) if latest else gr.update(visible=False),
        )

    # chat

    def respond(
        self,
        question: str,
        messages: list[Message],
        turns: list[Message],
        quotes: dict[str, str],
        year: str,
        model: str | None,
    ) -> Iterator[ChatOutputs]:
        """Stream the answer into the chat, then show the final answer (chips, sources, grounding)."""
        question = question.strip()
        if not question:
            yield "", messages, turns, quotes
            return
        shown = [*messages, {"role": "user", "content": escape_markdown(question)}]
        try:
            answer = yield from self._stream(question, shown, turns, quotes, year, model)
        except Exception as exc:  # any failure becomes a message in the chat, never a stack trace
            self._log_failure(exc)
            message = failure_message(exc, self.service.load_error, model)
            yield question, [*shown, {"role": "assistant", "content": error_html(message)}], turns, quotes
            return
        yield (
            "",
            [*shown, {"role": "assistant", "content": answer_markdown(answer)}],
            [*turns, {"role": "user", "content": question}, {"role": "assistant", "content": answer.answer}],
            {**quotes, **{c.id: c.quote for c in answer.citations}},
        )

    def _stream(
        self,
        question: str,
        shown: list[Message],
        turns: list[Message],
        quotes: dict[str, str],
        year: str,
        model: str | None,
    ) -> Generator[ChatOutputs, None, Answer]:
        """Yield the growing answer; return the final Answer."""
        history = [Turn.model_validate(turn) for turn in turns]
        filters = Filters(year=ui_tasks.year_value(year))
        text = ""
        for item in self.service.ask_stream(question, history, filters, model=model or None):
            if isinstance(item, Answer):
                return item
            text += item
            yield "", [*shown, {"role": "assistant", "content": partial_answer_markdown(text)}], turns, quotes
        raise RuntimeError("the answer stream ended without an Answer")

    @staticmethod
    def _log_failure(exc: Exception) -> None:
        """Expected failures (no index, unknown or unreachable model) in one line; others with their trace."""
        if isinstance(exc, EXPECTED_FAILURES):
            logger.warning("could not answer in the UI: %s", exc)
        else:
            logger.exception("answering in the UI failed")

    # sources and tasks

    def task_card(self, unit_id: str, quote: str | None = None) -> str:
        """The task view of `unit_id` (a friendly note when there is no such task or no index)."""
        unit_id = unit_id.strip()
        if not unit_id:
            return message_html(self.wording().task_hint)
        try:
            task = self.service.task(unit_id)
        except IndexUnavailableError:
            return message_html(index_message(self.service.load_error), "warning")
        if task is None:
            example = self.wording().task_id_example
            return message_html(f"There is no task “{unit_id}”. Ids look like {example}.", "warning")
        return task_html(task, self.documents.get(task.doc_id), quote)

    def show_source(self, quotes: dict[str, str], evt: gr.EventData) -> str:
        """A citation chip was clicked: its task, with the sentence the answer rests on highlighted."""
        unit_id = str(getattr(evt, "cite_id", ""))
        return self.task_card(unit_id, quotes.get(unit_id))

    def open_row(self, evt: gr.SelectData) -> str:
        """A row of the tasks table was selected: its task."""
        row = evt.row_value or []
        return self.task_card(str(row[0]) if row else "")

    def filter_tasks(
        self, year: str, section: str, department: str, deadline: str
    ) -> tuple[pd.DataFrame, str]:
        """The table and its count under the chosen filters."""
        try:
            total = len(self.service.tasks())
            filters = ui_tasks.task_filters(year, section, department, deadline)
            tasks = self.service.tasks(filters) if filters else []
        except IndexUnavailableError:  # the banner above the tabs says why
            return ui_tasks.tasks_table([]), ui_tasks.count_text(0, 0)
        return ui_tasks.tasks_table(tasks), ui_tasks.count_text(len(tasks), total)


def clear_chat() -> tuple[list[Message], list[Message], dict[str, str], str]:
    """A new conversation: empty chat, history and quotes; the sources panel back to its hint."""
    return [], [], {}, message_html(SOURCES_HINT)


def build_ui(service: PolicyQA, settings: Settings, shelf: DocumentShelf | None = None) -> gr.Blocks:
    """The Blocks app; choices that depend on the index are filled when a page loads (it may load later).

    `shelf` is the HTTP app's, so that the Documents tab and POST /documents take turns on one lock.
    """
    ui = PolicyQAUI(service, settings)
    shelf = shelf or DocumentShelf(service)
    demo: gr.Blocks
    with gr.Blocks(title=TITLE, analytics_enabled=False) as demo:
        header = gr.Markdown(GENERIC.heading, elem_id="header")
        if settings.api_keys:  # the page is behind the login form of assistant/surfaces/http/ui_auth.py
            gr.HTML('<a id="logout" href="logout">Log out</a>', elem_id="logout-link")
        status = gr.HTML("", elem_id="status")
        # Outside the Tabs so that it is mounted once, whichever tab is shown; visible="hidden" (not False)
        # keeps it in the DOM so that its js_on_load runs.
        bridge = gr.HTML("", js_on_load=CITE_BRIDGE_JS, elem_id="cite-bridge", visible="hidden")
        with gr.Tabs():
            with gr.Tab("Chat", id="chat-tab"):
                _chat_tab(ui, demo, status, bridge, header)
            with gr.Tab("Tasks", id="tasks-tab"):
                _tasks_tab(ui, demo)
            with gr.Tab("Timeline", id="timeline-tab"):
                ui_timeline.timeline_tab(service, ui.task_card, demo)
            with gr.Tab("Documents", id="documents-tab"):
                ui_documents.documents_tab(shelf, settings.admin_key, demo)
            with gr.Tab("Evaluation", id="eval-tab"):
                _eval_tab(ui, demo)
    return demo


def _chat_tab(ui: PolicyQAUI, demo: gr.Blocks, status: gr.HTML, bridge: gr.HTML, header: gr.Markdown) -> None:
    turns = gr.State([])  # plain question and answer texts, for follow-up questions
    quotes = gr.State({})  # cited id → the sentence the latest answer citing it rests on
    with gr.Row(equal_height=False):
        with gr.Column(scale=3, min_width=480):
            chat = gr.Chatbot(
                elem_id="chat",
                label="Conversation",
                show_label=False,
                height=540,
                buttons=["copy", "copy_all"],
                placeholder="Ask a question below, or pick an example.",
            )
            with gr.Row(elem_id="ask-row"):
                question = gr.Textbox(
                    elem_id="question",
                    show_label=False,
                    placeholder=GENERIC.placeholder,
                    lines=1,
                    max_lines=4,
                    scale=6,
                    container=False,
                )
                ask = gr.Button("Ask", variant="primary", elem_id="ask", scale=1, min_width=90)
            with gr.Row(elem_id="chat-options"):
                year = gr.Radio(
                    [ui_tasks.ALL],
                    value=ui_tasks.ALL,
                    label="Document year",
                    elem_id="year",
                    scale=3,
                    min_width=240,
                )
                model = gr.Dropdown([], label="Model", elem_id="model", scale=2, min_width=160)
                clear = gr.Button("New chat", elem_id="clear", variant="secondary", scale=1, min_width=150)
            examples = gr.Examples(
                GENERIC.examples, inputs=question, label="Example questions", elem_id="examples"
            )
        with gr.Column(scale=2, min_width=360):
            gr.Markdown("### Source", elem_id="sources-heading")
            sources = gr.HTML(message_html(SOURCES_HINT), elem_id="sources", padding=True)
    gr.on(
        [ask.click, question.submit],
        ui.respond,
        [question, chat, turns, quotes, year, model],
        [question, chat, turns, quotes],
        concurrency_limit=ANSWER_CONCURRENCY,
    )
    clear.click(clear_chat, None, [chat, turns, quotes, sources])
    bridge.cite(ui.show_source, [quotes], sources)
    demo.load(ui.chat_controls, None, [status, year, model, header, question, examples.dataset])


def _tasks_tab(ui: PolicyQAUI, demo: gr.Blocks) -> None:
    with gr.Row(elem_id="task-filters"):
        year = gr.Dropdown([ui_tasks.ALL], value=ui_tasks.ALL, label="Year", elem_id="task-year", scale=1)
        section = gr.Dropdown(
            [ui_tasks.ALL], value=ui_tasks.ALL, label="Section", elem_id="task-section", scale=3
        )
        department = gr.Dropdown(
            [ui_tasks.ALL], value=ui_tasks.ALL, label="Lead department", elem_id="task-department", scale=3
        )
        deadline = gr.Radio(
            ui_tasks.DEADLINE_CHOICES, value=ui_tasks.ALL, label="Deadline", elem_id="task-deadline", scale=2
        )
    with gr.Row(equal_height=False):
        with gr.Column(scale=3, min_width=480):
            count = gr.Markdown(elem_id="task-count")
            table = gr.Dataframe(
                headers=ui_tasks.TABLE_COLUMNS,
                elem_id="tasks-table",
                interactive=False,
                wrap=True,
                column_widths=["11%", "39%", "30%", "20%"],
                max_height=640,
            )
        with gr.Column(scale=2, min_width=360):
            with gr.Row(elem_id="open-row"):
                task_id = gr.Textbox(
                    show_label=False,
                    placeholder=f"Open a task by id, e.g. {GENERIC.task_id_example}",
                    elem_id="task-id",
                    scale=4,
                    max_lines=1,
                    container=False,
                )
                open_task = gr.Button("Open", elem_id="open-task", scale=1, min_width=80)
            task_view = gr.HTML(message_html(GENERIC.task_hint), elem_id="task-view", padding=True)
    filters: list[gr.Dropdown | gr.Radio] = [year, section, department, deadline]
    gr.on([f.change for f in filters], ui.filter_tasks, filters, [table, count])
    table.select(ui.open_row, None, task_view)
    open_task.click(ui.task_card, task_id, task_view)
    task_id.submit(ui.task_card, task_id, task_view)
    demo.load(ui.task_controls, None, [year, section, department, table, count, task_id, task_view])


def _eval_tab(ui: PolicyQAUI, demo: gr.Blocks) -> None:
    summary = gr.Markdown(elem_id="eval-summary")
    table = gr.Dataframe(elem_id="eval-table", interactive=False, wrap=True, max_height=720)
    chart = gr.Plot(label="Latest runs compared", elem_id="eval-chart", format="png", visible=False)
    image = gr.Image(elem_id="eval-image", interactive=False, visible=False, height=420)
    reload = gr.Button("Reload results", elem_id="eval-reload", size="sm")
    outputs = [summary, table, chart, image]
    reload.click(ui.evaluation, None, outputs)
    demo.load(ui.evaluation, None, outputs)


def mount_ui(app: FastAPI, service: PolicyQA, settings: Settings, path: str = UI_PATH) -> FastAPI:
    """Mount the UI at `path` with its theme and CSS, and no Gradio footer links.

    Gradio's own upload route is outside the API's body limit: `max_file_size` bounds it, with room for
    the Documents tab to report a file just over POLICYQA_MAX_UPLOAD_BYTES in its own words.
    """
    shelf: DocumentShelf | None = getattr(app.state, "document_shelf", None)
    mounted: FastAPI = gr.mount_gradio_app(
        app,
        build_ui(service, settings, shelf),
        max_file_size=UPLOAD_BACKSTOP * settings.max_upload_bytes,
        path=path,
        theme=THEME,
        css=CSS,
        footer_links=[],
    )
    return mounted
