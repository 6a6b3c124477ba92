"""`policyqa eval`: run a gold split against an answerer and write a report; `policyqa eval compare A B`."""

from __future__ import annotations

from contextlib import ExitStack
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from assistant.settings import Settings
from eval.gate import check_gate
from eval.records import GOLD_SETS, RunResult, UnknownSplitError
from eval.report import BASELINE_METRICS, comparison_rows, delta, fmt, fmt_delta
from index.offline import enforce_offline

app = typer.Typer(help="Evaluate PolicyQA on the gold questions.")
console = Console()


def _existing_split(split: str, gold_set: str) -> str:
    """The --split value, checked against the gold set's files before any index or model is loaded."""
    try:
        GOLD_SETS[gold_set].split_path(split)
    except UnknownSplitError as exc:
        raise typer.BadParameter(str(exc), param_hint="--split") from exc
    return split


class GoldSetName(StrEnum):
    seeds = "seeds"
    zoo = "zoo"


@app.callback(invoke_without_command=True)
def run(
    ctx: typer.Context,
    model: Annotated[
        str | None,
        typer.Option(
            help="Answerer: extractive, smollm2 or a configured endpoint; default: the default model."
        ),
    ] = None,
    base_url: Annotated[
        str | None, typer.Option(help="An OpenAI-compatible endpoint (…/v1) to answer with.")
    ] = None,
    model_name: Annotated[str | None, typer.Option(help="The model name the endpoint expects.")] = None,
    embed_model: Annotated[
        Path | None,
        typer.Option(help="Sentence-transformers model folder; builds a separate temporary index."),
    ] = None,
    split: Annotated[
        str,
        typer.Option(help="Gold split: <gold set>/<split>.jsonl (dev, test, fresh-dev, …); tune on dev."),
    ] = "dev",
    gold_set: Annotated[
        GoldSetName,
        typer.Option(
            help="Gold set: the seeds (documents/) or the format zoo (eval/zoo/), each on its own index."
        ),
    ] = GoldSetName.seeds,
    out: Annotated[
        Path | None, typer.Option(help="Output folder; default: eval/results/<timestamp>-<model>-<split>/.")
    ] = None,
    baselines: Annotated[bool, typer.Option(help="Also score the BM25 and fixed-chunk baselines.")] = True,
    gate: Annotated[
        bool, typer.Option("--gate", help="Exit 1 unless the thresholds of eval/gate.py are met.")
    ] = False,
    limit: Annotated[
        int | None, typer.Option(min=1, help="Only the first N questions, for a quick check.")
    ] = None,
) -> None:
    """Evaluate one answerer on a gold split; writes result.json, report.md and chart.png."""
    if ctx.invoked_subcommand is not None:
        return
    if base_url and model:
        raise typer.BadParameter("give either --model or --base-url with --model-name")
    if bool(base_url) != bool(model_name):
        raise typer.BadParameter("--base-url and --model-name go together")
    _existing_split(split, gold_set.value)
    enforce_offline()
    # the harness pulls in llama-index and chromadb: imported only when a run starts, so --help stays quick
    from eval.harness import default_out_dir, embedding_index, gold_set_index, with_endpoint, write_run

    settings = Settings()
    if base_url and model_name:
        settings, model = with_endpoint(settings, base_url, model_name)
    with ExitStack() as stack:
        if gold_set is not GoldSetName.seeds:
            console.print(f"Building an index of the {gold_set.value} documents …")
            settings = stack.enter_context(gold_set_index(settings, GOLD_SETS[gold_set.value]))
        if embed_model:
            console.print(f"Building an index embedded with {embed_model} …")
            settings = stack.enter_context(embedding_index(settings, str(embed_model)))
        result = _evaluate(settings, split, gold_set, model, baselines, limit)
    report = write_run(result, out or default_out_dir(settings, result))
    console.print(_summary(result))
    console.print(f"Report: {report}")
    if gate and not _gate_passes(result):
        raise typer.Exit(1)


def _evaluate(
    settings: Settings,
    split: str,
    gold_set: GoldSetName,
    model: str | None,
    baselines: bool,
    limit: int | None,
) -> RunResult:
    from assistant.core.answer.registry import available_models
    from assistant.service import PolicyQA, UnknownModelError
    from eval.harness import run_split

    allowed = available_models(settings)
    if (model or settings.default_model) not in allowed:  # before loading the index, which takes seconds
        console.print(f"[red]{UnknownModelError(model or settings.default_model, allowed)}[/red]")
        raise typer.Exit(2)
    service = PolicyQA(settings)
    if not service.load():
        console.print(f"[red]No index: {service.load_error}[/red]")
        raise typer.Exit(2)
    return run_split(service, split, model, baselines=baselines, limit=limit, gold_set=gold_set.value)


def _summary(result: RunResult) -> Table:
    """Overall metrics of the run, then the baselines' retrieval with the product's lead over them."""
    config = result.config
    title = f"{config.model} on {config.gold_set} {config.split} ({config.questions} questions)"
    table = Table("metric", "value", title=title)
    for metric, value in result.metrics.overall.items():
        table.add_row(metric, fmt(value, metric))
    if result.retriever is not None:
        for metric in BASELINE_METRICS:
            table.add_row(f"retriever alone {metric}", fmt(result.retriever.overall.get(metric)))
    for name, values in result.baselines.items():
        for metric in BASELINE_METRICS:
            lead = delta(result.metrics.overall.get(metric), values.overall.get(metric))
            table.add_row(f"{name} {metric}", f"{fmt(values.overall.get(metric))} (hybrid {fmt_delta(lead)})")
    return table


def _gate_passes(result: RunResult) -> bool:
    checks = check_gate(result)
    for check in checks:
        colour = "green" if check.passed else "red"
        verdict = "pass" if check.passed else "FAIL"
        # escaped: a category floor is named "key_fact_coverage [fact]", which rich would take for markup
        console.print(f"[{colour}]gate {verdict}[/{colour}]: {escape(check.message())}")
    return all(check.passed for check in checks)


@app.command()
def compare(
    a: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="result.json of the first run.")],
    b: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="result.json of the second run.")],
) -> None:
    """Two runs side by side, with B − A for every metric."""
    first, second = RunResult.load(a), RunResult.load(b)
    table = Table("metric", _label(first, "A"), _label(second, "B"), "Δ (B − A)", title="eval compare")
    for metric, old, new, change in comparison_rows(first, second):
        table.add_row(metric, fmt(old, metric), fmt(new, metric), fmt_delta(change, metric))
    console.print(table)


@app.command()
def align(
    split: Annotated[
        str, typer.Option(help="dev (the seeds pair), test (fictional pairs), zoo (the format zoo) or all.")
    ] = "test",
) -> None:
    """Task alignment precision and recall against the hand labels of eval/gold/align.json."""
    from eval.align import main as align_main

    raise typer.Exit(align_main(["--split", split]))


def _label(result: RunResult, letter: str) -> str:
    config = result.config
    return f"{letter}: {config.model}/{config.split}/{config.embedding} {config.date[:10]}"


if __name__ == "__main__":
    app()
