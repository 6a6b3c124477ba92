"""A synthetic corpus for scale runs: real sentences recombined into synthetic tasks, with composed vectors.

A synthetic task has the shape of a long real one: a real title, section and departments, and about 19 real
sentences (20 sentence vectors with its title, the unit the store's sentence collection counts), so 1,000,000
sentence vectors are about 50,000 tasks. Embedding them with MiniLM on two cores would take hours, so the
real sentences (and titles and responsibility lines) are embedded once, and a synthetic chunk's vector is the
normalised mean of the vectors of the pieces it is made of. A repeated sentence gets its real vector plus
small seeded Gaussian noise, normalised (cosine ≈ 0.96 to the real one): a million copies of ~220 vectors
would be a degenerate distribution for HNSW (exact duplicates), unlike any real corpus. These vectors are
not what the model would give for the text: they exercise the store, retrieval and answering at size, not
retrieval quality.
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
SENTENCES_PER_TASK = (15, 23)  # 19 on average: 20 vectors per task with its title
# norm of the noise added to a repeated piece's vector before normalising it again: cosine ≈ 0.96 to it
NOISE_NORM = 0.3


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
    # find_deadlines reads each sentence on its own: find them once per distinct sentence
    deadlines = {sentence: find_deadlines([sentence]) for sentence in sentences}
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
                "deadlines": [d for sentence in body for d in deadlines[sentence]],
                "unnumbered_in_source": False,
            }
        )
        index += 1


class LookupEmbedder:
    """Looks up the vectors of known texts (real pieces and composed chunks); embeds any other text.

    Stands in for the llama-index embedding model where the store and the library call it: queries and
    unknown texts go to the real model, so question embedding costs what it costs in production. With
    `noise`, each repeat of a known text (after its first lookup) gets the text's vector plus seeded Gaussian
    noise of that norm, normalised: the first occurrence (a real unit, written first) keeps its real vector.
    """

    def __init__(self, model: BaseEmbedding, vectors: dict[str, np.ndarray], noise: float = 0.0) -> None:
        self.model = model
        self.vectors = vectors
        self.noise = noise
        self._seen: set[str] = set()
        self._rng = np.random.default_rng(SEED)

    @classmethod
    def for_units(cls, model: BaseEmbedding, units: list[Task], noise: float = 0.0) -> LookupEmbedder:
        """A lookup table holding the model's vectors of every distinct piece of `units`."""
        texts = sorted({p for unit in units for p in pieces(unit)})
        rows = np.asarray(model.get_text_embedding_batch(texts), dtype=np.float32)
        return cls(model, dict(zip(texts, rows, strict=True)), noise)

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
        return [self._known(t) if t in self.vectors else fresh[t] for t in texts]

    def _known(self, text: str) -> np.ndarray:
        """The table's vector of `text`; on a repeat, with noise when the embedder adds some."""
        vector = self.vectors[text]
        if not self.noise or text not in self._seen:
            self._seen.add(text)
            return vector
        noisy = vector + self._rng.normal(0.0, self.noise / np.sqrt(len(vector)), len(vector))
        return (noisy / np.linalg.norm(noisy)).astype(np.float32)

    def get_query_embedding(self, query: str) -> list[float]:
        """The real model's query embedding."""
        return self.model.get_query_embedding(query)
