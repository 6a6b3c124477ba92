"""The one mapping from exceptions to what users are told: status, stable code and message.

/ask, /v1, the web UI and the CLI all report a failure through `describe_failure`, each in its own shape
(the API's error body, OpenAI's error body, a chat message, a console line), so a failure is named alike
everywhere. An exception not listed here is a bug: surfaces report it as an internal error and log it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from assistant.core.errors import LLMUnavailableError, UnknownModelError
from assistant.service import IndexUnavailableError
from index.lock import IngestRunning

RETRY_AFTER_S = 10
# Statuses of a model endpoint that mean "busy", not "broken": trying again soon may work.
BUSY_STATUSES = (429, 503)


@dataclass(frozen=True)
class Failure:
    """A failure as users see it."""

    status: int  # the HTTP status reporting it
    code: str  # stable machine-readable code, e.g. "index_unavailable"
    message: str  # what is wrong and, where it helps, what to do
    field: str | None = None  # the request field at fault
    allowed: tuple[str, ...] = ()  # the values that field accepts, when they are few
    retry_after_s: int | None = None  # when trying again later may work
    busy: bool = False  # the model endpoint is overloaded rather than unreachable
    model: str | None = None  # the model concerned, for a failure of one

    @property
    def headers(self) -> dict[str, str]:
        """HTTP headers that go with the failure (Retry-After)."""
        return {"Retry-After": str(self.retry_after_s)} if self.retry_after_s else {}


def invalid_choice_message(field_name: str, value: object, allowed: Sequence[str | int]) -> str:
    """ "unknown model 'x'; allowed: a, b": a value outside a small known set."""
    return f"unknown {field_name} {value!r}; allowed: {', '.join(str(a) for a in allowed)}"


def describe_failure(exc: BaseException) -> Failure | None:
    """How to report `exc` to users; None when it is no expected failure (a bug, to log with its trace)."""
    match exc:
        case UnknownModelError():
            message = invalid_choice_message("model", exc.name, exc.allowed)
            return Failure(
                422, "invalid_choice", message, field="model", allowed=tuple(exc.allowed), model=exc.name
            )
        case IndexUnavailableError():
            return Failure(503, "index_unavailable", str(exc), retry_after_s=RETRY_AFTER_S)
        case IngestRunning():
            return Failure(409, "reindex_running", f"{exc}; try again when it has finished")
        case LLMUnavailableError():
            busy = exc.status in BUSY_STATUSES
            return Failure(
                503, "model_unavailable", str(exc), retry_after_s=RETRY_AFTER_S, busy=busy, model=exc.name
            )
    return None


EXPECTED_FAILURES = (UnknownModelError, IndexUnavailableError, LLMUnavailableError, IngestRunning)
