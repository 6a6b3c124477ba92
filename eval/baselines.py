"""Retrieval baselines scored in the same run as the product: BM25 alone, and plain fixed-size chunks.

Both rank unit ids, so they are scored against the gold ids exactly like the product's hybrid retrieval.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Protocol

from assistant.core.library import Library
from assistant.core.retrieve import LexicalIndex
from assistant.settings import Settings
from index.clean import clean_text
from index.embed import token_counter
from index.load import LoadError, find_sources, read_manifest, read_source
from index.model import Task

if TYPE_CHECKING:
    from tokenizers import Tokenizer

SHINGLE = 5  # words per shingle when measuring how much of a unit's text a chunk holds


class Baseline(Protocol):
    """A retrieval system that ranks unit ids for a query."""

    name: str

    def rank(self, query: str, depth: int) -> list[str]: ...


class Bm25Baseline:
    """BM25 alone over the product's own task-level chunks."""

    name = "bm25"

    def __init__(self, library: Library) -> None:
        self._chunks = library.retriever.catalog.chunks
        self._index = LexicalIndex(self._chunks)

    def rank(self, query: str, depth: int) -> list[str]:
        """Unit ids, best first; a unit split into parts ranks once, by its best part."""
        hits = self._index.search(query, self._index.size)
        return list(dict.fromkeys(self._chunks[position].unit_id for position, _ in hits))[:depth]


class FixedChunkBaseline:
    """A plain llama-index VectorStoreIndex over SentenceSplitter chunks (its defaults) of the cleaned text.

    Uses the same embedding model as the product, in llama-index's in-memory vector store. Each retrieved
    chunk stands for the units whose text it holds (see `units_of_chunk`).
    """

    name = "fixed_chunks"

    def __init__(self, settings: Settings, library: Library) -> None:
        from llama_index.core import Document, VectorStoreIndex
        from llama_index.core.node_parser import SentenceSplitter

        documents = [
            Document(text=text, metadata={"doc_id": doc_id}) for doc_id, text in cleaned_texts(settings)
        ]
        splitter = SentenceSplitter(tokenizer=unpadded_token_ids(token_counter(settings.embed_model_path)))
        nodes = splitter.get_nodes_from_documents(documents)
        units = list(library.units.values())
        self.chunks = len(nodes)
        self._units = {node.node_id: units_of_chunk(node.get_content(), units) for node in nodes}
        self._index = VectorStoreIndex(nodes, embed_model=library.embedder)

    def rank(self, query: str, depth: int) -> list[str]:
        """Unit ids of the best chunks, in chunk order, each unit once."""
        retrieved = self._index.as_retriever(similarity_top_k=depth).retrieve(query)
        return list(dict.fromkeys(u for hit in retrieved for u in self._units[hit.node.node_id]))[:depth]


def build_baselines(settings: Settings, library: Library) -> list[Baseline]:
    """Every baseline, on the library's chunks and embedding model."""
    return [Bm25Baseline(library), FixedChunkBaseline(settings, library)]


def cleaned_texts(settings: Settings) -> list[tuple[str, str]]:
    """(document id, cleaned text) of every readable source in the documents folder."""
    manifest = read_manifest(settings.manifest_path)
    files, _ = find_sources([settings.documents_dir])
    texts = []
    for path in files:
        source = read_source(path, manifest)
        if isinstance(source, LoadError):
            continue
        paragraphs = clean_text(source.text).paragraphs
        texts.append((source.info.id, "\n\n".join("\n".join(lines) for lines in paragraphs)))
    return texts


def unpadded_token_ids(tokenizer: Tokenizer) -> Callable[[str], list[int]]:
    """The embedding model's token ids of a text, as llama-index's splitter counts them.

    The shared tokenizer (index.embed.token_counter) pads every encoding to 128 ids, which would make each
    short sentence count as 128 tokens; the attention mask tells the real ids from the padding.
    """

    def ids(text: str) -> list[int]:
        encoding = tokenizer.encode(text, add_special_tokens=False)
        return [i for i, real in zip(encoding.ids, encoding.attention_mask, strict=True) if real]

    return ids


def shingles(text: str, size: int = SHINGLE) -> set[tuple[str, ...]]:
    """Overlapping word `size`-grams of `text`, lower-cased (the whole text when it is shorter)."""
    words = re.findall(r"\w+", text.lower())
    return {tuple(words[i : i + size]) for i in range(max(len(words) - size + 1, 1))}


def units_of_chunk(chunk: str, units: Sequence[Task]) -> list[str]:
    """The unit ids a chunk stands for, most overlap first.

    That is the unit whose text it overlaps most, plus every unit whose text lies mostly (half or more of
    its shingles) inside the chunk; a chunk overlapping nothing stands for no unit.
    """
    held = shingles(chunk)
    overlaps = [(len(held & own), len(own), unit.id) for unit in units for own in [shingles(unit.text)]]
    most = max((overlap for overlap, _, _ in overlaps), default=0)
    kept = [
        (overlap, uid)
        for overlap, size, uid in overlaps
        if overlap and (overlap == most or 2 * overlap >= size)
    ]
    return [uid for _, uid in sorted(kept, key=lambda pair: -pair[0])]
