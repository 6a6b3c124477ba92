"""The embedding model run by ONNX Runtime: exported once from the local sentence-transformers weights.

Why not sentence-transformers' own ONNX backend: it needs `optimum-onnx`, whose only releases pin
transformers < 4.58, while sentence-transformers 6 needs transformers ≥ 5 (pip would downgrade transformers
and huggingface-hub below what gradio requires). The export here uses what is already installed: torch's
ONNX exporter, onnxruntime's dynamic int8 quantizer (the same `quantize_dynamic` optimum calls) and the
model's own tokenizer.json; the model is a mean-pooled, normalised BERT (all-MiniLM-L6-v2's modules.json),
which is what runs here.

The exported files live in a cache folder (by default next to the index), under a name that carries a hash
of the weights and the exporter's versions, so a changed model or runtime exports again instead of loading a
stale file. Export writes to a temporary folder and renames it into place: a crashed export never leaves a
half-written model behind.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import warnings
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from llama_index.core.base.embeddings.base import BaseEmbedding
from pydantic import PrivateAttr

from index.offline import enforce_offline
from index.settings import EmbedBackend

if TYPE_CHECKING:
    import onnxruntime
    from tokenizers import Tokenizer

INPUTS = ("input_ids", "attention_mask", "token_type_ids")
OPSET = 17
DEFAULT_MAX_TOKENS = 256  # all-MiniLM-L6-v2's sentence_bert_config.json


class OnnxExportError(RuntimeError):
    """The model could not be exported to ONNX (missing weights, unsupported architecture…)."""


def _weights_digest(model_path: Path) -> str:
    """A short hash of the model's weights and config plus the exporter's versions: the cache key."""
    digest = hashlib.sha256()
    for name in ("config.json", "model.safetensors", "pytorch_model.bin", "tokenizer.json"):
        path = model_path / name
        if path.exists():
            digest.update(name.encode())
            with path.open("rb") as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(block)
    # the versions from the installed metadata: importing torch (seconds) only to read its version would
    # put it back on the start of every process that merely loads the cached export
    exporters = f"torch {version('torch')} ort {version('onnxruntime')} opset {OPSET}"
    digest.update(exporters.encode())
    return digest.hexdigest()[:16]


def _max_tokens(model_path: Path) -> int:
    config = model_path / "sentence_bert_config.json"
    if config.exists():
        return int(json.loads(config.read_text()).get("max_seq_length", DEFAULT_MAX_TOKENS))
    return DEFAULT_MAX_TOKENS


def _check_architecture(model_path: Path) -> None:
    """Only mean-pooled, normalised transformer models are exported: that is what `OnnxEmbedding` runs."""
    modules_file = model_path / "modules.json"
    pooling_file = model_path / "1_Pooling" / "config.json"
    if not modules_file.exists() or not pooling_file.exists():
        raise OnnxExportError(f"{model_path} is not a sentence-transformers model folder (no modules.json)")
    modules = [m["type"].rsplit(".", 1)[-1] for m in json.loads(modules_file.read_text())]
    pooling = json.loads(pooling_file.read_text())
    if modules != ["Transformer", "Pooling", "Normalize"] or not pooling.get("pooling_mode_mean_tokens"):
        raise OnnxExportError(
            f"the ONNX backend runs mean-pooled, normalised models; {model_path} has {modules} "
            f"with pooling {pooling}: use POLICYQA_EMBED_BACKEND=torch"
        )


def _export_fp32(model_path: Path, target: Path) -> None:
    """torch → ONNX with dynamic batch and sequence axes (the TorchScript exporter: no onnxscript needed)."""
    import torch
    from transformers import AutoModel

    class LastHiddenState(torch.nn.Module):
        """The transformer with positional inputs and one output, as the TorchScript exporter wants."""

        def __init__(self) -> None:
            super().__init__()
            self.model = AutoModel.from_pretrained(str(model_path), attn_implementation="eager")

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            output = self.model(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            )
            return output.last_hidden_state

    model = LastHiddenState().eval()
    dummy = (
        torch.ones((2, 8), dtype=torch.long),
        torch.ones((2, 8), dtype=torch.long),
        torch.zeros((2, 8), dtype=torch.long),
    )
    axes = {name: {0: "batch", 1: "tokens"} for name in (*INPUTS, "last_hidden_state")}
    # the tracer warns about shape checks it freezes; the dynamic axes are verified against torch by
    # tests/test_embed_backends.py on padded batches of real sentences
    with torch.inference_mode(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            model,
            dummy,
            str(target),
            input_names=list(INPUTS),
            output_names=["last_hidden_state"],
            dynamic_axes=axes,
            opset_version=OPSET,
            dynamo=False,
        )


def _quantize(source: Path, target: Path) -> None:
    """Dynamic int8 quantization of the weights (activations are quantized per batch at run time)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(str(source), str(target), weight_type=QuantType.QInt8, per_channel=True)


