"""A real PolicyQA API server (uvicorn in a subprocess) for tests that talk HTTP to it.

Not a test module (no ``test_`` prefix). Import it from a test module::

    from server_support import running_server

    def test_something(server_env):
        with running_server(server_env) as base_url:
            httpx.get(f"{base_url}/readyz")

The server runs ``assistant.api:create_app`` exactly as ``policyqa serve`` does, on a free loopback port,
with the environment given (``server_env`` from conftest points it at the session's index).
``running_chroma`` runs a ``chroma run`` server, for API processes that share one store.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import httpx
from browser_support import free_port

REPO = Path(__file__).resolve().parent.parent

# Questions whose answers the documents settle, for tests of any front end: the first cites 2021-3 and
# says "September 2021", the second cites 2021-5, the third is refused.
PRICE_QUESTION = "When must the medical service price reform pilot documents be issued?"
PAYMENT_QUESTION = "Which departments are responsible for reforming medical insurance payment methods?"
OFF_TOPIC_QUESTION = "What is the capital of France?"


class ServerStartError(RuntimeError):
    """The server exited or did not get ready in time; the message ends with its log."""


@contextmanager
def running_server(
    env: Mapping[str, str],
    extra_env: Mapping[str, str] | None = None,
    *,
    wait_ready: bool = True,
    timeout: float = 300.0,
    log_path: Path | None = None,
) -> Iterator[str]:
    """Run the API in a uvicorn subprocess and yield its base URL ``http://127.0.0.1:<port>``.

    ``extra_env`` is laid over ``env`` (e.g. ``{"POLICYQA_API_KEYS": '["k"]'}``). With ``wait_ready``
    the URL is yielded once ``/readyz`` answers 200 (index loaded), otherwise once ``/healthz`` does.
    The server's stdout and stderr (its JSON logs) go to ``log_path``, or to a temporary file.
    The process is always terminated on exit.
    """
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", "assistant.api:create_app", "--factory"]
    command += ["--host", "127.0.0.1", "--port", str(port)]
    base_url = f"http://127.0.0.1:{port}"
    probe = f"{base_url}/{'readyz' if wait_ready else 'healthz'}"
    with _running(command, {**env, **(extra_env or {})}, probe, timeout, log_path):
        yield base_url


@contextmanager
def running_chroma(path: Path, env: Mapping[str, str], *, timeout: float = 120.0) -> Iterator[int]:
    """Run ``chroma run`` on a free loopback port with its data in ``path``; yield the port."""
    port = free_port()
    command = [str(Path(sys.executable).with_name("chroma")), "run", "--path", str(path)]
    command += ["--host", "127.0.0.1", "--port", str(port)]
    with _running(command, env, f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout, None):
        yield port


@contextmanager
def _running(
    command: list[str], env: Mapping[str, str], probe: str, timeout: float, log_path: Path | None
) -> Iterator[None]:
    """Run ``command`` until the context exits, once ``probe`` answers 200."""
    if log_path is None:
        log_path = Path(tempfile.mkdtemp(prefix="policyqa-")) / "server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, cwd=REPO, env=dict(env), stdout=log, stderr=subprocess.STDOUT)
        try:
            _wait_until_up(process, probe, timeout, log_path)
            yield
        finally:
            _stop(process)


def _wait_until_up(process: subprocess.Popen[bytes], url: str, timeout: float, log_path: Path) -> None:
    """Poll ``url`` until it answers 200; raise with the server log if the process dies or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServerStartError(f"server exited with {process.returncode}:\n{_tail(log_path)}")
        try:
            if httpx.get(url, timeout=2.0).status_code == 200:
                return
        except httpx.TransportError:
            pass  # not listening yet
        time.sleep(0.2)
    raise ServerStartError(f"{url} not 200 within {timeout}s:\n{_tail(log_path)}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _tail(log_path: Path, lines: int = 40) -> str:
    return "\n".join(log_path.read_text(errors="replace").splitlines()[-lines:])
