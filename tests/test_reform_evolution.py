"""A topic followed across any number of notices (issue 16 item 5): one cited part per document, in year and
half-year order, on the real indexes of the seeds and of the format zoo (eight notices over five years, two
of them with two documents)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from assistant.core.types import Answer, RefusalCode
from assistant.service import PolicyQA
from assistant.settings import Settings

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def zoo(tmp_path_factory: pytest.TempPathFactory) -> PolicyQA:
    """The service on a real index of eval/zoo/documents."""
    from index.ingest import ingest

    settings = Settings(
        data_dir=tmp_path_factory.mktemp("zoo-data"), documents_dir=REPO / "eval" / "zoo" / "documents"
    )
    report = ingest(settings)
    assert not report.errors, report.errors
    qa = PolicyQA(settings)
    assert qa.load(), qa.load_error
    return qa


def cited(answer: Answer) -> list[str]:
    """Unit ids in the order the answer's markers cite them, each once."""
    return list(dict.fromkeys(re.findall(r"\[([^\]\s]+-[^\]\s]+)\]", answer.answer)))


def in_reform_order(ids: list[str], order: list[str]) -> bool:
    positions = [order.index(i.rsplit("-", 1)[0]) for i in ids]
    return positions == sorted(positions)


def test_a_topic_only_one_notice_has_is_answered_from_it_and_says_so(service: PolicyQA) -> None:
    # 2021 task (4) reforms public-hospital salaries; the 2022 summary says nothing about pay
    answer = service.ask("How have the tasks on public-hospital pay changed over the years?")
    assert not answer.refused
    assert cited(answer) == ["2021-4"]
    assert answer.answer.startswith("Only in 2021")
    assert "salary" in answer.answer
    assert answer.grounding == 1.0, answer.unsupported


def test_a_topic_both_seed_notices_have_is_answered_per_year_in_order(service: PolicyQA) -> None:
    answer = service.ask("Compare the traditional Chinese medicine tasks across the years.")
    assert cited(answer) == ["2021-11", "2022-5"]
    assert answer.answer.startswith("In 2021") and "In 2022, it continues as 2022 item 5" in answer.answer
    assert answer.grounding == 1.0, answer.unsupported


def test_every_zoo_notice_with_the_programme_gets_its_part_in_year_order(zoo: PolicyQA) -> None:
    answer = zoo.ask("How has the Bright Clinic programme evolved over the years?")
    ids = cited(answer)
    # the programme's task in 2019 (notice and news summary), the second half of 2020, 2025 and 2026
    assert {"2019-1", "2020h2-2", "2025-1", "2026-1"} <= set(ids)
    assert not {"2023-1", "2023h2-4"} & set(ids), "the Lantern pharmacies are another programme"
    order = ["2019", "2019-summary", "2020h2", "2023", "2023h2", "2024", "2025", "2026"]
    assert in_reform_order(ids, order)
    assert "In the second half of 2020, it continues as 2020h2 task (2)" in answer.answer
    assert "In 2026, it continues as 2026 task (1)" in answer.answer
    assert answer.grounding == 1.0, answer.unsupported


def test_two_documents_of_one_year_are_parts_in_half_year_order(zoo: PolicyQA) -> None:
    answer = zoo.ask("How have the Lantern pharmacies developed over time?")
    ids = cited(answer)
    assert ids[:2] == ["2023-1", "2023h2-4"]
    assert "In the second half of 2023" in answer.answer
    assert {"2025-5", "2026-5"} <= set(ids)
    assert answer.grounding == 1.0, answer.unsupported


def test_documents_the_alignment_does_not_link_are_found_by_retrieval(zoo: PolicyQA) -> None:
    # the alignment links 2019 → 2020h2 and 2025 → 2026 only; 2025 is joined to the line by its own task
    answer = zoo.ask("Compare the Clearwater surveillance network across the years.")
    ids = cited(answer)
    assert {"2019-8", "2020h2-7", "2025-7", "2026-6"} <= set(ids)
    assert ids.index("2020h2-7") < ids.index("2025-7") < ids.index("2026-6")


def test_a_topic_no_notice_has_is_refused(zoo: PolicyQA) -> None:
    answer = zoo.ask("How has the Ministry of Magic task evolved?")
    assert answer.refused
    assert answer.refusal is not None and answer.refusal.code is RefusalCode.WEAK_MATCH
