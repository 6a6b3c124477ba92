"""Why an answerer cannot answer now: exceptions light enough for every surface to import.

They live apart from the answerers so that mapping them to user-facing errors (`assistant/failures.py`)
does not load the LLM stack: a process that never answers with a model never imports it.
"""

from __future__ import annotations


class UnknownModelError(ValueError):
    """A request named a model PolicyQA does not offer."""

    def __init__(self, name: str, allowed: list[str]) -> None:
        super().__init__(f"unknown model {name!r}; available: {', '.join(allowed)}")
        self.name = name
        self.allowed = allowed


class LLMUnavailableError(RuntimeError):
    """The model's endpoint could not be reached, timed out, or answered with an HTTP error."""

    def __init__(self, name: str, reason: str, status: int | None = None) -> None:
        super().__init__(f"model {name!r} is unavailable: {reason}")
        self.name = name
        self.reason = reason
        self.status = status  # the endpoint's HTTP status; None when it could not be reached
