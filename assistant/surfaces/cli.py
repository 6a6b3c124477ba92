"""The `policyqa` command: ingest, browse tasks, ask, serve, evaluate."""

from __future__ import annotations

import json
import os
import sys
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.panel import Panel
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from typer.exceptions import TyperException

from assistant.settings import Settings

if TYPE_CHECKING:
    from assistant.service import PolicyQA
from index.offline import enforce_offline, quiet_libraries

enforce_offline()
quiet_libraries()

app = typer.Typer(
    help="PolicyQA: cited answers from the Key Tasks for Deepening Medical and Health Reform.",
    no_args_is_help=True,
    add_completion=False,
)
console = Console()
errors = Console(stderr=True)


def _settings() -> Settings:
    return Settings()


def _service() -> PolicyQA:
    from assistant.service import PolicyQA

    service = PolicyQA(_settings())
    if not service.load(warm=False):
        errors.print(f"[red]error:[/] {service.load_error}")
        raise typer.Exit(2)
    return service


@app.command()
def ingest(
    paths: Annotated[
        list[Path] | None, typer.Argument(help="Files or folders; default: the documents folder.")
    ] = None,
    prune: Annotated[
        bool, typer.Option(help="Remove indexed documents that are no longer among the sources.")
    ] = True,
    wait: Annotated[
        bool, typer.Option(help="When another ingest is running, wait for it instead of exiting.")
    ] = False,
) -> None:
    """Clean, parse, chunk and embed the sources into a new index generation."""
    from index.ingest import IngestProgress
    from index.ingest import ingest as run_ingest
    from index.lock import IngestRunning

    def waiting(pid: int | None) -> None:
        errors.print(f"{IngestRunning(pid)}; waiting for it to finish…")

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=errors,
        transient=True,
    ) as bar:
        task = bar.add_task("parsing", total=None)
        progress = IngestProgress(
            start=lambda stage, total: bar.update(task, description=stage, total=total, completed=0),
            advance=lambda n: bar.advance(task, n),
        )
        settings, pruning = _settings(), prune or not paths
        report = run_ingest(settings, paths or None, pruning, progress, wait=wait, on_wait=waiting)
    for error in report.errors:
        label = "[yellow]not used:[/]" if error.skipped else "[red]error:[/]"
        errors.print(f"{label} {escape(str(error))}")
    table = Table(title="Ingest report", show_header=False)
    build = report.build
    rows = {
        "documents": len(report.documents),
        "sections": report.sections,
        "tasks": report.tasks,
        "units (tasks, notices, preambles, closings)": report.units,
        "chunks": build.chunks if build else 0,
        "embedded": build.embedded if build else 0,
        "reused (unchanged)": build.reused if build else 0,
        "removed": build.removed if build else 0,
        "kept from files that failed": build.kept_from_failed if build else 0,
        "noise removed": ", ".join(f"{k}: {v}" for k, v in sorted(report.noise_removed.items())) or "none",
        "index": (build.collection if build and build.swapped else "unchanged") if build else "not built",
        "seconds": f"{report.seconds:.1f}",
    }
    for key, value in rows.items():
        table.add_row(key, escape(str(value)))
    console.print(table)
    if any(not error.skipped for error in report.errors):
        raise typer.Exit(1)


