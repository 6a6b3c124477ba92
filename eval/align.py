"""Task alignment measured against hand labels: precision and recall of the links, new and dropped tasks.

    python -m eval.align [--split dev|test|all] [--json]      (also: policyqa eval align)

Gold labels: eval/gold/align.json (format in its `_about`). Each gold pair names the folder its two
documents are read from; they are loaded, cleaned and parsed exactly as ingest does, and aligned with the
real embedding model. Scored facts: every gold link (the later task continues the earlier one, or one of its
`accept` alternatives), every new later task and every dropped earlier task. A predicted fact is correct
when the gold has it; an earlier task that is only an accepted alternative is not scored when dropped.
The change kinds (targets, deadlines, departments) of correctly linked pairs are scored separately, where the
gold labels them.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, cast

from pydantic import BaseModel, Field

from index.align import LinkStatus, PairAlignment, align_pair, embedding_lookup, tasks_by_document
from index.model import Task
from index.settings import REPO_ROOT, IndexSettings

GOLD_PATH = Path(__file__).resolve().parent / "gold" / "align.json"
TARGET = 0.9  # precision and recall the test split must reach


class GoldLink(BaseModel):
    from_id: str = Field(alias="from")
    to_id: str = Field(alias="to")
    changes: list[str] | None = None  # None: not labelled
    accept: list[str] = Field(default_factory=list)
    note: str = ""


class GoldPair(BaseModel):
    split: str
    documents: str  # folder holding the two documents and their manifest.json, relative to the repo
    from_doc: str = Field(alias="from")
    to_doc: str = Field(alias="to")
    links: list[GoldLink]
    new: list[str]
    dropped: list[str]
    note: str = ""


def load_gold(path: Path = GOLD_PATH) -> list[GoldPair]:
    return [GoldPair.model_validate(p) for p in json.loads(path.read_text(encoding="utf-8"))["pairs"]]


@dataclass
class PairScore:
    """Counts of one pair; the errors name each wrong or missed fact."""

    pair: str
    correct: int = 0
    predicted: int = 0
    gold: int = 0
    kinds_correct: int = 0
    kinds_scored: int = 0
    errors: list[str] = field(default_factory=list)


def score_pair(gold: GoldPair, predicted: PairAlignment) -> PairScore:
    """Compare one predicted alignment with its hand labels."""
    score = PairScore(pair=f"{gold.from_doc}→{gold.to_doc}")
    accepted = {g.to_id: {g.from_id, *g.accept} for g in gold.links}
    alternatives = {a for g in gold.links for a in g.accept}
    linked = {lk.to_id: lk for lk in predicted.links if lk.from_id and lk.to_id}
    for link in linked.values():
        assert link.to_id is not None
        score.predicted += 1
        if link.from_id in accepted.get(link.to_id, set()):
            score.correct += 1
        else:
            score.errors.append(f"wrong link {link.from_id} → {link.to_id}")
    for g in gold.links:
        score.gold += 1
        found = linked.get(g.to_id)
        if found is None or found.from_id not in accepted[g.to_id]:
            score.errors.append(f"missed link {g.from_id} → {g.to_id}")
        elif g.changes is not None:
            score.kinds_scored += 1
            kinds = sorted(c.value for c in found.changes)
            if kinds == sorted(g.changes):
                score.kinds_correct += 1
            else:
                score.errors.append(f"{g.from_id} → {g.to_id}: changes {kinds}, gold {sorted(g.changes)}")
    for status, gold_ids, attribute in (
        (LinkStatus.NEW, set(gold.new), "to_id"),
        (LinkStatus.DROPPED, set(gold.dropped), "from_id"),
    ):
        predicted_ids = {getattr(lk, attribute) for lk in predicted.of_status(status)}
        if status is LinkStatus.DROPPED:
            predicted_ids -= alternatives - set(gold.dropped)  # an unused alternative may be dropped
        score.predicted += len(predicted_ids)
        score.gold += len(gold_ids)
        score.correct += len(predicted_ids & gold_ids)
        score.errors += [f"{status.value} {i} is not" for i in sorted(predicted_ids - gold_ids)]
        score.errors += [f"{status.value} {i} missed" for i in sorted(gold_ids - predicted_ids)]
    return score


def parsed_tasks(folder: Path) -> dict[str, list[Task]]:
    """The tasks of every document in `folder` (with its manifest.json), parsed as ingest parses them."""
    from index.ingest import parse_sources

    documents, errors, _ = parse_sources([folder], folder / "manifest.json")  # the zoo has no manifest
    if errors:
        raise RuntimeError("; ".join(str(e) for e in errors))
    return tasks_by_document(u for d in documents for u in d.units)


def evaluate(
    split: str, gold_path: Path = GOLD_PATH, settings: IndexSettings | None = None
) -> dict[str, object]:
    """Precision, recall and change-kind accuracy over the gold pairs of `split` ("all" for every pair)."""
    from index.embed import settings_embedder

    settings = settings or IndexSettings()
    embedder = settings_embedder(settings)
    pairs = [p for p in load_gold(gold_path) if split == "all" or p.split == split]
    scores: list[PairScore] = []
    skipped: list[str] = []
    for gold in pairs:
        folder = REPO_ROOT / gold.documents
        if not folder.is_dir():  # the format zoo arrives with the multi-format loader
            skipped.append(f"{gold.from_doc}→{gold.to_doc}: {gold.documents} not found")
            continue
        by_doc = parsed_tasks(folder)
        tasks = [*by_doc[gold.from_doc], *by_doc[gold.to_doc]]
        vectors = embedding_lookup(tasks, embedder.get_text_embedding_batch)
        scores.append(score_pair(gold, align_pair(gold.from_doc, gold.to_doc, by_doc, vectors)))
    correct = sum(s.correct for s in scores)
    predicted = sum(s.predicted for s in scores)
    labelled = sum(s.gold for s in scores)
    kinds = sum(s.kinds_scored for s in scores)
    return {
        "split": split,
        "pairs": len(scores),
        "precision": round(correct / predicted, 4) if predicted else None,
        "recall": round(correct / labelled, 4) if labelled else None,
        "change_kind_accuracy": round(sum(s.kinds_correct for s in scores) / kinds, 4) if kinds else None,
        "per_pair": [asdict(s) for s in scores],
        "skipped": skipped,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", default="test", choices=["dev", "test", "zoo", "all"])
    parser.add_argument("--json", action="store_true", help="Print the whole result as JSON.")
    args = parser.parse_args(argv)
    result = evaluate(args.split)
    if args.json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        print(
            f"alignment on {args.split} ({result['pairs']} pairs): precision {result['precision']}, "
            f"recall {result['recall']}, change kinds {result['change_kind_accuracy']}"
        )
        for reason in cast(list[str], result["skipped"]):
            print(f"  skipped {reason}")
        for pair in cast(list[dict[str, Any]], result["per_pair"]):
            for error in pair["errors"]:
                print(f"  {pair['pair']}: {error}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
