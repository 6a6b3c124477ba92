"""The objects that cross the answer boundary: Citation, Refusal, Answer, the filters and history."""

from __future__ import annotations

from enum import StrEnum
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


class RefusalCode(StrEnum):
    """Why PolicyQA declined to answer: one code per check that can refuse, stable for programs."""

    OUT_OF_SCOPE = "out_of_scope"  # the question holds nothing to look up in the documents
    INSTRUCTION_IGNORED = "instruction_ignored"  # it was only an instruction to the model, which is ignored
    YEAR_NOT_INDEXED = "year_not_indexed"  # it asks about a year with no indexed document
    NO_SUCH_TASK = "no_such_task"  # it names a task number the documents do not have
    NOTHING_MATCHES = "nothing_matches"  # retrieval found no passage at all
    FIGURE_NOT_GIVEN = "figure_not_given"  # it asks how many/how much and the passages give no such figure
    INSTANCES_NOT_NAMED = "instances_not_named"  # it asks which provinces, hospitals… and none is named
    NOT_IN_DOCUMENTS = "not_in_documents"  # no found sentence supports what it asks about, or a name it uses
    FALSE_PREMISE = "false_premise"  # it takes as given what no found sentence says ("when will … be free")
    PERSON_NOT_NAMED = "person_not_named"  # it asks for a person; the documents name departments
    WEAK_MATCH = "weak_match"  # the best passages match it too loosely
    NO_DEPARTMENTS = "no_departments"  # it asks who is responsible and the passages name no department
    NO_DEADLINE = "no_deadline"  # it asks for a deadline and the passages set none
    NO_PASSAGE = "no_passage"  # no passage of the matching tasks answers it
    MODEL_REFUSED = "model_refused"  # the LLM found no answer in the passages it was given
    UNVERIFIED = "unverified"  # the LLM's answer could not be verified against the documents


class Refusal(BaseModel):
    """Why an answer was refused: the check's code, and the reason shown to the user."""

    code: RefusalCode
    message: str = Field(description="The reason, as the answer text gives it.")


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
    refusal: Refusal | None = Field(None, description="Why the answer was refused; null when it was not.")
