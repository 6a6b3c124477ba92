"""Scale: query latency, index size and memory as the corpus grows to N synthetic sentence vectors.

Each size is built into an empty data folder by one fresh process and measured by another, so resident
memory is that of a process serving the index. Size 0 is the real corpus through the same code, the
baseline of the ratio target. See bench/synthetic.py for how the synthetic chunks get their vectors.

    python -m bench.scale [--vectors 100000 1000000] [--rounds 3] [--budget 240] [--work-dir DIR]

A size is the number of sentence vectors (unit titles and sentences, the generation's sentence collection):
synthetic tasks of about 20 of them are added until the store holds that many, so 1,000,000 is about 50,000
tasks (and about three chunk vectors per task beside them).
"""

from __future__ import annotations

import argparse
import random
import shutil
import signal
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from assistant.settings import Settings
from bench.common import (
    Check,
    Outcome,
    Table,
    arg_parser,
    dir_size_mb,
    emit,
    fmt,
    load_questions,
    peak_rss_mb,
    rss_mb,
    run_child,
    timed_ms,
)
from bench.latency import sample
from bench.synthetic import NOISE_NORM, SEED, LookupEmbedder, real_units, synthetic_tasks

if TYPE_CHECKING:
    from index.chunk import Chunk
    from index.model import Task

T = TypeVar("T")
ASK_LIMIT_S = 60.0  # one ask at 100k chunks has taken minutes: past this it counts as an error
WRITE_BATCH = 1000  # chunks per Chroma write (the store's page size)
CHILD_TIMEOUT_S = 900
BUILD_TIMEOUT_S = 3 * 3600  # 1M sentence vectors take most of an hour to write on two shared cores
RATIO_TARGET = 2.0
RSS_TARGET_MB = 6 * 1024
COLD_START_TARGET_S = 15.0
ADD_TARGET_S = 10.0
WARMUP_QUESTIONS = 5  # at 100k chunks one question can take seconds: warm up on a few only
BREAKDOWN = ["embed", "dense", "lexical", "fusion", "compose", "grounding"]
# the notice added to a built store to time an incremental ingest: a year no other document has
ADDED_NOTICE = Path(__file__).resolve().parent.parent / "eval" / "zoo" / "documents" / "key-tasks-2026.txt"


def word_piece_counter(model_path: str) -> Callable[[str], int]:
    """What `len(token_counter(model_path).encode(text).ids)` gives, from memoised per-word counts.

    The chunker counts the tokens of every growing part of a long task (about 20 encodes of up to 256
    tokens per synthetic task: ~15 minutes at 50,000 tasks). BERT's normaliser works per character and its
    pre-tokenizer splits at whitespace first, so a text's count is its special tokens plus the sum of its
    words' counts, and the synthetic texts reuse a few thousand words. Checked against the tokenizer on
    the real units' texts before it is used.
    """
    from index.embed import token_counter

    tokenizer = token_counter(model_path)
    specials = len(tokenizer.encode("").ids)

    class WordCounts(dict[str, int]):
        def __missing__(self, word: str) -> int:
            self[word] = len(tokenizer.encode(word, add_special_tokens=False).ids)
            return self[word]

    words = WordCounts()

    def count(text: str) -> int:
        return specials + sum(map(words.__getitem__, text.split()))

    for unit in real_units(Settings()):
        for text in (unit.text, f"{unit.title}. {unit.text}"):
            if count(text) != len(tokenizer.encode(text).ids):
                raise RuntimeError(f"word-piece counts are not additive for {unit.id}: use the tokenizer")
    return count


def sentence_vectors(unit: Task) -> int:
    """Vectors a unit has in the sentence collection: its title and each sentence (see unit_sentences)."""
    return 1 + len(unit.sentences)


