"""The Markdown report of a run with its chart, the list of failing questions, and run-to-run comparison."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from eval.gate import THRESHOLDS, check_gate
from eval.metrics import ANSWER_METRICS, RETRIEVAL_METRICS, facts_present
from eval.records import PRODUCT, MetricValues, QuestionRecord, RunResult, is_sealed

if TYPE_CHECKING:
    from matplotlib.axes import Axes

CHART_METRICS = tuple(THRESHOLDS)
BASELINE_METRICS = ("recall@5", "mrr")
TOP = 5  # retrieval counts as found when every gold id is in the first TOP units
COUNTS = ("questions", "unanswerable", "errors")


def fmt(value: float | None, metric: str = "") -> str:
    """A metric value for a table: counts and milliseconds as integers, scores with three decimals."""
    if value is None:
        return "—"
    if metric in COUNTS or metric.endswith("_ms"):
        return f"{value:.0f}"
    return f"{value:.3f}"


def fmt_delta(value: float | None, metric: str = "") -> str:
    return "—" if value is None else ("+" if value >= 0 else "") + fmt(value, metric)


def delta(new: float | None, old: float | None) -> float | None:
    return None if new is None or old is None else new - old


def problems(record: QuestionRecord) -> list[str]:
    """What went wrong on one question; empty when it is answered, cited and grounded as the gold says."""
    found: list[str] = [f"error: {record.error}"] if record.error else []
    if not record.answerable:
        return [*found, *([] if record.refused else ["answered an unanswerable question"])]
    top = record.rankings.get(PRODUCT, [])[:TOP]
    if missed := [g for g in record.gold_ids if g not in top]:
        found.append(f"retrieval: {', '.join(missed)} not in top {TOP}")
    if record.refused:
        return [*found, "refused an answerable question"]
    facts = facts_present(record.answer, record.key_facts)
    if missing := [fact[0] for fact, present in zip(record.key_facts, facts, strict=True) if not present]:
        found.append(f"missing facts: {'; '.join(missing)}")
    if uncited := [g for g in record.gold_ids if g not in record.citations]:
        found.append(f"gold not cited: {', '.join(uncited)}")
    if extra := [c for c in record.citations if c not in record.gold_ids]:
        found.append(f"non-gold cited: {', '.join(extra)}")
    if record.grounding < 1:
        found.append(f"grounding {record.grounding:.2f}")
    if record.grounding_lexical is not None and record.grounding_lexical < 1:
        found.append(f"lexical grounding {record.grounding_lexical:.2f}")
    return found


def shorten(text: str, limit: int) -> str:
    """`text` on one line, cut to `limit` characters."""
    text = " ".join(text.split())
    return text if len(text) <= limit else f"{text[: limit - 1]}…"


def _cell(text: str, limit: int = 10_000) -> str:
    return shorten(text, limit).replace("|", "\\|")


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    return [f"| {' | '.join(header)} |", f"|{'---|' * len(header)}", *(f"| {' | '.join(r)} |" for r in rows)]


def _config_section(result: RunResult) -> list[str]:
    config = result.config.model_dump(exclude_none=True)
    return [
        f"# PolicyQA evaluation: {result.config.model} on {result.config.gold_set} {result.config.split}",
        "",
        *_table(["setting", "value"], [[k, _cell(str(v))] for k, v in config.items()]),
    ]


def _gate_section(result: RunResult) -> list[str]:
    rows = [
        [
            c.name,
            fmt(c.measured, c.metric),
            ("≤ " if c.at_most else "") + f"{c.threshold}",
            "pass" if c.passed else "**FAIL**",
        ]
        for c in check_gate(result)
    ]
    return [
        "## Gate (thresholds in eval/gate.py)",
        "",
        *_table(["metric", "measured", "threshold", ""], rows),
    ]


def _overall_section(result: RunResult) -> list[str]:
    overall = result.metrics.overall
    return ["## Overall", "", *_table(["metric", "value"], [[m, fmt(v, m)] for m, v in overall.items()])]


def _baseline_section(result: RunResult) -> list[str]:
    if not result.baselines:
        return []
    product = result.metrics.overall
    header = ["retrieval", *(h for m in BASELINE_METRICS for h in (m, f"hybrid − it ({m})"))]
    rows = [
        ["task-level hybrid (product)", *(c for m in BASELINE_METRICS for c in (fmt(product.get(m)), ""))]
    ]
    for name, values in result.baselines.items():
        cells = [
            c
            for m in BASELINE_METRICS
            for c in (fmt(values.overall.get(m)), fmt_delta(delta(product.get(m), values.overall.get(m))))
        ]
        rows.append([name, *cells])
    return ["## Retrieval vs baselines", "", *_table(header, rows)]


def _retriever_section(result: RunResult) -> list[str]:
    """Retrieval twice: the hybrid retriever alone, and the full ranking with the product's rules."""
    if result.retriever is None:
        return []
    header = ["", *(f"{m} ({s})" for m in BASELINE_METRICS for s in ("retriever", "with rules"))]
    groups = {"overall": (result.retriever.overall, result.metrics.overall)} | {
        c: (result.retriever.by_category.get(c, {}), values)
        for c, values in result.metrics.by_category.items()
    }
    rows = [
        [name, *(fmt(pair[i].get(m)) for m in BASELINE_METRICS for i in (0, 1))]
        for name, pair in groups.items()
    ]
    return [
        "## Retrieval: hybrid retriever alone vs full ranking with rules",
        "",
        "The retriever searches the question (after a follow-up's earlier user turns) with dense + BM25 "
        "fusion only; the full ranking (`PolicyQA.rank`) puts units the question names or lists first.",
        "",
        *_table(header, rows),
    ]


