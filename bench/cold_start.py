"""Cold start: process start → first answered question, for the CLI, for uvicorn, and split by phase.

    python -m bench.cold_start [--data-dir DIR] [--repeats 3]

The index files are in the OS page cache (the index was just built or read), so this is a warm-disk cold
start: a new process pays imports, model load, catalog read, BM25 build and sentence warm-up.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from bench.common import (
    Check,
    Outcome,
    Table,
    arg_parser,
    emit,
    fmt,
    index_dir,
    load_questions,
    run_child,
    run_cli,
)
from bench.server import VARIANTS, uvicorn_server

TARGET_S = 10.0
TIMEOUT_S = 300


def cli_seconds(data_dir: Path, question: str) -> float:
    """Wall-clock seconds of `python -m assistant.cli ask QUESTION --json`, start to exit with an answer."""
    started = time.perf_counter()
    completed = run_cli(["ask", question, "--json"], data_dir, TIMEOUT_S)
    seconds = time.perf_counter() - started
    if completed.returncode != 0 or "answer" not in json.loads(completed.stdout or "{}"):
        raise RuntimeError(f"policyqa ask failed ({completed.returncode}): {completed.stderr[-2000:]}")
    return seconds


def uvicorn_seconds(data_dir: Path, question: str, log: Path, env: dict[str, str]) -> tuple[float, float]:
    """(listening, first /ask 200): seconds from starting uvicorn to /healthz 200, and to an answer."""
    with uvicorn_server(data_dir, log, env) as server:
        listening = server.wait_for("GET", "/healthz", TIMEOUT_S)
        answered = server.wait_for("POST", "/ask", TIMEOUT_S, json={"question": question})
    return listening, answered


def phases(data_dir: Path, question: str) -> dict[str, float]:
    """In a fresh process (the child): seconds to import the service, load the index, answer once."""
    started = time.perf_counter()
    from assistant.service import PolicyQA
    from assistant.settings import Settings

    imported = time.perf_counter()
    service = PolicyQA(Settings(data_dir=data_dir))
    if not service.load():
        raise RuntimeError(service.load_error)
    loaded = time.perf_counter()
    service.ask(question)
    answered = time.perf_counter()
    return {"import": imported - started, "load": loaded - imported, "first_ask": answered - loaded}


def row(name: str, values: list[float]) -> list[str]:
    """A table row: the median, min and max of `values`."""
    return [name, fmt(statistics.median(values), 2), fmt(min(values), 2), fmt(max(values), 2)]


def run(data_dir: Path, repeats: int, log_dir: Path) -> Outcome:
    """Cold-start times over `repeats` fresh processes of each kind (uvicorn in each server variant)."""
    question = load_questions(limit=1)[0]
    cli = [cli_seconds(data_dir, question) for _ in range(repeats)]
    served = {
        variant: [
            uvicorn_seconds(
                data_dir, question, log_dir / f"cold-start-{variant.replace('=', '-')}-{i}.log", env
            )
            for i in range(repeats)
        ]
        for variant, env in VARIANTS.items()
    }
    split = [
        run_child("bench.cold_start", ["--child", "--data-dir", str(data_dir)], TIMEOUT_S)
        for _ in range(repeats)
    ]
    rows = [row("CLI: python -m assistant.cli ask --json (to exit)", cli)]
    for variant, times in served.items():
        rows += [
            row(f"uvicorn ({variant}): listening (/healthz 200)", [t[0] for t in times]),
            row(f"uvicorn ({variant}): first POST /ask 200", [t[1] for t in times]),
        ]
    rows += [row(f"in-process phase: {name}", [s[name] for s in split]) for name in split[0]]
    table = Table(
        "Cold start: process start → first answered question (s)",
        ["process", "median", "min", "max"],
        rows,
        [
            f"{repeats} fresh processes of each kind; the index was in the page cache (warm disk).",
            "Phases (a fresh `python -m bench.cold_start --child`): import = importing assistant.service "
            "after numpy/httpx; load = PolicyQA.load() (model, catalog, BM25, sentence warm-up); "
            "first_ask = the first PolicyQA.ask.",
        ],
    )
    checks = [
        Check(
            "cold start: uvicorn start → first /ask 200",
            statistics.median(t[1] for t in served["default"]),
            TARGET_S,
            "s",
        ),
        Check("cold start: CLI ask, start → exit", statistics.median(cli), TARGET_S, "s"),
    ]
    raw = {"cli": cli, "uvicorn": served, "phases": split}
    return Outcome("cold_start", [table], checks, raw)


def main() -> None:
    """Command line: print the cold-start table (or, as a child, emit the phases)."""
    parser = arg_parser(__doc__)
    parser.add_argument("--repeats", type=int, default=3, help="Fresh processes of each kind.")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        emit(phases(args.data_dir, load_questions(limit=1)[0]))
        return
    with index_dir(args.data_dir) as data_dir, tempfile.TemporaryDirectory(prefix="pqbench-cold-") as logs:
        run(data_dir, args.repeats, Path(logs)).print()


if __name__ == "__main__":
    main()
