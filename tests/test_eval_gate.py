"""The CI gate: the extractive answerer on the test split against the thresholds of eval/gate.py."""

from __future__ import annotations

import pytest

from eval.gate import GATE_MODEL, GATE_SPLIT, THRESHOLDS, check_gate
from eval.harness import run_split
from eval.records import RunResult


@pytest.fixture(scope="module")
def gate_run(service) -> RunResult:
    """One harness run of the gated answerer on the gated split, shared by the checks."""
    return run_split(service, GATE_SPLIT, GATE_MODEL, baselines=False, show_progress=False)


@pytest.mark.parametrize("metric", list(THRESHOLDS))
def test_gate(gate_run: RunResult, metric: str) -> None:
    check = next(c for c in check_gate(gate_run) if c.metric == metric)
    assert check.passed, check.message()