def corpus_nodes(
    settings: Settings, vectors: int, on_node: Callable[[Chunk, Task], None] | None = None
) -> tuple[list[Chunk], int]:
    """(nodes, units): the real units' chunks, then synthetic tasks' chunks until the units hold `vectors`
    sentence vectors.

    `on_node` sees each synthetic chunk with its task (to register its composed vector).
    """
    from index.chunk import chunk_units
    from index.embed import embedding_name

    count_tokens = word_piece_counter(settings.embed_model_path)

    def chunk(units: list[Task]) -> list[Chunk]:
        return chunk_units(units, count_tokens, settings.chunk_max_tokens, embedding_name(settings))

    real = real_units(settings)
    nodes, units = chunk(real), len(real)
    held = sum(sentence_vectors(u) for u in real)
    for unit in synthetic_tasks(real):
        if held >= vectors:
            break
        for node in chunk([unit]):
            if on_node:
                on_node(node, unit)
            nodes.append(node)
        units += 1
        held += sentence_vectors(unit)
    return nodes, units


def build(data_dir: Path, vectors: int) -> dict[str, float]:
    """Build a store of about `vectors` sentence vectors into `data_dir` through IndexStore.build, as ingest
    writes (chunks, then every unit's title and sentences); seconds per phase."""
    from index.embed import embedding_name, settings_embedder
    from index.store import open_store

    settings = Settings(data_dir=data_dir)
    model_ms, model = timed_ms(lambda: settings_embedder(settings))
    pieces_ms, lookup = timed_ms(lambda: LookupEmbedder.for_units(model, real_units(settings), NOISE_NORM))
    distinct = len(lookup.vectors)
    compose_ms, (nodes, units) = timed_ms(lambda: corpus_nodes(settings, vectors, lookup.compose))
    write_ms, report = timed_ms(
        lambda: open_store(settings).build(
            nodes, lambda: lookup, batch_size=WRITE_BATCH, embedding=embedding_name(settings)
        )
    )
    return {
        "chunks": report.chunks,
        "sentences": report.sentences,
        "units": units,
        "distinct_pieces": distinct,
        "model_s": model_ms / 1000,
        "pieces_s": pieces_ms / 1000,
        "compose_s": compose_ms / 1000,
        "write_s": write_ms / 1000,
        "disk_mb": dir_size_mb(settings.chroma_path),
    }


class AskTimeoutError(Exception):
    """An ask ran past the time limit of a scale measurement."""


def time_limited(call: Callable[[str], T], seconds: float) -> Callable[[str], T]:
    """`call`, raising AskTimeoutError past `seconds` (SIGALRM: for the measuring child's main thread)."""

    def expire(signum: int, frame: object) -> None:
        raise AskTimeoutError(f"ask took over {seconds:.0f} s")

    def limited(question: str) -> T:
        previous = signal.signal(signal.SIGALRM, expire)
        signal.setitimer(signal.ITIMER_REAL, seconds)
        try:
            return call(question)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)

    return limited


def measure(data_dir: Path, rounds: int, budget_s: float) -> dict[str, Any]:
    """Load the store in `data_dir` as a server would, then time retrieval and full extractive asks."""
    from assistant.core.answer.pipeline import build_parts
    from assistant.core.answer.registry import create_answerer
    from assistant.core.library import Library
    from assistant.core.types import Filters
    from index.embed import settings_embedder

    settings = Settings(data_dir=data_dir)
    result: dict[str, Any] = {"rss_start_mb": rss_mb()}
    model_ms, model = timed_ms(lambda: settings_embedder(settings))
    load_ms, library = timed_ms(lambda: Library.load(settings))
    result |= {"model_s": model_ms / 1000, "load_s": load_ms / 1000, "rss_loaded_mb": rss_mb()}
    library = replace(library, embedder=LookupEmbedder.for_units(model, real_units(settings)))
    warm_ms, _ = timed_ms(library.warm)
    result |= {"warm_s": warm_ms / 1000, "rss_warm_mb": rss_mb()}
    answerer = create_answerer("extractive", build_parts(library, settings), settings)
    questions = load_questions()
    random.Random(SEED).shuffle(questions)  # a budget cut then leaves a random subset, not the first ones
    samples = sample(
        time_limited(lambda q: answerer.answer(q, [], Filters(), settings.top_k), ASK_LIMIT_S),
        {"search": lambda q: library.retriever.search(q, Filters(), settings.top_k)},
        questions,
        rounds,
        warmup=WARMUP_QUESTIONS,
        budget_s=budget_s,
    )
    stats = {name: stats.__dict__ for name, stats in samples.stats().items()}
    return result | {
        "stats": stats,
        "errors": dict(samples.errors),
        "rss_peak_mb": peak_rss_mb(),
        "sentences": sum(len(u.sentences) + 1 for u in library.units.values()),
    }


