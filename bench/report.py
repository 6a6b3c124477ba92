"""The machine a run was on, and the Markdown report of a run's outcomes."""

from __future__ import annotations

import os
import platform
import time
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from bench.common import Outcome, Table, checks_table, fmt

PACKAGES = [
    "chromadb",
    "llama-index-core",
    "llama-index-vector-stores-chroma",
    "llama-index-embeddings-huggingface",
    "sentence-transformers",
    "transformers",
    "torch",
    "bm25s",
    "numpy",
    "fastapi",
    "uvicorn",
    "httpx",
    "pydantic",
]
CALIBRATION_LOOPS = 3_000_000
# Text after this line in an existing report is kept when the report is regenerated (hand-written analysis).
KEEP_MARKER = "<!-- Written by hand below this line; kept when bench.run_all regenerates the report. -->"


def cpu_model() -> str:
    """The CPU model name from /proc/cpuinfo."""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def memory_gib() -> float:
    """Total memory from /proc/meminfo, in GiB."""
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return float(line.split()[1]) / 2**20
    return float("nan")


def package_version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


def calibration_ms() -> float:
    """Milliseconds of a fixed pure-Python loop: compare runs (and see contention from other processes)."""
    started = time.perf_counter()
    total = 0
    for i in range(CALIBRATION_LOOPS):
        total += i & 7
    return (time.perf_counter() - started) * 1000


def machine() -> dict[str, str]:
    """What the run was on: CPUs, memory, Python, key packages, torch threads, load."""
    import torch

    load = os.getloadavg()
    info = {
        "CPUs (nproc)": str(len(os.sched_getaffinity(0))),
        "CPU model (/proc/cpuinfo)": cpu_model(),
        "memory": f"{memory_gib():.1f} GiB",
        "OS": f"{platform.system()} {platform.release()}",
        "Python": platform.python_version(),
        "torch threads": str(torch.get_num_threads()),
        "load average (1/5/15 min) at start": " / ".join(f"{v:.2f}" for v in load),
        "calibration loop at start": f"{calibration_ms():.0f} ms",
    }
    return info | {name: package_version(name) for name in PACKAGES}


def machine_table(info: dict[str, str]) -> Table:
    return Table("Machine", ["what", "value"], [[k, v] for k, v in info.items()])


def run_table(outcomes: list[Outcome]) -> Table:
    rows = [
        [
            o.name,
            fmt(o.seconds),
            " → ".join(f"{v:.1f}" for v in o.raw.get("load", [])),
            o.raw.get("error", ""),
        ]
        for o in outcomes
    ]
    return Table(
        "Benchmarks of this run",
        ["benchmark", "seconds", "load average (1 min) before → after", "error"],
        rows,
        ["Load average above the CPU count means other processes competed for the CPUs during that step."],
    )


def kept_text(path: Path) -> str:
    """The hand-written part of an existing report, marker included; the bare marker when there is none."""
    if path.exists():
        text = path.read_text(encoding="utf-8")
        if KEEP_MARKER in text:
            return text[text.index(KEEP_MARKER) :]
    return KEEP_MARKER + "\n"


def render(
    outcomes: list[Outcome], info: dict[str, str], command: str, seconds: float, quick: bool, kept: str
) -> str:
    """The whole Markdown report."""
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    checks = [c for o in outcomes for c in o.checks]
    parts = [
        "# PolicyQA benchmarks",
        "",
        f"Generated {stamp} by `{command}` in {seconds / 60:.1f} minutes"
        + (" — **quick mode: a smoke run, not the reference numbers**." if quick else "."),
        "",
        machine_table(info).markdown(),
        "",
        "## Targets",
        "",
        checks_table(checks).markdown().removeprefix("### Targets\n\n"),
        "",
        "## Results",
        "",
        *(table.markdown() + "\n" for o in outcomes for table in o.tables),
        run_table(outcomes).markdown(),
        "",
        kept.rstrip(),
        "",
    ]
    return "\n".join(parts)
