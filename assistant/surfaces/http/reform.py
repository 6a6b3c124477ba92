"""HTTP views for following the reform: changes between two notices, deadlines, a department's tasks, and
the deadlines as an iCalendar feed. A thin router over `assistant.core.reform.ReformView`.

Included by `create_app` with the same dependencies as the other query routes (API key, rate limit), and
reporting errors in the one error shape: 404 for an unknown document or department, 422 for a bad month.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, Field

from assistant.core.reform import (
    DueTask,
    ReformView,
    UnknownDepartmentError,
    UnknownDocumentError,
    month_end,
    reform_view,
)
from assistant.service import PolicyQA
from assistant.surfaces.http.errors import APIError, error_responses
from assistant.surfaces.http.schemas import TaskDetail
from index.align import LinkStatus, TaskLink

MONTH_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"
ICS_PRODID = "-//PolicyQA//Reform deadlines//EN"

router = APIRouter(tags=["reform"], responses=error_responses(401, 422, 429, 503))


def _view(request: Request) -> ReformView:
    service: PolicyQA = request.app.state.service
    return reform_view(service.library)


class LinkView(BaseModel):
    """One task's fate between two notices: both ids when linked, and what changed."""

    status: LinkStatus
    from_id: str | None
    to_id: str | None
    from_title: str | None
    to_title: str | None
    score: float | None
    changes: list[str] = Field(description='What differs: "targets", "deadlines", "departments".')
    before: dict[str, list[str]]
    after: dict[str, list[str]]


class ChangesResponse(BaseModel):
    from_doc: str = Field(serialization_alias="from")
    to_doc: str = Field(serialization_alias="to")
    counts: dict[str, int]
    continued: list[LinkView]
    changed: list[LinkView]
    new: list[LinkView]
    dropped: list[LinkView]


class DeadlineView(BaseModel):
    task_id: str
    doc_id: str
    year: int
    label: str
    title: str
    month: str = Field(description="YYYY-MM")
    phrase: str
    sentence: str
    departments: list[str]

    @classmethod
    def of(cls, due: DueTask) -> DeadlineView:
        task, deadline = due.task, due.deadline
        return cls(
            task_id=task.id,
            doc_id=task.doc_id,
            year=task.year,
            label=task.label,
            title=task.title,
            month=deadline.month,
            phrase=deadline.phrase,
            sentence=deadline.sentence,
            departments=task.departments,
        )


class DeadlineList(BaseModel):
    count: int
    deadlines: list[DeadlineView]


class DepartmentTasks(BaseModel):
    department: str = Field(description="The canonical name.")
    count: int
    tasks: list[TaskDetail]


def _link_view(view: ReformView, link: TaskLink) -> LinkView:
    units = view.library.units
    return LinkView(
        status=link.status,
        from_id=link.from_id,
        to_id=link.to_id,
        from_title=units[link.from_id].title if link.from_id else None,
        to_title=units[link.to_id].title if link.to_id else None,
        score=link.score,
        changes=[c.value for c in link.changes],
        before=link.before,
        after=link.after,
    )


@router.get("/changes", responses=error_responses(404), response_model_by_alias=True)
def changes(
    request: Request,
    from_doc: Annotated[str, Query(alias="from", description="Earlier document id, e.g. 2021.")],
    to_doc: Annotated[str, Query(alias="to", description="Later document id, e.g. 2022.")],
) -> ChangesResponse:
    """How the tasks of `to` relate to those of `from`: continued, changed (and what), new, dropped."""
    view = _view(request)
    try:
        pair = view.changes(from_doc, to_doc)
    except UnknownDocumentError as exc:
        field = "from" if exc.doc_id == from_doc else "to"
        raise APIError(404, "not_found", str(exc), field, exc.known) from exc
    grouped = {status: [_link_view(view, lk) for lk in pair.of_status(status)] for status in LinkStatus}
    return ChangesResponse(
        from_doc=pair.from_doc,
        to_doc=pair.to_doc,
        counts={status.value: len(links) for status, links in grouped.items()},
        continued=grouped[LinkStatus.CONTINUED],
        changed=grouped[LinkStatus.CHANGED],
        new=grouped[LinkStatus.NEW],
        dropped=grouped[LinkStatus.DROPPED],
    )


def _deadlines(view: ReformView, before: str | None, department: str | None) -> list[DueTask]:
    try:
        return view.deadlines(before=before, department=department)
    except UnknownDepartmentError as exc:
        raise APIError(404, "not_found", str(exc), "department") from exc


Month = Annotated[
    str | None, Query(pattern=MONTH_PATTERN, description="YYYY-MM: deadlines up to the end of this month.")
]
Department = Annotated[str | None, Query(description="Lead department: official name or alias, any case.")]


@router.get("/deadlines", responses=error_responses(404))
def deadlines(request: Request, before: Month = None, department: Department = None) -> DeadlineList:
    """Every dated deadline of every notice, by month, optionally up to a month and for one department."""
    found = [DeadlineView.of(d) for d in _deadlines(_view(request), before, department)]
    return DeadlineList(count=len(found), deadlines=found)


@router.get(
    "/deadlines.ics",
    responses={**error_responses(404), 200: {"content": {"text/calendar": {}}}},
    response_class=Response,
)
def deadlines_calendar(request: Request, before: Month = None, department: Department = None) -> Response:
    """The deadlines as an iCalendar feed: one all-day event on the last day of each deadline's month."""
    found = _deadlines(_view(request), before, department)
    base_url = str(request.base_url).rstrip("/")
    return Response(calendar_bytes(found, base_url), media_type="text/calendar; charset=utf-8")


@router.get("/departments", response_model=list[str])
def departments(request: Request) -> list[str]:
    """Canonical names of the departments that lead tasks, most tasks first."""
    return _view(request).departments


@router.get("/departments/{name}/tasks", responses=error_responses(404))
def department_tasks(request: Request, name: str) -> DepartmentTasks:
    """The tasks a department leads, across every notice (official name or alias, any case)."""
    view = _view(request)
    try:
        canonical = view.resolve_department(name)
    except UnknownDepartmentError as exc:
        raise APIError(404, "not_found", f"{exc}; see GET /departments", "name") from exc
    tasks = [TaskDetail.of(t) for t in view.department_tasks(canonical)]
    return DepartmentTasks(department=canonical, count=len(tasks), tasks=tasks)


def calendar_bytes(due: list[DueTask], base_url: str) -> bytes:
    """An iCalendar (RFC 5545) file with one all-day event per task deadline; UIDs are stable per deadline."""
    from icalendar import Calendar, Event

    feed = Calendar()
    feed.add("prodid", ICS_PRODID)
    feed.add("version", "2.0")
    feed.add("x-wr-calname", "PolicyQA reform deadlines")
    for entry in due:
        task, deadline = entry.task, entry.deadline
        day = month_end(deadline.month)
        event = Event()
        event.add("uid", entry.uid)
        event.add("summary", f"{task.label}: {task.title}")
        event.add("dtstart", day)
        event.add("dtend", day + timedelta(days=1))
        event.add("dtstamp", _stamp(task.year))
        event.add("description", f"[{task.id}] {deadline.sentence}")
        event.add("url", f"{base_url}/tasks/{task.id}")
        if task.departments:
            event.add("categories", task.departments)
        feed.add_component(event)
    return bytes(feed.to_ical())


def _stamp(year: int) -> datetime:
    """A fixed DTSTAMP (1 January of the notice's year), so the same index always yields the same file."""
    return datetime(year, 1, 1, tzinfo=UTC)
