"""Shared fixtures: one real index built from documents/ per test session, and a loaded service."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

pytest.register_assert_rewrite("browser_support", "server_support")

from index.offline import enforce_offline  # noqa: E402

enforce_offline()

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session", autouse=True)
def onnx_export_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One folder for the embedding model's ONNX export (the default backend) for every test and the
    processes they start: exported once per session instead of once per temporary index.
    (tests/test_embed_backends.py checks the default: the export next to the index, made by first use.)"""
    path = tmp_path_factory.mktemp("onnx-export")
    os.environ["POLICYQA_EMBED_CACHE_DIR"] = str(path)
    return path


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder holding a real Chroma index of documents/, built once per session."""
    from assistant.settings import Settings
    from index.ingest import ingest

    path = tmp_path_factory.mktemp("policyqa-data")
    report = ingest(Settings(data_dir=path))
    assert not report.errors, report.errors
    return path


@pytest.fixture(scope="session")
def settings(data_dir: Path):
    """Settings pointing at the session's index; environment variables a test may need to pass on."""
    from assistant.settings import Settings

    return Settings(data_dir=data_dir)


@pytest.fixture(scope="session")
def service(settings):
    """The loaded PolicyQA service on the session's index."""
    from assistant.service import PolicyQA

    qa = PolicyQA(settings)
    assert qa.load(), qa.load_error
    return qa


@pytest.fixture(scope="session")
def server_env(data_dir: Path) -> dict[str, str]:
    """Environment for a subprocess (uvicorn, CLI) that should use the session's index."""
    return {**os.environ, "POLICYQA_DATA_DIR": str(data_dir)}
