"""Over HTTP: warm /ask latency (sequential) and throughput with N concurrent clients, against uvicorn.

The server is `uvicorn assistant.api:create_app --factory` in a subprocess on a loopback port, with the
rate limit off; the clients are httpx (sync for latency, async for throughput) in this process, so on a
2-core machine client and server share the CPUs.

    python -m bench.http_bench [--data-dir DIR] [--rounds 3] [--concurrency 1 4 16] [--duration 10]
"""

from __future__ import annotations

import asyncio
import itertools
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bench.common import (
    Check,
    Outcome,
    Stats,
    Table,
    arg_parser,
    fmt,
    index_dir,
    load_questions,
    stats_cells,
    timed_ms,
)
from bench.server import Server, uvicorn_server

READY_TIMEOUT_S = 300
REQUEST_TIMEOUT_S = 60
ASK_P50_TARGET_MS = 40.0
THROUGHPUT_TARGET_RPS = 150.0  # issue 15 (was 40)


@dataclass(frozen=True)
class Variant:
    """A server configuration: uvicorn worker processes and extra environment."""

    workers: int = 1
    env: dict[str, str] = field(default_factory=dict)


# As shipped (one process; the UI needs one: Gradio's queue lives in its process), and the API on two
# workers with one intra-op thread each (what `policyqa serve --workers 2` sets up on two CPUs).
VARIANTS = {
    "default": Variant(),
    "2 workers × 1 thread": Variant(2, {"OMP_NUM_THREADS": "1"}),
}


def sequential(server: Server, questions: list[str], rounds: int) -> dict[str, list[float]]:
    """Client wall-clock ms and the server's own timings_ms total, one request at a time."""
    samples: dict[str, list[float]] = {"client": [], "server": [], "errors": []}
    with httpx.Client(base_url=server.base_url, timeout=REQUEST_TIMEOUT_S) as client:
        for question in questions:  # warm-up
            client.post("/ask", json={"question": question})
        for _ in range(rounds):
            for question in questions:
                wall, response = timed_ms(lambda q=question: client.post("/ask", json={"question": q}))
                if response.status_code != 200:
                    samples["errors"].append(float(response.status_code))
                    continue
                samples["client"].append(wall)
                samples["server"].append(response.json()["timings_ms"]["total"])
    return samples


@dataclass
class Load:
    """What N concurrent clients got in a fixed time."""

    clients: int
    seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)

    @property
    def rps(self) -> float:
        """Answered requests per second."""
        return len(self.latencies_ms) / self.seconds if self.seconds else 0.0


async def _client(
    client: httpx.AsyncClient, questions: itertools.cycle[str], deadline: float, load: Load
) -> None:
    """One closed-loop client: ask, wait for the answer, ask again until the deadline."""
    while time.perf_counter() < deadline:
        started = time.perf_counter()
        try:
            response = await client.post("/ask", json={"question": next(questions)})
        except httpx.HTTPError as exc:
            load.errors[type(exc).__name__] += 1
            continue
        if response.status_code == 200:
            load.latencies_ms.append((time.perf_counter() - started) * 1000)
        else:
            load.errors[str(response.status_code)] += 1


async def _load(base_url: str, questions: list[str], clients: int, duration: float) -> Load:
    """`clients` concurrent closed-loop clients for `duration` seconds."""
    load = Load(clients)
    cycle = itertools.cycle(questions)
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base_url, timeout=REQUEST_TIMEOUT_S, limits=limits) as client:
        started = time.perf_counter()
        await asyncio.gather(*(_client(client, cycle, started + duration, load) for _ in range(clients)))
        load.seconds = time.perf_counter() - started
    return load


def throughput(server: Server, questions: list[str], concurrency: list[int], duration: float) -> list[Load]:
    """Answered requests per second for each number of concurrent clients, `duration` seconds each."""
    return [asyncio.run(_load(server.base_url, questions, n, duration)) for n in concurrency]


@dataclass
class ServerRun:
    """One server configuration's sequential samples and throughput levels."""

    variant: str
    samples: dict[str, list[float]]
    loads: list[Load]


def measure_server(
    data_dir: Path, variant: str, rounds: int, concurrency: list[int], duration: float, log_dir: Path
) -> ServerRun:
    """Start a server in configuration `variant`, then measure sequential latency and throughput."""
    log = log_dir / f"http-bench-{''.join(c if c.isalnum() else '-' for c in variant)}.log"
    config = VARIANTS[variant]
    with uvicorn_server(data_dir, log, config.env, config.workers) as server:
        server.wait_for("GET", "/readyz", READY_TIMEOUT_S)
        samples = sequential(server, load_questions(), rounds)
        loads = throughput(server, load_questions(), concurrency, duration)
    return ServerRun(variant, samples, loads)


