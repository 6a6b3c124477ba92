"""The gold files: each is a split, ids are unique, gold ids and key facts match the parsed text.

Checked against the real loader, cleaner and parser over documents/, so a gold fact that the parsed text
no longer contains (after a parser change, or a typo in the gold) fails here rather than as a lower score.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.settings import Settings
from eval.cli import app
from eval.records import GOLD_DIR, GoldItem, UnknownSplitError, available_splits, load_split
from index.ingest import parse_sources

FRESH_SPLITS = ("fresh-dev", "fresh-test")
# documented in eval/gold/README.md for the first gold files only: list answers may name a task by its id
# ("2021-12", "(2)", "2021-2]") and the task-count question (notes say "exempt") accepts "20 tasks"
TASK_ID_VARIANT = re.compile(r"\(?\d{4}-\d+[\]),]?|\(\d+\)")


def _normalised(text: str) -> str:
    return " ".join(text.split()).lower()


@pytest.fixture(scope="module")
def unit_texts() -> dict[str, str]:
    """Unit id → whitespace-normalised, lower-cased text of the units parsed from documents/."""
    settings = Settings()
    documents, errors, _ = parse_sources([settings.documents_dir], settings.manifest_path)
    assert not errors, errors
    return {unit.id: _normalised(unit.text) for document in documents for unit in document.units}


@pytest.fixture(scope="module")
def gold() -> dict[str, list[GoldItem]]:
    return {split: load_split(split) for split in available_splits()}


def test_every_gold_file_is_a_split_including_the_fresh_batch() -> None:
    splits = available_splits()
    assert {"dev", "test", *FRESH_SPLITS} <= set(splits)
    assert splits == sorted(p.stem for p in GOLD_DIR.glob("*.jsonl"))


def test_an_unknown_or_path_like_split_is_a_clear_error() -> None:
    listed = ", ".join(sorted(p.stem for p in GOLD_DIR.glob("*.jsonl")))
    assert listed.startswith("dev, fresh-dev, fresh-test")
    for name in ("nope", "../README", "gold/dev"):
        with pytest.raises(UnknownSplitError, match=f"available: {re.escape(listed)}$"):
            load_split(name)


def test_an_unknown_split_on_the_command_line_fails_before_loading_anything(tmp_path: Path) -> None:
    outcome = CliRunner().invoke(app, ["--split", "nope", "--out", str(tmp_path / "run")])
    assert outcome.exit_code == 2
    assert "no gold split 'nope'" in outcome.output
    assert not (tmp_path / "run").exists()


def test_ids_are_unique_across_all_gold_files(gold: dict[str, list[GoldItem]]) -> None:
    counts = Counter(item.id for items in gold.values() for item in items)
    assert [i for i, n in counts.items() if n > 1] == []


def test_gold_ids_are_parsed_units_and_unanswerable_items_have_none(
    gold: dict[str, list[GoldItem]], unit_texts: dict[str, str]
) -> None:
    for items in gold.values():
        for item in items:
            assert set(item.gold_ids) <= set(unit_texts), item.id
            assert bool(item.gold_ids) == item.answerable, item.id
            assert bool(item.key_facts) == item.answerable, item.id


@pytest.mark.parametrize("split", FRESH_SPLITS)
def test_fresh_key_facts_occur_verbatim_in_a_gold_unit_and_are_never_task_ids(
    split: str, unit_texts: dict[str, str]
) -> None:
    for item in load_split(split):
        for fact in item.key_facts:
            for variant in fact:
                assert not TASK_ID_VARIANT.fullmatch(variant.strip()), (item.id, variant)
                assert any(_normalised(variant) in unit_texts[g] for g in item.gold_ids), (item.id, variant)


def test_first_gold_files_key_facts_occur_in_a_gold_unit_or_are_documented_exemptions(
    gold: dict[str, list[GoldItem]], unit_texts: dict[str, str]
) -> None:
    for split in ("dev", "test"):
        for item in gold[split]:
            for variant in (v for fact in item.key_facts for v in fact):
                found = any(_normalised(variant) in unit_texts[g] for g in item.gold_ids)
                task_id = item.category in {"list", "structure"} and TASK_ID_VARIANT.fullmatch(variant)
                assert found or task_id or "exempt" in item.notes, (item.id, variant)
