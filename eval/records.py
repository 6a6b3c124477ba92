"""What an evaluation reads and writes: gold items, per-question records and the whole run's result."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, Field

from assistant.core.types import Turn

EVAL_DIR = Path(__file__).resolve().parent
GOLD_DIR = EVAL_DIR / "gold"
PRODUCT = "hybrid"  # the product's full ranking (rules first, then retrieval), named among the baselines'
RETRIEVER = "retriever"  # the hybrid retriever alone (dense + BM25 fused), without the ranking rules
Split = str  # a gold file's name without ".jsonl": "dev", "test", "fresh-dev", …
SPLIT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")


@dataclass(frozen=True)
class GoldSet:
    """A gold question set and the corpus it is asked over: each set is run against its own index."""

    name: str
    gold_dir: Path
    documents_dir: Path

    def split_path(self, split: Split) -> Path:
        return split_path(split, self.gold_dir)


# The seeds (documents/) and the format zoo of issue 14 (eval/zoo/documents/), each with dev and test.
GOLD_SETS: dict[str, GoldSet] = {
    "seeds": GoldSet("seeds", GOLD_DIR, EVAL_DIR.parent / "documents"),
    "zoo": GoldSet("zoo", EVAL_DIR / "zoo" / "gold", EVAL_DIR / "zoo" / "documents"),
}
DEFAULT_GOLD_SET = "seeds"
MetricValues = dict[str, float | None]  # metric name → value; None where the metric is undefined


class GoldQuestion(BaseModel):
    """What a gold question says, without its conversation (schema in eval/gold/README.md)."""

    id: str
    question: str
    category: str
    answerable: bool
    gold_ids: list[str]
    key_facts: list[list[str]]
    notes: str = ""


class GoldItem(GoldQuestion):
    """One question of a gold split, with the conversation before it for a follow-up."""

    history: list[Turn] = Field(default_factory=list)


class UnknownSplitError(ValueError):
    """A split name with no gold file behind it."""

    def __init__(self, split: str, available: list[str]) -> None:
        super().__init__(f"no gold split {split!r}; available: {', '.join(available) or 'none'}")
        self.split = split
        self.available = available


def available_splits(gold_dir: Path = GOLD_DIR) -> list[str]:
    """The split names a gold folder offers: one per `<split>.jsonl` file, sorted."""
    return sorted(p.stem for p in gold_dir.glob("*.jsonl") if SPLIT_NAME.fullmatch(p.stem))


def is_sealed(split: Split) -> bool:
    """A test split — `test` or any `<name>-test` (fresh-test, reform-test) — is sealed: aggregates only."""
    return split == "test" or split.endswith("-test")


def split_path(split: Split, gold_dir: Path = GOLD_DIR) -> Path:
    """The gold file of `split`: `<gold_dir>/<split>.jsonl`, so a new gold file is a new split without code.

    Names are plain file stems, so a split can never point outside the gold folder.
    """
    path = gold_dir / f"{split}.jsonl"
    if not SPLIT_NAME.fullmatch(split) or not path.is_file():
        raise UnknownSplitError(split, available_splits(gold_dir))
    return path


def load_split(split: Split, gold_dir: Path = GOLD_DIR) -> list[GoldItem]:
    """The gold items of `split` in `gold_dir` (a gold set's folder), in file order."""
    lines = split_path(split, gold_dir).read_text(encoding="utf-8").splitlines()
    return [GoldItem.model_validate_json(line) for line in lines if line.strip()]


class QuestionRecord(GoldQuestion):
    """A gold item together with what the system under test returned for it."""

    rankings: dict[str, list[str]] = Field(
        default_factory=dict, description="Retrieval system → unit ids, best first."
    )
    answer: str = ""
    citations: list[str] = Field(default_factory=list, description="Cited unit ids, in order.")
    refused: bool = False
    grounding: float = Field(0.0, description="The product's grounding score (Answer.grounding).")
    grounding_lexical: float | None = Field(None, description="The eval's own lexical grounding check.")
    unsupported: list[str] = Field(default_factory=list)
    latency_ms: float = 0.0
    error: str | None = None


class Breakdown(BaseModel):
    """Metric values over all questions and per category."""

    overall: MetricValues
    by_category: dict[str, MetricValues]


class RunConfig(BaseModel):
    """What was evaluated, and when."""

    model: str
    embedding: str
    embedding_path: str
    split: str
    gold_set: str = DEFAULT_GOLD_SET
    questions: int
    git_commit: str | None
    date: str
    base_url: str | None = None
    model_name: str | None = None


class RunResult(BaseModel):
    """One evaluation run: configuration, metrics (product and baselines) and per-question records."""

    config: RunConfig
    metrics: Breakdown
    baselines: dict[str, Breakdown] = Field(
        default_factory=dict, description="Retrieval metrics of baselines."
    )
    retriever: Breakdown | None = Field(
        None, description="Retrieval metrics of the hybrid retriever alone, without the ranking rules."
    )
    records: list[QuestionRecord] = Field(
        default_factory=list, description="Per question; withheld (empty) for the sealed test split."
    )

    @classmethod
    def load(cls, path: Path) -> RunResult:
        return cls.model_validate_json(path.read_text(encoding="utf-8"))
