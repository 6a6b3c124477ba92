"""The UI's heading, placeholder and example questions come from the loaded index, and each example is a
question PolicyQA answers (with a citation) on that index, not a refusal."""

from __future__ import annotations

import pytest

from assistant.service import PolicyQA
from assistant.surfaces.ui.tasks import ALL, TaskChoices
from assistant.surfaces.ui.wording import GENERIC, wording, year_phrase
from index.ingest import parse_sources
from index.settings import REPO_ROOT


def test_year_phrase_lists_every_year() -> None:
    assert year_phrase([2021]) == "2021"
    assert year_phrase([2021, 2022]) == "2021 and 2022"
    assert year_phrase([2019, 2020, 2024], "or") == "2019, 2020 or 2024"


def test_wording_names_the_indexed_years_and_tasks(service: PolicyQA) -> None:
    words = wording(service.library.tasks)
    years = service.library.years
    assert all(str(y) in words.heading for y in years)
    assert all(str(y) in words.placeholder for y in years)
    assert service.task(words.task_id_example) is not None
    assert wording([]) == GENERIC


def test_wording_follows_the_library_not_the_seeds(service: PolicyQA) -> None:
    only_2022 = [t for t in service.library.tasks if t.year == 2022]
    words = wording(only_2022)
    assert "2021" not in words.heading + words.placeholder + " ".join(words.examples)
    assert words.task_id_example.startswith("2022-")


def test_the_filters_offer_the_years_sections_and_departments_of_the_tasks_given() -> None:
    """The Tasks tab's dropdowns on the format zoo's notices: their years, not the seeds'."""
    zoo = REPO_ROOT / "eval" / "zoo" / "documents"
    documents, errors, _ = parse_sources([zoo], zoo / "manifest.json")
    assert not errors, errors
    tasks = [t for d in documents for t in d.tasks]
    choices = TaskChoices.of(tasks)
    assert choices.years == [ALL, "2019", "2020", "2023", "2024", "2025", "2026"]
    assert "2021" not in choices.years and "2022" not in choices.years
    assert "2025:1" in {value for _, value in choices.sections}
    assert "Secretariat of the State Council Medical Reform Leading Group" in choices.departments


@pytest.mark.parametrize("position", range(4))
def test_each_example_question_is_answered_with_a_citation(service: PolicyQA, position: int) -> None:
    examples = wording(service.library.tasks).examples
    if position >= len(examples):
        pytest.skip("fewer examples for this library")
    answer = service.ask(examples[position])
    assert not answer.refused, (examples[position], answer.answer)
    assert answer.citations, examples[position]
