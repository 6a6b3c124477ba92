"""Adding or removing a document as a job that a front end follows stage by stage.

Either change runs an incremental ingest that takes from seconds to minutes. The ingest reports its
stages through `IngestProgress` callbacks in the thread that runs it; an `IngestWatch` records them so
that another thread can read them between polls: the UI's Documents tab while its handler waits, and
GET /documents/jobs/{id} for an HTTP client that asked not to wait (`DocumentJobs`).
"""

from __future__ import annotations

import contextvars
import logging
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from assistant.documents import DocumentConflictError, DocumentEntry, DocumentNotFoundError, IngestBusyError
from index.ingest import IngestProgress
from index.intake import UploadRejected

logger = logging.getLogger("policyqa.documents")

JobAction = Literal["add", "remove"]
JobState = Literal["running", "succeeded", "failed"]
KEPT_FINISHED_JOBS = 50  # finished jobs a client can still read; the oldest are forgotten first
FIRST_STAGE_WAIT_S = 60.0  # how long a job may take to get going (the shelf's lock, a removal's lookup)
# a change refused for a reason the user can fix: logged without a traceback
REFUSALS = (UploadRejected, DocumentConflictError, DocumentNotFoundError, IngestBusyError)


class IngestWatch:
    """The stages of an ingest running in another thread, as whoever follows it reads them between polls.

    Gradio's progress tracker belongs to the handler's thread (its event context), and an HTTP client
    polls from other requests, so the ingest only records here and the follower shows what it finds."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._stages: list[list[Any]] = []  # [name, done, total] of each stage started, in order
        self.begun = threading.Event()  # set when the first stage starts

    def progress(self) -> IngestProgress:
        return IngestProgress(start=self._start, advance=self._advance)

    def _start(self, stage: str, total: int) -> None:
        """A stage starts; the stage running now told again (the ingest sizes "embedding", then the store
        does) starts over with the new size, as the CLI's bar does."""
        with self._lock:
            if self._stages and self._stages[-1][0] == stage:
                self._stages[-1][1:] = [0, total]
            else:
                self._stages.append([stage, 0, total])
        self.begun.set()

    def _advance(self, count: int) -> None:
        with self._lock:
            if self._stages:
                self._stages[-1][1] += count

    def now(self) -> tuple[str, int, int]:
        """(stage, done, total) of the stage running now; total 0 when its size is unknown."""
        with self._lock:
            if not self._stages:
                return "starting", 0, 0
            stage, done, total = self._stages[-1]
            return str(stage), int(done), int(total)

    def finished(self) -> list[tuple[str, int, int]]:
        """Every stage started so far, (name, done, total), in order."""
        with self._lock:
            return [(str(n), int(d), int(t)) for n, d, t in self._stages]


@dataclass
class DocumentJob:
    """One addition or removal running aside: its stages as they go, then the document or the error."""

    id: str
    action: JobAction
    target: str  # the uploaded file's name, or the id of the document removed
    watch: IngestWatch = field(default_factory=IngestWatch)
    started: datetime = field(default_factory=lambda: datetime.now(UTC))
    finished: datetime | None = None
    document: DocumentEntry | None = None
    error: Exception | None = None
    ended: threading.Event = field(default_factory=threading.Event)

    @property
    def state(self) -> JobState:
        if not self.ended.is_set():
            return "running"
        return "failed" if self.error is not None else "succeeded"


class DocumentJobs:
    """The document jobs of one app: started in a thread each, kept (the last ones) for their followers."""

    def __init__(self, keep: int = KEPT_FINISHED_JOBS) -> None:
        self.keep = keep
        self._lock = threading.Lock()
        self._jobs: dict[str, DocumentJob] = {}

    def start(
        self,
        action: JobAction,
        target: str,
        work: Callable[[IngestProgress], DocumentEntry],
        first_stage_wait_s: float = FIRST_STAGE_WAIT_S,
    ) -> DocumentJob:
        """Run `work` in a thread with the job's progress; return once its first stage has started or it
        has ended, so a change refused at once (busy, unknown id) is known to the caller as it would have
        been without the job. The caller's context (the request id in the log lines) goes with the work."""
        job = DocumentJob(id=secrets.token_hex(8), action=action, target=target)
        with self._lock:
            self._jobs[job.id] = job
            self._forget_old()
        thread = threading.Thread(
            target=contextvars.copy_context().run,
            args=(self._run, job, work),
            name=f"policyqa-document-{action}",
            daemon=True,
        )
        thread.start()
        waited = 0.0
        while not job.ended.is_set() and not job.watch.begun.wait(0.05) and waited < first_stage_wait_s:
            waited += 0.05
        return job

    def get(self, job_id: str) -> DocumentJob | None:
        with self._lock:
            return self._jobs.get(job_id)

    def _run(self, job: DocumentJob, work: Callable[[IngestProgress], DocumentEntry]) -> None:
        try:
            job.document = work(job.watch.progress())
        except Exception as exc:
            job.error = exc
            fields = {"job": job.id, "action": job.action, "target": job.target}
            if isinstance(exc, REFUSALS):
                logger.info("document job refused: %s", exc, extra={"fields": fields})
            else:
                logger.exception("document job failed", extra={"fields": fields})
        finally:
            job.finished = datetime.now(UTC)
            job.ended.set()

    def _forget_old(self) -> None:
        finished = sorted(
            (j for j in self._jobs.values() if j.ended.is_set()), key=lambda j: j.finished or j.started
        )
        for job in finished[: max(0, len(finished) - self.keep)]:
            del self._jobs[job.id]
