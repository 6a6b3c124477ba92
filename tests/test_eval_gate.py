"""The CI gate: the extractive answerer on every gated test split (eval.gate.GATED), each on its own index,
against the overall thresholds, the error maximum and the per-category floors of eval/gate.py."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from eval.gate import (
    GATE_MODEL,
    GATED,
    MAXIMUMS,
    THRESHOLDS,
    GateCheck,
    GateTarget,
    check_gate,
    regression_floor,
)
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


def held(gate_run: RunResult, check: GateCheck) -> str | None:
    """Why an unmet check passes CI for now (its regression floor holds), or None when it must pass outright.

    Fails when the check falls below its recorded floor, or when it meets its target while a floor is
    still recorded (the floor must then be removed, so that the target is enforced).
    """
    floor = regression_floor(gate_run.config.gold_set, gate_run.config.split, check)
    if floor is None:
        return None
    assert not check.passed, f"{check.name} meets its target now: remove its entry from REGRESSION_FLOORS"
    regressed = check.measured is None or check.measured < floor
    assert not regressed, f"{check.message()}; regressed below its floor {floor}"
    return f"target unmet, floor {floor} held: {check.message()}"


@pytest.mark.parametrize("metric", [*THRESHOLDS, *MAXIMUMS])
def test_gate(gate_run: RunResult, metric: str) -> None:
    check = next(c for c in check_gate(gate_run) if c.metric == metric and c.category is None)
    if (reason := held(gate_run, check)) is not None:
        pytest.xfail(reason)
    assert check.passed, check.message()


def test_gate_category_floors(gate_run: RunResult) -> None:
    floors = [c for c in check_gate(gate_run) if c.category is not None]
    assert floors, "no category floor applied"
    failed = [c.message() for c in floors if not c.passed and held(gate_run, c) is None]
    assert not failed, "; ".join(failed)