def add_notice(data_dir: Path) -> dict[str, Any]:
    """(child) `ingest` of one more notice into the built store, keeping everything else (prune=False)."""
    from index.ingest import ingest

    settings = Settings(data_dir=data_dir)
    seconds, report = timed_ms(lambda: ingest(settings, [ADDED_NOTICE], prune=False))
    if report.errors or report.build is None:
        raise RuntimeError(f"adding {ADDED_NOTICE.name} failed: {report.errors}")
    return {
        "add_s": seconds / 1000,
        "embedded": report.build.embedded,
        "reused": report.build.reused,
        "chunks": report.build.chunks,
    }


def measure_size(work_dir: Path, vectors: int, rounds: int, budget_s: float) -> dict[str, Any]:
    """Build and measure one size in fresh processes, then delete its data folder."""
    data_dir = work_dir / f"scale-{vectors}"
    shutil.rmtree(data_dir, ignore_errors=True)
    try:
        args = ["--data-dir", str(data_dir)]
        built = run_child("bench.scale", ["--child", "build", *args, "--size", str(vectors)], BUILD_TIMEOUT_S)
        measured = run_child(
            "bench.scale",
            ["--child", "measure", *args, "--rounds", str(rounds), "--budget", str(budget_s)],
            CHILD_TIMEOUT_S,
        )
        added = run_child("bench.scale", ["--child", "add", *args], CHILD_TIMEOUT_S)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
    return {"build": built, "measure": measured, "add": added}


def size_row(size: int, built: dict[str, Any], measured: dict[str, Any], added: dict[str, Any]) -> list[str]:
    """The build, disk, start and memory row of one size."""
    return [
        "real corpus" if size == 0 else f"{size:,}",
        f"{built['chunks']:,}",
        f"{built['units']:,}",
        fmt(built["compose_s"] + built["write_s"]),
        fmt(built["disk_mb"]),
        fmt(measured["load_s"], 2),
        fmt(measured["model_s"] + measured["load_s"], 2),
        fmt(measured["warm_s"], 2),
        fmt(measured["rss_loaded_mb"], 0),
        fmt(measured["rss_warm_mb"], 0),
        fmt(measured["rss_peak_mb"], 0),
        fmt(added["add_s"], 1),
    ]


def latency_row(size: int, measured: dict[str, Any], base: float) -> list[str]:
    """The latency row of one size, with its ratio to the real corpus."""
    stats, errors = measured["stats"], measured["errors"]
    return [
        "real corpus" if size == 0 else f"{size:,}",
        str(stats["wall"]["n"]),
        str(sum(errors.values())),
        fmt(stats["search"]["p50"]),
        fmt(stats["search"]["p95"]),
        fmt(stats["wall"]["p50"]),
        fmt(stats["wall"]["p95"]),
        fmt(stats["wall"]["p50"] / base, 2),
        *(fmt(stats[s]["p50"]) if s in stats else "–" for s in BREAKDOWN),
    ]


