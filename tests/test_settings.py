"""Settings are split by layer but stay one object to the user, read from POLICYQA_* variables."""

from __future__ import annotations

import pytest

from assistant.settings import Settings
from index.settings import IndexSettings

SERVING = {"host", "port", "workers", "api_keys", "admin_key", "rate_limit_per_minute", "cors_origins", "ui"}
ANSWERING = {"top_k", "default_model", "llm_endpoints", "refuse_below_similarity", "grounding_threshold"}


def test_the_index_layer_owns_no_serving_or_answering_setting():
    assert not (SERVING | ANSWERING) & set(IndexSettings.model_fields)
    assert set(IndexSettings.model_fields) < set(Settings.model_fields)
    assert set(Settings.model_fields) >= (SERVING | ANSWERING)


def test_one_object_reads_every_layers_variables(monkeypatch: pytest.MonkeyPatch, tmp_path):
    monkeypatch.setenv("POLICYQA_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("POLICYQA_CHUNK_MAX_TOKENS", "128")
    monkeypatch.setenv("POLICYQA_API_KEYS", '["k1", "k2"]')
    monkeypatch.setenv("POLICYQA_TOP_K", "7")
    settings = Settings()
    assert settings.data_dir == tmp_path and settings.chroma_path == tmp_path / "chroma"
    assert settings.chunk_max_tokens == 128
    assert settings.api_keys == ["k1", "k2"]
    assert settings.top_k == 7