def latency_table(runs: list[ServerRun], questions: int, rounds: int) -> Table:
    """Sequential HTTP latency per server variant: client, server and the difference."""
    rows = []
    for run in runs:
        client, server = Stats.of(run.samples["client"]), Stats.of(run.samples["server"])
        overhead = Stats.of(c - s for c, s in zip(run.samples["client"], run.samples["server"], strict=True))
        rows += [
            [run.variant, "client wall clock (POST /ask → JSON)", str(client.n), *stats_cells(client)],
            [run.variant, "server timings_ms[total]", str(server.n), *stats_cells(server)],
            [run.variant, "HTTP + FastAPI + JSON overhead", str(overhead.n), *stats_cells(overhead)],
        ]
    errors = sum(len(run.samples["errors"]) for run in runs)
    return Table(
        "Warm /ask latency over HTTP, sequential (ms)",
        ["server", "measurement", "n", "p50", "p95", "p99"],
        rows,
        [
            f"{questions} dev questions × {rounds} rounds after a warm-up pass; {errors} errors.",
            "'default' is the server as shipped (one process, UI included); '2 workers × 1 thread' is "
            "`policyqa serve --workers 2` on two CPUs (OMP_NUM_THREADS=1 in each worker).",
        ],
    )


def throughput_table(runs: list[ServerRun]) -> Table:
    """Answered requests per second per server variant and concurrency."""
    rows = []
    for run in runs:
        for load in run.loads:
            stats = Stats.of(load.latencies_ms)
            errors = ", ".join(f"{k}×{v}" for k, v in load.errors.items()) or "0"
            answered = str(len(load.latencies_ms))
            rows.append(
                [run.variant, str(load.clients), fmt(load.rps), answered, errors, *stats_cells(stats)[:2]]
            )
    return Table(
        "Throughput over HTTP (answered /ask per second)",
        ["server", "clients", "req/s", "answered", "errors", "p50 ms", "p95 ms"],
        rows,
        [
            f"Each level: {runs[0].loads[0].seconds:.0f} s of closed-loop async httpx clients over the dev "
            "questions."
        ],
    )


def checks(runs: list[ServerRun]) -> list[Check]:
    """The HTTP targets: latency on the server as shipped, throughput on each configuration."""
    shipped = runs[0]
    result = [
        Check(
            "warm extractive /ask p50 over HTTP",
            Stats.of(shipped.samples["client"]).p50,
            ASK_P50_TARGET_MS,
            "ms",
        )
    ]
    for run in runs:
        best = max(run.loads, key=lambda load: load.rps)
        result.append(
            Check(
                f"answered /ask requests/s over HTTP, {run.variant} (best level)",
                best.rps,
                THROUGHPUT_TARGET_RPS,
                "req/s",
                f"{best.clients} concurrent clients",
                at_least=True,
            )
        )
    return result


def run(data_dir: Path, rounds: int, concurrency: list[int], duration: float, log_dir: Path) -> Outcome:
    """Each server variant in turn: sequential latency, then throughput at each concurrency."""
    runs = [measure_server(data_dir, v, rounds, concurrency, duration, log_dir) for v in VARIANTS]
    raw = {
        run.variant: {
            "client": Stats.of(run.samples["client"]).__dict__,
            "server": Stats.of(run.samples["server"]).__dict__,
            "errors": len(run.samples["errors"]),
            "throughput": {str(x.clients): {"rps": x.rps, "errors": dict(x.errors)} for x in run.loads},
        }
        for run in runs
    }
    tables = [latency_table(runs, len(load_questions()), rounds), throughput_table(runs)]
    return Outcome("http", tables, checks(runs), raw)


def main() -> None:
    """Command line: start the servers, print the HTTP tables."""
    parser = arg_parser(__doc__)
    parser.add_argument("--rounds", type=int, default=3, help="Sequential passes over the questions.")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 4, 16], help="Concurrent clients.")
    parser.add_argument("--duration", type=float, default=10.0, help="Seconds per concurrency level.")
    args = parser.parse_args()
    with index_dir(args.data_dir) as data_dir, tempfile.TemporaryDirectory(prefix="pqbench-http-") as logs:
        run(data_dir, args.rounds, args.concurrency, args.duration, Path(logs)).print()


if __name__ == "__main__":
    main()
