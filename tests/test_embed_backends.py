"""The ONNX embedding backends: exported offline from the shipped MiniLM; fp32 (the default) makes the same
vectors as torch, int8 is part of the index's identity (no index is queried with vectors unlike its own)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from assistant.settings import Settings
from index.settings import EmbedBackend


@pytest.fixture(scope="module")
def onnx_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One export folder for the module: exporting costs tens of seconds on a loaded machine."""
    return tmp_path_factory.mktemp("onnx-cache")


@pytest.fixture(scope="module")
def real_sentences() -> list[str]:
    """Sentences of the real notices (English and Chinese), as parsed at ingest."""
    from index.ingest import parse_sources

    settings = Settings()
    documents, errors, _ = parse_sources([settings.documents_dir], settings.manifest_path)
    assert documents and not errors
    sentences = [s for d in documents for t in d.tasks for s in t.sentences]
    step = max(1, len(sentences) // 12)
    return sentences[::step][:12]


def test_onnx_backends_export_offline_from_the_shipped_weights_and_match_torch(
    onnx_cache: Path, real_sentences: list[str]
) -> None:
    from index.embed import load_embedder, settings_embedder

    assert os.environ.get("HF_HUB_OFFLINE") == "1"  # conftest: any hub access would fail
    torch_settings = Settings(embed_cache_dir=onnx_cache, embed_backend=EmbedBackend.TORCH)
    torch_vectors = np.asarray(settings_embedder(torch_settings).get_text_embedding_batch(real_sentences))
    for backend, floor in ((EmbedBackend.ONNX, 0.9999), (EmbedBackend.ONNX_INT8, 0.98)):
        model = load_embedder(torch_settings.embed_model_path, 8, backend, onnx_cache)
        vectors = np.asarray(model.get_text_embedding_batch(real_sentences))
        assert vectors.shape == torch_vectors.shape
        assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
        cosines = (vectors * torch_vectors).sum(axis=1)
        assert cosines.min() > floor, (backend, cosines.round(4).tolist())
        query = real_sentences[0]
        assert np.dot(model.get_query_embedding(query), torch_vectors[0]) > floor
    exported = sorted(p.name for p in onnx_cache.rglob("*.onnx"))
    assert exported == ["model.onnx", "model_int8.onnx"]


def test_the_export_is_made_once_and_reused(onnx_cache: Path) -> None:
    from index.onnx_embed import exported_model

    model_path = Settings().embed_model_path
    first = exported_model(model_path, onnx_cache, EmbedBackend.ONNX_INT8)
    stamp = first.stat().st_mtime_ns
    again = exported_model(model_path, onnx_cache, EmbedBackend.ONNX_INT8)
    assert again == first and again.stat().st_mtime_ns == stamp
    assert not [p for p in onnx_cache.iterdir() if p.name.startswith(".export-")]  # no leftovers


def test_a_model_the_onnx_backend_cannot_run_is_refused_clearly(tmp_path: Path) -> None:
    from index.onnx_embed import OnnxExportError, exported_model

    (tmp_path / "model").mkdir()
    with pytest.raises(OnnxExportError, match="not a sentence-transformers model folder"):
        exported_model(str(tmp_path / "model"), tmp_path / "cache", EmbedBackend.ONNX_INT8)


def test_an_index_is_never_queried_with_another_backend_than_it_was_built_with(settings: Settings) -> None:
    from assistant.core.library import Library
    from assistant.service import PolicyQA
    from index.embed import EmbeddingMismatchError
    from index.store import open_store

    assert settings.embed_backend is EmbedBackend.ONNX  # the default
    assert open_store(settings).embedding() == "all-MiniLM-L6-v2"  # fp32: the model's own vectors
    int8 = settings.model_copy(update={"embed_backend": EmbedBackend.ONNX_INT8})
    with pytest.raises(EmbeddingMismatchError) as raised:
        Library.load(int8)
    message = str(raised.value)
    assert "all-MiniLM-L6-v2 (onnx-int8)" in message and "policyqa ingest" in message
    service = PolicyQA(int8)
    assert not service.load(warm=False)
    assert service.load_error == message


def test_an_int8_index_records_its_backend_and_answers_with_it(tmp_path: Path, onnx_cache: Path) -> None:
    from assistant.core.library import Library
    from index.embed import EmbeddingMismatchError
    from index.ingest import ingest
    from index.store import open_store

    int8 = Settings(data_dir=tmp_path, embed_backend=EmbedBackend.ONNX_INT8, embed_cache_dir=onnx_cache)
    report = ingest(int8)
    assert not report.errors and report.build is not None and report.build.embedded > 0
    assert open_store(int8).embedding() == "all-MiniLM-L6-v2 (onnx-int8)"
    library = Library.load(int8)
    assert library.embed_model == "all-MiniLM-L6-v2 (onnx-int8)"
    hits = library.retriever.search("Which department leads the reform of medical insurance payment?")
    assert hits and hits[0].similarity > 0.3
    with pytest.raises(EmbeddingMismatchError, match="onnx-int8"):
        Library.load(Settings(data_dir=tmp_path))  # the default (fp32) on an int8 index
    # back to the default: every chunk id changes with the embedder, so the whole index is embedded again
    again = ingest(Settings(data_dir=tmp_path))
    assert again.build is not None and again.build.reused == 0 and again.build.embedded == report.build.chunks
    assert open_store(int8).embedding() == "all-MiniLM-L6-v2"


def test_the_default_backend_exports_next_to_the_index_on_first_ingest(tmp_path: Path) -> None:
    """A fresh install has no export: the first ingest makes it in <data_dir>/models; the index answers."""
    from assistant.core.library import Library
    from index.ingest import ingest

    settings = Settings(data_dir=tmp_path, embed_cache_dir=None)  # explicit: not the tests' shared cache
    assert settings.embed_backend is EmbedBackend.ONNX and settings.onnx_cache_dir == tmp_path / "models"
    assert not settings.onnx_cache_dir.exists()
    report = ingest(settings)
    assert not report.errors and report.build is not None and report.build.embedded > 0
    assert [p.name for p in settings.onnx_cache_dir.rglob("*.onnx")] == ["model.onnx"]
    hits = Library.load(settings).retriever.search("Which department leads medical insurance payment reform?")
    assert hits and hits[0].similarity > 0.3


def test_torch_and_onnx_fp32_read_each_others_index_without_a_rebuild(
    settings: Settings, tmp_path: Path
) -> None:
    """fp32 runs the model's own weights: a torch-built index is queried by the ONNX default (and back)
    with the same rankings, and re-ingesting it with the other backend embeds nothing."""
    from assistant.core.library import Library
    from index.ingest import ingest

    torch_built = Settings(data_dir=tmp_path, embed_backend=EmbedBackend.TORCH)
    assert ingest(torch_built).build is not None
    onnx_reader = torch_built.model_copy(update={"embed_backend": EmbedBackend.ONNX})
    by_torch, by_onnx = Library.load(torch_built), Library.load(onnx_reader)
    for question in (
        "Which departments are responsible for reforming medical insurance payment methods?",
        "What does the plan say about the health of the elderly?",
        "When should centralised drug procurement be expanded?",
    ):
        torch_hits = by_torch.retriever.search(question, top_k=5)
        onnx_hits = by_onnx.retriever.search(question, top_k=5)
        assert [h.unit.id for h in onnx_hits] == [h.unit.id for h in torch_hits]
        for a, b in zip(onnx_hits, torch_hits, strict=True):
            assert abs(a.similarity - b.similarity) < 1e-4
    again = ingest(onnx_reader)
    assert again.build is not None and again.build.embedded == 0 and again.build.reused > 0


def test_an_index_recorded_as_onnx_fp32_by_an_earlier_version_stays_readable() -> None:
    """Before fp32 shared the model's name, its indexes were recorded as "<model> (onnx)": still the same
    vectors, so neither backend refuses them; int8 still does."""
    from index.embed import EmbeddingMismatchError, check_embedding

    for backend in (EmbedBackend.ONNX, EmbedBackend.TORCH):
        check_embedding("all-MiniLM-L6-v2 (onnx)", Settings(embed_backend=backend))
        check_embedding(None, Settings(embed_backend=backend))  # before backends existed: torch
    with pytest.raises(EmbeddingMismatchError, match="onnx-int8"):
        check_embedding("all-MiniLM-L6-v2 (onnx)", Settings(embed_backend=EmbedBackend.ONNX_INT8))
    with pytest.raises(EmbeddingMismatchError, match=r"embedded with all-MiniLM-L6-v2 \(onnx-int8\)"):
        check_embedding("all-MiniLM-L6-v2 (onnx-int8)", Settings())
