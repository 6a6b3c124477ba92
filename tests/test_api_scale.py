"""The API beyond one quiet process: a reindex under live queries, and two processes on one Chroma server."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import httpx
import pytest
from server_support import (
    OFF_TOPIC_QUESTION,
    PAYMENT_QUESTION,
    PRICE_QUESTION,
    REPO,
    running_chroma,
    running_server,
    running_servers,
)

from assistant.settings import Settings
from index.ingest import ingest

ADMIN_KEY = "admin-secret"
API_ONLY = {"POLICYQA_UI": "false", "POLICYQA_RATE_LIMIT_PER_MINUTE": "0"}


def test_reindex_swaps_the_index_without_failing_a_query(
    server_env: dict[str, str], data_dir: Path, tmp_path: Path
) -> None:
    """Copies of the index and documents; the 2022 source is removed, so the new generation has 2021 only."""
    shutil.copytree(data_dir, tmp_path / "data")
    shutil.copytree(REPO / "documents", tmp_path / "documents")
    extra_env = API_ONLY | {
        "POLICYQA_DATA_DIR": str(tmp_path / "data"),
        "POLICYQA_DOCUMENTS_DIR": str(tmp_path / "documents"),
        "POLICYQA_ADMIN_KEY": ADMIN_KEY,
    }
    admin = {"X-Admin-Key": ADMIN_KEY}
    log_path = tmp_path / "server.log"
    with (
        running_server(server_env, extra_env, log_path=log_path) as url,
        httpx.Client(base_url=url, timeout=60) as http,
    ):
        assert http.get("/readyz").json()["years"] == [2021, 2022]
        assert http.post("/admin/reindex").status_code == 401
        assert http.post("/admin/reindex", headers={"X-Admin-Key": "guess"}).status_code == 403
        (tmp_path / "documents" / "key-tasks-2022-chinanews.txt").unlink()

        started = http.post("/admin/reindex", headers=admin | {"X-Request-ID": "reindex-1"})
        assert started.status_code == 202
        assert started.json()["running"] is True
        answers, searches = [], []
        for _ in range(2000):  # bounded; a reindex of two documents takes well under that many queries
            running = http.get("/admin/reindex", headers=admin).json()["running"]
            answers.append(http.post("/ask", json={"question": PAYMENT_QUESTION}))
            searches.append(http.get("/search", params={"q": "medical service prices", "year": 2021}))
            if not running:
                break

        assert len(answers) >= 2
        assert [r.status_code for r in answers + searches] == [200] * (2 * len(answers))
        assert {tuple(c["id"] for c in r.json()["citations"]) for r in answers} == {("2021-5",)}
        assert {r.json()["hits"][0]["id"] for r in searches} == {"2021-3"}
        status = http.get("/admin/reindex", headers=admin).json()
        assert (status["running"], status["ok"], status["documents"], status["tasks"]) == (False, True, 1, 20)
        assert status["finished_at"] >= status["started_at"]
        assert status["file_errors"] == []
        ready = http.get("/readyz").json()
        assert (ready["years"], ready["tasks"], ready["reindexing"]) == ([2021], 20, False)
        assert http.post("/ask", json={"question": PAYMENT_QUESTION, "year": 2022}).status_code == 422

    job_lines = [json.loads(line) for line in log_path.read_text().splitlines() if '"policyqa.admin"' in line]
    assert [(e["message"], e["request_id"]) for e in job_lines] == [
        ("reindex started", "reindex-1"),
        ("reindex finished", "reindex-1"),
    ]


@pytest.mark.chroma_server
def test_two_api_processes_on_one_chroma_server_give_the_same_answers(
    server_env: dict[str, str], settings: Settings, tmp_path: Path
) -> None:
    with running_chroma(tmp_path / "chroma", server_env) as port:
        shared = {"POLICYQA_CHROMA_HOST": "127.0.0.1", "POLICYQA_CHROMA_PORT": str(port)}
        report = ingest(settings.model_copy(update={"chroma_host": "127.0.0.1", "chroma_port": port}))
        assert report.build is not None
        assert report.build.chunks > report.tasks
        with running_servers(server_env | API_ONLY | shared, count=2) as (first, second):
            ready = [httpx.get(f"{url}/readyz").json() for url in (first, second)]
            assert ready[0] == ready[1]
            assert ready[0]["tasks"] == 26
            for question in (PRICE_QUESTION, PAYMENT_QUESTION, OFF_TOPIC_QUESTION):
                answers = [ask(url, question) for url in (first, second)]
                assert answers[0] == answers[1]
            assert ask(first, PRICE_QUESTION)["citations"][0]["id"] == "2021-3"
            assert ask(second, OFF_TOPIC_QUESTION)["refused"] is True


def ask(base_url: str, question: str) -> dict:
    """The answer without its timings, which differ from run to run."""
    answer = httpx.post(f"{base_url}/ask", json={"question": question}, timeout=60).json()
    del answer["timings_ms"]
    return answer
