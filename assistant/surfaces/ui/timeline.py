"""The Timeline tab: deadlines on a time axis, what changed between two notices, who leads what each year.

The time axis is a matplotlib scatter rendered as inline SVG: each point is a link (`#task-<id>`), and one
click listener (like the chat's citation chips) sends the id to Python, which opens the task in the tab's
sources panel. Points are coloured by the task's lead department (the first it names).
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import gradio as gr
import pandas as pd

from assistant.core.reform import ReformView, month_end, reform_view
from assistant.service import IndexUnavailableError, PolicyQA
from assistant.surfaces.ui.render import message_html
from index.align import LinkStatus

logger = logging.getLogger("policyqa.ui")

TIMELINE_HINT = "Click a point of the time line, or a row of a table, to read its task here."
NO_LEAD = "(no lead department named)"
CHANGES_COLUMNS = ["status", "from", "to", "what changed", "title"]
MAX_LEGEND = 12  # departments named in the legend; the rest are grouped as "other departments"
OTHER = "other departments"

# One capture-phase listener on document serves every point of every redraw of the chart.
TIMELINE_BRIDGE_JS = """
document.addEventListener('click', (ev) => {
  const link = ev.target.closest('#timeline-chart a');
  if (!link) return;
  const href = link.getAttribute('href') || link.getAttributeNS('http://www.w3.org/1999/xlink', 'href') || '';
  if (!href.startsWith('#task-')) return;
  ev.preventDefault();
  ev.stopPropagation();
  trigger('cite', {cite_id: href.slice('#task-'.length)});
}, true);
"""


def lead_department(departments: list[str]) -> str:
    return departments[0] if departments else NO_LEAD


def timeline_svg(view: ReformView) -> str:
    """The deadlines of every notice as an SVG scatter: month on x, notice on y, colour = lead department."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    due = view.deadlines()
    if not due:
        return ""
    documents = [d for d in view.documents if any(e.task.doc_id == d for e in due)]
    rows = {doc: position for position, doc in enumerate(documents)}
    leads = [lead_department(e.task.departments) for e in due]
    named = [name for name, _ in pd.Series(leads).value_counts().items()][:MAX_LEGEND]
    seen: dict[tuple[str, str], int] = {}
    points: dict[str, list[tuple[Any, float, str]]] = {}
    for entry, lead in zip(due, leads, strict=True):
        key = (entry.task.doc_id, entry.deadline.month)
        offset = seen.get(key, 0)
        seen[key] = offset + 1
        y = rows[entry.task.doc_id] + 0.12 * offset - 0.3  # several deadlines in one month stack upwards
        group = lead if lead in named else OTHER
        points.setdefault(group, []).append((month_end(entry.deadline.month), y, entry.task.id))
    with plt.rc_context({"svg.fonttype": "none", "font.size": 9}):
        figure, axes = plt.subplots(figsize=(9, 2.2 + 0.6 * len(documents)))
        colours = plt.get_cmap("tab20")
        for index, (group, values) in enumerate(sorted(points.items())):
            xs, ys, ids = zip(*values, strict=True)
            scatter = axes.scatter(xs, ys, s=70, color=colours(index % 20), label=group, edgecolors="white")
            scatter.set_urls([f"#task-{task_id}" for task_id in ids])
        axes.set_yticks(range(len(documents)), [f"notice {d}" for d in documents])
        axes.set_ylim(-0.7, len(documents) - 0.1)
        months = [x for values in points.values() for x, _, _ in values]
        axes.set_xlim(min(months) - timedelta(days=25), max(months) + timedelta(days=25))
        axes.xaxis.set_major_locator(mdates.MonthLocator(interval=max(1, len(set(months)) // 12)))  # type: ignore[no-untyped-call]
        axes.xaxis.set_major_formatter(mdates.DateFormatter("%b %Y"))  # type: ignore[no-untyped-call]
        axes.grid(axis="x", alpha=0.3)
        axes.set_xlabel("deadline (end of month)")
        axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.3), ncol=2, fontsize=8, frameon=False)
        figure.tight_layout()
        buffer = io.StringIO()
        figure.savefig(buffer, format="svg", metadata={"Date": None})  # the same index, the same picture
        plt.close(figure)
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg") :]  # no XML prolog or doctype inside HTML
    return re.sub(
        r'<svg([^>]*?) width="[^"]+" height="[^"]+"', r'<svg\1 width="100%" height="auto"', svg, count=1
    )


def deadlines_table(view: ReformView) -> pd.DataFrame:
    rows = [
        [e.task.id, e.deadline.month, e.deadline.phrase, lead_department(e.task.departments), e.task.title]
        for e in view.deadlines()
    ]
    return pd.DataFrame(rows, columns=["id", "month", "deadline", "lead department", "title"])


def changes_table(view: ReformView, from_doc: str | None, to_doc: str | None) -> pd.DataFrame:
    """One row per task link between two notices: linked tasks first, then new, then dropped."""
    if not from_doc or not to_doc:
        return pd.DataFrame([], columns=CHANGES_COLUMNS)
    units = view.library.units
    pair = view.changes(from_doc, to_doc)
    order = [LinkStatus.CHANGED, LinkStatus.CONTINUED, LinkStatus.NEW, LinkStatus.DROPPED]
    rows = []
    for status in order:
        for link in pair.of_status(status):
            task = units[link.to_id or link.from_id or ""]
            rows.append(
                [
                    status.value,
                    link.from_id or "—",
                    link.to_id or "—",
                    ", ".join(c.value for c in link.changes) or "—",
                    task.title,
                ]
            )
    return pd.DataFrame(rows, columns=CHANGES_COLUMNS)


def department_matrix(view: ReformView) -> pd.DataFrame:
    """Department × year: how many tasks each department leads in each year's notices."""
    counts = view.department_year_counts()
    years = view.library.years  # every year, even one whose notice names no departments (a summary)
    rows = [
        [department, *(per_year.get(y, 0) for y in years), sum(per_year.values())]
        for department, per_year in sorted(counts.items(), key=lambda kv: (-sum(kv[1].values()), kv[0]))
    ]
    return pd.DataFrame(rows, columns=["department", *(str(y) for y in years), "total"])


class TimelineUI:
    """Handlers of the Timeline tab; failures become messages, never exceptions."""

    def __init__(self, service: PolicyQA, task_card: Callable[[str], str]) -> None:
        self.service = service
        self.task_card = task_card

    def _view(self) -> ReformView | None:
        try:
            return reform_view(self.service.library)
        except IndexUnavailableError:
            return None

    def load(self) -> tuple[str, pd.DataFrame, Any, Any, pd.DataFrame, pd.DataFrame]:
        """Chart, deadline table, the two notice choices (the last two notices), changes and matrix."""
        view = self._view()
        if view is None:
            empty = pd.DataFrame()
            note = message_html("No index is loaded yet.", "warning")
            return note, empty, gr.update(choices=[]), gr.update(choices=[]), empty, empty
        documents = view.documents
        before, after = (documents[-2], documents[-1]) if len(documents) >= 2 else (None, None)
        svg = timeline_svg(view)
        chart = svg or message_html("No task of the indexed notices sets a dated deadline.")
        return (
            chart,
            deadlines_table(view),
            gr.update(choices=documents, value=before),
            gr.update(choices=documents, value=after),
            changes_table(view, before, after),
            department_matrix(view),
        )

    def changes(self, from_doc: str | None, to_doc: str | None) -> pd.DataFrame:
        view = self._view()
        return changes_table(view, from_doc, to_doc) if view else pd.DataFrame([], columns=CHANGES_COLUMNS)

    def open_point(self, evt: gr.EventData) -> str:
        return self.task_card(str(getattr(evt, "cite_id", "")))

    def open_deadline(self, evt: gr.SelectData) -> str:
        row = evt.row_value or []
        return self.task_card(str(row[0]) if row else "")

    def open_change(self, evt: gr.SelectData) -> str:
        """A row of the changes table: the later task, or the earlier one when it was dropped."""
        row = evt.row_value or []
        if not row:
            return self.task_card("")
        column = 1 if isinstance(evt.index, list | tuple) and evt.index[1] == 1 else 2
        task_id = row[column] if row[column] != "—" else row[1]
        return self.task_card(str(task_id))


def timeline_tab(service: PolicyQA, task_card: Callable[[str], str], demo: gr.Blocks) -> None:
    """The Timeline tab's components and events (called inside `gr.Tab`)."""
    ui = TimelineUI(service, task_card)
    bridge = gr.HTML("", js_on_load=TIMELINE_BRIDGE_JS, elem_id="timeline-bridge", visible="hidden")
    with gr.Row(equal_height=False):
        with gr.Column(scale=3, min_width=520):
            gr.Markdown("### Deadlines of all notices", elem_id="timeline-heading")
            chart = gr.HTML("", elem_id="timeline-chart")
            with gr.Accordion("Deadlines as a table", open=False):
                deadlines = gr.Dataframe(
                    elem_id="deadlines-table", interactive=False, wrap=True, max_height=360
                )
            gr.Markdown("### What changed between two notices", elem_id="changes-heading")
            with gr.Row():
                from_doc = gr.Dropdown([], label="Earlier notice", elem_id="changes-from", scale=1)
                to_doc = gr.Dropdown([], label="Later notice", elem_id="changes-to", scale=1)
            changes = gr.Dataframe(
                headers=CHANGES_COLUMNS,
                elem_id="changes-table",
                interactive=False,
                wrap=True,
                column_widths=["15%", "10%", "10%", "17%", "48%"],
                max_height=480,
            )
            gr.Markdown("### Tasks led per department and year", elem_id="matrix-heading")
            matrix = gr.Dataframe(elem_id="department-matrix", interactive=False, wrap=True, max_height=480)
        with gr.Column(scale=2, min_width=360):
            gr.Markdown("### Source", elem_id="timeline-source-heading")
            source = gr.HTML(message_html(TIMELINE_HINT), elem_id="timeline-source", padding=True)
    bridge.cite(ui.open_point, None, source)
    deadlines.select(ui.open_deadline, None, source)
    changes.select(ui.open_change, None, source)
    gr.on([from_doc.change, to_doc.change], ui.changes, [from_doc, to_doc], changes)
    demo.load(ui.load, None, [chart, deadlines, from_doc, to_doc, changes, matrix])
