"""The real SmolLM2 GGUF behind llama-cpp-python's OpenAI-compatible server, called with ``openai``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import openai
import pytest
from llm_support import require_local_llm

from assistant.local_llm.server import (
    SMOLLM2_GGUF_NAME,
    LocalLLMServer,
    LocalLLMServerError,
    smollm2_gguf_path,
)

pytestmark = pytest.mark.llm

require_local_llm()  # skips without llama-cpp and SmolLM2; fails instead when CI=true

QUESTION = "What is the capital of France? Answer in one short sentence."
ANSWER = "paris"  # what any working chat model says; garbage or an empty reply fails


@pytest.fixture(scope="module")
def server() -> Iterator[LocalLLMServer]:
    """One SmolLM2 server for the whole module."""
    with LocalLLMServer(smollm2_gguf_path(), startup_timeout=120.0) as running:
        yield running


@pytest.fixture(scope="module")
def client(server: LocalLLMServer) -> openai.OpenAI:
    """An official OpenAI client pointed at the local server."""
    return openai.OpenAI(base_url=server.base_url, api_key="not-needed", timeout=120.0, max_retries=0)


def test_smollm2_gguf_is_found_in_package() -> None:
    path = smollm2_gguf_path()
    assert path.name == SMOLLM2_GGUF_NAME
    assert path.is_file()


def test_models_lists_alias(server: LocalLLMServer, client: openai.OpenAI) -> None:
    assert server.is_running
    assert server.base_url == f"http://127.0.0.1:{server.port}/v1"
    assert [m.id for m in client.models.list().data] == [server.model]


def test_chat_completion(server: LocalLLMServer, client: openai.OpenAI) -> None:
    response = client.chat.completions.create(
        model=server.model,
        messages=[{"role": "user", "content": QUESTION}],
        max_tokens=32,
        temperature=0.0,
    )
    answer = response.choices[0].message.content
    assert answer is not None
    assert ANSWER in answer.lower(), answer
    assert response.choices[0].finish_reason in {"stop", "length"}


def test_chat_completion_stream(server: LocalLLMServer, client: openai.OpenAI) -> None:
    stream = client.chat.completions.create(
        model=server.model,
        messages=[{"role": "user", "content": QUESTION}],
        max_tokens=32,
        temperature=0.0,
        stream=True,
    )
    pieces = [chunk.choices[0].delta.content or "" for chunk in stream if chunk.choices]
    assert len(pieces) > 1
    assert ANSWER in "".join(pieces).lower(), pieces


def test_missing_gguf_raises_clear_error(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-model.gguf"
    with pytest.raises(FileNotFoundError, match=r"GGUF model file not found: .*no-such-model\.gguf"):
        LocalLLMServer(missing)


def test_invalid_gguf_reports_server_log(tmp_path: Path) -> None:
    broken = tmp_path / "broken.gguf"
    broken.write_bytes(b"not a gguf file")
    server = LocalLLMServer(broken, startup_timeout=60.0)
    with pytest.raises(LocalLLMServerError, match=r"exited with code") as info:
        server.start()
    assert "Failed to load model" in str(info.value)
    assert not server.is_running


def test_stop_is_idempotent() -> None:
    server = LocalLLMServer(smollm2_gguf_path(), startup_timeout=120.0)
    with server:
        assert server.is_running
    assert not server.is_running
    server.stop()


def test_server_exits_when_its_parent_dies_without_stopping_it(tmp_path) -> None:
    """A crashed PolicyQA must not leave the model server running."""
    import os
    import subprocess
    import sys
    import time

    script = (
        "from assistant.local_llm.server import LocalLLMServer, smollm2_gguf_path\n"
        "server = LocalLLMServer(smollm2_gguf_path()).start()\n"
        "print(server._process.pid, flush=True)\n"
        "import os; os._exit(0)\n"  # dies without stop(): no atexit, no cleanup
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True
    )
    server_pid = int(result.stdout.split()[-1])
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            os.kill(server_pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.2)
    os.kill(server_pid, 9)
    raise AssertionError("the model server outlived its parent")
