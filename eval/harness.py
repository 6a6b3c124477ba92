"""Run a gold split against any answerer and embedding model, with the retrieval baselines beside it."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from tempfile import TemporaryDirectory

from rich.progress import track

from assistant.core.types import Answer
from assistant.service import PolicyQA
from assistant.settings import LLMEndpoint, Settings
from eval.baselines import Baseline, build_baselines
from eval.metrics import breakdown, lexical_grounding, product_metrics, retrieval_metrics
from eval.records import GOLD_DIR, PRODUCT, GoldItem, QuestionRecord, RunConfig, RunResult, Split, load_split
from eval.report import write_report
from index.embed import model_name
from index.ingest import ingest
from index.settings import REPO_ROOT

RANK_DEPTH = 10  # ranked units kept per system; MRR looks this deep


def retrieval_query(item: GoldItem) -> str:
    """What the baselines search: the question, after the user's earlier turns for a follow-up.

    A follow-up such as "And who is responsible for that?" names nothing to search for; with the
    conversation's user turns it does.
    """
    return " ".join([*(turn.content for turn in item.history if turn.role == "user"), item.question])


def evaluate(service: PolicyQA, item: GoldItem, model: str, baselines: list[Baseline]) -> QuestionRecord:
    """Rank with the product and each baseline, then answer; one failed answer is recorded, not raised."""
    query = retrieval_query(item)
    # the product is scored on the ranking its answerers receive: named, listed and follow-up units first
    rankings = {PRODUCT: service.rank(item.question, history=item.history, top_k=RANK_DEPTH)}
    rankings |= {baseline.name: baseline.rank(query, RANK_DEPTH) for baseline in baselines}
    record = QuestionRecord(**item.model_dump(exclude={"history"}), rankings=rankings)
    started = time.perf_counter()
    try:
        answer = service.ask(item.question, history=item.history, model=model)
    except Exception as exc:  # a remote model timing out on one question should not end the run
        record.error = f"{type(exc).__name__}: {exc}"
        record.grounding_lexical = 0.0  # like the product's grounding, which defaults to 0
        record.latency_ms = (time.perf_counter() - started) * 1000
        return record
    return with_answer(record, answer, (time.perf_counter() - started) * 1000)


def with_answer(record: QuestionRecord, answer: Answer, wall_ms: float) -> QuestionRecord:
    """The record completed with what the answerer returned."""
    cited_texts = {c.id: f"{c.label} {c.title} {c.text}" for c in answer.citations}
    return record.model_copy(
        update={
            "answer": answer.answer,
            "citations": [c.id for c in answer.citations],
            "refused": answer.refused,
            "grounding": answer.grounding,
            "grounding_lexical": None if answer.refused else lexical_grounding(answer.answer, cited_texts),
            "unsupported": answer.unsupported,
            "latency_ms": answer.timings_ms.get("total", wall_ms),
        }
    )


def run_split(
    service: PolicyQA,
    split: Split,
    model: str | None = None,
    *,
    baselines: bool = True,
    limit: int | None = None,
    show_progress: bool = True,
    gold_dir: Path = GOLD_DIR,
) -> RunResult:
    """Evaluate `model` (default: the configured default answerer) on a gold split of a loaded service."""
    items = load_split(split, gold_dir)[:limit]
    model = model or service.settings.default_model
    service.answerer(model)  # an unknown or broken model fails here, before any question
    systems = build_baselines(service.settings, service.library) if baselines else []
    records = [
        evaluate(service, item, model, systems)
        for item in track(items, description=f"{model} on {split}", disable=not show_progress, transient=True)
    ]
    return RunResult(
        config=run_config(service, model, split, len(records)),
        metrics=breakdown(records, product_metrics),
        baselines={b.name: breakdown(records, partial(retrieval_metrics, system=b.name)) for b in systems},
        records=records,
    )


def run_config(service: PolicyQA, model: str, split: str, questions: int) -> RunConfig:
    """The configuration block of a run's result."""
    endpoint = next((e for e in service.settings.llm_endpoints if e.name == model), None)
    return RunConfig(
        model=model,
        embedding=service.library.embed_model,
        embedding_path=service.settings.embed_model_path,
        split=split,
        questions=questions,
        git_commit=git_commit(),
        date=datetime.now(UTC).isoformat(timespec="seconds"),
        base_url=endpoint.base_url if endpoint else None,
        model_name=endpoint.model if endpoint else None,
    )


# settings for what is evaluated


def slug(text: str) -> str:
    """`text` made safe for a file or model name."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-") or "x"


def with_settings(settings: Settings, **update: object) -> Settings:
    """A copy of `settings` with fields replaced, validated afresh (so derived paths follow)."""
    return type(settings)(**{**settings.model_dump(), **update})


def with_endpoint(settings: Settings, base_url: str, model: str) -> tuple[Settings, str]:
    """Settings offering an OpenAI-compatible endpoint as an extra answerer, and that answerer's name."""
    name = f"eval-{slug(model)}"
    endpoint = LLMEndpoint(name=name, base_url=base_url, model=model)
    endpoints = [e for e in settings.llm_endpoints if e.name != name]
    return with_settings(settings, llm_endpoints=[*endpoints, endpoint]), name


@contextmanager
def embedding_index(settings: Settings, embed_model: str) -> Iterator[Settings]:
    """Settings for a separate index of the documents embedded with `embed_model`, built in a temp folder."""
    with TemporaryDirectory(prefix="policyqa-eval-") as folder:
        scoped = with_settings(
            settings,
            data_dir=Path(folder),
            embed_model=embed_model,
            # its own collection too, so that a configured Chroma server keeps the serving index untouched
            collection=f"{settings.collection}-eval-{slug(model_name(embed_model))}",
        )
        report = ingest(scoped)
        if report.errors:
            raise RuntimeError("; ".join(str(e) for e in report.errors))
        yield scoped


# provenance and output


def git_commit(repo: Path = REPO_ROOT) -> str | None:
    """The checked-out commit, read from the .git folder (git itself is not run); None outside a checkout."""
    git_dir = repo / ".git"
    if git_dir.is_file():  # a linked worktree: the file names the real git folder
        git_dir = (repo / git_dir.read_text().removeprefix("gitdir:").strip()).resolve()
    try:
        head = (git_dir / "HEAD").read_text().strip()
    except OSError:
        return None
    if not head.startswith("ref:"):
        return head  # detached HEAD
    ref = head.removeprefix("ref:").strip()
    common = git_dir / "commondir"
    roots = [git_dir, (git_dir / common.read_text().strip()).resolve()] if common.is_file() else [git_dir]
    for root in roots:
        if (root / ref).is_file():
            return (root / ref).read_text().strip()
        packed = root / "packed-refs"
        if packed.is_file():
            for line in packed.read_text().splitlines():
                if line.endswith(f" {ref}"):
                    return line.split()[0]
    return None


def default_out_dir(settings: Settings, result: RunResult) -> Path:
    """eval/results/<timestamp>-<model>-<split>/ (the results folder is a setting)."""
    stamp = datetime.fromisoformat(result.config.date).strftime("%Y%m%d-%H%M%S")
    return settings.eval_results_dir / f"{stamp}-{slug(result.config.model)}-{result.config.split}"


def write_run(result: RunResult, out_dir: Path) -> Path:
    """Write result.json, report.md and chart.png into `out_dir`; returns the report's path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "result.json").write_text(result.model_dump_json(indent=2), encoding="utf-8")
    return write_report(result, out_dir)
