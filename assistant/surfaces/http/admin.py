"""Admin routes: rebuild the index in the background while queries keep using the current one."""

from __future__ import annotations

import contextvars
import logging
import threading
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request

from assistant.service import PolicyQA
from assistant.surfaces.http.errors import APIError, error_responses
from assistant.surfaces.http.schemas import ReindexStatus
from assistant.surfaces.http.security import require_admin_key
from index.lock import IngestRunning, running_ingest_pid

logger = logging.getLogger("policyqa.admin")


class ReindexJob:
    """Runs `service.reindex()` in a background thread, one at a time, and remembers how the last run went."""

    def __init__(self, service: PolicyQA) -> None:
        self.service = service
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._status = ReindexStatus(running=False)

    @property
    def running(self) -> bool:
        """A build runs here, or in another process on the same data folder (a CLI ingest, another worker)."""
        return (
            (self._thread is not None and self._thread.is_alive())
            or self.service.reindexing
            or running_ingest_pid(self.service.settings.data_dir) is not None
        )

    def start(self) -> bool:
        """Start a reindex; False when one is already running."""
        with self._lock:
            if self.running:
                return False
            self._status = ReindexStatus(running=True, started_at=datetime.now(UTC))
            # The copied context carries the request id into the job's log lines.
            self._thread = threading.Thread(
                target=contextvars.copy_context().run, args=(self._run,), name="policyqa-reindex", daemon=True
            )
            self._thread.start()
        return True

    def status(self) -> ReindexStatus:
        return self._status.model_copy(update={"running": self.running})

    def _run(self) -> None:
        logger.info("reindex started")
        try:
            report = self.service.reindex()
        except Exception as exc:
            logger.exception("reindex failed")
            self._finish(ok=False, error=str(exc))
            return
        self._finish(
            ok=True,
            documents=len(report.documents),
            tasks=report.tasks,
            chunks=report.build.chunks if report.build else None,
            file_errors=[str(e) for e in report.errors],
        )
        logger.info("reindex finished", extra={"fields": {"seconds": round(report.seconds, 1)}})

    def _finish(self, **outcome: object) -> None:
        self._status = self._status.model_copy(update={"finished_at": datetime.now(UTC), **outcome})


def get_job(request: Request) -> ReindexJob:
    job: ReindexJob = request.app.state.reindex_job
    return job


JobDep = Annotated[ReindexJob, Depends(get_job)]

router = APIRouter(
    prefix="/admin",
    tags=["admin"],
    dependencies=[Depends(require_admin_key)],
    responses=error_responses(401, 403),
)


@router.post("/reindex", status_code=202, responses=error_responses(409))
def start_reindex(job: JobDep) -> ReindexStatus:
    """Rebuild the index from the documents folder in the background; poll GET /admin/reindex."""
    if not job.start():
        running = IngestRunning(running_ingest_pid(job.service.settings.data_dir))
        raise APIError(409, "reindex_running", f"{running}; poll GET /admin/reindex")
    return job.status()


@router.get("/reindex")
def reindex_status(job: JobDep) -> ReindexStatus:
    """Whether a reindex is running, and how the last one went."""
    return job.status()
