"""One index build at a time: a file lock beside the index, shared by the CLI, the API's reindex and uploads.

Two builds at once would both read the current generation, embed, and then race to swap their own in, so
the later swap silently drops the other's documents. The lock is an OS-level lock (`filelock`, flock on
POSIX): the kernel releases it when the holding process exits, however it exits, so a crashed ingest never
leaves a stale lock behind. The holder's pid is written beside it only to say who is running.

The lock lives in the data folder, so it covers every process on this machine that uses that folder;
processes on several machines sharing one `chroma run` server need an external coordinator.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

__all__ = ["IngestRunning", "index_build_lock", "running_ingest_pid"]

LOCK_NAME = "ingest.lock"
PID_NAME = "ingest.pid"
_POLL_S = 0.5


class IngestRunning(RuntimeError):
    """Another process (or thread) is building the index right now."""

    def __init__(self, pid: int | None) -> None:
        who = f" (pid {pid})" if pid and pid > 0 else ""  # -1: running, but its pid file is not written yet
        super().__init__(f"an ingest is already running{who}")
        self.pid = pid


def _read_pid(data_dir: Path) -> int | None:
    try:
        return int((data_dir / PID_NAME).read_text().strip())
    except (OSError, ValueError):
        return None


def running_ingest_pid(data_dir: Path) -> int | None:
    """The pid of the process building the index in `data_dir`, or None when no build runs."""
    lock_path = data_dir / LOCK_NAME
    if not lock_path.exists():
        return None
    lock = FileLock(lock_path, thread_local=False)
    try:
        lock.acquire(timeout=0)
    except Timeout:
        return _read_pid(data_dir) or -1
    lock.release()
    return None


@contextmanager
def index_build_lock(
    data_dir: Path, *, wait: bool = False, on_wait: Callable[[int | None], None] | None = None
) -> Iterator[None]:
    """Hold the build lock of `data_dir` for the duration of the block.

    Without `wait`, raise `IngestRunning` at once when another build holds it. With `wait`, call
    `on_wait(pid)` once (to tell the user what it is waiting for) and block until the other build ends.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    lock = FileLock(data_dir / LOCK_NAME, thread_local=False)
    try:
        lock.acquire(timeout=0)
    except Timeout:
        pid = _read_pid(data_dir)
        if not wait:
            raise IngestRunning(pid) from None
        if on_wait is not None:
            on_wait(pid)
        lock.acquire(poll_interval=_POLL_S)
    try:
        (data_dir / PID_NAME).write_text(str(os.getpid()))
        yield
    finally:
        (data_dir / PID_NAME).unlink(missing_ok=True)
        lock.release()