@app.command()
def tasks(
    year: Annotated[int | None, typer.Option(help="Only this year's document.")] = None,
    section: Annotated[str | None, typer.Option(help="Only this section number.")] = None,
    department: Annotated[
        str | None, typer.Option(help="Only tasks this department leads (any name variant).")
    ] = None,
    deadline_before: Annotated[
        str | None, typer.Option(help="Only tasks with a deadline on or before YYYY-MM.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List tasks with their lead departments and deadlines."""
    from assistant.service import TaskFilters

    if deadline_before and not _is_month(deadline_before):
        errors.print(f"[red]error:[/] --deadline-before must be YYYY-MM, got {deadline_before!r}")
        raise typer.Exit(2)
    found = _service().tasks(
        TaskFilters(year=year, section=section, department=department, deadline_before=deadline_before)
    )
    if as_json:
        print(json.dumps([t.model_dump(mode="json") for t in found], ensure_ascii=False, indent=2))
        return
    table = Table(title=f"{len(found)} tasks")
    for column in ("id", "section", "title", "lead departments", "deadlines"):
        table.add_column(column, overflow="fold")
    for t in found:
        table.add_row(
            t.id,
            t.section.number if t.section else "",
            escape(t.title),
            escape(", ".join(t.departments)),
            ", ".join(d.month for d in t.deadlines),
        )
    console.print(table)


def _is_month(value: str) -> bool:
    import re

    return bool(re.fullmatch(r"20\d\d-(0[1-9]|1[0-2])", value))


@app.command()
def documents(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List the indexed documents (id, year, format, tasks, warnings) and the files that are not used."""
    from assistant.documents import DocumentShelf

    listing = DocumentShelf(_service()).list()
    if as_json:
        print(listing.model_dump_json(indent=2))
        return
    table = Table(title=f"{listing.count} documents")
    for column in ("id", "year", "title", "format", "tasks", "warnings"):
        table.add_column(column, overflow="fold")
    for d in listing.documents:
        warnings_text = escape("; ".join(d.warnings))
        table.add_row(d.id, str(d.year), escape(d.title), d.format, str(d.tasks), warnings_text)
    console.print(table)
    for unused in listing.unused:
        errors.print(f"[yellow]not used:[/] {escape(unused.file)}: {escape(unused.reason)}")


@app.command()
def show(
    unit_id: Annotated[str, typer.Argument(help='A task id such as "2021-2", or "2021-notice".')],
) -> None:
    """Show one task in full."""
    service = _service()
    unit = service.task(unit_id)
    if unit is None:
        known = ", ".join(list(service.library.units)[:6])
        errors.print(f"[red]error:[/] no unit {unit_id!r} (ids look like {known}, …)")
        raise typer.Exit(1)
    lines = [f"[bold]{escape(unit.title)}[/]"]
    if unit.section:
        lines.append(f"Section {unit.section.number}: {escape(unit.section.title)}")
    lines.append("")
    lines.extend(escape(s) for s in unit.sentences)
    if unit.departments:
        lines += ["", f"[bold]Lead departments:[/] {escape(', '.join(unit.departments))}"]
    if unit.deadlines:
        lines.append(
            "[bold]Deadlines:[/] " + "; ".join(f"{d.month} ({escape(d.phrase)})" for d in unit.deadlines)
        )
    if unit.unnumbered_in_source:
        lines.append("[dim]Unnumbered in the source: numbered here in document order.[/]")
    console.print(Panel("\n".join(lines), title=f"{unit.id} · {unit.label}", expand=False))


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="Your question, in plain language.")],
    year: Annotated[int | None, typer.Option(help="Only this year's document.")] = None,
    model: Annotated[
        str | None, typer.Option(help="Answerer: extractive (default), smollm2, or a configured one.")
    ] = None,
    top_k: Annotated[int, typer.Option(min=1, max=20)] = 5,
    as_json: Annotated[bool, typer.Option("--json", help="Print the Answer as JSON.")] = False,
) -> None:
    """Answer a question with citations to the tasks it comes from."""
    from assistant.core.types import Filters

    if not question.strip():
        errors.print("[red]error:[/] the question is empty")
        raise typer.Exit(2)
    answer = _service().ask(question, filters=Filters(year=year), top_k=top_k, model=model)
    if as_json:
        print(answer.model_dump_json(indent=2))
        return
    style = "yellow" if answer.refused else "green"
    title = "Not covered by these documents" if answer.refused else f"Answer · {answer.model}"
    console.print(Panel(escape(answer.answer), title=title, border_style=style))
    for c in answer.citations:
        console.print(f"[bold][{c.id}][/] {escape(c.label)} — {escape(c.title)}")
        console.print(f"    [dim]“{escape(c.quote)}”[/]")
    if not answer.refused:
        console.print(
            f"[dim]grounding {answer.grounding:.2f} · {answer.timings_ms.get('total', 0):.0f} ms[/]"
        )


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Default: POLICYQA_HOST.")] = None,
    port: Annotated[int | None, typer.Option(help="Default: POLICYQA_PORT.")] = None,
    workers: Annotated[int | None, typer.Option(help="Default: POLICYQA_WORKERS.")] = None,
) -> None:
    """Serve the HTTP API and the web UI (at /ui) from one app."""
    import uvicorn

    settings = _settings()
    host, port = host or settings.host, port or settings.port
    workers = workers or settings.workers
    prepare_workers(workers)
    errors.print(f"PolicyQA on http://{host}:{port}/ui (API docs: /docs)")
    uvicorn.run(
        "assistant.api:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=settings.log_level.lower(),
    )


def prepare_workers(workers: int) -> None:
    """Give each of several worker processes its share of the CPUs for the embedding model's threads, and
    tell them how many they are.

    Each process would otherwise run every model call on all CPUs, and N workers' threads would wait for
    each other's cores (measured in docs/benchmarks.md). The workers inherit OMP_NUM_THREADS, which torch
    and the ONNX backend both read; a value the user set is kept.
    """
    if workers > 1 and "OMP_NUM_THREADS" not in os.environ:
        os.environ["OMP_NUM_THREADS"] = str(max(1, len(os.sched_getaffinity(0)) // workers))
    # the workers' settings say how many they are: several count the rate limit in one shared file
    os.environ["POLICYQA_WORKERS"] = str(workers)


def _register_eval() -> None:
    from eval.cli import app as eval_app

    app.add_typer(eval_app, name="eval", help="Run the evaluation suite; compare results.")


def _may_run_eval(args: list[str]) -> bool:
    """Whether a command line may reach `policyqa eval`, or lists the commands: only then is the eval
    suite imported (about a second, which every `ingest`, `ask` or `serve` would otherwise pay)."""
    commands = [a for a in args if not a.startswith("-")]
    return not commands or commands[0] == "eval"


@app.callback()
def _options(
    debug: Annotated[
        bool, typer.Option("--debug", help="Show the full traceback of an error (anywhere on the line).")
    ] = False,
) -> None:
    """PolicyQA: cited answers from the Key Tasks for Deepening Medical and Health Reform."""


DEBUG_FLAG = "--debug"


def main(argv: list[str] | None = None) -> int:
    """Run `policyqa`: every expected error is one line on stderr and a non-zero exit code.

    Usage errors (unknown option, bad value) exit 2; failures of the work (no index, an unknown model, the
    model unavailable, an ingest already running, an unreadable file) exit 1 or 2 as their kind says. The
    traceback is printed only with `--debug`, which may stand anywhere on the line; without it, library
    warnings are silenced too, so `--json` output is JSON alone.
    """
    args = list(sys.argv[1:] if argv is None else argv)
    debug = DEBUG_FLAG in args
    args = [a for a in args if a != DEBUG_FLAG]
    if not debug:
        warnings.filterwarnings("ignore")
    if _may_run_eval(args) and not any(group.name == "eval" for group in app.registered_groups):
        _register_eval()
    command = typer.main.get_command(app)
    try:
        result = command.main(args=args, prog_name="policyqa", standalone_mode=False)
    except (typer.Abort, KeyboardInterrupt):
        return _fail("interrupted", 130)
    except TyperException as exc:  # click's usage errors (typer vendors click): bad option, bad value
        ctx = getattr(exc, "ctx", None)
        where = f"; see '{ctx.command_path} --help'" if ctx is not None else ""
        return _fail(f"{exc.format_message().rstrip('.')}{where}", getattr(exc, "exit_code", 2))
    except Exception as exc:
        if debug:
            raise
        return _report(exc)
    return result if isinstance(result, int) else 0


def _report(exc: Exception) -> int:
    """One line for `exc`: the product's own wording for expected failures, the OS's for file errors."""
    from assistant.failures import describe_failure

    if (failure := describe_failure(exc)) is not None:
        return _fail(failure.message, 2 if failure.status < 500 else 1)
    if isinstance(exc, OSError) and exc.filename:
        return _fail(f"{exc.strerror or exc}: {exc.filename}", 1)
    return _fail(f"unexpected {type(exc).__name__}: {exc} (run again with --debug for the traceback)", 1)


def _fail(message: str, code: int) -> int:
    """Print `message` as one line; details after its first line (a server's log) are for --debug."""
    first, _, details = message.strip().partition("\n")
    hint = " (details: run again with --debug)" if details.strip() else ""
    errors.print(f"[red]error:[/] {escape(first)}{hint}", soft_wrap=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
