"""The objects that cross the answer boundary: Citation, Answer, and the request's filters and history."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class Turn(BaseModel):
    """One earlier message of a conversation."""

    role: Literal["user", "assistant"]
    content: str


class Filters(BaseModel):
    """Restrictions on which units may be retrieved."""

    year: int | None = None
    section: str | None = None
    department: str | None = None


class Citation(BaseModel):
    """A unit an answer cites, with the sentence that supports the claim."""

    id: str = Field(description='Unit id, e.g. "2021-2".')
    year: int
    section: str | None = Field(None, description="Section number in the source; null outside sections.")
    task: int | None = Field(
        None, description="Task number in its source; null for notice, preamble, closing."
    )
    title: str
    text: str = Field(description="The unit's full text.")
    quote: str = Field(description="The sentence of the text that supports the answer.")
    score: float = Field(description="Retrieval score (fused), higher is better.")
    label: str = Field("", description='How to name it in prose: "2021 task (2)".')


class Answer(BaseModel):
    """What PolicyQA says in reply to one question."""

    answer: str
    citations: list[Citation] = Field(default_factory=list)
    refused: bool = False
    grounding: float = Field(
        1.0, ge=0, le=1, description="Share of answer sentences supported by cited text."
    )
    model: str
    timings_ms: dict[str, float] = Field(default_factory=dict)
    unsupported: list[str] = Field(default_factory=list, description="Sentences the grounding check flagged.")
