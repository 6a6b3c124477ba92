"""Reference: the dev questions through a plain llama-index VectorStoreIndex retriever, against PolicyQA.

The reference indexes the same cleaned text with llama-index defaults (SentenceSplitter, a default Chroma
collection, the same embedding model) and retrieves `top_k` nodes; nothing else. PolicyQA's ask and its
retrieval alone are timed in the same loop, question by question, so both see the same machine.

Recall too: on each dev gold split (seeds dev and fresh-dev on the seeds, zoo dev on a fresh index of the
format zoo), recall@5 and MRR of the reference retriever (each node stands for the units whose text it holds,
as eval's fixed-chunk baseline maps them), of PolicyQA's hybrid retriever alone and of the ranking its
answerers receive. Only dev splits are read (the test splits are sealed).

    python -m bench.reference [--data-dir DIR] [--rounds 3]
"""

from __future__ import annotations

import tempfile
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.settings import Settings
from bench.common import (
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
from bench.latency import load_service, sample, service_calls

if TYPE_CHECKING:
    from llama_index.core.base.base_retriever import BaseRetriever
    from llama_index.core.base.embeddings.base import BaseEmbedding
    from llama_index.core.schema import Document

    from assistant.service import PolicyQA
    from eval.records import GoldItem
    from index.model import Task

COLLECTION = "llamaindex-reference"
RANK_DEPTH = 10
# the rankings compared on each split: key in `quality`'s scores → row label
RANKERS = {
    "reference": "llama-index VectorStoreIndex retriever",
    "retriever": "PolicyQA retriever (hybrid)",
    "product": "PolicyQA as answered (PolicyQA.rank)",
}


def cleaned_documents(settings: Settings) -> list[Document]:
    """One llama-index Document per source: its cleaned text (paragraphs of whole lines), before parsing."""
    from llama_index.core.schema import Document

    from index.clean import clean_text
    from index.load import LoadError, find_sources, read_manifest, read_source

    manifest = read_manifest(settings.manifest_path)
    documents = []
    for path in find_sources([settings.documents_dir])[0]:
        source = read_source(path, manifest)
        if isinstance(source, LoadError):
            continue
        cleaned = clean_text(source.text)
        text = "\n\n".join("\n".join(paragraph) for paragraph in cleaned.paragraphs)
        documents.append(Document(text=text, metadata={"doc_id": source.info.id}))
    return documents


def build_reference(
    settings: Settings, embedder: BaseEmbedding, store_dir: Path
) -> tuple[BaseRetriever, int]:
    """(retriever, nodes) of a default VectorStoreIndex over the cleaned sources, stored in `store_dir`."""
    from llama_index.core import StorageContext, VectorStoreIndex
    from llama_index.core.node_parser import SentenceSplitter
    from llama_index.vector_stores.chroma import ChromaVectorStore

    from index.store import chroma_client

    collection = chroma_client(Settings(data_dir=store_dir)).get_or_create_collection(COLLECTION)
    index = VectorStoreIndex.from_documents(
        cleaned_documents(settings),
        storage_context=StorageContext.from_defaults(
            vector_store=ChromaVectorStore(chroma_collection=collection)
        ),
        embed_model=embedder,
        transformations=[SentenceSplitter()],
    )
    return index.as_retriever(similarity_top_k=settings.top_k), collection.count()


def reference_ranking(retriever: BaseRetriever, units: list[Task]) -> Callable[[str], list[str]]:
    """Unit ids ranked by the reference retriever: each node's units (eval's mapping), each unit once."""
    from eval.baselines import units_of_chunk

    mapped: dict[str, list[str]] = {}

    def rank(query: str) -> list[str]:
        ranked: list[str] = []
        for hit in retriever.retrieve(query):
            if hit.node.node_id not in mapped:
                mapped[hit.node.node_id] = units_of_chunk(hit.node.get_content(), units)
            ranked.extend(mapped[hit.node.node_id])
        return list(dict.fromkeys(ranked))

    return rank


def quality(service: PolicyQA, retriever: BaseRetriever, gold_set: str, split: str) -> dict[str, float]:
    """recall@5 and MRR over a dev split's answerable questions: reference, PolicyQA retriever, product."""
    from eval.harness import retrieval_query
    from eval.metrics import recall_at_k, reciprocal_rank
    from eval.records import GOLD_SETS, load_split

    reference = reference_ranking(retriever, list(service.library.units.values()))
    items = [i for i in load_split(split, GOLD_SETS[gold_set].gold_dir) if i.answerable and i.gold_ids]
    rankings: dict[str, Callable[[GoldItem], list[str]]] = {
        "reference": lambda i: reference(retrieval_query(i)),
        "retriever": lambda i: [h.unit.id for h in service.search(retrieval_query(i), top_k=RANK_DEPTH)],
        "product": lambda i: service.rank(i.question, history=i.history, top_k=RANK_DEPTH),
    }
    totals: dict[str, float] = defaultdict(float)
    for item in items:
        for name, ranking in rankings.items():
            ranked = ranking(item)
            totals[f"{name} recall@5"] += recall_at_k(ranked, item.gold_ids, 5)
            totals[f"{name} mrr"] += reciprocal_rank(ranked, item.gold_ids)
    return {name: value / max(len(items), 1) for name, value in totals.items()} | {"n": len(items)}


def zoo_service(work_dir: Path, settings: Settings) -> PolicyQA:
    """A loaded service on a fresh index of the format zoo, with `settings`' embedder."""
    from eval.records import GOLD_SETS
    from index.ingest import ingest

    zoo = settings.model_copy(
        update={"data_dir": work_dir / "zoo-data", "documents_dir": GOLD_SETS["zoo"].documents_dir}
    )
    report = ingest(zoo)
    if report.errors:
        raise RuntimeError(f"ingest of the format zoo failed: {report.errors}")
    return load_service(zoo.data_dir, zoo)


def recall_table(scores: dict[str, dict[str, float]]) -> Table:
    """recall@5 and MRR of the reference retriever against PolicyQA's, per dev split."""
    rows = []
    for split, q in scores.items():
        for name, label in RANKERS.items():
            rows.append(
                [f"{split} ({q['n']:.0f})", label, fmt(q[f"{name} recall@5"], 4), fmt(q[f"{name} mrr"], 4)]
            )
    return Table(
        "Reference: plain llama-index retriever vs PolicyQA, dev recall (same run)",
        ["split (answerable)", "ranking", "recall@5", "MRR"],
        rows,
        [
            "Reference nodes stand for the units whose text they hold (eval.baselines.units_of_chunk); "
            "the query is eval's retrieval query (a follow-up's earlier user turns, then the question).",
            "PolicyQA retriever: HybridRetriever alone; PolicyQA as answered: the ranking its answerers "
            "receive (PolicyQA.rank, eval's 'product'). Zoo dev is asked over a fresh index of eval/zoo.",
        ],
    )


def run(
    service: PolicyQA, rounds: int, questions: list[str] | None = None, work_dir: Path | None = None
) -> Outcome:
    """Time the reference retriever and PolicyQA side by side; ratios of their p50s; dev recall of both."""
    questions = questions or load_questions()
    scores: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="pqbench-reference-", dir=work_dir) as tmp:
        build_ms, (retriever, nodes) = timed_ms(
            lambda: build_reference(service.settings, service.library.embedder, Path(tmp))
        )
        calls = {"search": service_calls(service)["search"], "reference": retriever.retrieve}
        samples = sample(service.ask, calls, questions, rounds)
        for split in ("dev", "fresh-dev"):
            scores[f"seeds/{split}"] = quality(service, retriever, "seeds", split)
        zoo = zoo_service(Path(tmp), service.settings)
        zoo_retriever, _ = build_reference(zoo.settings, zoo.library.embedder, Path(tmp) / "zoo-reference")
        scores["zoo/dev"] = quality(zoo, zoo_retriever, "zoo", "dev")
    stats = {name: Stats.of(samples.ms[name]) for name in ("wall", "search", "reference")}
    reference = stats["reference"].p50
    rows = [
        ["llama-index VectorStoreIndex retriever", *stats_cells(stats["reference"]), "1.00"],
        [
            "PolicyQA.search (hybrid retrieval)",
            *stats_cells(stats["search"]),
            fmt(stats["search"].p50 / reference, 2),
        ],
        [
            "PolicyQA.ask (extractive answer)",
            *stats_cells(stats["wall"]),
            fmt(stats["wall"].p50 / reference, 2),
        ],
    ]
    table = Table(
        "Reference: plain llama-index retriever vs PolicyQA, same run (ms)",
        ["pipeline", "p50", "p95", "p99", "p50 ratio to reference"],
        rows,
        [
            f"Reference: SentenceSplitter defaults over the cleaned text → {nodes} nodes in a default Chroma "
            f"collection, same all-MiniLM-L6-v2 embedder, top_k={service.settings.top_k}; built in "
            f"{build_ms / 1000:.1f} s.",
            f"{len(questions)} dev questions × {rounds} rounds after a warm-up pass, interleaved.",
        ],
    )
    raw = {name: s.__dict__ for name, s in stats.items()} | {"nodes": nodes, "build_s": build_ms / 1000}
    raw["quality"] = scores
    return Outcome("reference", [table, recall_table(scores)], [], raw)


def main() -> None:
    """Command line: print the reference comparison."""
    parser = arg_parser(__doc__)
    parser.add_argument("--rounds", type=int, default=3, help="Timed passes over the questions.")
    args = parser.parse_args()
    with index_dir(args.data_dir) as data_dir:
        run(load_service(data_dir), args.rounds).print()


if __name__ == "__main__":
    main()
