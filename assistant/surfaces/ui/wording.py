"""The UI's words that name documents: heading, placeholders, example questions, task-id hints.

They come from the loaded index, not from the two seed notices, so that a library of other notices (or one
more uploaded notice) is described as it is. Before an index is loaded the wording is generic.
"""

from __future__ import annotations

from dataclasses import dataclass

from index.model import Task


def year_phrase(years: list[int], conjunction: str = "and") -> str:
    """ "2021", "2021 and 2022", "2019, 2020 and 2024"."""
    names = [str(y) for y in years]
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} {conjunction} {names[-1]}"


@dataclass(frozen=True)
class Wording:
    heading: str
    placeholder: str
    examples: list[str]
    task_id_example: str

    @property
    def task_hint(self) -> str:
        return f"Select a row, or type a task id such as {self.task_id_example}, to read the task here."


GENERIC = Wording(
    heading=(
        "# PolicyQA\nAsk about China's *Key Tasks for Deepening the Reform of the Medical and Health "
        "System* notices. Answers cite the tasks they rest on."
    ),
    placeholder="Ask about the key tasks…",
    examples=["Which tasks have a deadline?", "Who is responsible for task 1?"],
    task_id_example="2021-5",
)


def wording(tasks: list[Task]) -> Wording:
    """Heading, placeholder and examples for a library holding `tasks` (in catalog order)."""
    if not tasks:
        return GENERIC
    years = sorted({t.year for t in tasks})
    documents = sorted({t.doc_id for t in tasks})
    led = next((t for t in tasks if t.departments and not t.unnumbered_in_source), tasks[0])
    dated = next((t for t in tasks if t.deadlines), None)
    examples = [
        f"What does {led.label} say?",
        f"Who is responsible for {led.label}?",
    ]
    if dated is not None:
        examples.append(f"Which tasks have a deadline in {dated.deadlines[0].year}?")
    if len(years) >= 2:
        examples.append(f"What changed between the {years[-2]} and {years[-1]} notices?")
    count = f"{len(documents)} notice{'s' if len(documents) != 1 else ''}"
    return Wording(
        heading=(
            "# PolicyQA\nAsk about China's *Key Tasks for Deepening the Reform of the Medical and Health "
            f"System* ({count}: {year_phrase(years)}). Answers cite the tasks they rest on."
        ),
        placeholder=f"Ask about the {year_phrase(years, 'or')} key tasks…",
        examples=examples,
        task_id_example=led.id,
    )
