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
    from assistant.settings import Settings

T = TypeVar("T")
STAGES = [
    "analyse",
    "embed",
    "dense",
    "sentences",
    "lexical",
    "fusion",
    "evidence",
    "compose",
    "grounding",
    "total",
]
ASK_P50_TARGET_MS = 25.0
# issue 15: the whole ask costs no more than the torch query embedding alone, measured in the same loop
TORCH_EMBED_RATIO_TARGET = 1.0
NON_EMBEDDING_TARGET_MS = 4.0  # the ask's wall time minus its embedding calls (timings_ms["embed"])


def load_service(data_dir: Path, settings: Settings | None = None) -> PolicyQA:
    """A loaded, warmed PolicyQA on the index in `data_dir` (with `settings`, default: the shipped ones)."""
    from assistant.service import PolicyQA
    from assistant.settings import Settings

    service = PolicyQA(settings or Settings(data_dir=data_dir))
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
        # every model call of the ask is under "embed" (the question, and a phrase a check measures)
        samples.ms["non-embedding"].append(asked[0] - asked[1].timings_ms.get("embed", 0.0))
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


def torch_embedding(service: PolicyQA) -> Callable[[str], object]:
    """The query embedding of the same model on torch (the issue's yardstick), whatever the service runs."""
    from index.embed import load_embedder
    from index.settings import EmbedBackend

    settings = service.settings
    return load_embedder(
        settings.embed_model_path, settings.embed_batch_size, EmbedBackend.TORCH
    ).get_query_embedding


def outcome(samples: Samples, questions: int, rounds: int, backend: str) -> Outcome:
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
        [
            "ask minus its embedding calls (non-embedding work)",
            str(stats["non-embedding"].n),
            *stats_cells(stats["non-embedding"]),
        ],
        ["retrieval only (PolicyQA.search)", str(stats["search"].n), *stats_cells(stats["search"])],
        [
            f"query embedding alone ({backend}, as served)",
            str(stats["embedding"].n),
            *stats_cells(stats["embedding"]),
        ],
        [
            "query embedding alone (torch, the yardstick)",
            str(stats["torch embedding"].n),
            *stats_cells(stats["torch embedding"]),
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
            "Stage rows come from Answer.timings_ms; 'query embedding alone' is the floor for one question. "
            "timings_ms[embed] counts every model call of an ask: the question's embedding, and a phrase "
            "of it that a refusal check measures by meaning (only when its words are not found), and the "
            "answer sentences the grounding check compares by meaning (also inside its own stage row).",
            "The torch embedding runs the same model and text in the same loop, question by question.",
            *(f"error ×{n}: {e}" for e, n in samples.errors.items()),
        ],
    )
    ask, torch = stats["wall"], stats["torch embedding"]
    checks = [
        Check("warm extractive /ask p50, in-process", ask.p50, ASK_P50_TARGET_MS, "ms"),
        Check(
            "ask p50 ≤ 1.0 × torch query-embedding p50",
            ask.p50 / torch.p50,
            TORCH_EMBED_RATIO_TARGET,
            "×",
            f"ask ({backend}) {ask.p50:.1f} ms vs torch embedding {torch.p50:.1f} ms",
        ),
        Check(
            "non-embedding work p50 (ask − its embedding calls)",
            stats["non-embedding"].p50,
            NON_EMBEDDING_TARGET_MS,
            "ms",
            f"embedding calls p50 {stats['embed'].p50:.1f} ms of ask {ask.p50:.1f} ms",
        ),
    ]
    raw = {name: s.__dict__ for name, s in stats.items()}
    return Outcome("latency", [table], checks, raw)


def with_one_thread(service: PolicyQA, call: Callable[[], T]) -> T:
    """`call()` with the service's embedding model on one intra-op thread, then as it was.

    torch's thread count is process-wide; an ONNX Runtime session fixes its own when it is made, so a
    one-thread session of the same export stands in for the served one meanwhile.
    """
    import torch

    from index.onnx_embed import OnnxEmbedding

    library = service.library
    served, previous = library.embedder, torch.get_num_threads()
    if isinstance(served, OnnxEmbedding):
        single = OnnxEmbedding(service.settings.embed_model_path, Path(served.onnx_path), threads=1)
        library.embedder = library.retriever.embedder = single
    torch.set_num_threads(1)
    try:
        return call()
    finally:
        torch.set_num_threads(previous)
        library.embedder = library.retriever.embedder = served


def threads_table(variants: dict[str, Samples], backend: str) -> Table:
    """Ask and embedding latency per intra-op thread setting, with the CPU time each ask burns."""
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
        f"Warm ask in-process by the embedding model's intra-op threads ({backend}, ms)",
        [
            "intra-op threads",
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
            "The service runs with the default thread count (the targets are judged on that row); the "
            "torch yardstick keeps torch's default. A server with several workers gives each one thread.",
        ],
    )


def run(service: PolicyQA, rounds: int, questions: list[str] | None = None) -> Outcome:
    """Measure warm in-process latency of a loaded service, as shipped and with the model on one thread;
    the torch query embedding of the same questions is timed in the same loop (the issue's yardstick)."""
    from index.onnx_embed import intra_op_threads

    questions = questions or load_questions()
    calls = service_calls(service) | {"torch embedding": torch_embedding(service)}
    shipped = sample(service.ask, calls, questions, rounds)
    single = with_one_thread(service, lambda: sample(service.ask, calls, questions, rounds))
    backend = str(service.settings.embed_backend)
    result = outcome(shipped, len(questions), rounds, backend)
    result.tables.append(threads_table({f"{intra_op_threads()} (default)": shipped, "1": single}, backend))
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
