"""The one mapping from exceptions to user-facing failures, shared by /ask, /v1, the UI and the CLI."""

from __future__ import annotations

import subprocess
import sys

from assistant.core.errors import LLMUnavailableError, UnknownModelError
from assistant.failures import describe_failure
from assistant.service import IndexUnavailableError


def test_an_unknown_model_is_an_invalid_choice_naming_the_models_on_offer():
    failure = describe_failure(UnknownModelError("gpt-x", ["extractive", "smollm2"]))
    assert failure is not None
    assert (failure.status, failure.code, failure.field, failure.model) == (
        422,
        "invalid_choice",
        "model",
        "gpt-x",
    )
    assert failure.allowed == ("extractive", "smollm2")
    assert failure.message == "unknown model 'gpt-x'; allowed: extractive, smollm2"
    assert failure.headers == {}


def test_no_index_yet_is_a_503_to_retry():
    failure = describe_failure(IndexUnavailableError("the index is still loading"))
    assert failure is not None
    assert (failure.status, failure.code, failure.message) == (
        503,
        "index_unavailable",
        "the index is still loading",
    )
    assert failure.headers == {"Retry-After": "10"}


def test_an_unreachable_model_is_a_503_and_a_busy_one_says_so():
    down = describe_failure(LLMUnavailableError("qwen", "cannot connect to http://127.0.0.1:9"))
    busy = describe_failure(LLMUnavailableError("qwen", "HTTP 503: overloaded", 503))
    assert down is not None and busy is not None
    assert (down.status, down.code, down.model, down.busy) == (503, "model_unavailable", "qwen", False)
    assert busy.busy and busy.message == "model 'qwen' is unavailable: HTTP 503: overloaded"


def test_anything_else_is_a_bug_not_a_failure_to_describe():
    assert describe_failure(ValueError("boom")) is None
    assert describe_failure(KeyError("unit")) is None


def test_the_error_modules_load_without_the_llm_stack():
    """Reporting errors imports neither llama-index nor the OpenAI client: the API may run without them."""
    code = (
        "import sys; import assistant.surfaces.http.errors, assistant.surfaces.http.openai.errors, "
        "assistant.failures; "
        "loaded = [m for m in ('llama_index', 'openai', 'assistant.core.answer.llm') if m in sys.modules]; "
        "print(','.join(loaded))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""
