"""The gold sets are sound: ids exist in the parsed documents, key facts occur in their gold units' text
(never a bare unit id or label), and the sealed test split has the size and mix eval/README.md promises.

Units come from the real parser (`index.ingest.parse_sources`) over each gold set's own documents.
"""

from __future__ import annotations

import re
from functools import cache

import pytest

from eval.gate import GATED
from eval.metrics import UNIT_ID, UNIT_LABEL, content_tokens
from eval.records import GOLD_SETS, GoldItem, load_split
from index.ingest import parse_sources
from index.model import Task

CHECKED = [(name, split) for name in GOLD_SETS for split in ("dev", "test")]
YEAR = re.compile(r"^(19|20)\d\d$")


@cache
def units_of(gold_set: str) -> dict[str, Task]:
    """The units the gold set's documents parse into, by id."""
    folder = GOLD_SETS[gold_set].documents_dir
    assert folder.is_dir(), f"gold set {gold_set}: documents folder {folder} is missing"
    paths = sorted(p for p in folder.iterdir() if p.is_file())
    documents, errors, _ = parse_sources(paths, folder / "manifest.json")
    unused = [e for e in errors if e.path.suffix != ".json"]
    assert not unused, unused
    return {unit.id: unit for document in documents for unit in document.units}


def items_of(gold_set: str, split: str) -> list[GoldItem]:
    path = GOLD_SETS[gold_set].split_path(split)
    assert path.is_file(), f"{path} is missing"
    return load_split(split, GOLD_SETS[gold_set].gold_dir)


def normalised(text: str) -> str:
    return " ".join(text.split()).lower().replace("\u2019", "'")


@pytest.mark.parametrize(("gold_set", "split"), CHECKED)
def test_gold_ids_exist_and_answerable_matches_them(gold_set: str, split: str) -> None:
    units = units_of(gold_set)
    for item in items_of(gold_set, split):
        assert set(item.gold_ids) <= set(units), (item.id, item.gold_ids)
        assert item.answerable == bool(item.gold_ids), item.id
        assert item.answerable == bool(item.key_facts), item.id


@pytest.mark.parametrize(("gold_set", "split"), CHECKED)
def test_no_key_fact_variant_is_a_unit_reference(gold_set: str, split: str) -> None:
    """Every cited answer contains ids and labels: a fact met by one says nothing about the answer."""
    for item in items_of(gold_set, split):
        for fact in item.key_facts:
            for variant in fact:
                assert not UNIT_ID.fullmatch(variant.strip(" []()")), (item.id, variant)
                assert not UNIT_LABEL.fullmatch(variant.strip()), (item.id, variant)
                assert not re.fullmatch(r"\(?\d+\)?", variant.strip()), (item.id, variant)


@pytest.mark.parametrize("gold_set", list(GOLD_SETS))
def test_every_test_key_fact_occurs_in_a_gold_unit(gold_set: str) -> None:
    units = units_of(gold_set)
    for item in items_of(gold_set, "test"):
        text = normalised(" ".join(units[g].text for g in item.gold_ids))
        for fact in item.key_facts:
            assert any(normalised(v) in text for v in fact), (item.id, fact)


def test_the_sealed_test_split_has_the_promised_size_and_mix() -> None:
    items = [(t.gold_set, item) for t in GATED for item in items_of(t.gold_set, t.split)]
    assert len(items) >= 150
    assert sum(not item.answerable for _, item in items) >= 30
    assert sum(item.category == "false_premise" for _, item in items) >= 5
    assert sum(item.category == "chinese" for _, item in items) >= 10
    paraphrases = [(s, item) for s, item in items if item.category == "paraphrase"]
    assert len(paraphrases) >= 25


@pytest.mark.parametrize("gold_set", list(GOLD_SETS))
def test_test_paraphrases_share_no_content_word_with_their_gold_units(gold_set: str) -> None:
    """A paraphrase question must be found by meaning: no content word (stemmed; years aside) of the
    question occurs in its gold units' title or text."""
    units = units_of(gold_set)
    for item in items_of(gold_set, "test"):
        if item.category != "paraphrase":
            continue
        unit_words = content_tokens(" ".join(f"{units[g].title} {units[g].text}" for g in item.gold_ids))
        shared = {w for w in content_tokens(item.question) & unit_words if not YEAR.match(w)}
        assert not shared, (item.id, sorted(shared))


def test_zoo_gold_set_size_and_mix() -> None:
    """Issue 14: >= 80 zoo questions over dev and test, >= 15 unanswerable, >= 10 in Chinese."""
    items = [*items_of("zoo", "dev"), *items_of("zoo", "test")]
    assert len(items) >= 80
    assert sum(not item.answerable for item in items) >= 15
    assert sum(item.category == "chinese" for item in items) >= 10
    ids = [item.id for item in items]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("gold_set", list(GOLD_SETS))
def test_ids_are_unique_across_the_splits_of_a_set(gold_set: str) -> None:
    ids = [item.id for split in ("dev", "test") for item in items_of(gold_set, split)]
    assert len(ids) == len(set(ids))