def outcome(results: dict[int, dict[str, Any]], rounds: int, budget_s: float) -> Outcome:
    """The size and latency tables, and the ratio target at the largest size."""
    base = results[0]["measure"]["stats"]["wall"]["p50"]
    sizes = Table(
        "Scale: synthetic corpus — build, disk and memory",
        [
            "corpus",
            "chunks",
            "units",
            "build s",
            "disk MiB",
            "load s",
            "cold start s (model + load)",
            "warm s",
            "RSS loaded MiB",
            "RSS warm MiB",
            "RSS peak MiB",
            "add one notice s",
        ],
        [size_row(size, r["build"], r["measure"], r["add"]) for size, r in results.items()],
        [
            "Each size: one fresh process builds into an empty folder, another loads and measures it.",
            "Build = compose synthetic chunks + IndexStore.build (Chroma writes); real chunks are embedded "
            "by the model, synthetic ones get the normalised mean of their real sentences' vectors.",
            "load = Library.load (catalog read + BM25 build), model load excluded. warm = Library.warm() "
            "against a lookup table of the real sentences' vectors: with the model it would embed every "
            "sentence of every unit. cold start = embedding model load + Library.load in a fresh process "
            "(imports excluded).",
            f"add one notice = ingest([{ADDED_NOTICE.name}], prune=False) into the built store, in a fresh "
            "process: a new generation holding the stored chunks (copied with their vectors) plus the "
            "notice's, swapped in.",
        ],
    )
    latency = Table(
        "Scale: warm query latency (ms)",
        [
            "corpus",
            "n",
            "errors",
            "retrieval p50",
            "retrieval p95",
            "ask p50",
            "ask p95",
            "ask p50 / real",
            *(f"{s} p50" for s in BREAKDOWN),
        ],
        [latency_row(size, r["measure"], base) for size, r in results.items()],
        [
            f"Dev questions, fixed shuffled order, {rounds} rounds or until {budget_s:.0f} s ran out (n = "
            f"asks measured), after warming up on {WARMUP_QUESTIONS}. retrieval = HybridRetriever.search, "
            "ask = the extractive answerer (what PolicyQA.ask calls). Failed calls, and asks cut off "
            f"after {ASK_LIMIT_S:.0f} s, are counted under errors and left out of the times.",
            *(
                f"{size:,} chunks, error ×{n}: {e}"
                for size, r in results.items()
                for e, n in r["measure"]["errors"].items()
            ),
        ],
    )
    largest = results[max(results)]["measure"]
    failed = sum(largest["errors"].values())
    ratio = largest["stats"]["wall"]["p50"] / base
    detail = f"{largest['stats']['wall']['p50']:.1f} ms vs {base:.1f} ms"
    if failed:  # the failing questions are not a random subset: a ratio over the others would flatter
        detail = f"not judged: {failed} asks raised; over answered asks only: {ratio:.2f}× ({detail})"
        ratio = float("nan")
    checks = [
        Check(f"ask p50 at {max(results):,} chunks ≤ 2 × real corpus", ratio, RATIO_TARGET, "×", detail),
        Check(
            f"asks that raise at {max(results):,} chunks",
            failed,
            0,
            "asks",
            "; ".join(largest["errors"])[:200],
        ),
        Check(f"server RSS peak at {max(results):,} vectors", largest["rss_peak_mb"], RSS_TARGET_MB, "MiB"),
        Check(
            f"cold start (model + load) at {max(results):,} vectors",
            largest["model_s"] + largest["load_s"],
            COLD_START_TARGET_S,
            "s",
        ),
        Check(
            f"add one notice at {max(results):,} vectors",
            results[max(results)]["add"]["add_s"],
            ADD_TARGET_S,
            "s",
        ),
    ]
    return Outcome("scale", [sizes, latency], checks, {str(k): v for k, v in results.items()})


def run(sizes: list[int], rounds: int, budget_s: float, work_dir: Path | None = None) -> Outcome:
    """Build and measure the real corpus and each synthetic size."""
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="pqbench-scale-", dir=work_dir) as tmp:
        results = {size: measure_size(Path(tmp), size, rounds, budget_s) for size in [0, *sizes]}
    result = outcome(results, rounds, budget_s)
    result.seconds = time.perf_counter() - started
    return result


def main() -> None:
    """Command line: print the scale tables (or, as a child, build or measure one size)."""
    parser = arg_parser(__doc__, data_dir=False)
    parser.add_argument(
        "--vectors",
        "--sizes",
        dest="sizes",
        type=int,
        nargs="+",
        default=[100_000, 1_000_000],
        help="Store sizes, in sentence vectors.",
    )
    parser.add_argument("--rounds", type=int, default=3, help="Timed passes over the questions per size.")
    parser.add_argument(
        "--budget", type=float, default=240.0, help="Seconds of timed asks per size, at most."
    )
    parser.add_argument(
        "--work-dir", type=Path, help="Where the temporary stores go (default: the system's)."
    )
    parser.add_argument("--child", choices=["build", "measure", "add"], help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child == "build":
        emit(build(args.data_dir, args.size))
    elif args.child == "measure":
        emit(measure(args.data_dir, args.rounds, args.budget))
    elif args.child == "add":
        emit(add_notice(args.data_dir))
    else:
        run(args.sizes, args.rounds, args.budget, args.work_dir).print()


if __name__ == "__main__":
    main()
