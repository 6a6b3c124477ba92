"""A real PolicyQA API server (uvicorn in a subprocess) for tests that talk HTTP to it.

Not a test module (no ``test_`` prefix). Import it from a test module::

    from server_support import running_server

    def test_something(server_env):
        with running_server(server_env) as base_url:
            httpx.get(f"{base_url}/readyz")

The server runs ``assistant.api:create_app`` exactly as ``policyqa serve`` does, on a free loopback port,
with the environment given (``server_env`` from conftest points it at the session's index).
``running_servers`` starts several at once; ``running_chroma`` runs a ``chroma run`` server, for API
processes that share one store.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
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
    launch = _api_launch({**env, **(extra_env or {})}, wait_ready, log_path)
    with _running([launch], timeout):
        yield launch.base_url


@contextmanager
def running_servers(env: Mapping[str, str], count: int, *, timeout: float = 300.0) -> Iterator[list[str]]:
    """``count`` API processes like ``running_server``'s, started together; their URLs once all are ready."""
    launches = [_api_launch(env, wait_ready=True, log_path=None) for _ in range(count)]
    with _running(launches, timeout):
        yield [launch.base_url for launch in launches]


@contextmanager
def running_cli_server(
    env: Mapping[str, str],
    workers: int,
    extra_env: Mapping[str, str] | None = None,
    *,
    timeout: float = 300.0,
) -> Iterator[str]:
    """``policyqa serve --workers N`` (uvicorn's supervisor and N worker processes) on a free loopback port;
    its base URL once ``/readyz`` answers 200 (that is, once a worker has loaded the index)."""
    port = free_port()
    command = [sys.executable, "-m", "assistant.cli", "serve", "--host", "127.0.0.1", "--port", str(port)]
    command += ["--workers", str(workers)]
    launch = _Launch(command, {**env, **(extra_env or {})}, f"http://127.0.0.1:{port}", "/readyz")
    with _running([launch], timeout):
        yield launch.base_url


@contextmanager
def running_chroma(path: Path, env: Mapping[str, str], *, timeout: float = 120.0) -> Iterator[int]:
    """Run ``chroma run`` on a free loopback port with its data in ``path``; yield the port."""
    port = free_port()
    command = [str(Path(sys.executable).with_name("chroma")), "run", "--path", str(path)]
    command += ["--host", "127.0.0.1", "--port", str(port)]
    with _running([_Launch(command, env, f"http://127.0.0.1:{port}", "/api/v2/heartbeat")], timeout):
        yield port


@dataclass
class _Launch:
    """A server process to start: its command, environment, address, readiness path and (kept) log file."""

    command: list[str]
    env: Mapping[str, str]
    base_url: str
    probe_path: str
    log_path: Path | None = None


def _api_launch(env: Mapping[str, str], wait_ready: bool, log_path: Path | None) -> _Launch:
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", "assistant.api:create_app", "--factory"]
    command += ["--host", "127.0.0.1", "--port", str(port)]
    probe_path = "/readyz" if wait_ready else "/healthz"
    return _Launch(command, env, f"http://127.0.0.1:{port}", probe_path, log_path)


@contextmanager
def _running(launches: list[_Launch], timeout: float) -> Iterator[None]:
    """Start every process, wait until each probe answers 200, and stop them all on exit.

    Logs not asked for go to a temporary folder, removed on exit; a start failure quotes them.
    """
    with ExitStack() as stack:
        scratch = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="policyqa-")))
        logs = [launch.log_path or scratch / f"server-{n}.log" for n, launch in enumerate(launches)]
        processes = []
        for launch, log_path in zip(launches, logs, strict=True):
            log = stack.enter_context(log_path.open("wb"))
            process = subprocess.Popen(
                launch.command, cwd=REPO, env=dict(launch.env), stdout=log, stderr=subprocess.STDOUT
            )
            stack.callback(_stop, process)
            processes.append(process)
        deadline = time.monotonic() + timeout
        for launch, process, log_path in zip(launches, processes, logs, strict=True):
            _wait_until_up(process, launch.base_url + launch.probe_path, log_path, deadline)
        yield


def _wait_until_up(process: subprocess.Popen[bytes], probe: str, log_path: Path, deadline: float) -> None:
    """Poll the probe until it answers 200; raise with the server log if the process dies or time runs out."""
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServerStartError(f"server exited with {process.returncode}:\n{_tail(log_path)}")
        try:
            if httpx.get(probe, timeout=2.0).status_code == 200:
                return
        except httpx.TransportError:
            pass  # not listening yet
        time.sleep(0.2)
    raise ServerStartError(f"{probe} not 200 in time:\n{_tail(log_path)}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _tail(log_path: Path, lines: int = 40) -> str:
    return "\n".join(log_path.read_text(errors="replace").splitlines()[-lines:])
