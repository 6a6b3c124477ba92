"""`policyqa eval` end to end on the real index and embedding model, and `policyqa eval compare`."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from eval.cli import app
from eval.gate import THRESHOLDS
from eval.harness import with_endpoint
from eval.records import Breakdown, RunConfig, RunResult

runner = CliRunner()


def test_run_with_another_embedding_model_writes_result_report_and_chart(
    settings, server_env: dict[str, str], tmp_path: Path
) -> None:
    out = tmp_path / "run"
    arguments = [
        "--split",
        "dev",
        "--limit",
        "3",
        "--embed-model",
        settings.embed_model_path,
        "--out",
        str(out),
    ]
    outcome = runner.invoke(app, arguments, env=server_env)
    assert outcome.exit_code == 0, outcome.output
    result = RunResult.load(out / "result.json")
    assert result.config.split == "dev"
    assert result.config.model == "extractive"
    assert result.config.embedding == "all-MiniLM-L6-v2"
    assert [r.id for r in result.records] == ["q001", "q002", "q003"]
    assert all(set(r.rankings) == {"hybrid", "retriever", "bm25", "fixed_chunks"} for r in result.records)
    assert result.retriever is not None and result.retriever.overall["recall@5"] is not None
    assert set(result.baselines) == {"bm25", "fixed_chunks"}
    assert set(result.metrics.by_category) == {"fact"}
    report = (out / "report.md").read_text()
    assert "## Retrieval vs baselines" in report
    assert "## Retrieval: hybrid retriever alone vs full ranking with rules" in report
    assert "## Failing questions (" in report  # dev lists them; a test-split report never does
    assert "![metrics by category and retrieval vs baselines](chart.png)" in report
    assert (out / "chart.png").read_bytes().startswith(b"\x89PNG")


def test_gate_failure_exits_non_zero(
    server_env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(THRESHOLDS, "recall@5", 1.01)  # unreachable, so the gate must fail
    arguments = ["--limit", "2", "--no-baselines", "--gate", "--out", str(tmp_path)]
    outcome = runner.invoke(app, arguments, env=server_env)
    assert outcome.exit_code == 1, outcome.output
    assert "gate FAIL: recall@5 = 1.000 < 1.01 (by category: fact 1.000)" in outcome.output
    assert RunResult.load(tmp_path / "result.json").baselines == {}


def test_endpoint_is_offered_as_an_answerer(settings) -> None:
    from assistant.core.answer.registry import available_models

    with_llm, name = with_endpoint(settings, "http://127.0.0.1:9/v1", "qwen2.5:0.5b")
    assert name == "eval-qwen2.5-0.5b"
    assert name in available_models(with_llm)
    assert with_llm.llm_endpoints[-1].base_url == "http://127.0.0.1:9/v1"
    assert with_llm.data_dir == settings.data_dir
    assert name not in available_models(settings)


def test_unknown_model_is_an_error(server_env: dict[str, str], tmp_path: Path) -> None:
    outcome = runner.invoke(app, ["--model", "nope", "--limit", "1", "--out", str(tmp_path)], env=server_env)
    assert outcome.exit_code == 2
    assert "unknown model 'nope'" in outcome.output


def saved_run(path: Path, mrr: float, fixed_recall: float) -> Path:
    config = RunConfig(
        model="extractive",
        embedding="all-MiniLM-L6-v2",
        embedding_path="/m",
        split="test",
        questions=94,
        git_commit=None,
        date="2025-01-01T00:00:00+00:00",
    )
    result = RunResult(
        config=config,
        metrics=Breakdown(overall={"mrr": mrr, "latency_p50_ms": 120.0}, by_category={}),
        baselines={"fixed_chunks": Breakdown(overall={"recall@5": fixed_recall}, by_category={})},
        records=[],
    )
    path.write_text(result.model_dump_json())
    return path


def test_compare_prints_both_runs_and_deltas(tmp_path: Path) -> None:
    a = saved_run(tmp_path / "a.json", mrr=0.8, fixed_recall=0.5)
    b = saved_run(tmp_path / "b.json", mrr=0.9, fixed_recall=0.25)
    outcome = runner.invoke(app, ["compare", str(a), str(b)], env={"COLUMNS": "200"})
    assert outcome.exit_code == 0, outcome.output
    lines = {
        line.split("│")[1].strip(): [c.strip() for c in line.split("│")[2:-1]]
        for line in outcome.output.splitlines()
        if line.count("│") > 3
    }
    assert lines["mrr"] == ["0.800", "0.900", "+0.100"]
    assert lines["latency_p50_ms"] == ["120", "120", "+0"]
    assert lines["fixed_chunks recall@5"] == ["0.500", "0.250", "-0.250"]
