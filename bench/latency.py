"""Warm in-process latency of `PolicyQA.ask` (extractive), split by stage, against the query-embedding floor.

python -m bench.latency [--data-dir DIR] [--rounds 5]
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

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

if TYPE_CHECKING:
    from assistant.core.types import Answer
    from assistant.service import PolicyQA

T = TypeVar("T")
STAGES = ["analyse", "embed", "dense", "sentences", "lexical", "fusion", "compose", "grounding", "total"]
ASK_P50_TARGET_MS = 25.0
EMBED_RATIO_TARGET = 2.0


def load_service(data_dir: Path) -> PolicyQA:
    """A loaded, warmed PolicyQA on the index in `data_dir`."""
    from assistant.service import PolicyQA
    from assistant.settings import Settings

    service = PolicyQA(Settings(data_dir=data_dir))
    if not service.load():
        raise RuntimeError(service.load_error)
    service.library.warm()  # load() may warm in a background thread: finish it here, before timing
    return service


@dataclass
class Samples:
    """Milliseconds per measurement name, how many asks were refused, and the calls that raised."""

    ms: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    refused: int = 0
    errors: Counter[str] = field(default_factory=Counter)

    def stats(self) -> dict[str, Stats]:
        """The percentiles of every measurement."""
        return {name: Stats.of(values) for name, values in self.ms.items()}

    def attempt(self, call: Callable[[], T]) -> tuple[float, T] | None:
        """(ms, result) of `call`, or None after counting the exception it raised."""
        try:
            return timed_ms(call)
        except Exception as exc:  # a failing question is a result to report, not a reason to stop
            self.errors[f"{type(exc).__name__}: {exc}"[:160]] += 1
            return None


def sample(
    ask: Callable[[str], Answer],
    others: dict[str, Callable[[str], object]],
    questions: list[str],
    rounds: int,
    warmup: int | None = None,
    budget_s: float | None = None,
) -> Samples:
    """Milliseconds per call: the asks (wall clock, CPU and per stage), then each of `others` by its name.

    An untimed pass over the first `warmup` questions (default: all) warms the caches first; the
    measurements alternate question by question so that noise from other processes falls on all of them
    alike. With `budget_s`, sampling stops once that many seconds have gone by. Calls that raise are
    counted in `errors` and left out of the times.
    """
    warm = Samples()
    for question in questions[:warmup]:
        for call in (ask, *others.values()):
            warm.attempt(lambda q=question, c=call: c(q))
    samples = Samples()
    deadline = time.perf_counter() + budget_s if budget_s else float("inf")
    for question in [q for _ in range(rounds) for q in questions]:
        if time.perf_counter() > deadline:
            break
        cpu = time.process_time()
        asked = samples.attempt(lambda q=question: ask(q))
        if asked is None:
            continue
        samples.ms["cpu"].append((time.process_time() - cpu) * 1000)
        samples.ms["wall"].append(asked[0])
        samples.refused += asked[1].refused
        for stage in STAGES:
            if stage in asked[1].timings_ms:
                samples.ms[stage].append(asked[1].timings_ms[stage])
        for name, call in others.items():
            if (timed := samples.attempt(lambda q=question, c=call: c(q))) is not None:
                samples.ms[name].append(timed[0])
    return samples


def service_calls(service: PolicyQA) -> dict[str, Callable[[str], object]]:
    """Retrieval alone (PolicyQA.search) and the query embedding alone, of a loaded service."""
    top_k = service.settings.top_k
    return {
        "search": lambda q: service.search(q, top_k=top_k),
        "embedding": service.library.embedder.get_query_embedding,
    }


def outcome(samples: Samples, questions: int, rounds: int) -> Outcome:
    """The latency table and the two in-process targets."""
    stats = samples.stats()
    rows = [
        ["ask, wall clock (PolicyQA.ask)", str(stats["wall"].n), *stats_cells(stats["wall"])],
        ["ask, process CPU time (all threads)", str(stats["cpu"].n), *stats_cells(stats["cpu"])],
    ]
    rows += [
        [f"stage: timings_ms[{s}]", str(stats[s].n), *stats_cells(stats[s])] for s in STAGES if s in stats
    ]
    rows += [
        ["retrieval only (PolicyQA.search)", str(stats["search"].n), *stats_cells(stats["search"])],
        [
            "query embedding alone (get_query_embedding)",
            str(stats["embedding"].n),
            *stats_cells(stats["embedding"]),
        ],
    ]
    refused = samples.refused // max(rounds, 1)
    table = Table(
        "Warm /ask latency, in-process (ms)",
        ["measurement", "n", "p50", "p95", "p99"],
        rows,
        [
            f"{questions} dev questions × {rounds} rounds after one warm-up pass; {refused} of the "
            f"{questions} are refused before composition, so compose/grounding have fewer samples.",
            "Stage rows come from Answer.timings_ms; 'query embedding alone' is the floor for one question.",
            *(f"error ×{n}: {e}" for e, n in samples.errors.items()),
        ],
    )
    ask, floor = stats["wall"], stats["embedding"]
    checks = [
        Check("warm extractive /ask p50, in-process", ask.p50, ASK_P50_TARGET_MS, "ms"),
        Check(
            "ask p50 ≤ 2 × query-embedding p50",
            ask.p50 / floor.p50,
            EMBED_RATIO_TARGET,
            "×",
            f"ask {ask.p50:.1f} ms vs embedding {floor.p50:.1f} ms",
        ),
    ]
    raw = {name: s.__dict__ for name, s in stats.items()}
    return Outcome("latency", [table], checks, raw)


def with_torch_threads(threads: int, call: Callable[[], T]) -> T:
    """`call()` with torch limited to `threads` intra-op threads, then the previous setting back."""
    import torch

    previous = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        return call()
    finally:
        torch.set_num_threads(previous)


def threads_table(variants: dict[str, Samples]) -> Table:
    """Ask and embedding latency per torch thread setting, with the CPU time each ask burns."""
    rows = []
    for name, samples in variants.items():
        stats = {key: Stats.of(samples.ms[key]) for key in ("wall", "cpu", "embed", "embedding")}
        rows.append(
            [
                name,
                *stats_cells(stats["wall"]),
                fmt(stats["cpu"].p50),
                fmt(stats["embed"].p50),
                fmt(stats["embedding"].p50),
                fmt(stats["embedding"].p95),
            ]
        )
    return Table(
        "Warm ask in-process by torch intra-op threads (ms)",
        [
            "torch threads",
            "ask p50",
            "ask p95",
            "ask p99",
            "ask CPU p50",
            "embed stage p50",
            "embedding alone p50",
            "embedding alone p95",
        ],
        rows,
        [
            "Same questions and rounds. CPU above wall time means OpenMP threads spin-wait for a core.",
            "The service runs with torch's default thread count (the targets are judged on that row).",
        ],
    )


def run(service: PolicyQA, rounds: int, questions: list[str] | None = None) -> Outcome:
    """Measure warm in-process latency of a loaded service, as shipped and with torch on one thread."""
    import torch

    questions = questions or load_questions()
    calls = service_calls(service)
    shipped = sample(service.ask, calls, questions, rounds)
    single = with_torch_threads(1, lambda: sample(service.ask, calls, questions, rounds))
    result = outcome(shipped, len(questions), rounds)
    result.tables.append(threads_table({f"{torch.get_num_threads()} (default)": shipped, "1": single}))
    result.raw["one_thread"] = {name: stats.__dict__ for name, stats in single.stats().items()}
    return result


def main() -> None:
    """Command line: print the in-process latency tables."""
    parser = arg_parser(__doc__)
    parser.add_argument("--rounds", type=int, default=5, help="Timed passes over the questions.")
    args = parser.parse_args()
    with index_dir(args.data_dir) as data_dir:
        run(load_service(data_dir), args.rounds).print()


if __name__ == "__main__":
    main()
