"""The CI gate: the extractive answerer on every gated test split (eval.gate.GATED), each on its own index,
against the overall thresholds, the error maximum and the per-category floors of eval/gate.py."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from eval.gate import GATE_MODEL, GATED, MAXIMUMS, THRESHOLDS, GateTarget, check_gate
from eval.harness import gold_set_index, run_split
from eval.records import GOLD_SETS, RunResult


@pytest.fixture(scope="module", params=GATED, ids=lambda t: f"{t.gold_set}-{t.split}")
def gate_run(request: pytest.FixtureRequest, settings, service) -> Iterator[RunResult]:
    """One harness run of the gated answerer on one gated split, shared by the checks."""
    from assistant.service import PolicyQA

    target: GateTarget = request.param
    with gold_set_index(settings, GOLD_SETS[target.gold_set]) as scoped:
        qa = service
        if scoped is not settings:
            qa = PolicyQA(scoped)
            assert qa.load(), qa.load_error
        yield run_split(
            qa, target.split, GATE_MODEL, baselines=False, show_progress=False, gold_set=target.gold_set
        )


@pytest.mark.parametrize("metric", [*THRESHOLDS, *MAXIMUMS])
def test_gate(gate_run: RunResult, metric: str) -> None:
    check = next(c for c in check_gate(gate_run) if c.metric == metric and c.category is None)
    assert check.passed, check.message()


def test_gate_category_floors(gate_run: RunResult) -> None:
    floors = [c for c in check_gate(gate_run) if c.category is not None]
    assert floors, "no category floor applied"
    failed = [c.message() for c in floors if not c.passed]
    assert not failed, "; ".join(failed)
