"""One index build at a time, across real processes: the CLI, a crashed build, and the admin reindex."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from server_support import running_server

from index.lock import running_ingest_pid

# A stand-in for a long ingest in another process: it takes the build lock the way `ingest()` does, says so,
# and holds it until its stdin closes (or it is killed).
HOLDER = """
import sys
from pathlib import Path
from index.lock import index_build_lock
with index_build_lock(Path(sys.argv[1])):
    print("locked", flush=True)
    sys.stdin.read()
"""


@contextmanager
def lock_held_by_another_process(data_dir: Path) -> Iterator[subprocess.Popen[str]]:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(data_dir)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        yield holder
    finally:
        if holder.poll() is None:
            holder.kill()
        holder.wait(timeout=10)


def policyqa(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "assistant.cli", *args],
        env={**env, "COLUMNS": "200"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.fixture
def own_data(data_dir: Path, tmp_path: Path, server_env: dict[str, str]) -> tuple[Path, dict[str, str]]:
    """A copy of the session's index, so that these builds never touch the shared one."""
    copy = tmp_path / "data"
    shutil.copytree(data_dir, copy, ignore=shutil.ignore_patterns("ingest.*"))
    return copy, {**server_env, "POLICYQA_DATA_DIR": str(copy)}


def test_second_ingest_exits_with_the_running_pid(own_data):
    data, env = own_data
    with lock_held_by_another_process(data) as holder:
        second = policyqa(env, "ingest")
        _, err = second.communicate(timeout=240)
        assert second.returncode != 0
        assert f"an ingest is already running (pid {holder.pid})" in err
        assert "Traceback" not in err


def test_second_ingest_with_wait_runs_after_the_first_finishes(own_data):
    data, env = own_data
    with lock_held_by_another_process(data) as holder:
        second = policyqa(env, "ingest", "--wait")
        time.sleep(8)  # long enough to import and reach the lock; it must still be waiting then
        assert second.poll() is None
        assert holder.stdin is not None
        holder.stdin.close()  # the first build ends
        out, err = second.communicate(timeout=240)
    assert f"an ingest is already running (pid {holder.pid}); waiting" in err
    assert second.returncode == 0, err
    assert "Ingest report" in out


def test_a_crashed_build_leaves_no_lock_behind(own_data):
    data, env = own_data
    with lock_held_by_another_process(data) as holder:
        assert running_ingest_pid(data) == holder.pid
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait(timeout=10)
    assert running_ingest_pid(data) is None
    after = policyqa(env, "ingest")
    _, err = after.communicate(timeout=240)
    assert after.returncode == 0, err


def test_admin_reindex_answers_409_while_another_process_builds(own_data):
    data, env = own_data
    admin = {"X-Admin-Key": "admin-secret"}
    with running_server(env, {"POLICYQA_ADMIN_KEY": "admin-secret"}) as base:
        with lock_held_by_another_process(data) as holder:
            busy = httpx.post(f"{base}/admin/reindex", headers=admin, timeout=30)
            assert busy.status_code == 409
            assert busy.json()["error"]["code"] == "reindex_running"
            assert f"pid {holder.pid}" in busy.json()["error"]["message"]
        started = httpx.post(f"{base}/admin/reindex", headers=admin, timeout=30)
        assert started.status_code == 202
