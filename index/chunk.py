"""One chunk per task, split into parts only when a task exceeds the embedding window."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from index.model import DocumentInfo, Task, UnitKind

if TYPE_CHECKING:
    from llama_index.core.schema import TextNode


@dataclass(frozen=True)
class Chunk:
    """A chunk to store: content-hash id, text and flat metadata.

    Plain data, so that finding out what changed (an unchanged re-ingest) imports no llama-index; it
    becomes a llama-index node only when it has to be embedded and written.
    """

    node_id: str
    text: str
    metadata: dict[str, str | int]

    def to_node(self) -> TextNode:
        """The llama-index node written to Chroma (its `_node_content` is part of the stored format)."""
        from llama_index.core.schema import TextNode

        return TextNode(
            id_=self.node_id,
            text=self.text,
            metadata=dict(self.metadata),
            # the title is embedded with the text: it names what the task is about
            excluded_embed_metadata_keys=[k for k in self.metadata if k != "title"],
            excluded_llm_metadata_keys=list(self.metadata),
        )


def unit_metadata(unit: Task) -> dict[str, str | int]:
    """Flat, Chroma-compatible metadata of a unit (Chroma takes no None or list values)."""
    metadata: dict[str, str | int] = {
        "unit_id": unit.id,
        "document": unit.doc_id,  # not "doc_id": llama-index reserves that key
        "year": unit.year,
        "kind": unit.kind.value,
        "title": unit.title,
        "departments": "; ".join(unit.departments),
        "deadlines": "; ".join(d.month for d in unit.deadlines),
    }
    if unit.number is not None:
        metadata["task"] = unit.number
    if unit.section is not None:
        metadata["section"] = unit.section.number
        metadata["section_title"] = unit.section.title
    return metadata


def _parts(unit: Task, count_tokens: Callable[[str], int], max_tokens: int) -> list[str]:
    """The unit's text, or sentence-aligned parts of it that each fit the window with the title."""
    # a notice or preamble is found by its name too ("the preamble", "the closing"), so its title leads
    text = unit.text if unit.kind is UnitKind.TASK else f"{unit.title}. {unit.text}"
    if count_tokens(text) <= max_tokens:
        return [text]
    head = f"{unit.title}."
    pieces = [*unit.sentences, unit.departments_text] if unit.departments_text else list(unit.sentences)
    parts: list[list[str]] = [[]]
    for piece in pieces:
        candidate = " ".join([head, *parts[-1], piece])
        if parts[-1] and count_tokens(candidate) > max_tokens:
            parts.append([])
        parts[-1].append(piece)
    return [" ".join([head, *p]) for p in parts]


def content_hash(text: str, metadata: dict[str, str | int], embed_model: str) -> str:
    """Id of a chunk's content: equal hashes can reuse each other's embedding."""
    digest = hashlib.sha256()
    for value in (embed_model, text, repr(sorted(metadata.items()))):
        digest.update(value.encode())
        digest.update(b"\0")
    return digest.hexdigest()[:32]


def chunk_units(
    units: list[Task],
    count_tokens: Callable[[str], int],
    max_tokens: int,
    embed_model: str,
    documents: Mapping[str, DocumentInfo] | None = None,
) -> list[Chunk]:
    """Chunks of all units: id = content hash; metadata carries the unit id ("2021-5") and the full Task.

    The first chunk of each document also carries its DocumentInfo (`document_json`), so the index knows
    each document's title, issuer, number, date and format without the manifest.
    """
    nodes: list[Chunk] = []
    described: set[str] = set()
    for unit in units:
        parts = _parts(unit, count_tokens, max_tokens)
        for index, text in enumerate(parts):
            metadata = unit_metadata(unit) | {"part": index, "parts": len(parts)}
            if index == 0:
                metadata["unit_json"] = unit.model_dump_json()
                if documents and unit.doc_id in documents and unit.doc_id not in described:
                    metadata["document_json"] = documents[unit.doc_id].model_dump_json()
                    described.add(unit.doc_id)
            node_id = content_hash(text, metadata, embed_model)
            nodes.append(Chunk(node_id, text, metadata))
    return nodes