def exported_model(model_path: str, cache_dir: Path, backend: EmbedBackend) -> Path:
    """The ONNX file of `model_path` for `backend`, exported into `cache_dir` on first use."""
    if backend is EmbedBackend.TORCH:
        raise ValueError("the torch backend has no ONNX file")
    enforce_offline()
    source = Path(model_path)
    if not source.exists():
        raise FileNotFoundError(f"embedding model not found at {model_path}")
    _check_architecture(source)
    folder = cache_dir / f"{source.name}-{_weights_digest(source)}"
    name = "model.onnx" if backend is EmbedBackend.ONNX else "model_int8.onnx"
    if (folder / name).exists():
        return folder / name
    cache_dir.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".export-", dir=cache_dir))
    try:
        fp32 = folder / "model.onnx" if (folder / "model.onnx").exists() else work / "model.onnx"
        if not fp32.exists():
            _export_fp32(source, fp32)
        if backend is EmbedBackend.ONNX_INT8:
            _quantize(fp32, work / name)
        folder.mkdir(exist_ok=True)
        for produced in work.iterdir():  # rename is atomic: another process sees a whole file or none
            os.replace(produced, folder / produced.name)
    except Exception as exc:
        raise OnnxExportError(f"exporting {model_path} to ONNX ({backend}) failed: {exc}") from exc
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return folder / name


def intra_op_threads() -> int:
    """The thread budget of one model call, as torch's: OMP_NUM_THREADS when set, else every CPU this
    process may use (`policyqa serve` with several workers sets OMP_NUM_THREADS to share the CPUs)."""
    return int(os.environ.get("OMP_NUM_THREADS") or len(os.sched_getaffinity(0)))


class OnnxEmbedding(BaseEmbedding):
    """A llama-index embedding model running an exported sentence-transformers model in ONNX Runtime.

    Same text in, same vectors out as `HuggingFaceEmbedding` over the same weights: the model's tokenizer,
    truncation at its max_seq_length, mean pooling over the attention mask, L2 normalisation.
    """

    onnx_path: str = ""
    _session: onnxruntime.InferenceSession = PrivateAttr()
    _tokenizer: Tokenizer = PrivateAttr()
    _inputs: list[str] = PrivateAttr()

    def __init__(
        self,
        model_path: str,
        onnx_path: Path,
        embed_batch_size: int = 32,
        threads: int | None = None,
        **kwargs: Any,
    ) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        super().__init__(
            model_name=f"{model_path} [{onnx_path.name}]",
            onnx_path=str(onnx_path),
            embed_batch_size=embed_batch_size,
            **kwargs,
        )
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads or intra_op_threads()
        options.inter_op_num_threads = 1
        options.log_severity_level = 3  # errors only
        # The intra-op threads sleep between operators instead of spin-waiting for the next one: spinning
        # saves microseconds on an idle machine but, with concurrent requests sharing two cores, burnt
        # about as much CPU as the model's work (server CPU per /ask 33 → 20 ms, same answers)
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self._session = onnxruntime.InferenceSession(
            str(onnx_path), options, providers=["CPUExecutionProvider"]
        )
        self._inputs = [i.name for i in self._session.get_inputs()]
        tokenizer = Tokenizer.from_file(str(Path(model_path) / "tokenizer.json"))
        tokenizer.enable_truncation(_max_tokens(Path(model_path)))
        tokenizer.enable_padding()
        self._tokenizer = tokenizer

    @classmethod
    def class_name(cls) -> str:
        return "OnnxEmbedding"

    def encode(self, texts: list[str]) -> np.ndarray:
        """Normalised embeddings of `texts`, one float32 row each, batched by similar length."""
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))  # less padding per batch
        rows: list[np.ndarray] = [np.empty(0, dtype=np.float32)] * len(texts)
        for start in range(0, len(order), self.embed_batch_size):
            positions = order[start : start + self.embed_batch_size]
            for position, row in zip(positions, self._run([texts[i] for i in positions]), strict=True):
                rows[position] = row
        return np.stack(rows)

    def _run(self, texts: list[str]) -> np.ndarray:
        encodings = self._tokenizer.encode_batch(texts)
        feeds = {
            "input_ids": np.asarray([e.ids for e in encodings], dtype=np.int64),
            "attention_mask": np.asarray([e.attention_mask for e in encodings], dtype=np.int64),
            "token_type_ids": np.asarray([e.type_ids for e in encodings], dtype=np.int64),
        }
        hidden = np.asarray(self._session.run(None, {k: v for k, v in feeds.items() if k in self._inputs})[0])
        mask = feeds["attention_mask"][..., None].astype(np.float32)
        pooled = (hidden * mask).sum(axis=1) / np.clip(mask.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        normalised: np.ndarray = (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)
        return normalised

    def _get_query_embedding(self, query: str) -> list[float]:
        return [float(v) for v in self.encode([query])[0]]

    def _get_text_embedding(self, text: str) -> list[float]:
        return [float(v) for v in self.encode([text])[0]]

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return [[float(v) for v in row] for row in self.encode(texts)]

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)

    async def _aget_text_embedding(self, text: str) -> list[float]:
        return self._get_text_embedding(text)
