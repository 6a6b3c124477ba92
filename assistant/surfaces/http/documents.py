"""HTTP routes of the documents folder: GET /documents (API key), POST and DELETE (admin key).

A thin layer over `assistant.documents.DocumentShelf`: it turns the shelf's refusals into the one error
shape. The upload is read by the route itself (not declared as a FastAPI `File` parameter) so that the
admin key and the "another ingest is running" check come before a byte of the body is parsed.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from assistant.documents import (
    DocumentConflictError,
    DocumentEntry,
    DocumentList,
    DocumentNotFoundError,
    DocumentShelf,
    IngestBusyError,
)
from assistant.surfaces.http.errors import APIError, error_responses
from assistant.surfaces.http.security import rate_limit, require_admin_key
from index.intake import UPLOAD_SUFFIXES, Rejection, UploadRejected

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


def get_shelf(request: Request) -> DocumentShelf:
    shelf: DocumentShelf = request.app.state.document_shelf
    return shelf


ShelfDep = Annotated[DocumentShelf, Depends(get_shelf)]

router = APIRouter(prefix="/documents", tags=["documents"])


@router.get("", dependencies=[Depends(rate_limit)], responses=error_responses(401, 429, 503))
def list_documents(shelf: ShelfDep) -> DocumentList:
    """The indexed documents (id, title, year, issuer, date, number, format, tasks, warnings), and the
    files of the documents folder that are not used, with the reason."""
    return shelf.list()


@router.post(
    "",
    status_code=201,
    dependencies=[Depends(require_admin_key)],
    openapi_extra={"requestBody": UPLOAD_BODY},
    responses=error_responses(400, 401, 403, 409, 413, 415, 422, 503),
)
async def upload_document(
    request: Request,
    shelf: ShelfDep,
    replace: Annotated[bool, Query(description="Replace the file of the same name.")] = False,
) -> DocumentEntry:
    """Add a notice: checked, stored in the documents folder, then indexed while the index keeps serving.

    Answers when the new index is in, with the document as GET /documents lists it. A refused file
    leaves the folder and the index as they were.
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
        try:
            return await run_in_threadpool(shelf.add, upload.filename, upload.file, replace)
        except UploadRejected as exc:
            raise APIError(REJECTION_STATUS[exc.reason], exc.reason.value, exc.message, "file") from exc
        except DocumentConflictError as exc:
            raise APIError(409, exc.code, str(exc), "file") from exc
        except IngestBusyError as exc:
            raise _busy(str(exc)) from exc


@router.delete(
    "/{document_id}",
    dependencies=[Depends(require_admin_key)],
    responses=error_responses(401, 403, 404, 409, 503),
)
def delete_document(document_id: str, shelf: ShelfDep) -> DocumentEntry:
    """Remove a document: its file leaves the documents folder and its tasks the index."""
    try:
        return shelf.remove(document_id)
    except DocumentNotFoundError as exc:
        raise APIError(404, "not_found", str(exc), "document_id") from exc
    except IngestBusyError as exc:
        raise _busy(str(exc)) from exc


def _busy(message: str) -> APIError:
    return APIError(409, "ingest_running", f"{message}; try again when it has finished")
