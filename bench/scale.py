"""Scale: query latency, index size and memory as the corpus grows to N synthetic sentence vectors.

Each size is built into an empty data folder by one fresh process and measured by another, so resident
memory is that of a process serving the index. Size 0 is the real corpus through the same code, the
baseline of the ratio target. See bench/synthetic.py for how the synthetic chunks get their vectors.

    python -m bench.scale [--vectors 100000 1000000] [--rounds 3] [--budget 240] [--work-dir DIR]
                          [--store-dir DIR]

With --store-dir, each size's store is built into DIR/scale-<size> and kept; a later run reuses a store
that the same code built (its indexing code, the synthetic corpus's code and the documents, fingerprinted in
DIR/scale-<size>/scale-build.json), after removing what a load saved into it, and adds the notice to a copy.

A size is the number of sentence vectors (unit titles and sentences, the generation's sentence collection):
synthetic tasks of about 20 of them are added until the store holds that many, so 1,000,000 is about 50,000
tasks (and about three chunk vectors per task beside them).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import shutil
import signal
import statistics
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

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
from bench.server import HOST, chroma_server, uvicorn_server
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
BUILD_MARKER = "scale-build.json"  # in a kept store: its build result and what it was built from
CACHE_FOLDERS = ("catalog", "lexical")  # what a load saves into a data folder (removed before reusing one)
SERVED_QUESTIONS = 60  # sequential asks over HTTP per served variant, after SERVED_WARMUP
SERVED_WARMUP = 3
SERVED_TIMEOUT_S = 600.0  # a start that reads the catalog from Chroma at 1M vectors takes minutes
READY_STREAK = 10  # consecutive /readyz 200s taken to mean every worker has loaded
WARMUP_QUESTIONS = 5  # at 100k chunks one question can take seconds: warm up on a few only
BREAKDOWN = ["embed", "dense", "sentences", "lexical", "fusion", "evidence", "compose", "grounding"]
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
    # as the service does: past warm_max_units the sentence vectors are read per unit when first needed
    warm = library.warm if len(library.units) <= settings.warm_max_units else lambda: None
    warm_ms, _ = timed_ms(warm)
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
    """(child) `ingest` of one more notice into the built store, keeping everything else (prune=False),
    with the embedding model already loaded, as in a serving process that takes an upload."""
    from index.embed import settings_embedder
    from index.ingest import ingest

    settings = Settings(data_dir=data_dir)
    model_ms, _ = timed_ms(lambda: settings_embedder(settings))
    seconds, report = timed_ms(lambda: ingest(settings, [ADDED_NOTICE], prune=False))
    if report.errors or report.build is None:
        raise RuntimeError(f"adding {ADDED_NOTICE.name} failed: {report.errors}")
    return {
        "add_s": seconds / 1000,
        "store_s": report.build.seconds,  # stored-id check, embedding and Chroma writes
        "alignment_computed": len(report.alignment.computed) if report.alignment else 0,
        "model_s": model_ms / 1000,
        "in_place": report.build.added,
        "embedded": report.build.embedded,
        "sentences_embedded": report.build.sentences_embedded,
        "reused": report.build.reused,
        "chunks": report.build.chunks,
    }


def process_tree(pid: int) -> list[int]:
    """`pid` and every process below it (uvicorn's workers, chroma's threads are one process)."""
    found = [pid]
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children = (task / "children").read_text().split()
        except OSError:
            continue
        for child in children:
            found.extend(process_tree(int(child)))
    return found


def tree_memory_mb(roots: list[int]) -> tuple[float, float]:
    """(RSS now, sum of each process's peak RSS) over the process trees of `roots`, in MiB."""
    pids = [pid for root in roots for pid in process_tree(root)]
    return sum(rss_mb(pid) for pid in pids), sum(peak_rss_mb(pid) for pid in pids)


def served(data_dir: Path, log_dir: Path, workers: int, remote_chroma: bool) -> dict[str, Any]:
    """Serve the built store over HTTP as deployed, and measure start, asks and memory.

    With `remote_chroma`, a `chroma run` server holds the store (its vectors once, for every worker) and
    the API reaches it over HTTP; the catalog and BM25 caches stay in the data folder. Cold start = API
    process start → first answered POST /ask (model load and index load included).
    """
    questions = load_questions()
    random.Random(SEED).shuffle(questions)
    result: dict[str, Any] = {"workers": workers, "chroma_server": remote_chroma}
    with ExitStack() as stack:
        env, roots = {}, []
        if remote_chroma:
            chroma = stack.enter_context(chroma_server(data_dir / "chroma", log_dir / "chroma.log"))
            env = {"POLICYQA_CHROMA_HOST": HOST, "POLICYQA_CHROMA_PORT": chroma.base_url.rsplit(":", 1)[1]}
            result["chroma_ready_s"] = time.perf_counter() - chroma.started
            roots.append(chroma.process.pid)
        name = f"api-{workers}w{'-chroma' if remote_chroma else ''}.log"
        api = stack.enter_context(uvicorn_server(data_dir, log_dir / name, env, workers))
        roots.append(api.process.pid)
        result["cold_start_s"] = api.wait_for(
            "POST", "/ask", SERVED_TIMEOUT_S, json={"question": questions[0]}
        )
        result["all_ready_s"] = ready_streak(api.base_url, api.started)
        times, failures = ask_sequentially(api.base_url, questions[1 : 1 + SERVED_WARMUP + SERVED_QUESTIONS])
        result |= {
            "n": len(times),
            "failed": failures,
            "ask_p50_ms": statistics.median(times) if times else float("nan"),
            "ask_p95_ms": float(np.percentile(times, 95)) if times else float("nan"),
        }
        result["rss_mb"], result["rss_peak_mb"] = tree_memory_mb(roots)
    return result


def ready_streak(base_url: str, started: float) -> float:
    """Seconds from `started` until READY_STREAK consecutive /readyz answer 200 (every worker loaded)."""
    import httpx

    streak = 0
    with httpx.Client(base_url=base_url, timeout=30) as client:
        while streak < READY_STREAK and time.perf_counter() - started < SERVED_TIMEOUT_S:
            streak = streak + 1 if client.get("/readyz").status_code == 200 else 0
            if not streak:
                time.sleep(0.1)
    return time.perf_counter() - started


def ask_sequentially(base_url: str, questions: list[str]) -> tuple[list[float], int]:
    """(milliseconds of each answered ask after the warm-up ones, asks not answered 200)."""
    import httpx

    times: list[float] = []
    failures = 0
    with httpx.Client(base_url=base_url, timeout=ASK_LIMIT_S) as client:
        for position, question in enumerate(questions):
            started = time.perf_counter()
            try:
                ok = client.post("/ask", json={"question": question}).status_code == 200
            except httpx.HTTPError:
                ok = False
            if not ok:
                failures += 1
            elif position >= SERVED_WARMUP:
                times.append((time.perf_counter() - started) * 1000)
    return times, failures


def build_fingerprint(vectors: int) -> str:
    """What a built store of `vectors` sentence vectors depends on: the size, the embedder, the indexing
    code (index/), the synthetic corpus's code and the real documents. A kept store is reused only when this
    is unchanged (a change to the benchmark's measuring code keeps it)."""
    settings = Settings()
    digest = hashlib.sha256(f"{vectors}\n{settings.embed_model_path}\n{settings.embed_backend}\n".encode())
    repo = Path(__file__).resolve().parent.parent
    sources = [*sorted((repo / "index").rglob("*.py")), repo / "bench" / "synthetic.py"]
    sources += sorted(p for p in settings.documents_dir.rglob("*") if p.is_file())
    for source in sources:
        digest.update(f"{source.relative_to(repo)}\n".encode() + source.read_bytes())
    return digest.hexdigest()


def built_store(data_dir: Path, vectors: int, keep: bool) -> dict[str, Any]:
    """Build a store of `vectors` sentence vectors into `data_dir` in a fresh process; its build result.

    With `keep`, a store that the same code built there before is reused (the build of 1M sentence vectors
    takes most of an hour): its caches are removed, so that the first load is measured as a first load.
    """
    marker = data_dir / BUILD_MARKER
    fingerprint = build_fingerprint(vectors)
    if keep:
        try:
            saved = json.loads(marker.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            saved = {}
        if saved.get("fingerprint") == fingerprint:
            for cache in CACHE_FOLDERS:
                shutil.rmtree(data_dir / cache, ignore_errors=True)
            return dict(saved["build"]) | {"reused": True}
    shutil.rmtree(data_dir, ignore_errors=True)
    args = ["--child", "build", "--data-dir", str(data_dir), "--size", str(vectors)]
    built = run_child("bench.scale", args, BUILD_TIMEOUT_S)
    if keep:
        marker.write_text(json.dumps({"fingerprint": fingerprint, "build": built}), encoding="utf-8")
    return built


def measure_size(
    work_dir: Path, vectors: int, rounds: int, budget_s: float, keep: bool = False
) -> dict[str, Any]:
    """Build and measure one size in fresh processes, then delete its data folder (with `keep`, keep it
    unchanged for the next run, and add the notice to a copy of it)."""
    data_dir = work_dir / f"scale-{vectors}"
    added_dir = work_dir / f"scale-{vectors}-add"
    try:
        args = ["--data-dir", str(data_dir)]
        built = built_store(data_dir, vectors, keep)
        measured = run_child(
            "bench.scale",
            ["--child", "measure", *args, "--rounds", str(rounds), "--budget", str(budget_s)],
            CHILD_TIMEOUT_S,
        )
        servers = serve_both(data_dir, work_dir)
        if keep:
            shutil.rmtree(added_dir, ignore_errors=True)
            shutil.copytree(data_dir, added_dir, symlinks=True)
        target = added_dir if keep else data_dir
        added = run_child("bench.scale", ["--child", "add", "--data-dir", str(target)], CHILD_TIMEOUT_S)
    finally:
        shutil.rmtree(added_dir, ignore_errors=True)
        if not keep:
            shutil.rmtree(data_dir, ignore_errors=True)
    return {"build": built, "measure": measured, "add": added, "served": servers}


def serve_both(data_dir: Path, log_dir: Path) -> dict[str, dict[str, Any]]:
    """The store served as one embedded-Chroma worker, and as two workers on a `chroma run` server."""
    return {
        "embedded": served(data_dir, log_dir, 1, remote_chroma=False),
        "chroma server": served(data_dir, log_dir, 2, remote_chroma=True),
    }


def size_row(size: int, built: dict[str, Any], measured: dict[str, Any], added: dict[str, Any]) -> list[str]:
    """The build, disk, first load, memory and add row of one size."""
    return [
        "real corpus" if size == 0 else f"{size:,}",
        f"{built['sentences']:,}",
        f"{built['chunks']:,}",
        f"{built['units']:,}",
        fmt(built["compose_s"] + built["write_s"]),
        fmt(built["disk_mb"]),
        fmt(measured["load_s"], 2),
        fmt(measured["rss_loaded_mb"], 0),
        fmt(measured["rss_peak_mb"], 0),
        fmt(added["add_s"], 1),
    ]


def served_rows(size: int, servers: dict[str, dict[str, Any]]) -> list[list[str]]:
    """One row per served variant of one size."""
    return [
        [
            "real corpus" if size == 0 else f"{size:,}",
            variant,
            str(r["workers"]),
            fmt(r["cold_start_s"], 2),
            fmt(r["all_ready_s"], 2),
            str(r["n"]),
            str(r["failed"]),
            fmt(r["ask_p50_ms"]),
            fmt(r["ask_p95_ms"]),
            fmt(r["rss_mb"], 0),
            fmt(r["rss_peak_mb"], 0),
        ]
        for variant, r in servers.items()
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


def tables(results: dict[int, dict[str, Any]], rounds: int, budget_s: float) -> list[Table]:
    """The size, served and latency tables."""
    base = results[0]["measure"]["stats"]["wall"]["p50"]
    sizes = Table(
        "Scale: synthetic corpus — build, disk, memory and adding a notice",
        [
            "corpus (sentence vectors)",
            "sentence vectors",
            "chunks",
            "units",
            "build s",
            "disk MiB",
            "first load s",
            "RSS loaded MiB",
            "RSS peak MiB",
            "add one notice s",
        ],
        [size_row(size, r["build"], r["measure"], r["add"]) for size, r in results.items()],
        [
            "Each size: one fresh process builds into an empty folder through IndexStore.build (chunks, then "
            "every unit's title and sentences); fresh processes then load, serve and add to it.",
            "Synthetic tasks: ~19 real sentences under a real title; their vectors are composed from the "
            "real sentences' model vectors, each repeat with seeded noise (bench/synthetic.py).",
            "first load = Library.load of the freshly built store, model excluded: reads the catalog from "
            "Chroma and builds the BM25 index, and saves both for the next start (index/catalog_cache.py, "
            "<data_dir>/lexical). RSS: that measuring process (in-process asks below).",
            f"add one notice = ingest([{ADDED_NOTICE.name}], prune=False) in a fresh process with the model "
            "already loaded, as a server taking an upload: its chunks and sentences are written into the "
            "serving generation as a new revision (index/store.py), nothing is copied.",
        ],
    )
    serving = Table(
        "Scale: served over HTTP (uvicorn), embedded Chroma and a `chroma run` server",
        [
            "corpus",
            "variant",
            "API workers",
            "cold start s",
            "all workers ready s",
            "n",
            "failed",
            "ask p50 ms",
            "ask p95 ms",
            "RSS MiB",
            "RSS peak MiB",
        ],
        [row for size, r in results.items() for row in served_rows(size, r["served"])],
        [
            "cold start = uvicorn process start → first POST /ask answered 200 (imports, model, saved "
            "catalog and BM25 index, first HNSW query); all workers ready = 10 consecutive /readyz 200.",
            f"Then {SERVED_QUESTIONS} dev questions asked one after another (after {SERVED_WARMUP} untimed); "
            "failed = any answer other than 200.",
            "RSS = every process of the variant (uvicorn supervisor and workers; the chroma server): now, "
            "and the sum of each process's peak. The chroma server is started on the built folder first.",
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
                f"{size:,} sentence vectors, error ×{n}: {e}"
                for size, r in results.items()
                for e, n in r["measure"]["errors"].items()
            ),
        ],
    )
    return [sizes, serving, latency]


def checks(results: dict[int, dict[str, Any]]) -> list[Check]:
    """The issue's targets at the largest size."""
    base = results[0]["measure"]["stats"]["wall"]["p50"]
    size = max(results)
    largest = results[size]
    measured, servers = largest["measure"], largest["served"]
    failed = sum(measured["errors"].values())
    ratio = measured["stats"]["wall"]["p50"] / base
    detail = f"{measured['stats']['wall']['p50']:.1f} ms vs {base:.1f} ms"
    if failed:  # the failing questions are not a random subset: a ratio over the others would flatter
        detail = f"not judged: {failed} asks raised; over answered asks only: {ratio:.2f}× ({detail})"
        ratio = float("nan")
    at = f"at {size:,} sentence vectors"
    found = [
        Check(f"ask p50 {at} ≤ 2 × real corpus (in-process)", ratio, RATIO_TARGET, "×", detail),
        Check(
            f"asks that fail {at} (in-process and both served variants)",
            failed + sum(s["failed"] for s in servers.values()),
            0,
            "asks",
            "; ".join(measured["errors"])[:200],
        ),
        Check(f"add one notice {at}", largest["add"]["add_s"], ADD_TARGET_S, "s"),
    ]
    for variant, served_result in servers.items():
        found += [
            Check(
                f"server RSS peak {at}, {variant} ({served_result['workers']} API workers)",
                served_result["rss_peak_mb"],
                RSS_TARGET_MB,
                "MiB",
            ),
            Check(
                f"cold start {at}, {variant}: process start → first /ask 200",
                served_result["cold_start_s"],
                COLD_START_TARGET_S,
                "s",
            ),
        ]
    return found


def outcome(results: dict[int, dict[str, Any]], rounds: int, budget_s: float) -> Outcome:
    """The scale tables and the targets at the largest size."""
    return Outcome(
        "scale", tables(results, rounds, budget_s), checks(results), {str(k): v for k, v in results.items()}
    )


def run(
    sizes: list[int],
    rounds: int,
    budget_s: float,
    work_dir: Path | None = None,
    store_dir: Path | None = None,
) -> Outcome:
    """Build and measure the real corpus and each synthetic size; with `store_dir`, the built stores are
    kept there and reused by the next run of the same code."""
    started = time.perf_counter()
    if store_dir is not None:
        store_dir.mkdir(parents=True, exist_ok=True)
        results = {size: measure_size(store_dir, size, rounds, budget_s, keep=True) for size in [0, *sizes]}
    else:
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
    parser.add_argument(
        "--store-dir",
        type=Path,
        help="Keep each size's built store in this folder, and reuse one that the same code built there "
        "before (instead of temporary stores).",
    )
    parser.add_argument("--child", choices=["build", "measure", "add", "serve"], help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child == "build":
        emit(build(args.data_dir, args.size))
    elif args.child == "measure":
        emit(measure(args.data_dir, args.rounds, args.budget))
    elif args.child == "add":
        emit(add_notice(args.data_dir))
    elif args.child == "serve":  # both served variants of a store built (and measured once) before
        emit(serve_both(args.data_dir, args.data_dir.parent))
    else:
        run(args.sizes, args.rounds, args.budget, args.work_dir, args.store_dir).print()


if __name__ == "__main__":
    main()
