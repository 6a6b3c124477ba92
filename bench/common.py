"""What every benchmark shares: questions, percentiles, tables, targets, memory and child processes."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from index.offline import enforce_offline

enforce_offline()

REPO = Path(__file__).resolve().parent.parent
DEV_QUESTIONS = REPO / "eval" / "gold" / "dev.jsonl"
RESULT_PREFIX = "BENCH_RESULT "
CONSOLE_WIDTH = 130


# questions and the index


def load_questions(path: Path = DEV_QUESTIONS, limit: int | None = None) -> list[str]:
    """The fixed question list: the questions of a gold file (default: eval/gold/dev.jsonl), in file order."""
    questions = [
        json.loads(line)["question"] for line in path.read_text(encoding="utf-8").splitlines() if line
    ]
    return questions[:limit] if limit else questions


def has_index(data_dir: Path) -> bool:
    """Whether `data_dir` holds a built PolicyQA index."""
    from assistant.settings import Settings
    from index.store import open_store

    return (data_dir / "chroma").exists() and open_store(
        Settings(data_dir=data_dir)
    ).active_name() is not None


def ensure_index(data_dir: Path) -> Path:
    """`data_dir`, after building the real corpus into it when it holds no index yet."""
    from assistant.settings import Settings
    from index.ingest import ingest

    if not has_index(data_dir):
        report = ingest(Settings(data_dir=data_dir))
        if report.errors:
            raise RuntimeError(f"ingest failed: {report.errors}")
    return data_dir


@contextmanager
def index_dir(data_dir: Path | None) -> Iterator[Path]:
    """A folder holding an index of the real corpus: `data_dir` (built if empty) or a temporary one."""
    if data_dir is not None:
        yield ensure_index(data_dir)
        return
    with tempfile.TemporaryDirectory(prefix="pqbench-") as tmp:
        yield ensure_index(Path(tmp))


def arg_parser(doc: str | None, data_dir: bool = True) -> argparse.ArgumentParser:
    """A benchmark's command line: its docstring as help and, unless told otherwise, `--data-dir`."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    if data_dir:
        parser.add_argument(
            "--data-dir", type=Path, help="An index folder (built if empty); default: a temp one."
        )
    return parser


# statistics


@dataclass(frozen=True)
class Stats:
    """Percentiles of a sample, in the sample's unit."""

    n: int
    p50: float
    p95: float
    p99: float
    mean: float

    @classmethod
    def of(cls, values: Iterable[float]) -> Stats:
        """The percentiles of `values`; NaN when there are none."""
        data = np.asarray(list(values), dtype=np.float64)
        if not data.size:
            return cls(0, float("nan"), float("nan"), float("nan"), float("nan"))
        p50, p95, p99 = np.percentile(data, [50, 95, 99])
        return cls(int(data.size), float(p50), float(p95), float(p99), float(data.mean()))


def timed_ms(call: Callable[[], Any]) -> tuple[float, Any]:
    """(milliseconds, result) of one call."""
    started = time.perf_counter()
    result = call()
    return (time.perf_counter() - started) * 1000, result


