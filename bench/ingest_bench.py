"""Ingest: a full build into an empty data folder, and re-ingest when nothing changed.

    python -m bench.ingest_bench [--embed-chunks 1000]

Every measurement runs in a fresh process, as `policyqa ingest` would: the full build includes loading
the embedding model. The real corpus is small (tens of chunks), so the embedding rate is also measured on
`--embed-chunks` synthetic chunks embedded by the real model through the same IndexStore.build.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Any

from assistant.settings import Settings
from bench.common import (
    Check,
    Outcome,
    Table,
    arg_parser,
    emit,
    fmt,
    run_child,
    run_cli,
    timed_ms,
)

TIMEOUT_S = 900
REINGEST_TARGET_S = 2.0


def full_build(data_dir: Path) -> dict[str, Any]:
    """(child) ingest() into an empty folder, then ingest() again in the same process: nothing changed."""
    from index.ingest import ingest

    settings = Settings(data_dir=data_dir)
    first = ingest(settings)
    again = ingest(settings)
    assert first.build is not None and again.build is not None
    return {
        "units": first.units,
        "chunks": first.build.chunks,
        "embedded": first.build.embedded,
        "ingest_s": first.seconds,
        "build_s": first.build.seconds,
        "again_s": again.seconds,
        "again_embedded": again.build.embedded,
    }


def reingest(data_dir: Path) -> dict[str, Any]:
    """(child) ingest() of an unchanged corpus in a fresh process."""
    from index.ingest import ingest

    seconds, report = timed_ms(lambda: ingest(Settings(data_dir=data_dir)))
    assert report.build is not None
    return {"ingest_s": seconds / 1000, "embedded": report.build.embedded, "swapped": report.build.swapped}


def embed_rate(data_dir: Path, chunks: int) -> dict[str, Any]:
    """(child) IndexStore.build of `chunks` synthetic chunks, every one embedded by the model."""
    from bench.scale import corpus_nodes
    from index.embed import embedding_name, settings_embedder
    from index.store import open_store

    settings = Settings(data_dir=data_dir)
    model = settings_embedder(settings)
    nodes, _ = corpus_nodes(settings, chunks)
    report = open_store(settings).build(
        nodes, lambda: model, batch_size=settings.embed_batch_size, embedding=embedding_name(settings)
    )
    return {"chunks": report.embedded, "build_s": report.seconds}


def cli_reingest_seconds(data_dir: Path) -> float:
    """Wall-clock seconds of `python -m assistant.cli ingest` on an unchanged corpus."""
    started = time.perf_counter()
    completed = run_cli(["ingest"], data_dir, TIMEOUT_S)
    if completed.returncode != 0:
        raise RuntimeError(f"policyqa ingest failed ({completed.returncode}): {completed.stderr[-2000:]}")
    return time.perf_counter() - started


def child(mode: str, data_dir: Path, chunks: int = 0) -> dict[str, Any]:
    """Run one measurement in a fresh process."""
    args = ["--child", mode, "--data-dir", str(data_dir), "--embed-chunks", str(chunks)]
    return run_child("bench.ingest_bench", args, TIMEOUT_S)


def run(embed_chunks: int, work_dir: Path | None = None) -> Outcome:
    """Full build, unchanged re-ingest (same process, fresh process, CLI) and the embedding rate."""
    with tempfile.TemporaryDirectory(prefix="pqbench-ingest-", dir=work_dir) as tmp:
        data_dir = Path(tmp) / "data"
        full = child("full", data_dir)
        again = child("again", data_dir)
        cli = cli_reingest_seconds(data_dir)
        rate = child("rate", Path(tmp) / "rate", embed_chunks) if embed_chunks else None
    rows = [
        [
            "full build, real corpus: ingest() total",
            fmt(full["ingest_s"], 2),
            str(full["chunks"]),
            fmt(full["chunks"] / full["ingest_s"]),
        ],
        [
            "full build: its IndexStore.build part (embed + write)",
            fmt(full["build_s"], 2),
            str(full["embedded"]),
            fmt(full["embedded"] / full["build_s"]),
        ],
        ["re-ingest, nothing changed: ingest() in the same process", fmt(full["again_s"], 2), "0", "–"],
        ["re-ingest, nothing changed: ingest() in a fresh process", fmt(again["ingest_s"], 2), "0", "–"],
        ["re-ingest, nothing changed: python -m assistant.cli ingest (wall)", fmt(cli, 2), "0", "–"],
    ]
    if rate:
        rows.append(
            [
                f"embedding rate: build of {rate['chunks']:,} synthetic chunks",
                fmt(rate["build_s"], 2),
                f"{rate['chunks']:,}",
                fmt(rate["chunks"] / rate["build_s"]),
            ]
        )
    table = Table(
        "Ingest",
        ["measurement", "seconds", "chunks embedded", "chunks/s"],
        rows,
        [f"Real corpus: {full['units']} units → {full['chunks']} chunks; full build includes model load."],
    )
    checks = [
        Check("unchanged re-ingest: ingest() in a fresh process", again["ingest_s"], REINGEST_TARGET_S, "s"),
        Check("unchanged re-ingest: CLI process, start → exit", cli, REINGEST_TARGET_S, "s"),
    ]
    raw = {"full": full, "again": again, "cli_s": cli, "rate": rate}
    return Outcome("ingest", [table], checks, raw)


def main() -> None:
    """Command line: print the ingest table (or, as a child, emit one measurement)."""
    parser = arg_parser(__doc__, data_dir=False)
    parser.add_argument(
        "--embed-chunks", type=int, default=1000, help="Synthetic chunks for the rate; 0: skip."
    )
    parser.add_argument("--child", choices=["full", "again", "rate"], help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child == "full":
        emit(full_build(args.data_dir))
    elif args.child == "again":
        emit(reingest(args.data_dir))
    elif args.child == "rate":
        emit(embed_rate(args.data_dir, args.embed_chunks))
    else:
        run(args.embed_chunks).print()


if __name__ == "__main__":
    main()
