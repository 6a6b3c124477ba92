"""A machine-local copy of the serving catalog, so that a start does not page every chunk out of Chroma.

Reading the catalog from Chroma means paging every chunk's text and metadata (each carries llama-index's node
JSON and its unit's JSON): ~22 s at 100k chunks, over a minute at a million sentence vectors. The catalog is
saved as one JSON file per (generation, revision) under `<data_dir>/catalog`, like the BM25 index under
`<data_dir>/lexical`: written by the first process that reads a state from Chroma, and by an in-place add
for the revision it commits. Generation names are unique (a nanosecond stamp) and a revision is never
reused for other rows, so a file can only hold what Chroma holds for its key; a missing, unreadable or
other-format file falls back to Chroma. Files are written aside and renamed into place, so a crash never
leaves a half-written catalog that loads; a folder that cannot be written only costs the Chroma read.
"""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from index.model import DocumentInfo, Task
from index.store import Catalog, IndexMissingError, IndexStore, StoredChunk

FORMAT = 1  # bump when the file's layout changes: older files are then ignored
KEPT = 3  # saved catalogs kept: the serving state's and the ones before it (processes still loading them)
logger = logging.getLogger(__name__)


class _SavedCatalog(BaseModel):
    """The file layout: columns rather than one object per chunk, which loads several times faster."""

    format: int
    collection: str
    revision: int
    units: list[Task]
    documents: list[DocumentInfo]
    chunk_ids: list[str]
    chunk_units: list[str]
    chunk_texts: list[str]
    chunk_metadata: list[dict[str, Any]]


def catalog_folder(data_dir: Path) -> Path:
    """Where a data folder's saved catalogs are."""
    return data_dir / "catalog"


def _path(folder: Path, generation: str, revision: int) -> Path:
    return folder / f"{generation}.r{revision}.json"


def load_catalog(folder: Path, generation: str, revision: int) -> Catalog | None:
    """The catalog saved for exactly that generation and revision; None when there is none to trust."""
    try:
        raw = _path(folder, generation, revision).read_bytes()
    except OSError:
        return None
    try:
        saved = _SavedCatalog.model_validate_json(raw)
    except ValidationError:
        logger.warning("the saved catalog of %s r%d is unreadable; reading Chroma", generation, revision)
        return None
    if (saved.format, saved.collection, saved.revision) != (FORMAT, generation, revision):
        return None
    chunks = [
        StoredChunk(*row)
        for row in zip(
            saved.chunk_ids, saved.chunk_units, saved.chunk_texts, saved.chunk_metadata, strict=True
        )
    ]
    return Catalog(generation, saved.units, chunks, saved.documents, revision)


def save_catalog(folder: Path, catalog: Catalog) -> None:
    """Save `catalog` under its generation and revision; drop all but the latest few saved ones."""
    saved = _SavedCatalog(
        format=FORMAT,
        collection=catalog.collection,
        revision=catalog.revision,
        units=catalog.units,
        documents=catalog.documents,
        chunk_ids=[c.id for c in catalog.chunks],
        chunk_units=[c.unit_id for c in catalog.chunks],
        chunk_texts=[c.text for c in catalog.chunks],
        chunk_metadata=[c.metadata for c in catalog.chunks],
    )
    work: Path | None = None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(prefix=".catalog-", dir=folder)
        work = Path(name)
        with os.fdopen(handle, "wb") as file:
            file.write(saved.model_dump_json().encode())
        os.replace(work, _path(folder, catalog.collection, catalog.revision))
        files = [p for p in folder.glob("*.json") if not p.name.startswith(".")]
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
