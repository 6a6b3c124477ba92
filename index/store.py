"""The Chroma store: generations of a collection behind a pointer, built aside and swapped in.

Each build writes a new collection (`<base>-<stamp>`) and only then moves the pointer, so queries keep
using the previous generation until the new one is complete, and a failed build leaves it serving. Chunk
ids are content hashes: a chunk whose hash is already stored reuses its embedding instead of being
re-embedded. The same code drives the embedded store and a remote `chroma run` server.

Each generation has a companion collection (`<base>-<stamp>-sentences`) holding one vector per unit title and
sentence, so retrieval can find a task by the one sentence that answers a question. It is written in the same
build and swapped with its generation, so a reader never sees chunks without their sentences.

Adding documents (nothing removed or changed) does not copy a generation: copying a million stored vectors
takes many minutes. The new chunks and sentences are written into the serving generation, tagged with the
next *revision* (the pointer marks it as being added), and the pointer's revision is moved only when all are
written. Readers only take rows whose revision is at most the pointer's (the catalog read skips the others;
retrieval ignores ids missing from the reader's catalog), so an add in progress is invisible, a failed add
deletes what it wrote, and rows left by an add that crashed are deleted by the next one (the mark tells it
to look), under the same build lock. The revision never goes down,
also across a rebuild (a copied row keeps its tag), so a copied row is never mistaken for a leftover.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from index.model import DocumentInfo, Task
from index.offline import enforce_offline
from index.settings import IndexSettings

if TYPE_CHECKING:
    import numpy as np
    from chromadb.api import ClientAPI
    from chromadb.api.models.Collection import Collection
    from llama_index.core.base.embeddings.base import BaseEmbedding
    from llama_index.core.schema import BaseNode

    from index.chunk import Chunk

SENTENCES = "sentences"  # suffix of a generation's sentence collection
REVISION = "revision"  # pointer key and row metadata key: the add that wrote a row (none: the build)
ADDING = "adding"  # pointer key: the revision an add is writing, until it commits or rolls back
# row metadata kept for llama-index (its node JSON and references) and the unit and document JSON, left out of
# a catalog's chunks (the units and documents are parsed into the catalog): at 150k chunks they are most of
# its memory, and without them a chunk's catalog metadata is the metadata it was chunked with
STORE_ONLY_METADATA = frozenset(
    {"_node_content", "_node_type", "document_id", "doc_id", "ref_doc_id", "unit_json", "document_json"}
)
PAGE = 1000  # rows per Chroma read or write; stays under every client's batch limit
# rows per paged read of a whole generation: Chroma pages by offset, so each page re-scans the rows
# before it; larger pages read 100k chunks in 12 s instead of 18 s
READ_PAGE = 5000
Progress = Callable[[int], None]
Stage = Callable[[str, int], None]  # an embedding stage starts: its name and how many texts it embeds


class IndexMissingError(RuntimeError):
    """No index has been built yet."""


@dataclass(frozen=True)
class StoredChunk:
    """A chunk as stored: its content-hash id, the unit it belongs to, its text and metadata."""

    id: str
    unit_id: str
    text: str
    metadata: dict[str, Any]


@dataclass
class BuildReport:
    """What a build did."""

    collection: str
    chunks: int = 0
    embedded: int = 0
    reused: int = 0
    removed: int = 0
    kept_from_failed: int = 0
    sentences: int = 0  # unit titles and sentences in the generation's sentence collection
    sentences_embedded: int = 0
    swapped: bool = False
    added: bool = False  # written into the serving generation (a new revision) instead of a new one
    revision: int = 0  # the serving revision after the build
    seconds: float = 0.0


@dataclass
class Catalog:
    """Everything a generation holds: its units (tasks and the other units) and chunks."""

    collection: str
    units: list[Task] = field(default_factory=list)
    chunks: list[StoredChunk] = field(default_factory=list)
    documents: list[DocumentInfo] = field(default_factory=list)  # as read from the files at ingest
    revision: int = 0  # the rows of revisions up to this one

    def sort(self) -> None:
        """Put units in reading order (documents by year and id; notice, preamble, tasks, closing) and
        documents by year and id; chunks stay in the order they were stored (BM25 positions follow it)."""
        order = {u.doc_id: i for i, u in enumerate(sorted(self.units, key=lambda u: (u.year, u.doc_id)))}
        self.units.sort(key=lambda u: (order[u.doc_id], _unit_order(u)))
        self.documents.sort(key=lambda d: (d.year, d.id))

    def add_rows(self, ids: list[str], texts: list[str | None], metadatas: list[Any]) -> None:
        """Take stored rows into the catalog: each chunk, and the unit or document its metadata carries."""
        for chunk_id, text, metadata in zip(ids, texts, metadatas, strict=True):
            light = {k: v for k, v in metadata.items() if k not in STORE_ONLY_METADATA}
            self.chunks.append(StoredChunk(chunk_id, str(metadata["unit_id"]), text or "", light))
            if "unit_json" in metadata:
                self.units.append(Task.model_validate_json(str(metadata["unit_json"])))
            if "document_json" in metadata:
                self.documents.append(DocumentInfo.model_validate_json(str(metadata["document_json"])))


def row_revision(metadata: Any) -> int:
    """The revision that wrote a row (0: written by a build before revisions existed)."""
    return int(metadata.get(REVISION, 0) or 0)


_clients: dict[tuple[str, ...], ClientAPI] = {}
_clients_lock = threading.Lock()


def chroma_client(settings: IndexSettings) -> ClientAPI:
    """One Chroma client per process and location: the embedded store, or a server when a host is set."""
    enforce_offline()
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if settings.chroma_host:
        key: tuple[str, ...] = ("http", settings.chroma_host, str(settings.chroma_port))
    else:
        key = ("local", str(settings.chroma_path))
    with _clients_lock:
        if key not in _clients:
            if settings.chroma_host:
                _clients[key] = chromadb.HttpClient(
                    host=settings.chroma_host, port=settings.chroma_port, settings=chroma_settings
                )
            else:
                settings.chroma_path.mkdir(parents=True, exist_ok=True)
                _clients[key] = chromadb.PersistentClient(
                    path=str(settings.chroma_path), settings=chroma_settings
                )
        return _clients[key]


def _pages(collection: Collection, include: list[str], **where: Any) -> Iterator[dict[str, Any]]:
    offset = 0
    while True:
        page = collection.get(include=include, limit=READ_PAGE, offset=offset, **where)  # type: ignore[arg-type]
        if not page["ids"]:
            return
        yield dict(page)
        offset += len(page["ids"])


def sentences_name(generation: str) -> str:
    """The sentence collection of a generation."""
    return f"{generation}-{SENTENCES}"


def sentence_id(chunk_id: str, position: int) -> str:
    """Id of a unit's title (position 0) or sentence (1…) vector: its first chunk's content hash and the
    position. The chunk hash covers the unit's whole text, metadata and embedding model, so an unchanged unit
    reuses its sentence vectors and a changed one re-embeds them."""
    return f"{chunk_id}:{position}"


def parse_sentence_id(sentence: str) -> tuple[str, int]:
    """(first chunk id, position) of a `sentence_id`."""
    chunk_id, _, position = sentence.rpartition(":")
    return chunk_id, int(position)


def first_chunks(catalog: Catalog) -> dict[str, str]:
    """Unit id → id of its first chunk, the one its sentence vectors are keyed by (`sentence_id`)."""
    return {c.unit_id: c.id for c in catalog.chunks if c.metadata.get("part", 0) == 0}


def stored_sentence_vectors(
    sentences: Collection | None, first_chunk: dict[str, str], units: list[Task], page: int = PAGE
) -> dict[str, np.ndarray]:
    """Unit id → its [title, *sentences] vectors as ingest stored them in `sentences` (a generation's
    sentence collection), one row each, for the `units` whose vectors are all there; read in pages of
    `page` ids rather than one read per unit."""
    import numpy as np

    wanted: dict[str, list[str]] = {}
    for unit in units:
        chunk_id = first_chunk.get(unit.id)
        if sentences is not None and chunk_id is not None:
            wanted[unit.id] = [sentence_id(chunk_id, p) for p in range(len(unit.sentences) + 1)]
    ids = [i for unit_ids in wanted.values() for i in unit_ids]
    rows: dict[str, np.ndarray] = {}
    for start in range(0, len(ids), page):
        assert sentences is not None  # ids are only wanted from a sentence collection
        found = sentences.get(ids=ids[start : start + page], include=["embeddings"])
        if found["embeddings"] is not None:
            rows.update(zip(found["ids"], np.asarray(found["embeddings"], dtype=np.float32), strict=True))
    return {
        unit_id: np.asarray([rows[i] for i in unit_ids], dtype=np.float32)
        for unit_id, unit_ids in wanted.items()
        if all(i in rows for i in unit_ids)
    }


@dataclass(frozen=True)
class SentenceRecord:
    """One title or sentence of a unit, to store with its vector in the sentence collection."""

    id: str
    text: str
    metadata: dict[str, str | int]


def unit_sentences(unit: Task, chunk_id: str) -> list[SentenceRecord]:
    """The title and sentences of `unit`, whose first chunk is `chunk_id`, in order."""
    metadata: dict[str, str | int] = {"unit_id": unit.id, "document": unit.doc_id, "year": unit.year}
    if unit.section is not None:
        metadata["section"] = unit.section.number
    return [
        SentenceRecord(sentence_id(chunk_id, position), text, metadata | {"position": position})
        for position, text in enumerate([unit.title, *unit.sentences])
    ]


class IndexStore:
    """Generations of the PolicyQA collection in one Chroma client."""

    def __init__(self, client: ClientAPI, base_name: str) -> None:
        self.client = client
        self.base = base_name
        self.pointer_name = f"{base_name}-pointer"

    def _pointer(self) -> Collection:
        return self.client.get_or_create_collection(self.pointer_name, embedding_function=None)

    def active_name(self) -> str | None:
        """Name of the generation queries should use, or None before the first build."""
        metadata = self._pointer().metadata or {}
        return metadata.get("active")

    def serving(self) -> tuple[str | None, int]:
        """(generation, revision) queries should use, read together: that generation's rows of revisions up
        to that one are complete (None before the first build)."""
        metadata = self._pointer().metadata or {}
        return metadata.get("active"), int(metadata.get(REVISION, 0) or 0)

    def generation(self, name: str) -> Collection:
        """A generation's chunk collection, by name."""
        return self.client.get_collection(name, embedding_function=None)

    def sentences_of(self, generation: str) -> Collection | None:
        """A generation's sentence collection; None for a generation built without one."""
        from chromadb.errors import NotFoundError

        try:
            return self.client.get_collection(sentences_name(generation), embedding_function=None)
        except NotFoundError:
            return None

    def previous_name(self) -> str | None:
        """Name of the generation served before the active one (kept for queries still reading it)."""
        return (self._pointer().metadata or {}).get("previous")

    def active(self) -> Collection:
        """The serving generation; raises IndexMissingError when there is none."""
        name = self.active_name()
        if name is None:
            raise IndexMissingError("no index has been built yet: run `policyqa ingest`")
        return self.generation(name)

    def active_sentences(self) -> Collection | None:
        """The serving generation's sentence collection; None for a generation built without one."""
        name = self.active_name()
        return None if name is None else self.sentences_of(name)

    def embedding(self) -> str | None:
        """The embedder the serving generation was built with (None: built before it was recorded)."""
        metadata = self.active().metadata or {}
        recorded = metadata.get("embedding")
        return str(recorded) if recorded else None

    def read_catalog(self) -> Catalog:
        """Units and chunks of the serving generation and revision, read from Chroma (the source of truth;
        index/catalog_cache.py keeps a machine-local copy that a start reads instead)."""
        name, revision = self.serving()
        if name is None:
            raise IndexMissingError("no index has been built yet: run `policyqa ingest`")
        catalog = Catalog(collection=name, revision=revision)
        for page in _pages(self.generation(name), ["documents", "metadatas"]):
            # rows of a later revision belong to an add still running (or one that crashed): not served
            rows = [i for i, m in enumerate(page["metadatas"]) if row_revision(m) <= revision]
            catalog.add_rows(
                [page["ids"][i] for i in rows],
                [page["documents"][i] for i in rows],
                [page["metadatas"][i] for i in rows],
            )
        catalog.sort()
        return catalog

    def stored_ids(self, doc_ids: set[str] | None = None) -> dict[str, str]:
        """Chunk id → doc id of the serving generation and revision, optionally only for some documents."""
        name, revision = self.serving()
        if name is None:
            return {}
        stored: dict[str, str] = {}
        for page in _pages(self.generation(name), ["metadatas"]):
            for chunk_id, metadata in zip(page["ids"], page["metadatas"], strict=True):
                doc_id = str(metadata["document"])
                if row_revision(metadata) <= revision and (doc_ids is None or doc_id in doc_ids):
                    stored[chunk_id] = doc_id
        return stored

    def build(
        self,
        nodes: list[Chunk],
        embedder: Callable[[], BaseEmbedding],
        keep_doc_ids: set[str] = frozenset(),  # type: ignore[assignment]
        batch_size: int = 32,
        progress: Progress | None = None,
        stored: dict[str, str] | None = None,
        stage: Stage | None = None,
        embedding: str | None = None,
    ) -> BuildReport:
        """Build a generation holding `nodes` plus the stored chunks of `keep_doc_ids`, then swap it in.

        Unchanged content reuses stored embeddings; `embedder` is called (loading the model costs seconds)
        only when some chunk or sentence is new. When nothing changed, nothing is written. `stored` is what
        `stored_ids()` returned, when the caller has it already. `stage` is told each embedding stage and its
        size (chunks, then sentences); `progress` each batch done. `embedding` names the embedder (model and
        backend); the new generation records it, so that it is never queried with another one.
        """
        started = time.perf_counter()
        old = self.stored_ids() if stored is None else stored
        kept = {cid for cid, doc in old.items() if doc in keep_doc_ids}
        wanted = {n.node_id for n in nodes} | kept
        report = BuildReport(
            collection=self.active_name() or "", chunks=len(wanted), kept_from_failed=len(kept)
        )
        reuse = [cid for cid in wanted if cid in old]
        fresh = [n for n in nodes if n.node_id not in old]
        report.removed = len(set(old) - wanted)
        old_sentences = self.active_sentences() if old else None
        report.revision = self.serving()[1]
        if not report.removed and old and old_sentences is not None:
            report.reused = len(reuse)
            if fresh:  # only new documents: write them into the serving generation, nothing copied
                self._add(fresh, embedder, batch_size, progress, stage, report)
            report.seconds = time.perf_counter() - started
            return report
        name = f"{self.base}-{time.time_ns()}"
        collection = self.client.create_collection(
            name,
            embedding_function=None,
            configuration={"hnsw": {"space": "cosine"}},
            metadata={"embedding": embedding} if embedding else None,
        )
        try:
            sentences = self.client.create_collection(
                sentences_name(name), embedding_function=None, configuration={"hnsw": {"space": "cosine"}}
            )
            reused_units = self._copy(reuse, collection)
            report.reused = len(reuse)
            if fresh:
                if stage:
                    stage("embedding", len(fresh))
                report.embedded = self._embed_into(fresh, collection, embedder(), batch_size, progress)
            records = [
                r
                for cid, unit in [*reused_units, *_first_chunk_units(fresh)]
                for r in unit_sentences(unit, cid)
            ]
            report.sentences = len(records)
            missing = self._copy_sentences(records, old_sentences, sentences)
            if missing:
                if stage:
                    stage("embedding sentences", len(missing))
                report.sentences_embedded = self._embed_sentences(
                    missing, sentences, embedder(), batch_size, progress
                )
            self._swap(name)
        except BaseException:
            for created in (name, sentences_name(name)):
                if created in self._collection_names():
                    self.client.delete_collection(created)
            raise
        report.collection, report.swapped = name, True
        report.seconds = time.perf_counter() - started
        return report

    def _add(
        self,
        fresh: list[Chunk],
        embedder: Callable[[], BaseEmbedding],
        batch_size: int,
        progress: Progress | None,
        stage: Stage | None,
        report: BuildReport,
    ) -> None:
        """Write `fresh` chunks and their units' sentences into the serving generation as its next
        revision, then move the pointer's revision; on any failure delete what was written."""
        name, revision = self.serving()
        assert name is not None  # the caller found stored chunks
        collection, sentences = self.generation(name), self.sentences_of(name)
        assert sentences is not None  # the caller found the sentence collection
        previous = self.previous_name() or name
        if int((self._pointer().metadata or {}).get(ADDING, 0) or 0) > revision:
            # an add that crashed left rows of a later revision (never served): delete them first. Only
            # then: finding them scans every row's metadata (seconds at 1M sentence vectors)
            _delete_later_revisions(collection, revision)
            _delete_later_revisions(sentences, revision)
        target = revision + 1
        self._set_pointer(name, previous, revision, adding=target)
        records = [
            SentenceRecord(r.id, r.text, r.metadata | {REVISION: target})
            for cid, unit in _first_chunk_units(fresh)
            for r in unit_sentences(unit, cid)
        ]
        try:
            if stage:
                stage("embedding", len(fresh))
            model = embedder()
            report.embedded = self._embed_into(fresh, collection, model, batch_size, progress, target)
            if stage:
                stage("embedding sentences", len(records))
            report.sentences_embedded = self._embed_sentences(records, sentences, model, batch_size, progress)
            self._set_pointer(name, previous, target)
        except BaseException:
            collection.delete(ids=[c.node_id for c in fresh])
            sentences.delete(ids=[r.id for r in records])
            self._set_pointer(name, previous, revision)
            raise
        report.chunks = collection.count()
        report.sentences = sentences.count()
        report.added, report.revision = True, target

    def _set_pointer(self, active: str, previous: str, revision: int, adding: int | None = None) -> None:
        """Point queries at `active` up to `revision`; `adding` marks an add in progress (its rows are
        deleted by the next add if this one never ends)."""
        metadata: dict[str, str | int] = {"active": active, "previous": previous, REVISION: revision}
        if adding is not None:
            metadata[ADDING] = adding
        self._pointer().modify(metadata=metadata)

    def _collection_names(self) -> set[str]:
        return {c if isinstance(c, str) else c.name for c in self.client.list_collections()}

    def _copy(self, ids: list[str], target: Collection) -> list[tuple[str, Task]]:
        """Copy stored chunks into `target`; returns (chunk id, unit) of the first chunk of each unit."""
        if not ids:
            return []
        source = self.active()
        units: list[tuple[str, Task]] = []
        for start in range(0, len(ids), PAGE):
            page = source.get(ids=ids[start : start + PAGE], include=["embeddings", "documents", "metadatas"])
            target.add(
                ids=page["ids"],
                embeddings=page["embeddings"],
                documents=page["documents"],
                metadatas=page["metadatas"],
            )
            for chunk_id, metadata in zip(page["ids"], page["metadatas"] or [], strict=True):
                if "unit_json" in metadata:
                    units.append((chunk_id, Task.model_validate_json(str(metadata["unit_json"]))))
        return units

    @staticmethod
    def _copy_sentences(
        records: list[SentenceRecord], source: Collection | None, target: Collection
    ) -> list[SentenceRecord]:
        """Copy the stored vectors of `records` from `source`; returns the records that have none yet."""
        found: set[str] = set()
        if source is not None:
            for start in range(0, len(records), PAGE):
                ids = [r.id for r in records[start : start + PAGE]]
                page = source.get(ids=ids, include=["embeddings", "documents", "metadatas"])
                if page["ids"]:
                    target.add(
                        ids=page["ids"],
                        embeddings=page["embeddings"],
                        documents=page["documents"],
                        metadatas=page["metadatas"],
                    )
                found.update(page["ids"])
        return [r for r in records if r.id not in found]

    @staticmethod
    def _embed_sentences(
        records: list[SentenceRecord],
        target: Collection,
        embedder: BaseEmbedding,
        batch_size: int,
        progress: Progress | None,
    ) -> int:
        """Embed unit titles and sentences in batches (as queries' sentences are compared: raw text)."""
        for start in range(0, len(records), batch_size):
            batch = records[start : start + batch_size]
            vectors = embedder.get_text_embedding_batch([r.text for r in batch])
            target.add(
                ids=[r.id for r in batch],
                embeddings=vectors,  # type: ignore[arg-type]
                documents=[r.text for r in batch],
                metadatas=[r.metadata for r in batch],
            )
            if progress:
                progress(len(batch))
        return len(records)

    @staticmethod
    def _embed_into(
        chunks: list[Chunk],
        target: Collection,
        embedder: BaseEmbedding,
        batch_size: int,
        progress: Progress | None,
        revision: int = 0,
    ) -> int:
        """Embed and write `chunks`; with a `revision`, their rows are tagged with it (after embedding: the
        tag is no part of the embedded text nor of the chunk's content hash)."""
        from llama_index.core.schema import MetadataMode
        from llama_index.vector_stores.chroma import ChromaVectorStore

        vector_store = ChromaVectorStore(chroma_collection=target)
        for start in range(0, len(chunks), batch_size):
            batch: list[BaseNode] = [c.to_node() for c in chunks[start : start + batch_size]]
            vectors = embedder.get_text_embedding_batch([n.get_content(MetadataMode.EMBED) for n in batch])
            for node, vector in zip(batch, vectors, strict=True):
                node.embedding = vector
                if revision:
                    node.metadata[REVISION] = revision
            vector_store.add(batch)
            if progress:
                progress(len(batch))
        return len(chunks)

    def _swap(self, name: str) -> None:
        """Point queries at `name`; keep the previous generation for queries still reading it."""
        previous, revision = self.serving()
        self._set_pointer(name, previous or name, revision)  # the revision never goes down
        keep = {name, previous, self.pointer_name}
        keep |= {sentences_name(g) for g in (name, previous) if g}
        for cname in self._collection_names():
            stamp = cname[len(self.base) + 1 :].removesuffix(f"-{SENTENCES}")
            if cname.startswith(f"{self.base}-") and cname not in keep and stamp.isdigit():
                self.client.delete_collection(cname)


def _delete_later_revisions(collection: Collection, revision: int) -> None:
    """Delete the rows of `collection` tagged with a revision after `revision` (an unfinished add's)."""
    later: Any = {REVISION: {"$gt": revision}}
    leftovers = collection.get(where=later, include=[])["ids"]
    if leftovers:
        collection.delete(ids=leftovers)


def _first_chunk_units(chunks: list[Chunk]) -> list[tuple[str, Task]]:
    """(chunk id, unit) of the chunks that carry their unit (each unit's first)."""
    return [
        (c.node_id, Task.model_validate_json(str(c.metadata["unit_json"])))
        for c in chunks
        if "unit_json" in c.metadata
    ]


def _unit_order(unit: Task) -> tuple[int, int]:
    rank = {"notice": 0, "preamble": 1, "task": 2, "closing": 3}[unit.kind.value]
    return rank, unit.number or 0


def open_store(settings: IndexSettings) -> IndexStore:
    """The store named by the settings."""
    return IndexStore(chroma_client(settings), settings.collection)
