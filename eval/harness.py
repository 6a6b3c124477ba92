"""Run a gold split against any answerer and embedding model, with the retrieval baselines beside it."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator, Mapping
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
from eval.records import (
    DEFAULT_GOLD_SET,
    GOLD_SETS,
    PRODUCT,
    RETRIEVER,
    GoldItem,
    GoldSet,
    QuestionRecord,
    RunConfig,
    RunResult,
    Split,
    is_sealed,
    load_split,
)
from eval.report import write_report
from index.embed import model_name
from index.ingest import ingest
from index.model import Task
from index.settings import REPO_ROOT

RANK_DEPTH = 10  # ranked units kept per system; MRR looks this deep


def retrieval_query(item: GoldItem) -> str:
    """What the baselines search: the question, after the user's earlier turns for a follow-up.

    A follow-up such as "And who is responsible for that?" names nothing to search for; with the
    conversation's user turns it does.
    """
    return " ".join([*(turn.content for turn in item.history if turn.role == "user"), item.question])


def evaluate(service: PolicyQA, item: GoldItem, model: str, baselines: list[Baseline]) -> QuestionRecord:
    """Rank with the product, its retriever alone and each baseline, then answer.

    A failed call is recorded, not raised: it then scores as a wrong answer in every metric.
    """
    query = retrieval_query(item)
    record = QuestionRecord(**item.model_dump(exclude={"history"}))
    started = time.perf_counter()
    try:
        # the product is scored on the ranking its answerers receive: named, listed and follow-up units first
        rankings = {PRODUCT: service.rank(item.question, history=item.history, top_k=RANK_DEPTH)}
        # and its hybrid retriever on its own, searched like the baselines (no rules)
        rankings[RETRIEVER] = [hit.unit.id for hit in service.search(query, top_k=RANK_DEPTH)]
        rankings |= {baseline.name: baseline.rank(query, RANK_DEPTH) for baseline in baselines}
        record.rankings = rankings
        started = time.perf_counter()
        answer = service.ask(item.question, history=item.history, model=model)
    except Exception as exc:  # a remote model timing out on one question should not end the run
        record.error = f"{type(exc).__name__}: {exc}"
        record.grounding_lexical = 0.0  # like the product's grounding, which defaults to 0
        record.latency_ms = (time.perf_counter() - started) * 1000
        return record
    return with_answer(record, answer, (time.perf_counter() - started) * 1000, service.library.units)


def evidence_text(unit: Task) -> str:
    """What a unit says, for the eval's grounding check: its body sentences and responsibility line.

    Not its label, title or section name: those name the unit, and an answer that repeats them has not
    shown that the unit supports its claim.
    """
    return " ".join([*unit.sentences, unit.departments_text])


def with_answer(
    record: QuestionRecord, answer: Answer, wall_ms: float, units: Mapping[str, Task]
) -> QuestionRecord:
    """The record completed with what the answerer returned; `units` are the index's units by id."""
    cited_texts = {c.id: evidence_text(units[c.id]) for c in answer.citations if c.id in units}
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
    gold_set: str = DEFAULT_GOLD_SET,
) -> RunResult:
    """Evaluate `model` (default: the configured default answerer) on a split of a gold set.

    The service must be loaded on the gold set's own index (see `gold_set_index`).
    """
    items = load_split(split, GOLD_SETS[gold_set].gold_dir)[:limit]
    model = model or service.settings.default_model
    service.answerer(model)  # an unknown or broken model fails here, before any question
    systems = build_baselines(service.settings, service.library) if baselines else []
    records = [
        evaluate(service, item, model, systems)
        for item in track(items, description=f"{model} on {split}", disable=not show_progress, transient=True)
    ]
    return RunResult(
        config=run_config(service, model, split, len(records), gold_set),
        metrics=breakdown(records, product_metrics),
        baselines={b.name: breakdown(records, partial(retrieval_metrics, system=b.name)) for b in systems},
        retriever=breakdown(records, partial(retrieval_metrics, system=RETRIEVER)),
        records=records,
    )


def run_config(
    service: PolicyQA, model: str, split: str, questions: int, gold_set: str = DEFAULT_GOLD_SET
) -> RunConfig:
    """The configuration block of a run's result."""
    endpoint = next((e for e in service.settings.llm_endpoints if e.name == model), None)
    return RunConfig(
        model=model,
        embedding=service.library.embed_model,
        embedding_path=service.settings.embed_model_path,
        split=split,
        gold_set=gold_set,
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
def gold_set_index(settings: Settings, gold_set: GoldSet) -> Iterator[Settings]:
    """Settings whose index holds the gold set's own documents.

    The seeds' set uses the configured index when it serves the seeds' folder; any other set (the format
    zoo) is ingested into a temporary folder with its own collection, leaving the serving index untouched.
    """
    if settings.documents_dir.resolve() == gold_set.documents_dir.resolve():
        yield settings
        return
    if not gold_set.documents_dir.is_dir():
        raise FileNotFoundError(f"gold set {gold_set.name!r}: no documents folder {gold_set.documents_dir}")
    with TemporaryDirectory(prefix=f"policyqa-eval-{gold_set.name}-") as folder:
        scoped = with_settings(
            settings,
            data_dir=Path(folder),
            documents_dir=gold_set.documents_dir,
            collection=f"{settings.collection}-eval-{gold_set.name}",
        )
        report = ingest(scoped)
        if report.errors:
            raise RuntimeError(f"gold set {gold_set.name!r}: " + "; ".join(str(e) for e in report.errors))
        yield scoped


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
    """eval/results/<timestamp>-<model>-<split>/ (…-<gold set>-<split>/ for a set other than the seeds)."""
    stamp = datetime.fromisoformat(result.config.date).strftime("%Y%m%d-%H%M%S")
    config = result.config
    split = config.split if config.gold_set == DEFAULT_GOLD_SET else f"{config.gold_set}-{config.split}"
    return settings.eval_results_dir / f"{stamp}-{slug(config.model)}-{split}"


def sealed(result: RunResult) -> RunResult:
    """The result as it may be written: a test-split run keeps its aggregates and drops its questions.

    The test split is sealed: a file listing its questions with what failed would be read, and tuned to.
    """
    return result.model_copy(update={"records": []}) if is_sealed(result.config.split) else result


def write_run(result: RunResult, out_dir: Path) -> Path:
    """Write result.json, report.md and chart.png into `out_dir`; returns the report's path.

    A test-split run is written sealed: metrics only, no per-question records or failures.
    """
    result = sealed(result)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "result.json").write_text(result.model_dump_json(indent=2), encoding="utf-8")
    return write_report(result, out_dir)
