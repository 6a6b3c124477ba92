"""The sealed test splits do not leak: no sealed question, or near-copy, in an open split or a pytest file.

Every `test` and `<name>-test` split of every gold set is sealed; every other split (dev, fresh-dev,
reform-dev) is open. Runs in CI. A near-copy is judged by `eval.leaks.similarity` (word-set Jaccard or
difflib ratio on normalised text, >= eval.leaks.NEAR_COPY); the planted-copy tests show the check can fail.
A failure names ids and scores only, never the sealed text.
"""

from __future__ import annotations

import json
from pathlib import Path

from eval.leaks import NEAR_COPY, find_leaks, similarity, string_literals
from eval.records import GOLD_SETS, GoldItem, available_splits, is_sealed, load_split

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent


def sealed_questions() -> list[tuple[str, str]]:
    """(set/split/id, question) of every sealed split of every gold set."""
    return [
        (f"{gold_set.name}/{split}/{item.id}", item.question)
        for gold_set in GOLD_SETS.values()
        for split in available_splits(gold_set.gold_dir)
        if is_sealed(split)
        for item in load_split(split, gold_set.gold_dir)
    ]


def dev_texts(name: str, gold_dir: Path, split: str = "dev") -> list[tuple[str, str]]:
    """("<split> <name>/<id>", text) of every question of an open split and every user turn of its history."""
    items = load_split(split, gold_dir)
    return [
        (f"{split} {name}/{item.id}", text)
        for item in items
        for text in [item.question, *(t.content for t in item.history if t.role == "user")]
    ]


def pytest_literals(folder: Path) -> list[tuple[str, str]]:
    return [literal for path in sorted(folder.glob("*.py")) for literal in string_literals(path, ROOT)]


def test_no_test_question_or_near_copy_in_dev_or_pytest() -> None:
    sealed = sealed_questions()
    assert len(sealed) >= 100, "the sealed test split is missing"
    assert {name.split("/")[1] for name, _ in sealed} >= {"test", "fresh-test", "reform-test"}
    dev = [
        text
        for gold_set in GOLD_SETS.values()
        for split in available_splits(gold_set.gold_dir)
        if not is_sealed(split)
        for text in dev_texts(gold_set.name, gold_set.gold_dir, split)
    ]
    # Compared as id strings: pytest would print a list of Leak objects, sealed text included.
    leaks = [str(leak) for leak in find_leaks(sealed, [*dev, *pytest_literals(TESTS)])]
    assert leaks == []


def test_a_planted_copy_in_dev_is_found(tmp_path: Path) -> None:
    sealed_id, question = sealed_questions()[0]
    planted = question.upper().replace("?", " please?")  # a near-copy, not the same string
    gold = tmp_path / "gold"
    gold.mkdir()
    unrelated = "How many ambulances does Lhasa have on night shifts in winter?"
    rows = [
        GoldItem(id="d1", question=unrelated, category="fact", answerable=False, gold_ids=[], key_facts=[]),
        GoldItem(id="d2", question=planted, category="fact", answerable=False, gold_ids=[], key_facts=[]),
    ]
    (gold / "dev.jsonl").write_text("".join(json.dumps(r.model_dump()) + "\n" for r in rows))
    leaks = find_leaks([(sealed_id, question)], dev_texts("planted", gold))
    assert [leak.where for leak in leaks] == ["dev planted/d2"]


def test_a_planted_copy_in_a_pytest_file_is_found(tmp_path: Path) -> None:
    sealed_id, question = sealed_questions()[-1]
    module = tmp_path / "test_planted.py"
    module.write_text(
        "QUESTION = " + repr(question.rstrip("?.") + ", in brief?") + "\n"
        "OTHER = 'Which Sunday markets sell the cheapest winter coats in Harbin?'\n",
        encoding="utf-8",
    )
    leaks = find_leaks([(sealed_id, question)], string_literals(module, tmp_path))
    assert [leak.where for leak in leaks] == ["test_planted.py:1"]


def test_similarity_separates_copies_from_questions_on_the_same_topic() -> None:
    question = "Which province pilots the new ambulance dispatch rules in 2030?"
    assert similarity(question, question) == 1
    assert similarity(question, "which province pilots new ambulance dispatch rules in 2030") >= NEAR_COPY
    assert similarity(question, "Does any province run night-time ambulance dispatch in 2030?") < NEAR_COPY
