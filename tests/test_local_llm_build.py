"""The bundled local model on any x86-64 machine: a portable build, and a server that recovers from its death.

These tests need the `local-llm` extra, which `scripts/install.sh` builds and checks. They never skip: a
machine where llama-cpp-python is missing or broken fails them, so CI cannot stay green without the model.
"""

from __future__ import annotations

import os
import signal
import socket
import time
from pathlib import Path

import httpx
import pytest
from server_support import PAYMENT_QUESTION, running_server

from assistant.local_llm.check import HOST_SPECIFIC_FEATURES, build_report, complete_once, parse_system_info

pytestmark = pytest.mark.llm

SERVER_MAIN = "assistant.local_llm.server_main"


def test_build_has_no_host_specific_instructions() -> None:
    report = build_report()
    # llama.cpp's own report of the instruction sets compiled into its CPU backend.
    assert report.features.get("AVX2") or report.features.get("SSE3"), report.system_info
    assert report.host_specific == [], report.system_info


def test_a_native_build_on_an_avx512_machine_would_be_caught() -> None:
    native = (
        "CPU : SSE3 = 1 | AVX = 1 | AVX2 = 1 | AVX512 = 1 | AVX512_VNNI = 1 | AMX_INT8 = 1 | OPENMP = 1 |"
    )
    assert parse_system_info(native).host_specific == ["AVX512", "AVX512_VNNI", "AMX_INT8"]
    assert set(parse_system_info(native).host_specific) <= set(HOST_SPECIFIC_FEATURES)


def test_the_built_library_completes_a_prompt() -> None:
    assert complete_once()


def local_model_pids(parent: int) -> list[int]:
    """Pids of the local model servers that the API process `parent` started."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if SERVER_MAIN in cmdline and ppid == parent:
            pids.append(int(entry.name))
    return pids


def api_pid(base_url: str) -> int:
    port = int(base_url.rsplit(":", 1)[1])
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if "uvicorn" in cmdline and f"--port {port}" in cmdline:
                return int(entry.name)
    raise AssertionError(f"no API process for {base_url}")


def ask(base_url: str, model: str) -> httpx.Response:
    return httpx.post(f"{base_url}/ask", json={"question": PAYMENT_QUESTION, "model": model}, timeout=300)


def test_a_dead_local_model_is_reported_and_restarted_on_the_next_request(server_env) -> None:
    with running_server(server_env) as base_url:
        first = ask(base_url, "smollm2")
        assert first.status_code == 200, first.text
        parent = api_pid(base_url)
        (model_pid,) = local_model_pids(parent)
        os.kill(model_pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while model_pid in local_model_pids(parent) and time.monotonic() < deadline:
            time.sleep(0.1)

        extractive = ask(base_url, "extractive")
        assert extractive.status_code == 200 and "[2021-5]" in extractive.json()["answer"]

        again = ask(base_url, "smollm2")
        assert again.status_code == 200, again.text
        (restarted,) = local_model_pids(parent)
        assert restarted != model_pid


def test_a_local_model_that_cannot_start_is_unavailable_with_the_reason(server_env) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with running_server(server_env, {"POLICYQA_LOCAL_LLM_PORT": str(port)}) as base_url:
            failed = ask(base_url, "smollm2")
            assert failed.status_code == 503
            error = failed.json()["error"]
            assert error["code"] == "model_unavailable"
            assert "did not start" in error["message"]

            v1 = httpx.post(
                f"{base_url}/v1/chat/completions",
                json={
                    "model": "policyqa-smollm2",
                    "messages": [{"role": "user", "content": PAYMENT_QUESTION}],
                },
                timeout=300,
            )
            assert v1.status_code == 503
            assert v1.json()["error"]["code"] == "model_unavailable"

            extractive = ask(base_url, "extractive")
            assert extractive.status_code == 200 and "[2021-5]" in extractive.json()["answer"]
