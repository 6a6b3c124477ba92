"""A PolicyQA API server in a uvicorn subprocess on a free loopback port, for the HTTP benchmarks."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.common import REPO, child_env

HOST = "127.0.0.1"
POLL_S = 0.05
STOP_TIMEOUT_S = 15
# The per-client rate limit would turn a benchmark's requests into 429s: the benchmark server runs without it.
SERVER_ENV = {"POLICYQA_RATE_LIMIT_PER_MINUTE": "0"}
# Server configurations: as shipped, and with torch on one thread (OpenMP threads spin on a busy 2-core box).
VARIANTS: dict[str, dict[str, str]] = {"default": {}, "OMP_NUM_THREADS=1": {"OMP_NUM_THREADS": "1"}}


@dataclass
class Server:
    """A running server: its process, base URL, log file and the perf_counter time it was started."""

    process: subprocess.Popen[bytes]
    base_url: str
    log: Path
    started: float

    def wait_for(self, method: str, path: str, timeout: float, json: object | None = None) -> float:
        """Poll `method path` until it answers 200; seconds since the process started."""
        deadline = self.started + timeout
        with httpx.Client(base_url=self.base_url, timeout=30) as client:
            while time.perf_counter() < deadline:
                if self.process.poll() is not None:
                    raise RuntimeError(f"the server exited with {self.process.returncode}; see {self.log}")
                try:
                    if client.request(method, path, json=json).status_code == 200:
                        return time.perf_counter() - self.started
                except httpx.TransportError:
                    pass  # not listening yet
                time.sleep(POLL_S)
        raise TimeoutError(f"{method} {path} not 200 within {timeout} s; see {self.log}")


def free_port() -> int:
    """A loopback port nobody listens on now."""
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


@contextmanager
def uvicorn_server(
    data_dir: Path, log: Path, env: dict[str, str] | None = None, workers: int = 1
) -> Iterator[Server]:
    """`uvicorn assistant.api:create_app --factory [--workers N]` serving `data_dir`, plus `env`; stopped
    at exit."""
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", "assistant.api:create_app", "--factory"]
    command += ["--host", HOST, "--port", str(port)] + (["--workers", str(workers)] if workers > 1 else [])
    environment = child_env({"POLICYQA_DATA_DIR": str(data_dir), **SERVER_ENV, **(env or {})})
    with log.open("wb") as output:
        started = time.perf_counter()
        process = subprocess.Popen(
            command, cwd=REPO, env=environment, stdout=output, stderr=subprocess.STDOUT
        )
        try:
            yield Server(process, f"http://{HOST}:{port}", log, started)
        finally:
            stop(process)


def stop(process: subprocess.Popen[bytes]) -> None:
    """Terminate a server this module started, killing it if it does not stop in time."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(STOP_TIMEOUT_S)
