"""The Evaluation tab's data: the latest `policyqa eval` run of each model and split, from the results folder.

The harness writes `<results>/<timestamp>-<model>-<split>/result.json` (an `eval.records.RunResult`) beside
`report.md` and `chart.png`; see eval/README.md.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from pydantic import ValidationError

from eval.gate import check_gate
from eval.records import RunResult
from eval.report import CHART_METRICS

logger = logging.getLogger("policyqa.ui")

RESULT_FILE = "result.json"
CHART_FILE = "chart.png"
TABLE_METRICS = (
    "recall@5",
    "mrr",
    "citation_precision",
    "citation_recall",
    "key_fact_coverage",
    "grounding",
    "refusal_accuracy",
    "latency_p50_ms",
)
TABLE_COLUMNS = ["model", "split", "date", "questions", *TABLE_METRICS, "gate"]
CHART_COLUMNS = ["metric", "value", "run"]


@dataclass
class Run:
    """One run's result and the folder it was written to."""

    result: RunResult
    folder: Path

    @property
    def name(self) -> str:
        return f"{self.result.config.model} ({self.result.config.split})"

    @property
    def chart(self) -> Path | None:
        path = self.folder / CHART_FILE
        return path if path.is_file() else None


@dataclass
class EvalResults:
    """The latest run per model and split, newest first, and the files that could not be read."""

    runs: list[Run] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)


def read_results(results_dir: Path) -> EvalResults:
    """Every run under `results_dir`, keeping the newest of each (model, split)."""
    latest: dict[tuple[str, str], Run] = {}
    unreadable: list[str] = []
    for path in sorted(results_dir.glob(f"**/{RESULT_FILE}")) if results_dir.is_dir() else []:
        try:
            run = Run(RunResult.load(path), path.parent)
        except (OSError, ValueError, ValidationError) as exc:
            logger.warning("unreadable eval result %s: %s", path, exc)
            unreadable.append(str(path.relative_to(results_dir)))
            continue
        key = (run.result.config.model, run.result.config.split)
        if key not in latest or run.result.config.date > latest[key].result.config.date:
            latest[key] = run
    runs = sorted(latest.values(), key=lambda r: r.result.config.date, reverse=True)
    return EvalResults(runs=runs, unreadable=unreadable)


def _gate_cell(result: RunResult) -> str:
    failed = [check.metric for check in check_gate(result) if not check.passed]
    return "pass" if not failed else f"fail: {', '.join(failed)}"


def _rounded(value: float | None, metric: str) -> float | None:
    if value is None:
        return None
    return round(value) if metric.endswith("_ms") else round(value, 3)


def metrics_table(results: EvalResults) -> pd.DataFrame:
    """One row per run: what ran, the headline metrics and whether the CI gate's thresholds are met."""
    rows = []
    for run in results.runs:
        config, overall = run.result.config, run.result.metrics.overall
        rows.append(
            [
                config.model,
                config.split,
                config.date[:16].replace("T", " "),
                config.questions,
                *(_rounded(overall.get(m), m) for m in TABLE_METRICS),
                _gate_cell(run.result),
            ]
        )
    return pd.DataFrame(rows, columns=TABLE_COLUMNS)


def chart_frame(results: EvalResults) -> pd.DataFrame:
    """Long-format frame for a grouped bar chart: the gate's chart metrics of every run."""
    rows = [
        [metric, value, run.name]
        for run in results.runs
        for metric in CHART_METRICS
        if (value := run.result.metrics.overall.get(metric)) is not None
    ]
    return pd.DataFrame(rows, columns=CHART_COLUMNS)


def summary_markdown(results: EvalResults, results_dir: Path) -> str:
    """The line above the table: what is shown, or how to produce results when there are none."""
    if not results.runs:
        text = (
            f"**No evaluation results yet.** Run `policyqa eval` (or `python -m eval.cli`); results are read "
            f"from `{results_dir}`."
        )
    else:
        newest = results.runs[0].result.config
        text = (
            f"The latest run of each model and split ({len(results.runs)} shown), newest first; the most "
            f"recent is **{newest.model}** on **{newest.split}**, {newest.date[:10]}. "
            "Chart metrics are those of the CI gate (see `eval/README.md`)."
        )
    if results.unreadable:
        text += f"\n\nSkipped unreadable results: {', '.join(f'`{name}`' for name in results.unreadable)}."
    return text


def latest_chart(results: EvalResults) -> str | None:
    """The harness's own chart of the most recent run (metrics by category), when it wrote one."""
    chart = results.runs[0].chart if results.runs else None
    return str(chart) if chart else None
