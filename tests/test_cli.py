"""The `policyqa` command as a user runs it: a real subprocess on the session's index."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest


def policyqa(env: dict[str, str], *args: str, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "assistant.cli", *args],
        env={**env, "COLUMNS": "200"},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_tasks_lists_the_20_tasks_of_2021_with_departments_and_deadlines(server_env):
    result = policyqa(server_env, "tasks", "--year", "2021", "--json")
    assert result.returncode == 0, result.stderr
    tasks = json.loads(result.stdout)
    assert [t["id"] for t in tasks] == [f"2021-{n}" for n in range(1, 21)]
    assert all(t["departments"] for t in tasks)
    assert [d["month"] for d in tasks[1]["deadlines"]] == ["2021-08"]
    table = policyqa(server_env, "tasks", "--year", "2021")
    assert table.returncode == 0
    assert (
        "20 tasks" in table.stdout
        and "2021-08" in table.stdout
        and "National Health Commission" in table.stdout
    )


def test_tasks_filters_by_department_variant_and_deadline(server_env):
    result = policyqa(
        server_env,
        "tasks",
        "--department",
        "National Medical Insurance Bureau",
        "--deadline-before",
        "2021-09",
        "--json",
    )
    assert [t["id"] for t in json.loads(result.stdout)] == ["2021-2", "2021-3", "2021-11"]
    bad = policyqa(server_env, "tasks", "--deadline-before", "September")
    assert bad.returncode == 2 and "YYYY-MM" in bad.stderr


def test_show_prints_one_task_and_rejects_unknown_ids(server_env):
    result = policyqa(server_env, "show", "2021-2")
    assert result.returncode == 0
    assert "Promote centralized procurement of pharmaceuticals and consumables" in result.stdout
    assert "2021-08" in result.stdout
    missing = policyqa(server_env, "show", "2021-99")
    assert missing.returncode == 1 and "no unit '2021-99'" in missing.stderr


def test_ask_answers_with_citation_and_refuses_what_is_not_covered(server_env):
    result = policyqa(
        server_env,
        "ask",
        "Which departments are responsible for reforming medical insurance payment methods?",
        "--json",
    )
    answer = json.loads(result.stdout)
    assert answer["citations"][0]["id"] == "2021-5" and "[2021-5]" in answer["answer"]
    assert "Ministry of Finance" in answer["answer"]
    refused = policyqa(server_env, "ask", "What price cap does the plan set for dental implants?")
    assert refused.returncode == 0
    assert "Not covered by these documents" in refused.stdout
    unknown = policyqa(server_env, "ask", "Who leads task 5?", "--model", "gpt-9")
    assert unknown.returncode == 2 and "unknown model 'gpt-9'" in unknown.stderr


def test_ingest_reports_bad_files_by_name_and_exits_1(tmp_path: Path, server_env):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "empty.txt").write_text("", encoding="utf-8")
    env = {**server_env, "POLICYQA_DATA_DIR": str(tmp_path / "data"), "POLICYQA_DOCUMENTS_DIR": str(docs)}
    result = policyqa(env, "ingest", str(docs / "empty.txt"), str(docs / "missing.txt"))
    assert result.returncode == 1
    assert "empty.txt: file is empty" in result.stderr
    assert "missing.txt: no such file or directory" in result.stderr
    assert "Ingest report" in result.stdout


@pytest.mark.parametrize("command", ["tasks", "ask"])
def test_commands_say_when_no_index_exists(tmp_path: Path, server_env, command):
    env = {**server_env, "POLICYQA_DATA_DIR": str(tmp_path / "none")}
    result = policyqa(env, command, *(["Who leads task 5?"] if command == "ask" else []))
    assert result.returncode == 2
    assert "no index has been built yet: run `policyqa ingest`" in result.stderr


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    """The single stderr line of a failed command (no traceback, no third-party output)."""
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ") and "Traceback" not in result.stderr
    return lines[0]


@pytest.mark.parametrize(
    ("args", "code", "says"),
    [
        (["ask", "Who leads task 5?", "--bogus"], 2, "No such option: --bogus; see 'policyqa ask --help'"),
        (["tasks", "--year", "twenty"], 2, "Invalid value for '--year'"),
        (["frobnicate"], 2, "No such command 'frobnicate'"),
        (["ask"], 2, "Missing argument 'question'"),
        (["show", "2021-99"], 1, "no unit '2021-99'"),
        (["ask", "Who leads task 5?", "--model", "gpt-9"], 2, "unknown model 'gpt-9'"),
    ],
)
def test_expected_errors_are_one_line_and_a_non_zero_exit(server_env, args, code, says):
    result = policyqa(server_env, *args)
    assert result.returncode == code
    assert says in one_line_error(result)


def test_an_unavailable_model_is_one_line_and_debug_shows_the_traceback(server_env):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        env = {**server_env, "POLICYQA_LOCAL_LLM_PORT": str(taken.getsockname()[1])}
        question = "Who leads 2021 task (5)?"
        result = policyqa(env, "ask", question, "--model", "smollm2", "--json")
        assert result.returncode == 1 and result.stdout == ""
        assert "model 'smollm2' is unavailable" in one_line_error(result)
        debug = policyqa(env, "ask", question, "--model", "smollm2", "--debug")
    assert debug.returncode == 1
    assert "Traceback" in debug.stderr and "LLMUnavailableError" in debug.stderr


def test_json_output_is_json_alone(server_env):
    result = policyqa(server_env, "ask", "Who leads 2021 task (5)?", "--json")
    assert result.returncode == 0
    json.loads(result.stdout)
    assert "Loading weights" not in result.stderr and "%|" not in result.stderr
    assert result.stderr.strip() == ""


def test_documents_lists_the_indexed_notices_and_the_files_not_used(tmp_path: Path, server_env):
    import shutil

    docs = tmp_path / "docs"
    shutil.copytree(Path(__file__).resolve().parent.parent / "documents", docs)
    (docs / "notes.xlsx").write_bytes(b"PK\x03\x04 not a notice")
    env = {**server_env, "POLICYQA_DOCUMENTS_DIR": str(docs)}
    listing = json.loads(policyqa(env, "documents", "--json").stdout)
    assert [d["id"] for d in listing["documents"]] == ["2021", "2022"]
    assert [d["tasks"] for d in listing["documents"]] == [20, 6]
    assert any(u["file"] == "notes.xlsx" for u in listing["unused"])
    table = policyqa(env, "documents")
    assert table.returncode == 0 and "2 documents" in table.stdout
    assert "not used: notes.xlsx" in table.stderr


def test_documents_shows_lines_that_fit_no_task(tmp_path: Path, server_env):
    """A fictional notice with a paragraph between task (1)'s responsibility note and task (2)."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "orchard-2033.txt").write_text(
        "Notice of the Orchard Office on the Key Tasks of 2033\n\n"
        "The tasks below are issued to every county for implementation in 2033.\n\n"
        "(1) Plant orchards on idle land.\n(Ministry of Finance is responsible)\n\n"
        "Remember the orchard survey of last autumn.\n\n"
        "(2) Paint the barns red.\n(National Health Commission is responsible)\n\n"
        "(3) Mend the fences before winter.\n(Ministry of Finance is responsible)\n",
        encoding="utf-8",
    )
    env = {**server_env, "POLICYQA_DATA_DIR": str(tmp_path / "data"), "POLICYQA_DOCUMENTS_DIR": str(docs)}
    assert policyqa(env, "ingest").returncode == 0
    listing = json.loads(policyqa(env, "documents", "--json").stdout)
    assert [(d["id"], d["tasks"]) for d in listing["documents"]] == [("2033", 3)]
    assert listing["documents"][0]["warnings"] == [
        "1 line could not be placed in a task: “Remember the orchard survey of last …” "
        "(after task (1)'s responsibility note, before task (2); kept in 2033-1)"
    ]
    table = policyqa(env, "documents")
    assert table.returncode == 0
    assert "1 line could not be placed in a task" in " ".join(table.stdout.split())
