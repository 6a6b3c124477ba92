"""The Evaluation tab's data: the latest `policyqa eval` run of each model and split, from the results folder.

The harness writes `<results>/<timestamp>-<model>-<split>/result.json` (an `eval.records.RunResult`) beside
`report.md` and `chart.png`; see eval/README.md.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
from pydantic import ValidationError

from eval.gate import GATE_MODEL, GATE_SPLIT, check_gate
from eval.records import RunResult
from eval.report import CHART_METRICS, _bars, fmt

if TYPE_CHECKING:
    from matplotlib.figure import Figure

logger = logging.getLogger("policyqa.ui")

RESULT_FILE = "result.json"
CHART_FILE = "chart.png"
# The table's rows, named as in eval/README.md, which defines them.
TABLE_METRICS = (
    "questions",
    "errors",
    "recall@5",
    "mrr",
    "citation_precision",
    "citation_recall",
    "key_fact_coverage",
    "grounding",
    "refusal_accuracy",
    "latency_p50_ms",
    "latency_p95_ms",
)
GATE_ROW = "CI gate"
DATE_ROW = "date (UTC)"


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


def gate_cell(result: RunResult) -> str:
    """Whether the run meets the CI gate; only the gated configuration (extractive on test) is judged."""
    if (result.config.model, result.config.split) != (GATE_MODEL, GATE_SPLIT):
        return f"— (gated: {GATE_MODEL} on {GATE_SPLIT})"
    failed = [check.metric for check in check_gate(result) if not check.passed]
    return "pass" if not failed else f"fail: {', '.join(failed)}"


def metrics_table(results: EvalResults) -> pd.DataFrame:
    """One row per metric, one column per run (newest first), plus its date and CI gate verdict."""
    table: dict[str, list[str]] = {"metric": [DATE_ROW, *TABLE_METRICS, GATE_ROW]}
    for run in results.runs:
        overall = run.result.metrics.overall
        date = run.result.config.date[:16].replace("T", " ")
        table[run.name] = [date, *(fmt(overall.get(m), m) for m in TABLE_METRICS), gate_cell(run.result)]
    return pd.DataFrame(table)


def comparison_chart(results: EvalResults) -> Figure | None:
    """Grouped bars of the CI gate's metrics, one group per run, drawn as the harness draws its chart."""
    if not results.runs:
        return None
    from matplotlib.figure import Figure  # imported when needed: matplotlib costs a second to import

    figure = Figure(figsize=(10, 4.2), layout="constrained")
    groups = {run.name: run.result.metrics.overall for run in results.runs}
    _bars(figure.add_subplot(), groups, CHART_METRICS, "CI gate metrics, latest run of each model")
    return figure


def summary_markdown(results: EvalResults, results_dir: Path) -> str:
    """The line above the table: what is shown, or how to produce results when there are none."""
    if not results.runs:
        text = (
            "**No evaluation results yet.** Run `policyqa eval` (or `python -m eval.cli`); this tab reads "
            f"`{RESULT_FILE}` files under `{results_dir}`."
        )
    else:
        newest = results.runs[0].result.config
        text = (
            f"The latest run of each model and split ({len(results.runs)} shown, newest first). The most "
            f"recent is **{newest.model}** on **{newest.split}**, {newest.date[:10]}. Metrics are defined in "
            "`eval/README.md`."
        )
    if results.unreadable:
        text += f"\n\nSkipped unreadable results: {', '.join(f'`{name}`' for name in results.unreadable)}."
    return text


def latest_chart(results: EvalResults) -> tuple[str, str] | None:
    """(path, caption) of the harness's own chart (metrics by category) of the newest run that has one."""
    run = next((r for r in results.runs if r.chart), None)
    if run is None or run.chart is None:
        return None
    return str(run.chart), f"{run.name}, {run.result.config.date[:10]}: metrics by category (harness chart)"
