"""A machine-local copy of the serving catalog, so that a start does not page every chunk out of Chroma.

Reading the catalog from Chroma means paging every chunk's text and metadata (each carries llama-index's node
JSON and its unit's JSON): ~22 s at 100k chunks, over a minute at a million sentence vectors. The catalog is
saved as one JSON Lines file per (generation, revision) under `<data_dir>/catalog`, like the BM25 index under
`<data_dir>/lexical`: written by the first process that reads a state from Chroma, and by an in-place add
for the revision it commits. Generation names are unique (a nanosecond stamp) and a revision is never
reused for other rows, so a file can only hold what Chroma holds for its key; a missing, unreadable or
other-format file falls back to Chroma. Files are written aside and renamed into place, so a crash never
leaves a half-written catalog that loads; a folder that cannot be written only costs the Chroma read.
"""

from __future__ import annotations

import gc
import logging
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from pydantic import BaseModel, ValidationError

from index.model import DocumentInfo, Task
from index.store import Catalog, IndexMissingError, IndexStore, StoredChunk

FORMAT = 2  # bump when the file's layout changes: older files are then ignored
KEPT = 3  # saved catalogs kept: the serving state's and the ones before it (processes still loading them)
# rows per line: one line is parsed in one call that holds the GIL, so a line must parse in well under a
# second. uvicorn's supervisor kills a worker whose health-check thread gets no answer in 5 s, and one JSON
# object of a million-sentence catalog (~450 MB) took 5-11 s to validate: workers died loading, forever.
UNITS_PER_LINE = 1000
CHUNKS_PER_LINE = 2000
logger = logging.getLogger(__name__)


class _Header(BaseModel):
    """The file's first line: what it holds, and how many rows follow, so a cut-off file is not trusted."""

    format: int
    collection: str
    revision: int
    documents: list[DocumentInfo]
    units: int
    chunks: int


class _Units(BaseModel):
    units: list[Task]


class _Chunks(BaseModel):
    """Chunk rows as columns (id, unit id, text, metadata), which parse several times faster than objects."""

    ids: list[str]
    unit_ids: list[str]
    texts: list[str]
    metadata: list[dict[str, Any]]


def catalog_folder(data_dir: Path) -> Path:
    """Where a data folder's saved catalogs are."""
    return data_dir / "catalog"


def _path(folder: Path, generation: str, revision: int) -> Path:
    return folder / f"{generation}.r{revision}.jsonl"


def load_catalog(folder: Path, generation: str, revision: int) -> Catalog | None:
    """The catalog saved for exactly that generation and revision; None when there is none to trust."""
    try:
        with _path(folder, generation, revision).open("rb") as file, _collector_paused():
            return _read(file, generation, revision)
    except OSError:
        return None
    except ValidationError:
        logger.warning("the saved catalog of %s r%d is unreadable; reading Chroma", generation, revision)
        return None


@contextmanager
def _collector_paused() -> Iterator[None]:
    """No cyclic garbage collection while the catalog's millions of objects are made: each allocation burst
    otherwise starts a collection that walks all of them again, a third of the load at a million sentences.
    The objects hold no reference cycles, so nothing is left for a collection to find."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _read(file: IO[bytes], generation: str, revision: int) -> Catalog | None:
    """The catalog in `file`, line by line; None when it is of another format or state, or cut off."""
    header = _Header.model_validate_json(file.readline())
    if (header.format, header.collection, header.revision) != (FORMAT, generation, revision):
        return None
    units: list[Task] = []
    chunks: list[StoredChunk] = []
    for line in file:
        if len(units) < header.units:
            units += _Units.model_validate_json(line).units
        else:
            rows = _Chunks.model_validate_json(line)
            chunks += map(StoredChunk, rows.ids, rows.unit_ids, rows.texts, rows.metadata)
    if (len(units), len(chunks)) != (header.units, header.chunks):
        logger.warning("the saved catalog of %s r%d is incomplete; reading Chroma", generation, revision)
        return None
    return Catalog(generation, units, chunks, header.documents, revision)


def _lines(catalog: Catalog) -> Iterator[str]:
    yield _Header(
        format=FORMAT,
        collection=catalog.collection,
        revision=catalog.revision,
        documents=catalog.documents,
        units=len(catalog.units),
        chunks=len(catalog.chunks),
    ).model_dump_json()
    for start in range(0, len(catalog.units), UNITS_PER_LINE):
        yield _Units(units=catalog.units[start : start + UNITS_PER_LINE]).model_dump_json()
    for start in range(0, len(catalog.chunks), CHUNKS_PER_LINE):
        rows = catalog.chunks[start : start + CHUNKS_PER_LINE]
        yield _Chunks(
            ids=[c.id for c in rows],
            unit_ids=[c.unit_id for c in rows],
            texts=[c.text for c in rows],
            metadata=[c.metadata for c in rows],
        ).model_dump_json()


def save_catalog(folder: Path, catalog: Catalog) -> None:
    """Save `catalog` under its generation and revision; drop all but the latest few saved ones."""
    work: Path | None = None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(prefix=".catalog-", dir=folder)
        work = Path(name)
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.writelines(line + "\n" for line in _lines(catalog))
        os.replace(work, _path(folder, catalog.collection, catalog.revision))
        files = [p for p in folder.glob("*.json*") if not p.name.startswith(".")]
        for stale in sorted(files, key=lambda p: p.stat().st_mtime, reverse=True)[KEPT:]:
            stale.unlink(missing_ok=True)
    except OSError as exc:
        logger.info("the catalog could not be saved in %s (%s): the next start reads Chroma", folder, exc)
    finally:
        if work is not None:
            work.unlink(missing_ok=True)


def serving_catalog(store: IndexStore, folder: Path | None) -> Catalog:
    """The catalog of the serving generation and revision: the saved copy when there is one for exactly
    that state, else read from Chroma and saved for the next start. Raises IndexMissingError."""
    generation, revision = store.serving()
    if generation is None:
        raise IndexMissingError("no index has been built yet: run `policyqa ingest`")
    if folder is not None:
        saved = load_catalog(folder, generation, revision)
        if saved is not None:
            return saved
    catalog = store.read_catalog()  # reads the pointer again: saved under whatever state it read
    if folder is not None:
        save_catalog(folder, catalog)
    return catalog
