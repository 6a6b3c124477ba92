"""One error shape for every failure the HTTP API reports.

`{"error": {"code", "message", "field"?, "allowed"?}, "request_id"}`, with the request id also in the
X-Request-ID header.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException

from assistant.failures import EXPECTED_FAILURES, describe_failure, invalid_choice_message
from assistant.surfaces.http.logs import REQUEST_ID_HEADER, request_id_var

logger = logging.getLogger("policyqa.api")

# Where a validation error was found; dropped from the field name ("body.question" → "question").
_LOCATIONS = {"body", "query", "path", "header", "cookie"}


class ErrorDetail(BaseModel):
    """What went wrong, for people and for programs."""

    code: str = Field(
        description='Stable machine-readable code, e.g. "validation_error", "index_unavailable".'
    )
    message: str = Field(description="What is wrong and, where it helps, how to fix it.")
    field: str | None = Field(None, description='The request field at fault, e.g. "top_k".')
    allowed: list[str | int] | None = Field(
        None, description="The values the field accepts, when they are few."
    )


class ErrorResponse(BaseModel):
    """The body of every error response."""

    error: ErrorDetail
    request_id: str = Field(
        description="Also in the X-Request-ID header and in every log line of the request."
    )


class APIError(HTTPException):
    """An HTTP error with a specific code, and optionally the field at fault and its allowed values."""

    def __init__(
        self,
        status_code: int,
        code: str,
        message: str,
        field: str | None = None,
        allowed: Sequence[str | int] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(status_code, message, headers)
        self.detail_model = ErrorDetail(
            code=code, message=message, field=field, allowed=list(allowed) if allowed is not None else None
        )


def invalid_choice(field: str, value: object, allowed: Sequence[str | int]) -> APIError:
    """422 for a value outside a small known set (a year not indexed, a model not offered)."""
    return APIError(422, "invalid_choice", invalid_choice_message(field, value, allowed), field, allowed)


def describe(exc: Exception) -> tuple[int, ErrorDetail, dict[str, str]]:
    """Status, body and headers that report `exc`; unexpected exceptions become a bare 500."""
    match exc:
        case APIError():
            return exc.status_code, exc.detail_model, dict(exc.headers or {})
        case HTTPException():
            code = HTTPStatus(exc.status_code).name.lower()
            return exc.status_code, ErrorDetail(code=code, message=str(exc.detail)), dict(exc.headers or {})
        case RequestValidationError():
            return _describe_validation(exc.errors())
    if (failure := describe_failure(exc)) is not None:
        detail = ErrorDetail(
            code=failure.code,
            message=failure.message,
            field=failure.field,
            allowed=list(failure.allowed) if failure.allowed else None,
        )
        return failure.status, detail, failure.headers
    return 500, ErrorDetail(code="internal_error", message="internal error; see the server log"), {}


def _describe_validation(errors: Sequence[Any]) -> tuple[int, ErrorDetail, dict[str, str]]:
    first = errors[0]
    if first["type"] == "json_invalid":
        message = f"malformed JSON at character {first['loc'][-1]}: {first['ctx']['error']}"
        return 400, ErrorDetail(code="invalid_json", message=message), {}
    messages = [f"{_field(e['loc']) or e['loc'][0]}: {e['msg']}" for e in errors]
    return (
        422,
        ErrorDetail(code="validation_error", message="; ".join(messages), field=_field(first["loc"])),
        {},
    )


def _field(loc: Sequence[str | int]) -> str | None:
    return ".".join(str(part) for part in loc if part not in _LOCATIONS) or None


def error_body(detail: ErrorDetail) -> dict[str, Any]:
    """The JSON error body for the current request."""
    return ErrorResponse(error=detail, request_id=request_id_var.get() or "").model_dump(exclude_none=True)


def error_response(
    status_code: int, detail: ErrorDetail, headers: dict[str, str] | None = None
) -> JSONResponse:
    body = error_body(detail)
    headers = {**(headers or {}), REQUEST_ID_HEADER: body["request_id"]}
    return JSONResponse(body, status_code=status_code, headers=headers)


async def handle_error(request: Request, exc: Exception) -> JSONResponse:
    """Exception handler for every error the API can meet, expected or not."""
    status_code, detail, headers = describe(exc)
    if status_code >= 500 and detail.code == "internal_error":
        logger.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(status_code, detail, headers)


def install_error_handlers(app: FastAPI) -> None:
    """Report framework, service and unexpected errors in the one error shape."""
    # The expected errors get their own registration: Starlette re-raises whatever reaches the catch-all
    # Exception handler after answering, which logs a traceback and drops the keep-alive connection.
    expected = (HTTPException, RequestValidationError, *EXPECTED_FAILURES)
    for exc_class in (*expected, Exception):
        app.add_exception_handler(exc_class, handle_error)


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` documenting that a route may answer with these error statuses."""
    return {status: {"model": ErrorResponse, "description": HTTPStatus(status).phrase} for status in statuses}


def stream_error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """`error_responses` for a route whose own media type is not JSON (Server-Sent Events).

    FastAPI documents a response `model` under the route's media type, so the JSON schema is referenced
    explicitly instead; the app's JSON routes put ErrorResponse among the schema components.
    """
    content = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}}
    return {status: {"content": content, "description": HTTPStatus(status).phrase} for status in statuses}
