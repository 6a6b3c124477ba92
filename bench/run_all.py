"""Run every benchmark in one go and write the report.

    python -m bench.run_all --out docs/benchmarks.md           # the reference run (about 25-35 minutes)
    python -m bench.run_all --out /tmp/smoke.md --quick        # a smoke run (a few minutes)

Steps run one after another (never two at once: the machine has two cores). A step that fails is
reported as such and the others still run.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from bench import cold_start, embed_backends, http_bench, ingest_bench, latency, reference, scale
from bench.common import Outcome, arg_parser, ensure_index
from bench.report import kept_text, machine, machine_table, render


@dataclass(frozen=True)
class Plan:
    """How much of each benchmark to run."""

    rounds: int  # passes over the dev questions, in-process
    reference_rounds: int
    http_rounds: int
    concurrency: tuple[int, ...]
    duration_s: float  # per concurrency level
    cold_repeats: int
    embed_chunks: int  # synthetic chunks embedded by the model, for the ingest rate
    sizes: tuple[int, ...]  # synthetic corpus sizes, in sentence vectors
    scale_rounds: int
    scale_budget_s: float  # timed asks per size, at most
    backend_rounds: int  # passes over the dev questions, per embedding backend
    backend_questions: int | None  # the first N dev questions timed per backend (None: all)


LOAD_SAMPLE_S = 5.0
FULL = Plan(5, 3, 3, (1, 4, 16), 10.0, 3, 500, (100_000, 1_000_000), 3, 240.0, 2, None)
QUICK = Plan(1, 1, 1, (1, 4), 3.0, 1, 64, (20_000,), 1, 60.0, 1, 40)


class LoadSampler:
    """Samples the 1-minute load average in the background while a step runs."""

    def __init__(self, every_s: float = LOAD_SAMPLE_S) -> None:
        self.values = [os.getloadavg()[0]]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(every_s,), daemon=True)

    def _run(self, every_s: float) -> None:
        while not self._stop.wait(every_s):
            self.values.append(os.getloadavg()[0])

    def __enter__(self) -> LoadSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.values.append(os.getloadavg()[0])


def guarded(name: str, step: Callable[[], Outcome]) -> Outcome:
    """Run one benchmark, print its tables; a failure becomes an outcome that says so."""
    print(f"\n== {name} ==", flush=True)
    started = time.perf_counter()
    with LoadSampler() as load:
        try:
            outcome = step()
        except Exception as exc:  # one broken step must not lose the others' numbers
            outcome = Outcome(name, raw={"error": f"{type(exc).__name__}: {exc}"[:500]})
            print(f"{name} failed: {outcome.raw['error']}", file=sys.stderr, flush=True)
    outcome.seconds = time.perf_counter() - started
    outcome.raw["load"] = [statistics.mean(load.values), max(load.values)]
    outcome.print()
    return outcome


def run(plan: Plan, work_dir: Path, scale_store_dir: Path | None = None) -> list[Outcome]:
    """Every benchmark, on a fresh index of the real corpus built under `work_dir` (the scale step's
    stores kept in, and reused from, `scale_store_dir` when given)."""
    data_dir = ensure_index(work_dir / "data")
    service = latency.load_service(data_dir)
    return [
        guarded("latency", lambda: latency.run(service, plan.rounds)),
        guarded("reference", lambda: reference.run(service, plan.reference_rounds, work_dir=work_dir)),
        guarded(
            "embed_backends",
            lambda: embed_backends.run(plan.backend_rounds, work_dir, plan.backend_questions),
        ),
        guarded(
            "http",
            lambda: http_bench.run(
                data_dir, plan.http_rounds, list(plan.concurrency), plan.duration_s, work_dir
            ),
        ),
        guarded("cold_start", lambda: cold_start.run(data_dir, plan.cold_repeats, work_dir)),
        guarded("ingest", lambda: ingest_bench.run(plan.embed_chunks, work_dir)),
        guarded(
            "scale",
            lambda: scale.run(
                list(plan.sizes), plan.scale_rounds, plan.scale_budget_s, work_dir, scale_store_dir
            ),
        ),
    ]


def main() -> None:
    """Command line: run everything, write the report."""
    parser = arg_parser(__doc__, data_dir=False)
    parser.add_argument("--out", type=Path, required=True, help="The Markdown report to write.")
    parser.add_argument(
        "--quick", action="store_true", help="A smoke run: fewer rounds, 20k sentence vectors."
    )
    parser.add_argument("--work-dir", type=Path, help="Where temporary indexes go (default: the system's).")
    parser.add_argument(
        "--vectors", type=int, nargs="+", help="Scale step sizes in sentence vectors (default: 100k and 1M)."
    )
    parser.add_argument(
        "--scale-store-dir",
        type=Path,
        help="Keep the scale step's built stores here and reuse those the same code built before (a 1M "
        "store takes most of an hour to build).",
    )
    args = parser.parse_args()
    plan = QUICK if args.quick else FULL
    if args.vectors:
        plan = replace(plan, sizes=tuple(args.vectors))
    command = f"python -m bench.run_all --out {args.out}" + (" --quick" if args.quick else "")
    if args.vectors:
        command += " --vectors " + " ".join(str(v) for v in args.vectors)
    started = time.perf_counter()
    info = machine()
    machine_table(info).print()
    with tempfile.TemporaryDirectory(prefix="pqbench-", dir=args.work_dir) as tmp:
        outcomes = run(plan, Path(tmp), args.scale_store_dir)
    info["load average (1/5/15 min) at end"] = " / ".join(f"{v:.2f}" for v in os.getloadavg())
    text = render(outcomes, info, command, time.perf_counter() - started, args.quick, kept_text(args.out))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(f"\nwrote {args.out} in {(time.perf_counter() - started) / 60:.1f} minutes")


if __name__ == "__main__":
    main()