def fmt(value: float | None, digits: int = 1) -> str:
    """A number for a table cell; '–' when missing."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "–"
    return f"{value:,.{digits}f}"


def is_number(cell: str) -> bool:
    """Whether a table cell is a number (with thousands separators and an optional unit), or missing."""
    head = cell.split(" ")[0].replace(",", "")
    try:
        float(head)
    except ValueError:
        return cell == "–"
    return True


def stats_cells(stats: Stats, digits: int = 1) -> list[str]:
    """The p50, p95, p99 cells of a latency row."""
    return [fmt(stats.p50, digits), fmt(stats.p95, digits), fmt(stats.p99, digits)]


# tables, targets and outcomes


@dataclass
class Table:
    """One result table: printed with rich on the console, written as Markdown in the report."""

    title: str
    columns: list[str]
    rows: list[list[str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def print(self) -> None:
        """The table on the console (rich), its notes below it."""
        from rich.console import Console
        from rich.markup import escape
        from rich.table import Table as RichTable

        table = RichTable(title=escape(self.title), title_justify="left")
        for column, numeric in zip(self.columns, self._numeric_columns(), strict=True):
            table.add_column(escape(column), justify="right" if numeric else "left")
        for row in self.rows:
            table.add_row(*(escape(cell) for cell in row))
        console = Console(width=CONSOLE_WIDTH)
        console.print(table)
        for note in self.notes:
            console.print(f"  [dim]{escape(note)}[/]")

    def _numeric_columns(self) -> list[bool]:
        """Which columns hold only numbers (right-aligned); the others are text (left-aligned)."""
        return [
            bool(self.rows) and all(is_number(row[i]) for row in self.rows) for i in range(len(self.columns))
        ]

    def markdown(self, level: int = 3) -> str:
        """The table under a heading of `level`, its notes as a list below it."""

        def line(cells: list[str]) -> str:
            """One Markdown table row."""
            return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"

        align = ["---:" if numeric else "---" for numeric in self._numeric_columns()]
        heading = f"{'#' * level} {self.title}"
        parts = [heading, "", line(self.columns), line(align), *(line(r) for r in self.rows)]
        if self.notes:
            parts.extend(["", *(f"- {n}" for n in self.notes)])
        return "\n".join(parts)


@dataclass(frozen=True)
class Check:
    """A target of the issue and what was measured: met when `measured <= limit` (`>=` when `at_least`)."""

    target: str
    measured: float
    limit: float
    unit: str
    detail: str = ""
    at_least: bool = False

    @property
    def met(self) -> bool:
        """Whether the measurement meets the target."""
        return bool(self.measured >= self.limit if self.at_least else self.measured <= self.limit)

    @property
    def bound(self) -> str:
        """The target as text, e.g. "≤ 25.00 ms"."""
        return f"{'≥' if self.at_least else '≤'} {fmt(self.limit, 2)} {self.unit}"


@dataclass
class Outcome:
    """What one benchmark produced: its tables, the targets it judges, and raw numbers."""

    name: str
    tables: list[Table] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0

    def print(self) -> None:
        """Every table of the outcome, then its targets."""
        for table in self.tables:
            table.print()
        if self.checks:
            checks_table(self.checks).print()


def checks_table(checks: list[Check]) -> Table:
    """The targets with their measurements, met or missed."""
    rows = [
        [
            c.target,
            f"{fmt(c.measured, 0 if float(c.measured).is_integer() else 2)} {c.unit}",
            c.bound,
            "met" if c.met else "MISSED",
            c.detail,
        ]
        for c in checks
    ]
    return Table("Targets", ["target", "measured", "target value", "result", "detail"], rows)


# memory and disk


def _status_kb(key: str, pid: int | str = "self") -> float:
    """A kB field of /proc/<pid>/status."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{key}:"):
            return float(line.split()[1])
    return float("nan")


def rss_mb(pid: int | str = "self") -> float:
    """Resident memory of a process now, in MiB."""
    return _status_kb("VmRSS", pid) / 1024


def peak_rss_mb(pid: int | str = "self") -> float:
    """Peak resident memory of a process so far, in MiB."""
    return _status_kb("VmHWM", pid) / 1024


def dir_size_mb(path: Path) -> float:
    """Bytes on disk of every file under `path`, in MiB (allocated blocks, like `du`)."""
    return sum(p.stat().st_blocks * 512 for p in path.rglob("*") if p.is_file()) / 2**20


# child processes: a benchmark that must start fresh runs `python -m bench.<module> --child …`


def run_cli(args: list[str], data_dir: Path, timeout_s: float) -> subprocess.CompletedProcess[str]:
    """`python -m assistant.cli ARGS` on the index in `data_dir`, as a user would run it."""
    return subprocess.run(
        [sys.executable, "-m", "assistant.cli", *args],
        cwd=REPO,
        env=child_env({"POLICYQA_DATA_DIR": str(data_dir)}),
        capture_output=True,
        text=True,
        timeout=timeout_s,
        check=False,
    )


def child_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of a benchmark subprocess: this one, able to import the project, plus `extra`."""
    path = os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH", "")) if p)
    return {**os.environ, "PYTHONPATH": path, **(extra or {})}


def emit(result: dict[str, Any]) -> None:
    """Hand a child's result to its parent (one tagged JSON line on stdout)."""
    print(RESULT_PREFIX + json.dumps(result), flush=True)


def run_child(
    module: str, args: list[str], timeout: float, env: dict[str, str] | None = None
) -> dict[str, Any]:
    """Run `python -m <module> <args>` and return the result it emitted; raise with its stderr on failure."""
    completed = subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=REPO,
        env=child_env(env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    for line in reversed(completed.stdout.splitlines()):
        if line.startswith(RESULT_PREFIX):
            return json.loads(line[len(RESULT_PREFIX) :])
    raise RuntimeError(f"{module} {args} exited {completed.returncode}: {completed.stderr[-2000:]}")


def as_dict(value: Any) -> dict[str, Any]:
    """A dataclass as a plain dict, for emitting."""
    return asdict(value)
