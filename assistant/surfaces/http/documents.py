"""HTTP routes of the documents folder: GET /documents (API key), POST and DELETE (admin key).

A thin layer over `assistant.documents.DocumentShelf`: it turns the shelf's refusals into the one error
shape. The upload is read by the route itself (not declared as a FastAPI `File` parameter) so that the
admin key and the "another ingest is running" check come before a byte of the body is parsed.

POST and DELETE wait for the new index by default. With `wait=false` they answer 202 once the change is
under way, with a job (`Location: /documents/jobs/{id}`) that GET /documents/jobs/{id} reports stage by
stage, then with the document or the error the waiting call would have answered with.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from datetime import datetime
from typing import IO, Annotated, Any, BinaryIO

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.datastructures import UploadFile

from assistant.document_jobs import DocumentJob, DocumentJobs, JobAction, JobState
from assistant.documents import (
    COPY_CHUNK,
    DocumentConflictError,
    DocumentEntry,
    DocumentList,
    DocumentNotFoundError,
    DocumentShelf,
    IngestBusyError,
)
from assistant.surfaces.http.errors import APIError, ErrorDetail, describe, error_responses
from assistant.surfaces.http.security import rate_limit, require_admin_key
from index.ingest import IngestProgress
from index.intake import UPLOAD_SUFFIXES, Rejection, UploadRejected, check_filename, check_size

# Room for the multipart boundaries and part headers around a file of the largest allowed size.
MULTIPART_OVERHEAD = 64 * 1024
REJECTION_STATUS = {
    Rejection.BAD_NAME: 400,
    Rejection.UNSUPPORTED: 415,
    Rejection.TOO_LARGE: 413,
    Rejection.EMPTY: 422,
    Rejection.MISMATCH: 422,
    Rejection.ZIP_BOMB: 422,
    Rejection.TIMEOUT: 422,
    Rejection.UNREADABLE: 422,
}
UPLOAD_BODY = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["file"],
                "properties": {
                    "file": {
                        "type": "string",
                        "format": "binary",
                        "description": f"The notice: one of {', '.join(UPLOAD_SUFFIXES)}.",
                    }
                },
            }
        }
    },
}


WAIT_QUERY = Query(
    description="Answer when the new index is in (the default); false: answer 202 at once with a job to "
    "follow at GET /documents/jobs/{job_id} (its URL also in the Location header)."
)


class IngestStage(BaseModel):
    """One stage of the ingest behind a change, e.g. "embedding" 12 of 40 texts."""

    stage: str
    done: int
    total: int = Field(description="The stage's size; 0 when it has none or it is not known yet.")


class DocumentJobStatus(BaseModel):
    """An addition or removal that runs aside: where it is, then how it ended."""

    id: str
    action: JobAction
    target: str = Field(description="The uploaded file's name, or the id of the document removed.")
    state: JobState
    stage: str = Field(description='The stage running now, the last one once finished; "starting" before.')
    done: int = Field(description="Texts of the current stage done.")
    total: int = Field(description="Texts of the current stage in all; 0 when it has no size.")
    stages: list[IngestStage] = Field(description="Every stage so far, in order.")
    started_at: datetime
    finished_at: datetime | None = None
    status_code: int | None = Field(
        None,
        description="Once finished, the status the waiting call would have answered with: 201 (added), "
        "200 (removed) or the error's.",
    )
    document: DocumentEntry | None = Field(
        None, description="Once succeeded: the document added (as GET /documents lists it) or removed."
    )
    error: ErrorDetail | None = Field(None, description="Once failed: the error, in the one error shape.")


def get_shelf(request: Request) -> DocumentShelf:
    shelf: DocumentShelf = request.app.state.document_shelf
    return shelf


def get_jobs(request: Request) -> DocumentJobs:
    jobs: DocumentJobs = request.app.state.document_jobs
    return jobs


ShelfDep = Annotated[DocumentShelf, Depends(get_shelf)]
JobsDep = Annotated[DocumentJobs, Depends(get_jobs)]

router = APIRouter(prefix="/documents", tags=["documents"])


@router.get("", dependencies=[Depends(rate_limit)], responses=error_responses(401, 429, 503))
def list_documents(shelf: ShelfDep) -> DocumentList:
    """The indexed documents (id, title, year, issuer, date, number, format, tasks, warnings), and the
    files of the documents folder that are not used, with the reason."""
    return shelf.list()


ACCEPTED: dict[int | str, dict[str, Any]] = {
    202: {"model": DocumentJobStatus, "description": "Under way (with wait=false): follow the job."}
}


@router.post(
    "",
    status_code=201,
    response_model=DocumentEntry,
    dependencies=[Depends(require_admin_key)],
    openapi_extra={"requestBody": UPLOAD_BODY},
    responses={**ACCEPTED, **error_responses(400, 401, 403, 409, 413, 415, 422, 503)},
)
async def upload_document(
    request: Request,
    shelf: ShelfDep,
    jobs: JobsDep,
    replace: Annotated[bool, Query(description="Replace the file of the same name.")] = False,
    wait: Annotated[bool, WAIT_QUERY] = True,
) -> DocumentEntry | JSONResponse:
    """Add a notice: checked, stored in the documents folder, then indexed while the index keeps serving.

    Answers when the new index is in, with the document as GET /documents lists it; with `wait=false`,
    202 and a job to follow instead. A refused file leaves the folder and the index as they were.
    """
    if shelf.busy:
        raise _busy("another document is being added or removed, or a reindex is running")
    media_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if media_type != "multipart/form-data":
        message = f"send the file as multipart/form-data in the field 'file' (got {media_type or 'none'!r})"
        raise APIError(415, "unsupported_media_type", message)
    async with request.form(max_files=1, max_fields=1) as form:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            message = "send the file in the multipart/form-data field 'file'"
            raise APIError(422, "validation_error", message, "file")
        if not wait:
            name = upload.filename
            try:
                spooled = await run_in_threadpool(_spool, name, upload.file, shelf.settings.max_upload_bytes)
            except UploadRejected as exc:
                raise api_error(exc) from exc
            job = await run_in_threadpool(
                jobs.start, "add", str(name), _adding(shelf, name, spooled, replace)
            )
            return _accepted(request, job)
        try:
            return await run_in_threadpool(shelf.add, upload.filename, upload.file, replace)
        except (UploadRejected, DocumentConflictError, IngestBusyError) as exc:
            raise api_error(exc) from exc


@router.delete(
    "/{document_id}",
    response_model=DocumentEntry,
    dependencies=[Depends(require_admin_key)],
    responses={**ACCEPTED, **error_responses(401, 403, 404, 409, 503)},
)
def delete_document(
    request: Request,
    document_id: str,
    shelf: ShelfDep,
    jobs: JobsDep,
    wait: Annotated[bool, WAIT_QUERY] = True,
) -> DocumentEntry | JSONResponse:
    """Remove a document: its file leaves the documents folder and its tasks the index.

    Answers when the new index is in; with `wait=false`, 202 and a job to follow instead (an unknown id
    or a change already running is still answered at once, 404 or 409)."""
    try:
        if not wait:
            job = jobs.start("remove", document_id, lambda progress: shelf.remove(document_id, progress))
            return _accepted(request, job)
        return shelf.remove(document_id)
    except (DocumentNotFoundError, IngestBusyError) as exc:
        raise api_error(exc) from exc


@router.get(
    "/jobs/{job_id}",
    name="document_job",
    dependencies=[Depends(require_admin_key)],
    responses=error_responses(401, 403, 404),
)
def document_job(
    job_id: Annotated[str, Path(description="The id POST or DELETE /documents?wait=false answered with.")],
    jobs: JobsDep,
) -> DocumentJobStatus:
    """How an addition or removal started with `wait=false` is going: its stage and how far it is, then
    the document, or the error in the one error shape. Finished jobs are kept for a while (the last 50)."""
    job = jobs.get(job_id)
    if job is None:
        raise APIError(
            404, "not_found", f"no document job {job_id!r} (finished jobs are kept a while)", "job_id"
        )
    return job_status(job)


def api_error(exc: Exception) -> APIError:
    """The HTTP error of a refused change, the same whether the client waited or follows a job."""
    match exc:
        case UploadRejected():
            return APIError(REJECTION_STATUS[exc.reason], exc.reason.value, exc.message, "file")
        case DocumentConflictError():
            return APIError(409, exc.code, str(exc), "file")
        case IngestBusyError():
            return _busy(str(exc))
        case DocumentNotFoundError():
            return APIError(404, "not_found", str(exc), "document_id")
    raise TypeError(f"not a refusal of a document change: {exc!r}")


def job_status(job: DocumentJob) -> DocumentJobStatus:
    """A job as GET /documents/jobs/{id} reports it."""
    stages = job.watch.finished()  # one reading: the current stage is the last of these
    stage, done, total = stages[-1] if stages else ("starting", 0, 0)
    status_code: int | None = None
    error: ErrorDetail | None = None
    if job.error is not None:
        status_code, error, _ = describe(_refusal_or_none(job.error) or job.error)
    elif job.document is not None:
        status_code = 201 if job.action == "add" else 200
    return DocumentJobStatus(
        id=job.id,
        action=job.action,
        target=job.target,
        state=job.state,
        stage=stage,
        done=done,
        total=total,
        stages=[IngestStage(stage=n, done=d, total=t) for n, d, t in stages],
        started_at=job.started,
        finished_at=job.finished,
        status_code=status_code,
        document=job.document,
        error=error,
    )


def _refusal_or_none(exc: Exception) -> APIError | None:
    try:
        return api_error(exc)
    except TypeError:
        return None


def _accepted(request: Request, job: DocumentJob) -> JSONResponse:
    """202 with the job, and its URL in Location; a change refused before it got going is that error."""
    if job.error is not None and not job.watch.finished():
        raise _refusal_or_none(job.error) or job.error
    location = request.app.url_path_for("document_job", job_id=job.id)
    body = job_status(job).model_dump(mode="json")
    return JSONResponse(
        body, status_code=202, headers={"Location": request.scope.get("root_path", "") + location}
    )


def _spool(name: str | None, upload: IO[bytes], limit: int) -> BinaryIO:
    """The upload copied aside (the request's own file closes with it), after the checks that need no
    parsing: the name and type, and the size (at most one byte past the limit is read)."""
    check_filename(name)
    spooled = tempfile.TemporaryFile(prefix="policyqa-upload-")  # noqa: SIM115 (the job closes it)
    copied = 0
    while copied <= limit and (chunk := upload.read(min(COPY_CHUNK, limit + 1 - copied))):
        spooled.write(chunk)
        copied += len(chunk)
    try:
        check_size(copied, limit)
    except UploadRejected:
        spooled.close()
        raise
    spooled.seek(0)
    return spooled


def _adding(
    shelf: DocumentShelf, name: str | None, spooled: BinaryIO, replace: bool
) -> Callable[[IngestProgress], DocumentEntry]:
    """The addition a job runs: the spooled upload, closed once the shelf is done with it."""

    def add(progress: IngestProgress) -> DocumentEntry:
        with spooled:
            return shelf.add(name, spooled, replace, progress)

    return add


def _busy(message: str) -> APIError:
    return APIError(409, "ingest_running", f"{message}; try again when it has finished")