def _category_section(result: RunResult) -> list[str]:
    metrics = ["questions", "unanswerable", "errors", *RETRIEVAL_METRICS, *ANSWER_METRICS]
    rows = [[c, *(fmt(v.get(m), m) for m in metrics)] for c, v in result.metrics.by_category.items()]
    return ["## By category", "", *_table(["category", *metrics], rows)]


def came_back(record: QuestionRecord) -> str:
    """What the system returned for a question, in one line: top units, citations and the answer."""
    top = ", ".join(record.rankings.get(PRODUCT, [])[:TOP])
    cited = ", ".join(record.citations) or "—"
    outcome = "refused" if record.refused else "answered"
    return f"top {TOP}: {top}; cited: {cited}; {outcome}: {shorten(record.answer, 160)}"


def _failures_section(result: RunResult) -> list[str]:
    if is_sealed(result.config.split):  # sealed: aggregates only, never which test questions failed
        return ["## Failing questions", "", "Not shown: the test split is sealed (see eval/README.md)."]
    rows = [
        [
            r.id,
            r.category,
            _cell(r.question, 120),
            ", ".join(r.gold_ids) or "—",
            _cell(came_back(r)),
            _cell("; ".join(p)),
        ]
        for r in result.records
        if (p := problems(r))
    ]
    header = ["id", "category", "question", "gold", "came back", "problems"]
    return [f"## Failing questions ({len(rows)} of {len(result.records)})", "", *_table(header, rows)]


def render_markdown(result: RunResult, chart_name: str = "chart.png") -> str:
    """The whole report as Markdown, referring to the chart beside it."""
    sections = [
        _config_section(result),
        _gate_section(result),
        _overall_section(result),
        _baseline_section(result),
        _retriever_section(result),
        _category_section(result),
        ["## Chart", "", f"![metrics by category and retrieval vs baselines]({chart_name})"],
        _failures_section(result),
    ]
    return "\n\n".join("\n".join(s) for s in sections if s) + "\n"


def draw_chart(result: RunResult, path: Path) -> None:
    """Gate metrics by category, and (with baselines) Recall@5 and MRR of the product vs each baseline."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = 2 if result.baselines else 1
    figure, axes = plt.subplots(
        1, panels, figsize=(14, 5), squeeze=False, gridspec_kw={"width_ratios": [4, 1][:panels]}
    )
    _bars(axes[0][0], result.metrics.by_category, CHART_METRICS, "gate metrics by category")
    if result.baselines:
        systems = {"hybrid": result.metrics.overall} | {n: b.overall for n, b in result.baselines.items()}
        _bars(axes[0][1], systems, BASELINE_METRICS, "retrieval vs baselines")
    figure.suptitle(
        f"{result.config.model} on {result.config.gold_set} {result.config.split} ({result.config.embedding})"
    )
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def _bars(axis: Axes, groups: dict[str, MetricValues], metrics: tuple[str, ...], title: str) -> None:
    """Grouped bars: one group per key of `groups`, one bar per metric (undefined values leave a gap)."""
    width = 0.8 / len(metrics)
    for index, metric in enumerate(metrics):
        values = [groups[g].get(metric) for g in groups]
        positions = [i + (index - (len(metrics) - 1) / 2) * width for i in range(len(groups))]
        axis.bar(positions, [float("nan") if v is None else v for v in values], width, label=metric)
    axis.set_xticks(range(len(groups)), list(groups), rotation=30, ha="right")
    axis.set_ylim(0, 1.05)
    axis.set_title(title)
    axis.legend(fontsize="small", loc="upper center", bbox_to_anchor=(0.5, -0.25), ncol=len(metrics))


def write_report(result: RunResult, out_dir: Path) -> Path:
    """Write report.md and chart.png into `out_dir`; returns the report's path."""
    draw_chart(result, out_dir / "chart.png")
    report = out_dir / "report.md"
    report.write_text(render_markdown(result), encoding="utf-8")
    return report


def comparison_rows(a: RunResult, b: RunResult) -> list[tuple[str, float | None, float | None, float | None]]:
    """(metric, value in A, value in B, B − A) for every overall metric and baseline retrieval metric."""
    rows = []
    for metric in dict.fromkeys([*a.metrics.overall, *b.metrics.overall]):
        old, new = a.metrics.overall.get(metric), b.metrics.overall.get(metric)
        rows.append((metric, old, new, delta(new, old)))
    for name in dict.fromkeys([*a.baselines, *b.baselines]):
        for metric in RETRIEVAL_METRICS:
            old = a.baselines[name].overall.get(metric) if name in a.baselines else None
            new = b.baselines[name].overall.get(metric) if name in b.baselines else None
            rows.append((f"{name} {metric}", old, new, delta(new, old)))
    return rows
