"""Serving with several worker processes: every worker answers, and a client's rate limit is one budget
across them (counted in a file they share), not one per worker."""

from __future__ import annotations

import os
import time
from pathlib import Path

import httpx
import pytest
from server_support import PAYMENT_QUESTION, running_cli_server

from assistant.settings import Settings
from assistant.surfaces.cli import prepare_workers
from assistant.surfaces.http.security import RateLimiter, SharedRateLimiter, rate_limiter

BUDGET = 4
READY_STREAK = 8  # consecutive /readyz 200s on new connections: both workers have loaded the index


def wait_until_every_worker_is_ready(base_url: str, timeout: float = 300.0) -> None:
    """/readyz (not rate limited) until it answers 200 many times in a row, on a new connection each."""
    deadline = time.monotonic() + timeout
    streak = 0
    while streak < READY_STREAK:
        assert time.monotonic() < deadline, "a worker never got ready"
        ready = httpx.get(f"{base_url}/readyz", timeout=30).status_code == 200
        streak = streak + 1 if ready else 0
        if not ready:
            time.sleep(0.2)


def test_two_limiters_on_one_file_share_a_clients_budget(tmp_path: Path) -> None:
    """Two workers open the same file: what one counts, the other sees; clients stay apart."""
    path = tmp_path / "counts.sqlite3"
    first, second = SharedRateLimiter(3, path), SharedRateLimiter(3, path)
    assert [first.hit("ip:a"), second.hit("ip:a"), first.hit("ip:a")] == [None, None, None]
    retry = second.hit("ip:a")
    assert retry is not None and 59 <= retry <= 60
    assert first.hit("ip:a") is not None
    assert second.hit("ip:b") is None


def test_the_limiter_is_shared_only_with_several_workers(tmp_path: Path) -> None:
    assert isinstance(rate_limiter(Settings(data_dir=tmp_path)), RateLimiter)
    assert isinstance(rate_limiter(Settings(data_dir=tmp_path, workers=2)), SharedRateLimiter)
    assert rate_limiter(Settings(data_dir=tmp_path, workers=2, rate_limit_per_minute=0)) is None


def test_workers_get_their_share_of_the_cpus_unless_the_user_set_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.delenv("POLICYQA_WORKERS", raising=False)
    prepare_workers(2)
    assert os.environ["OMP_NUM_THREADS"] == str(max(1, len(os.sched_getaffinity(0)) // 2))
    assert os.environ["POLICYQA_WORKERS"] == "2"
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    prepare_workers(2)
    assert os.environ["OMP_NUM_THREADS"] == "3"


def test_policyqa_serve_with_two_workers_answers_and_keeps_one_budget_per_client(
    server_env: dict[str, str],
) -> None:
    extra = {"POLICYQA_UI": "false", "POLICYQA_RATE_LIMIT_PER_MINUTE": str(BUDGET)}
    with running_cli_server(server_env, workers=2, extra_env=extra) as base_url:
        wait_until_every_worker_is_ready(base_url)
        answered = httpx.post(f"{base_url}/ask", json={"question": PAYMENT_QUESTION}, timeout=120)
        assert answered.status_code == 200, answered.text
        assert "2021-5" in [c["id"] for c in answered.json()["citations"]]
        # a new connection per request: the kernel hands them to either worker
        statuses = [httpx.get(f"{base_url}/models", timeout=60).status_code for _ in range(2 * BUDGET)]
    assert statuses.count(200) == BUDGET - 1, statuses  # the /ask above was the first of the budget
    assert set(statuses[BUDGET - 1 :]) == {429}
