"""One error shape for every failure the HTTP API reports: `{"error": {"code", "message", "field"?}, "request_id"}`."""

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

from assistant.logs import request_id_var
from assistant.service import IndexUnavailableError, UnknownModelError

logger = logging.getLogger("policyqa.api")

# Where a validation error was found; dropped from the field name ("body.question" → "question").
_LOCATIONS = {"body", "query", "path", "header", "cookie"}


class ErrorDetail(BaseModel):
    """What went wrong, for people and for programs."""

    code: str = Field(description='Stable machine-readable code, e.g. "validation_error", "index_unavailable".')
    message: str = Field(description="What is wrong and, where it helps, how to fix it.")
    field: str | None = Field(None, description='The request field at fault, e.g. "top_k".')
    allowed: list[str | int] | None = Field(None, description="The values the field accepts, when they are few.")


class ErrorResponse(BaseModel):
    """The body of every error response."""

    error: ErrorDetail
    request_id: str = Field(description="Also in the X-Request-ID header and in every log line of the request.")


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
    listed = ", ".join(str(a) for a in allowed)
    return APIError(422, "invalid_choice", f"unknown {field} {value!r}; allowed: {listed}", field, allowed)


def describe(exc: Exception) -> tuple[int, ErrorDetail, dict[str, str]]:
    """Status, body and headers that report `exc`; unexpected exceptions become a bare 500."""
    match exc:
        case APIError():
            return exc.status_code, exc.detail_model, exc.headers or {}
        case HTTPException():
            code = HTTPStatus(exc.status_code).name.lower()
            return exc.status_code, ErrorDetail(code=code, message=str(exc.detail)), exc.headers or {}
        case RequestValidationError():
            return _describe_validation(exc.errors())
        case UnknownModelError():
            return 422, invalid_choice("model", exc.name, exc.allowed).detail_model, {}
        case IndexUnavailableError():
            message = f"the index is not available: {exc}"
            return 503, ErrorDetail(code="index_unavailable", message=message), {"Retry-After": "10"}
    return 500, ErrorDetail(code="internal_error", message="internal error; see the server log"), {}


def _describe_validation(errors: Sequence[Any]) -> tuple[int, ErrorDetail, dict[str, str]]:
    first = errors[0]
    if first["type"] == "json_invalid":
        message = f"malformed JSON at character {first['loc'][-1]}: {first['ctx']['error']}"
        return 400, ErrorDetail(code="invalid_json", message=message), {}
    field = ".".join(str(part) for part in first["loc"] if part not in _LOCATIONS) or None
    messages = [f"{_field_name(e['loc'])}: {e['msg']}" for e in errors]
    return 422, ErrorDetail(code="validation_error", message="; ".join(messages), field=field), {}


def _field_name(loc: Sequence[str | int]) -> str:
    return ".".join(str(part) for part in loc if part not in _LOCATIONS) or str(loc[0])


def error_body(detail: ErrorDetail) -> ErrorResponse:
    """The error body for the current request."""
    return ErrorResponse(error=detail, request_id=request_id_var.get() or "")


def error_response(status_code: int, detail: ErrorDetail, headers: dict[str, str] | None = None) -> JSONResponse:
    body = error_body(detail)
    headers = {**(headers or {}), "X-Request-ID": body.request_id}
    return JSONResponse(body.model_dump(exclude_none=True), status_code=status_code, headers=headers)


async def handle_error(request: Request, exc: Exception) -> JSONResponse:
    """Exception handler for every error the API can meet, expected or not."""
    status_code, detail, headers = describe(exc)
    if status_code >= 500 and detail.code == "internal_error":
        logger.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(status_code, detail, headers)


def install_error_handlers(app: FastAPI) -> None:
    """Report framework, service and unexpected errors in the one error shape."""
    for exc_class in (HTTPException, RequestValidationError, UnknownModelError, IndexUnavailableError, Exception):
        app.add_exception_handler(exc_class, handle_error)


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorResponse, "description": HTTPStatus(status).phrase}
    for status in (400, 401, 403, 413, 415, 422, 429, 503)
}
"""OpenAPI description of the errors the API routes may answer with."""
