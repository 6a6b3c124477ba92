"""Request and response bodies of the HTTP API that are not the service's own objects (Answer, Citation)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, computed_field

from assistant.core.retrieve import Hit
from assistant.core.types import Filters, Turn
from index.model import Task

MAX_TOP_K = 20

Question = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=2000),
    Field(description="1 to 2000 characters after trimming."),
]
TopK = Annotated[int, Field(ge=1, le=MAX_TOP_K)]


class AskRequest(BaseModel):
    """A question, with optional year filter, model choice and earlier turns of the conversation."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"question": "When must the medical service price reform pilot documents be issued?"}
            ]
        },
    )

    question: Question
    top_k: TopK = Field(5, description="How many units to retrieve as evidence.")
    year: int | None = Field(
        None, description="Only cite the document of this year; see GET /readyz for years."
    )
    model: str | None = Field(
        None, description="Answerer to use; see GET /models. Default: the server's default."
    )
    history: list[Turn] = Field(default_factory=list, description="Earlier turns, oldest first.")

    @property
    def filters(self) -> Filters:
        return Filters(year=self.year)


class SearchQuery(BaseModel):
    """Query parameters of GET /search."""

    q: Question
    year: int | None = None
    top_k: TopK = 10


class TaskQuery(BaseModel):
    """Query parameters of GET /tasks."""

    year: int | None = None
    section: str | None = Field(None, description='Section number, e.g. "2".')
    department: str | None = Field(None, description="Lead department, canonical or as written.")
    has_deadline: bool | None = None


class TaskDetail(Task):
    """A unit with its full text and how to name it."""

    @computed_field  # type: ignore[prop-decorator]
    @property
    def label(self) -> str:
        return super().label

    @computed_field  # type: ignore[prop-decorator]
    @property
    def text(self) -> str:
        return super().text

    @classmethod
    def of(cls, task: Task) -> TaskDetail:
        return cls.model_validate(task, from_attributes=True)


class TaskList(BaseModel):
    count: int
    tasks: list[TaskDetail]


class SearchHit(BaseModel):
    """A retrieved unit with its scores, best first."""

    id: str
    year: int
    section: str | None
    task: int | None
    title: str
    label: str
    text: str
    score: float = Field(description="Fused (reciprocal rank) score, higher is better.")
    similarity: float = Field(description="Best dense cosine similarity; 0 when only BM25 found it.")
    lexical: float = Field(description="BM25 score of the best chunk; 0 when only dense search found it.")

    @classmethod
    def of(cls, hit: Hit) -> SearchHit:
        unit = hit.unit
        return cls(
            id=unit.id,
            year=unit.year,
            section=unit.section.number if unit.section else None,
            task=unit.number,
            title=unit.title,
            label=unit.label,
            text=unit.text,
            score=hit.score,
            similarity=hit.similarity,
            lexical=hit.lexical,
        )


class SearchResponse(BaseModel):
    query: str
    hits: list[SearchHit]


class Health(BaseModel):
    status: Literal["ok"] = "ok"


class Readiness(BaseModel):
    """What the loaded index holds."""

    status: Literal["ready"] = "ready"
    documents: int
    years: list[int]
    units: int
    tasks: int
    chunks: int
    embedding_model: str
    collection: str
    reindexing: bool


class ModelList(BaseModel):
    default: str
    models: list[str]


class ReindexStatus(BaseModel):
    """The state of the latest reindex started over HTTP in this process."""

    running: bool
    started_at: datetime | None = None
    finished_at: datetime | None = None
    ok: bool | None = Field(None, description="Null while running or when none has run.")
    error: str | None = None
    documents: int | None = Field(None, description="Documents indexed by the last finished run.")
    tasks: int | None = None
    chunks: int | None = None
    file_errors: list[str] = Field(default_factory=list, description="Sources that failed to load, if any.")
