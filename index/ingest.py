"""The ingest pipeline: sources → clean text → parsed documents → chunks → a new index generation."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from index.align import AlignmentBuild, align_generation
from index.catalog_cache import catalog_folder, save_catalog, serving_catalog
from index.chunk import Chunk, chunk_units
from index.clean import clean_text
from index.embed import embedding_name, settings_embedder, token_counter
from index.identity import base_id
from index.load import LoadError, SourceText, find_sources, read_manifest, read_source, with_document_ids
from index.lock import index_build_lock
from index.metadata import HALF, SUMMARY, find_year
from index.model import Document
from index.parse import ParseError, parse_document
from index.settings import IndexSettings
from index.store import REVISION, BuildReport, Catalog, IndexMissingError, open_store


@dataclass
class IngestReport:
    """The outcome of one ingest run, for the CLI and the API."""

    documents: list[Document] = field(default_factory=list)
    errors: list[LoadError] = field(default_factory=list)
    noise_removed: Counter[str] = field(default_factory=Counter)
    build: BuildReport | None = None
    alignment: AlignmentBuild | None = None
    seconds: float = 0.0

    @property
    def sections(self) -> int:
        return sum(len(d.sections) for d in self.documents)

    @property
    def tasks(self) -> int:
        return sum(len(d.tasks) for d in self.documents)

    @property
    def units(self) -> int:
        return sum(len(d.units) for d in self.documents)


@dataclass
class IngestProgress:
    """Callbacks a front end gives to show progress: total work known, then each step done."""

    start: Callable[[str, int], None] = lambda stage, total: None
    advance: Callable[[int], None] = lambda n: None


def parse_sources(
    paths: list[Path], manifest_path: Path
) -> tuple[list[Document], list[LoadError], Counter[str]]:
    """Load, clean and parse every source; one bad file is reported and skipped."""
    manifest = read_manifest(manifest_path)
    files, errors = find_sources(paths)
    sources: list[SourceText] = []
    for path in files:
        source = read_source(path, manifest)
        if isinstance(source, LoadError):
            errors.append(source)
        else:
            sources.append(source)
    documents: list[Document] = []
    noise: Counter[str] = Counter()
    for source in with_document_ids(sources):
        cleaned = source.cleaned or clean_text(source.text)
        try:
            document = parse_document(source.info, cleaned, source.aliases)
        except ParseError as exc:
            errors.append(LoadError(source.path, str(exc)))
            continue
        if any(d.info.id == document.info.id for d in documents):
            errors.append(
                LoadError(source.path, f"document id {document.info.id!r} is already used by another file")
            )
            continue
        documents.append(document)
        noise.update(cleaned.report.removed)
    return documents, errors, noise


def ingest(
    settings: IndexSettings,
    paths: list[Path] | None = None,
    prune: bool = True,
    progress: IngestProgress | None = None,
    *,
    wait: bool = False,
    on_wait: Callable[[int | None], None] | None = None,
) -> IngestReport:
    """Index the given sources (default: the documents folder) as a new generation.

    With `prune`, documents no longer among the sources are removed from the index; documents whose file
    failed this time keep their previously indexed chunks, so a bad file never loses data. One build runs at
    a time per data folder: another one raises `IngestRunning`, or is waited for with `wait`.
    """
    with index_build_lock(settings.data_dir, wait=wait, on_wait=on_wait):
        return _build_generation(settings, paths, prune, progress)


def _build_generation(
    settings: IndexSettings, paths: list[Path] | None, prune: bool, progress: IngestProgress | None
) -> IngestReport:
    started = time.perf_counter()
    progress = progress or IngestProgress()
    documents, errors, noise = parse_sources(paths or [settings.documents_dir], settings.manifest_path)
    report = IngestReport(documents=documents, errors=errors, noise_removed=noise)
    model_path = settings.embed_model_path
    tokenizer = token_counter(model_path)
    nodes = chunk_units(
        [u for d in documents for u in d.units],
        lambda text: len(tokenizer.encode(text).ids),
        settings.chunk_max_tokens,
        embedding_name(settings),
        {d.info.id: d.info for d in documents},
    )
    store = open_store(settings)
    folder = catalog_folder(settings.data_dir)
    try:
        # what is stored, from the saved catalog when there is one: paging 150k chunks' metadata out of
        # Chroma alone would take longer than adding a notice may
        catalog: Catalog | None = serving_catalog(store, folder)
    except IndexMissingError:
        catalog = None
    stored = {c.id: str(c.metadata["document"]) for c in catalog.chunks} if catalog else {}
    indexed_docs = set(stored.values())
    parsed = {d.info.id for d in documents}
    # Keep what this run did not replace: everything when not pruning, else only the failed files' documents.
    # A skipped file (hidden, another type) is no document: an upload's hidden backup of a removed file
    # must not keep that document indexed.
    failed = [e for e in errors if not e.skipped]
    failed_ids = {e.path.stem for e in failed} | {_doc_id_of(e.path, settings) for e in failed}
    keep = indexed_docs - parsed if not prune else (indexed_docs - parsed) & failed_ids
    if not nodes and not keep:
        report.seconds = time.perf_counter() - started
        return report
    progress.start("embedding", len({n.node_id for n in nodes} - set(stored)))
    report.build = store.build(
        nodes,
        lambda: settings_embedder(settings),
        keep_doc_ids=keep,
        batch_size=settings.embed_batch_size,
        progress=progress.advance,
        stored=stored,
        stage=progress.start,
        embedding=embedding_name(settings),
    )
    if report.build.swapped or report.build.added:
        if report.build.added and catalog is not None:  # the saved catalog plus what was just written
            catalog = with_added(
                catalog, [n for n in nodes if n.node_id not in stored], report.build.revision
            )
            save_catalog(folder, catalog)
        else:  # a new generation: read once here, saved for the next start
            catalog = serving_catalog(store, folder)
        # the task alignment, reusing the unchanged pairs'
        embedder = lambda: settings_embedder(settings).get_text_embedding_batch  # noqa: E731
        report.alignment = align_generation(store, embedder, embedding_name(settings), catalog)
    report.seconds = time.perf_counter() - started
    return report


def with_added(catalog: Catalog, chunks: list[Chunk], revision: int) -> Catalog:
    """`catalog` after an in-place add wrote `chunks` as `revision`: what reading that state from Chroma
    gives (the added rows come last, in the order they were written)."""
    added = Catalog(
        catalog.collection, list(catalog.units), list(catalog.chunks), list(catalog.documents), revision
    )
    added.add_rows(
        [c.node_id for c in chunks],
        [c.text for c in chunks],
        [c.metadata | {REVISION: revision} for c in chunks],
    )
    added.sort()
    return added


def _doc_id_of(path: Path, settings: IndexSettings) -> str:
    """The id a failed file's document was indexed under: its manifest id, else the id its name implies."""
    entry = read_manifest(settings.manifest_path).get(path.name)
    if entry:
        return entry.id
    year = find_year(path.stem, [])
    if not year:
        return path.stem
    half = next((name for name, pattern in HALF if pattern.search(path.stem)), "")
    return base_id(year, half, bool(SUMMARY.search(path.stem.replace("-", " "))))
