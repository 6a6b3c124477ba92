"""The documents a question names, found from an index built once per library (`DocumentIndex`): the same
documents a read of every document id finds (`documents_named`, `documents_meant`), on the real corpus's
ids and on ids shaped like provincial plans and synthetic notices, for the dev questions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.core.understand.documents import DocumentIndex, documents_meant, documents_named

DEV = Path(__file__).resolve().parent.parent / "eval" / "gold" / "dev.jsonl"
# ids an index may hold beside the seeds: half years, a news summary, provincial plans, synthetic notices,
# and qualifiers of several words or of other characters
MORE_IDS = [
    "2023h1",
    "2023h2",
    "2019-summary",
    "2022-guangdong-plan",
    "2022-provincial-plan",
    "2024-sichuan",
    "2021-news",
    "2021-c++",
    "synthetic-2021-3",
    "synthetic-2022-14",
]
EXTRA_QUESTIONS = [
    "What does the Guangdong plan say about clinics in 2022?",
    "In the first half of 2023, what was due?",
    "What did the second-half 2023 notice add?",
    "What does the 2019 news summary report?",
    "Which provincial plan of 2022 names rural doctors?",
    "What is in the Sichuan document?",
    "What does synthetic 2021 3 hold?",
    "Is C++ named in 2021?",
]


def questions() -> list[str]:
    return [json.loads(line)["question"] for line in DEV.read_text().splitlines() if line] + EXTRA_QUESTIONS


@pytest.fixture(scope="module")
def doc_ids(service) -> list[str]:
    return [*service.library.documents, *MORE_IDS]


def test_the_library_indexes_its_own_documents(service) -> None:
    assert service.library.document_index.doc_ids == service.library.documents


@pytest.mark.parametrize("year", [None, 2019, 2021, 2022, 2023])
def test_the_index_names_what_a_read_of_every_id_names(doc_ids, year) -> None:
    index = DocumentIndex(doc_ids)
    named_somewhere = 0
    for question in questions():
        expected = documents_named(question, year, doc_ids)
        assert index.named(question, year) == expected, question
        named_somewhere += bool(expected)
        if year is not None:
            assert index.meant(question, year) == documents_meant(question, year, doc_ids), question
    assert named_somewhere  # the questions do name documents: the comparison is not of empty lists
