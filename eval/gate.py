"""The CI gate: the thresholds the extractive answerer must meet on the test split, in one table."""

from __future__ import annotations

from dataclasses import dataclass

from eval.records import MetricValues, RunResult

GATE_MODEL = "extractive"
GATE_SPLIT = "test"
THRESHOLDS: dict[str, float] = {
    "recall@5": 0.95,
    "mrr": 0.85,
    "key_fact_coverage": 0.85,
    "grounding": 0.98,
    "grounding_lexical": 0.98,  # the eval's own check: a lenient product checker cannot pass alone
    "refusal_accuracy": 0.90,
}


@dataclass(frozen=True)
class GateCheck:
    """One gated metric: its threshold, the measured value and the per-category values behind it."""

    metric: str
    threshold: float
    measured: float | None
    by_category: MetricValues

    @property
    def passed(self) -> bool:
        return self.measured is not None and self.measured >= self.threshold

    def message(self) -> str:
        """An explanation such as "mrr = 0.812 < 0.85 (by category: fact 0.900, …)"."""
        measured = "undefined" if self.measured is None else f"{self.measured:.3f}"
        relation = ">=" if self.passed else "<"
        categories = ", ".join(
            f"{category} {'—' if value is None else f'{value:.3f}'}"
            for category, value in self.by_category.items()
        )
        return f"{self.metric} = {measured} {relation} {self.threshold} (by category: {categories})"


def check_gate(result: RunResult, thresholds: dict[str, float] = THRESHOLDS) -> list[GateCheck]:
    """Every gated metric of a run, passed or not."""
    return [
        GateCheck(
            metric=metric,
            threshold=threshold,
            measured=result.metrics.overall.get(metric),
            by_category={c: values.get(metric) for c, values in result.metrics.by_category.items()},
        )
        for metric, threshold in thresholds.items()
    ]


def gate_failures(result: RunResult) -> list[GateCheck]:
    """The gated metrics the run misses."""
    return [check for check in check_gate(result) if not check.passed]
