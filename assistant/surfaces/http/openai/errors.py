"""OpenAI's error shape for every failure of the /v1 routes: validation, authentication, the service's."""

from __future__ import annotations

import logging

from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException

from assistant.failures import describe_failure

logger = logging.getLogger(__name__)

HTTP_ERROR_CODES = {401: "invalid_api_key", 429: "rate_limit_exceeded"}


class OpenAIErrorDetail(BaseModel):
    message: str
    type: str
    param: str | None = None
    code: str | None = None


class ErrorBody(BaseModel):
    """OpenAI's error shape."""

    error: OpenAIErrorDetail


class OpenAIError(Exception):
    """An error to answer with in OpenAI's shape."""

    def __init__(
        self,
        status_code: int,
        message: str,
        *,
        error_type: str = "invalid_request_error",
        param: str | None = None,
        code: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.body = ErrorBody(
            error=OpenAIErrorDetail(message=message, type=error_type, param=param, code=code)
        )
        self.headers = headers

    def response(self) -> JSONResponse:
        return JSONResponse(self.body.model_dump(), status_code=self.status_code, headers=self.headers)


def invalid(message: str, param: str | None = None) -> OpenAIError:
    """A 400 invalid_request_error."""
    return OpenAIError(400, message, param=param)


def invalid_body(exc: RequestValidationError) -> OpenAIError:
    """A body FastAPI could not parse or validate, as a 400 naming the offending parameter."""
    errors = exc.errors()
    if errors[0]["type"] == "json_invalid":
        reason, position = errors[0]["ctx"]["error"], errors[0]["loc"][-1]
        return invalid(f"We could not parse the JSON body of your request: {reason} at character {position}.")
    locations = [tuple(error["loc"][1:]) for error in errors]  # after "body"
    # A union field (a message's content: text or parts) fails once per member, each error's location
    # ending in that member's name; their common prefix names the field itself.
    path = common_prefix(locations) or locations[0]
    reasons = dict.fromkeys(
        e["msg"] for e, loc in zip(errors, locations, strict=True) if loc[: len(path)] == path
    )
    param = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in path).lstrip(".")
    where = f"'{param}'" if param else "request body"
    return invalid(f"Invalid {where}: {'; '.join(reasons)}.", param or None)


def common_prefix(locations: list[tuple[str | int, ...]]) -> tuple[str | int, ...]:
    prefix: list[str | int] = []
    for parts in zip(*locations, strict=False):
        if len(set(parts)) > 1:
            break
        prefix.append(parts[0])
    return tuple(prefix)


def from_http_exception(exc: HTTPException) -> OpenAIError:
    """An HTTP error of a dependency (authentication, rate limit…) in OpenAI's shape."""
    server_side = exc.status_code >= 500
    return OpenAIError(
        exc.status_code,
        exc.detail if isinstance(exc.detail, str) else str(exc.detail),
        error_type="server_error" if server_side else "invalid_request_error",
        code=HTTP_ERROR_CODES.get(exc.status_code),
        headers=dict(exc.headers) if exc.headers else None,
    )


def service_error(exc: Exception) -> OpenAIError | None:
    """The OpenAI error for a failure the service reports (no index, model unreachable…); None for a bug."""
    failure = describe_failure(exc)
    if failure is None:
        return None
    return OpenAIError(
        failure.status,
        f"{failure.message}.",
        error_type="server_error" if failure.status >= 500 else "invalid_request_error",
        param=failure.field,
        code=failure.code,
        headers=failure.headers or None,
    )
