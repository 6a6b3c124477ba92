"""The catalog saved beside the index is read back line by line, whole or not at all."""

from __future__ import annotations

from pathlib import Path

import pytest

from index import catalog_cache
from index.catalog_cache import load_catalog, save_catalog


@pytest.fixture(scope="module")
def catalog(settings):
    from index.store import open_store

    return open_store(settings).read_catalog()


@pytest.fixture
def small_lines(monkeypatch) -> None:
    # several lines of each kind even for the seed corpus, as a large corpus has
    monkeypatch.setattr(catalog_cache, "UNITS_PER_LINE", 4)
    monkeypatch.setattr(catalog_cache, "CHUNKS_PER_LINE", 5)


def _saved(folder: Path) -> Path:
    [path] = [p for p in folder.iterdir() if not p.name.startswith(".")]
    return path


def test_a_saved_catalog_reads_back_equal_from_many_short_lines(catalog, tmp_path: Path, small_lines) -> None:
    save_catalog(tmp_path, catalog)
    lines = _saved(tmp_path).read_bytes().splitlines()
    # a header, then units and chunks in lines of a few rows: no line is parsed in one long call
    assert len(lines) == 1 + -(-len(catalog.units) // 4) + -(-len(catalog.chunks) // 5)
    loaded = load_catalog(tmp_path, catalog.collection, catalog.revision)
    assert loaded is not None
    assert loaded.units == catalog.units and loaded.documents == catalog.documents
    assert loaded.chunks == catalog.chunks and loaded.revision == catalog.revision


@pytest.mark.parametrize(
    "damage",
    [
        lambda lines: lines[:-1],  # cut off after a whole line
        lambda lines: [*lines[:-1], lines[-1][: len(lines[-1]) // 2]],  # cut off mid-line
        lambda lines: [lines[0], *lines[2:]],  # a line of units lost
        lambda lines: [b"{not json", *lines[1:]],  # header unreadable
    ],
    ids=["cut-after-line", "cut-mid-line", "line-lost", "bad-header"],
)
def test_a_damaged_catalog_is_not_trusted(catalog, tmp_path: Path, small_lines, damage) -> None:
    save_catalog(tmp_path, catalog)
    path = _saved(tmp_path)
    path.write_bytes(b"\n".join(damage(path.read_bytes().splitlines())) + b"\n")
    assert load_catalog(tmp_path, catalog.collection, catalog.revision) is None


def test_another_state_or_format_is_not_read(catalog, tmp_path: Path, monkeypatch) -> None:
    save_catalog(tmp_path, catalog)
    assert load_catalog(tmp_path, catalog.collection, catalog.revision + 1) is None  # no file for it
    monkeypatch.setattr(catalog_cache, "FORMAT", catalog_cache.FORMAT + 1)
    assert load_catalog(tmp_path, catalog.collection, catalog.revision) is None
