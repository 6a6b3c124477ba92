"""Warm in-process latency of `PolicyQA.ask` (extractive), split by stage, against the query-embedding floor.

python -m bench.latency [--data-dir DIR] [--rounds 5]
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

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
    from assistant.models import Answer
    from assistant.service import PolicyQA

STAGES = ["analyse", "embed", "dense", "lexical", "fusion", "compose", "grounding", "total"]
ASK_P50_TARGET_MS = 25.0
EMBED_RATIO_TARGET = 2.0
THREAD_WARMUP = 5


def load_service(data_dir: Path) -> PolicyQA:
    """A loaded PolicyQA on the index in `data_dir`."""
    from assistant.service import PolicyQA
    from index.settings import Settings

    service = PolicyQA(Settings(data_dir=data_dir))
    if not service.load():
        raise RuntimeError(service.load_error)
    return service


def sample(
    ask: Callable[[str], Answer],
    others: dict[str, Callable[[str], object]],
    questions: list[str],
    rounds: int,
    warmup: int | None = None,
    budget_s: float | None = None,
) -> dict[str, list[float]]:
    """Milliseconds per call: the asks (wall clock, CPU and per stage), then each of `others` by its name.

    An untimed pass over the first `warmup` questions (default: all) warms the caches first; the
    measurements alternate question by question so that noise from other processes falls on all of them
    alike. With `budget_s`, sampling stops once that many seconds have gone by.
    """
    for question in questions[:warmup]:
        ask(question)
        for call in others.values():
            call(question)
    samples: dict[str, list[float]] = defaultdict(list)
    deadline = time.perf_counter() + budget_s if budget_s else float("inf")
    for question in [q for _ in range(rounds) for q in questions]:
        if time.perf_counter() > deadline:
            break
        cpu = time.process_time()
        wall, answer = timed_ms(lambda q=question: ask(q))
        samples["cpu"].append((time.process_time() - cpu) * 1000)
        samples["wall"].append(wall)
        samples["refused"].append(float(answer.refused))
        for stage in STAGES:
            if stage in answer.timings_ms:
                samples[stage].append(answer.timings_ms[stage])
        for name, call in others.items():
            samples[name].append(timed_ms(lambda q=question, c=call: c(q))[0])
    return samples


def service_calls(service: PolicyQA) -> dict[str, Callable[[str], object]]:
    """Retrieval alone (PolicyQA.search) and the query embedding alone, of a loaded service."""
    top_k = service.settings.top_k
    return {
        "search": lambda q: service.search(q, top_k=top_k),
        "embedding": service.library.embedder.get_query_embedding,
    }


def outcome(samples: dict[str, list[float]], questions: int, rounds: int) -> Outcome:
    """The latency table and the two in-process targets."""
    stats = {name: Stats.of(values) for name, values in samples.items() if name != "refused"}
    rows = [
        ["ask, wall clock (PolicyQA.ask)", str(stats["wall"].n), *stats_cells(stats["wall"])],
        ["ask, process CPU time (all threads)", str(stats["cpu"].n), *stats_cells(stats["cpu"])],
    ]
    rows += [[f"  timings_ms[{s}]", str(stats[s].n), *stats_cells(stats[s])] for s in STAGES if s in stats]
    rows += [
        ["retrieval only (PolicyQA.search)", str(stats["search"].n), *stats_cells(stats["search"])],
        [
            "query embedding alone (get_query_embedding)",
            str(stats["embedding"].n),
            *stats_cells(stats["embedding"]),
        ],
    ]
    refused = int(sum(samples["refused"]) / max(rounds, 1))
    table = Table(
        "Warm /ask latency, in-process (ms)",
        ["measurement", "n", "p50", "p95", "p99"],
        rows,
        [
            f"{questions} dev questions × {rounds} rounds after one warm-up pass; {refused} of the "
            f"{questions} are refused before composition, so compose/grounding have fewer samples.",
            "Stage rows come from Answer.timings_ms; 'query embedding alone' is the floor for one question.",
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


def embedding_by_threads(embed: Callable[[str], object], questions: list[str]) -> Table:
    """The query-embedding floor with torch's default intra-op threads and with one thread."""
    import torch

    default = torch.get_num_threads()
    rows = []
    try:
        for threads in sorted({default, 1}, reverse=True):
            torch.set_num_threads(threads)
            for question in questions[:THREAD_WARMUP]:
                embed(question)
            cpu = time.process_time()
            wall = Stats.of(timed_ms(lambda q=q: embed(q))[0] for q in questions)
            cpu_ms = (time.process_time() - cpu) * 1000 / len(questions)
            rows.append([str(threads), *stats_cells(wall), fmt(cpu_ms)])
    finally:
        torch.set_num_threads(default)
    return Table(
        "Query embedding (get_query_embedding) by torch intra-op threads (ms)",
        ["torch threads", "p50", "p95", "p99", "CPU ms per query"],
        rows,
        ["CPU above wall time means threads spin-wait; the service runs with torch's default."],
    )


def run(service: PolicyQA, rounds: int, questions: list[str] | None = None) -> Outcome:
    """Measure warm in-process latency of a loaded service."""
    questions = questions or load_questions()
    result = outcome(sample(service.ask, service_calls(service), questions, rounds), len(questions), rounds)
    result.tables.append(embedding_by_threads(service.library.embedder.get_query_embedding, questions))
    return result


def main() -> None:
    parser = arg_parser(__doc__)
    parser.add_argument("--rounds", type=int, default=5, help="Timed passes over the questions.")
    args = parser.parse_args()
    with index_dir(args.data_dir) as data_dir:
        run(load_service(data_dir), args.rounds).print()


if __name__ == "__main__":
    main()
