"""The typed model of a policy document: Document → Section → Task, plus the units that are not tasks."""

from __future__ import annotations

import re
from enum import StrEnum

from pydantic import BaseModel, Field

# A unit id as cited, "<document>-<task>" or "<document>-notice": "2021-5", "2023h2-4", "2019-summary-3".
UNIT_ID = re.compile(r"20\d\d[a-z0-9]*(?:-[a-z0-9]+)+")


class UnitKind(StrEnum):
    """What a citable unit of a document is."""

    NOTICE = "notice"  # header: issuer, document number, date, addressees
    PREAMBLE = "preamble"
    TASK = "task"  # a numbered task, or a topical item of an unnumbered source
    CLOSING = "closing"


class Deadline(BaseModel):
    """A dated commitment inside a task, e.g. "by the end of August 2021" → 2021-08."""

    month: str = Field(description="YYYY-MM")
    phrase: str
    sentence: str

    @property
    def year(self) -> int:
        return int(self.month[:4])


class DocumentInfo(BaseModel):
    """A document's manifest entry, or what the document says about itself where the manifest is silent."""

    id: str
    year: int
    title: str
    issuer: str = ""
    date: str = ""
    number: str = ""
    source: str = ""
    file: str = ""
    format: str = Field(
        "", description='The reader that read the file: "txt", "markdown", "html", "pdf", "docx".'
    )


class Section(BaseModel):
    number: str
    title: str


class Task(BaseModel):
    """A citable unit: a numbered task, a topical item, or the notice, preamble or closing."""

    id: str = Field(description='"2021-5", "2021-notice", …')
    doc_id: str
    year: int
    kind: UnitKind
    number: int | None = None
    source_number: str = Field("", description='The number as printed, e.g. "(3)" or "（三）".')
    section: Section | None = None
    title: str
    sentences: list[str] = Field(default_factory=list)
    departments: list[str] = Field(default_factory=list, description="Canonical lead departments.")
    departments_as_written: list[str] = Field(default_factory=list)
    departments_text: str = Field("", description="The source's responsibility parenthetical.")
    deadlines: list[Deadline] = Field(default_factory=list)
    unnumbered_in_source: bool = False

    @property
    def lead_department(self) -> str | None:
        """The first-named (leading) department: notices name the lead first."""
        return self.departments[0] if self.departments else None

    @property
    def label(self) -> str:
        """How people refer to the unit: "2021 task (5)", "2022 item 3", "2023h2 notice"."""
        if self.kind is UnitKind.TASK:
            if self.unnumbered_in_source:
                return f"{self.doc_id} item {self.number}"
            return f"{self.doc_id} task ({self.number})"
        return f"{self.doc_id} {self.kind.value}"

    @property
    def text(self) -> str:
        """The unit's full text, as cited: title, body sentences and the responsibility line."""
        parts = (
            [self.title if self.title.endswith(".") else f"{self.title}."]
            if self.kind is UnitKind.TASK
            else []
        )
        parts.extend(self.sentences)
        if self.departments_text:
            parts.append(self.departments_text)
        return " ".join(parts)


class UnplacedLine(BaseModel):
    """A content line the document's own structure puts in no task: a numbered item out of its sequence, or
    text after a task's responsibility note that is neither a section's introduction nor the closing.

    The line is not dropped: it stays searchable in the unit `kept_in`; the parse reports it as a warning.
    """

    text: str
    where: str = Field(description='Why it fits nowhere, e.g. "numbered (3) after task (5)".')
    kept_in: str = Field(description='The unit that holds it for search, e.g. "2024-5".')


class Document(BaseModel):
    """A parsed policy document."""

    info: DocumentInfo
    sections: list[Section] = Field(default_factory=list)
    units: list[Task] = Field(default_factory=list)
    unplaced: list[UnplacedLine] = Field(default_factory=list)

    @property
    def tasks(self) -> list[Task]:
        return [u for u in self.units if u.kind is UnitKind.TASK]
