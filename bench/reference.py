"""Reference: the dev questions through a plain llama-index VectorStoreIndex retriever, against PolicyQA.

The reference indexes the same cleaned text with llama-index defaults (SentenceSplitter, a default Chroma
collection, the same embedding model) and retrieves `top_k` nodes; nothing else. PolicyQA's ask and its
retrieval alone are timed in the same loop, question by question, so both see the same machine.

    python -m bench.reference [--data-dir DIR] [--rounds 3]
"""

from __future__ import annotations

import tempfile
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

COLLECTION = "llamaindex-reference"


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


def run(
    service: PolicyQA, rounds: int, questions: list[str] | None = None, work_dir: Path | None = None
) -> Outcome:
    """Time the reference retriever and PolicyQA side by side; ratios of their p50s."""
    questions = questions or load_questions()
    with tempfile.TemporaryDirectory(prefix="pqbench-reference-", dir=work_dir) as tmp:
        build_ms, (retriever, nodes) = timed_ms(
            lambda: build_reference(service.settings, service.library.embedder, Path(tmp))
        )
        calls = {"search": service_calls(service)["search"], "reference": retriever.retrieve}
        samples = sample(service.ask, calls, questions, rounds)
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
    return Outcome("reference", [table], [], raw)


def main() -> None:
    """Command line: print the reference comparison."""
    parser = arg_parser(__doc__)
    parser.add_argument("--rounds", type=int, default=3, help="Timed passes over the questions.")
    args = parser.parse_args()
    with index_dir(args.data_dir) as data_dir:
        run(load_service(data_dir), args.rounds).print()


if __name__ == "__main__":
    main()
