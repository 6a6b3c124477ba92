"""A synthetic corpus for scale runs: real sentences recombined into synthetic tasks, with composed vectors.

Embedding 100k chunks with MiniLM on two cores would take most of an hour, so the real sentences (and titles
and responsibility lines) are embedded once, and a synthetic chunk's vector is the normalised mean of the
vectors of the pieces it is made of. These vectors are not what the model would give for the chunk text:
they exercise the store, retrieval and answering at size, not retrieval quality.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import TYPE_CHECKING

import numpy as np

from assistant.settings import Settings
from index.model import Task, UnitKind
from index.parse import find_deadlines

if TYPE_CHECKING:
    from llama_index.core.base.embeddings.base import BaseEmbedding

    from index.chunk import Chunk

SEED = 20240607
FIRST_NUMBER = 1000  # synthetic task numbers start here, far above any real task's
TASKS_PER_DOCUMENT = 25
SENTENCES_PER_TASK = (2, 5)


def real_units(settings: Settings) -> list[Task]:
    """Every unit of the real documents, parsed exactly as ingest parses them."""
    from index.ingest import parse_sources

    documents, errors, _ = parse_sources([settings.documents_dir], settings.manifest_path)
    if errors:
        raise RuntimeError(f"the real documents failed to parse: {errors}")
    return [unit for document in documents for unit in document.units]


def pieces(unit: Task) -> list[str]:
    """The strings a unit's text is made of: title, sentences and responsibility line."""
    return [unit.title, *unit.sentences, *([unit.departments_text] if unit.departments_text else [])]


def synthetic_tasks(real: list[Task], seed: int = SEED) -> Iterator[Task]:
    """An endless, deterministic stream of tasks made of real sentences under real titles and departments."""
    rng = random.Random(seed)
    templates = [u for u in real if u.kind is UnitKind.TASK and u.sentences]
    sentences = sorted({s for t in templates for s in t.sentences})
    index = 0
    while True:
        template = rng.choice(templates)
        body = rng.sample(sentences, rng.randint(*SENTENCES_PER_TASK))
        number = FIRST_NUMBER + index
        yield template.model_copy(
            update={
                "id": f"{template.year}-{number}",
                "doc_id": f"synthetic-{template.year}-{index // TASKS_PER_DOCUMENT}",
                "number": number,
                "sentences": body,
                "deadlines": find_deadlines(body),
                "unnumbered_in_source": False,
            }
        )
        index += 1


class LookupEmbedder:
    """Looks up the vectors of known texts (real pieces and composed chunks); embeds any other text.

    Stands in for the llama-index embedding model where the store and the library call it: queries and
    unknown texts go to the real model, so question embedding costs what it costs in production.
    """

    def __init__(self, model: BaseEmbedding, vectors: dict[str, np.ndarray]) -> None:
        self.model = model
        self.vectors = vectors

    @classmethod
    def for_units(cls, model: BaseEmbedding, units: list[Task]) -> LookupEmbedder:
        """A lookup table holding the model's vectors of every distinct piece of `units`."""
        texts = sorted({p for unit in units for p in pieces(unit)})
        rows = np.asarray(model.get_text_embedding_batch(texts), dtype=np.float32)
        return cls(model, dict(zip(texts, rows, strict=True)))

    def compose(self, chunk: Chunk, unit: Task) -> None:
        """Register the vector of a chunk of `unit`: the normalised mean of its pieces' vectors."""
        from llama_index.core.schema import MetadataMode

        node = chunk.to_node()  # the text the store will embed is the node's
        text = node.get_content()
        rows = [self.vectors[p] for p in pieces(unit) if p in text]
        mean = np.mean(rows, axis=0)
        self.vectors[node.get_content(MetadataMode.EMBED)] = (mean / np.linalg.norm(mean)).astype(np.float32)

    def get_text_embedding_batch(self, texts: list[str], **kwargs: object) -> list[np.ndarray | list[float]]:
        """Vectors of `texts` (rows of the table are returned as arrays: no list conversion at 100k)."""
        missing = [t for t in dict.fromkeys(texts) if t not in self.vectors]
        fresh = (
            dict(zip(missing, self.model.get_text_embedding_batch(missing), strict=True)) if missing else {}
        )
        return [self.vectors[t] if t in self.vectors else fresh[t] for t in texts]

    def get_query_embedding(self, query: str) -> list[float]:
        """The real model's query embedding."""
        return self.model.get_query_embedding(query)
