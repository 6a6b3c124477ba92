"""The local-LLM modules' guard: a missing runtime skips them on a developer machine and fails them in CI."""

from __future__ import annotations

import pytest
from llm_support import LOCAL_LLM_MODULES, require_local_llm


def test_a_missing_runtime_fails_when_ci_is_true(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(LOCAL_LLM_MODULES, "no_such_llm_runtime_module", "the runtime is not installed")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true and the local model cannot be used"):
        require_local_llm()


def test_a_missing_runtime_skips_outside_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(LOCAL_LLM_MODULES, "no_such_llm_runtime_module", "the runtime is not installed")
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="the runtime is not installed"):
        require_local_llm()
