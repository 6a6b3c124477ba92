"""LLM answerers: an OpenAI-compatible chat endpoint (vLLM, Ollama, llama.cpp, OpenAI) or the bundled SmolLM2.

The flow of one question:

1. With a conversation history, the follow-up is first rewritten into a standalone question (`condense`).
2. `EvidenceGatherer` retrieves; when it refuses, the model is not called at all.
3. The model gets the top units (or those the question names) as numbered excerpts (`prompts/answer.txt`).
4. Its reply is reviewed (`review_reply`): markers to ids that were not provided are dropped, an unmarked
   sentence is attributed to the provided unit sharing most words with it if the grounding checker finds it
   supported there, and every sentence is scored. In strict mode unsupported sentences are dropped; if none
   is left, the answer is refused as unverifiable. A reply holding the refusal phrase of `prompts/refusal.txt`
   is a refusal.

`stream()` yields the model's raw text deltas and then the reviewed Answer, whose text may differ from the
concatenated deltas (markers fixed, unsupported sentences removed): clients should show the final Answer.

Endpoint failures (connection refused, timeout, HTTP errors) raise `LLMUnavailableError`.
"""

from __future__ import annotations

import atexit
import os
import re
import textwrap
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import openai
from llama_index.core.base.llms.types import ChatMessage, MessageRole
from llama_index.llms.openai_like import OpenAILike

from assistant.answer import UnknownModelError, available_models
from assistant.answer.base import (
    build_citations,
    cite,
    finish,
    refusal_answer,
    support_text,
)
from assistant.local_llm.server import LocalLLMServer, LocalLLMServerError, smollm2_gguf_path
from assistant.evidence import Evidence, EvidenceGatherer
from assistant.grounding import MARKER, GroundingChecker, answer_sentences, content_words
from assistant.library import Library
from assistant.models import Answer, Filters, Turn
from assistant.prompts import load_prompt
from assistant.question import INJECTION
from assistant.retrieve import Timings
from index.model import Task
from index.settings import LLMEndpoint, Settings

LOCAL_MODEL = "smollm2"
CONTEXT_UNITS = 3  # excerpts per prompt: a small model on 2 cores spends ~5 ms per prompt token
EXCERPT_CHARS = 800
CONTEXT_WINDOW = 4096  # the local server's n_ctx; for other endpoints only llama-index metadata
MAX_ANSWER_TOKENS = 256
MAX_CONDENSE_TOKENS = 64
HISTORY_TURNS = 6
HISTORY_TURN_CHARS = 400
LOCAL_STARTUP_TIMEOUT_S = 120.0
LOCAL_TIMEOUT_S = 180.0  # a busy 2-core machine can take a minute for one prompt
UNVERIFIED = "The model's answer could not be verified against the documents, so PolicyQA does not show it."
MODEL_REFUSED = "The model found no answer in the retrieved passages."
MARKER_LIST = re.compile(r"\[\s*(20\d\d-\w+(?:\s*[,;]\s*20\d\d-\w+)*)\s*\]")
# What models put before a sentence: stray punctuation, an id label ("2021-9:"), "Answer:", a list bullet.
LEADING_LABEL = re.compile(
    r"^(?:[\s:;,.]+|[-*•]\s+|\d+[.)]\s+|20\d\d-\w+\s*:\s*|(?:answer|standalone question)\s*:\s*)*",
    re.IGNORECASE,
)
ECHOED_PROMPT = re.compile(r"(?:question|task excerpts)\s*:", re.IGNORECASE)


class LLMUnavailableError(RuntimeError):
    """The model's endpoint could not be reached, timed out, or answered with an HTTP error."""

    def __init__(self, name: str, reason: str, status: int | None = None) -> None:
        super().__init__(f"model {name!r} is unavailable: {reason}")
        self.name = name
        self.reason = reason
        self.status = status  # the endpoint's HTTP status; None when it could not be reached


# endpoints


class _LocalModel:
    """This process's SmolLM2 server: started on first use, started again if it died, stopped at exit."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._server: LocalLLMServer | None = None

    def endpoint(self, port: int | None) -> LLMEndpoint:
        with self._lock:
            if self._server is None or not self._server.is_running:
                self._server = self._start(port)
            server = self._server
        return LLMEndpoint(
            name=LOCAL_MODEL, base_url=server.base_url, model=server.model, timeout_s=LOCAL_TIMEOUT_S
        )

    def _start(self, port: int | None) -> LocalLLMServer:
        if self._server is not None:
            self._server.stop()  # it died: release its log
        try:
            server = LocalLLMServer(
                smollm2_gguf_path(),
                port=port,
                n_ctx=CONTEXT_WINDOW,
                # llama.cpp threads spin: on contended cores fewer threads are faster (8 s vs 25-40 s for a
                # 600-token prompt on a loaded 2-core machine), and the service keeps a core for embeddings.
                n_threads=max(1, (os.cpu_count() or 2) // 2),
                startup_timeout=LOCAL_STARTUP_TIMEOUT_S,
            )
            return server.start()
        except (FileNotFoundError, LocalLLMServerError) as exc:
            raise LLMUnavailableError(LOCAL_MODEL, f"the local server did not start: {exc}") from exc

    def stop(self) -> None:
        with self._lock:
            if self._server is not None:
                self._server.stop()
                self._server = None


_LOCAL = _LocalModel()
atexit.register(_LOCAL.stop)


def endpoint_for(name: str, settings: Settings) -> LLMEndpoint:
    """The endpoint of model `name`: the bundled SmolLM2 (one server per process) or a configured one."""
    if name == LOCAL_MODEL:
        return _LOCAL.endpoint(settings.local_llm_port)
    for endpoint in settings.llm_endpoints:
        if endpoint.name == name:
            return endpoint
    raise UnknownModelError(name, available_models(settings))


def chat_model(endpoint: LLMEndpoint, max_tokens: int = MAX_ANSWER_TOKENS) -> OpenAILike:
    """A llama-index chat LLM on `endpoint` that writes at most `max_tokens` tokens per reply."""
    return OpenAILike(
        model=endpoint.model,
        api_base=endpoint.base_url,
        api_key=endpoint.api_key,
        is_chat_model=True,
        context_window=CONTEXT_WINDOW,
        max_tokens=max_tokens,
        temperature=0.0,
        timeout=endpoint.timeout_s,
        # Fail fast: a dead endpoint should become LLMUnavailableError, not a minute of retries.
        max_retries=0,
        # With no tokenizer and max_tokens set, OpenAILike never counts tokens, so tiktoken never downloads.
        tokenizer=None,
    )


@contextmanager
def calling(endpoint: LLMEndpoint) -> Iterator[None]:
    """Turn the OpenAI client's errors inside the block into LLMUnavailableError."""
    try:
        yield
    except openai.APITimeoutError as exc:
        raise LLMUnavailableError(
            endpoint.name, f"no answer from {endpoint.base_url} within {endpoint.timeout_s:g} s"
        ) from exc
    except openai.APIConnectionError as exc:
        cause = exc.__cause__ or exc
        raise LLMUnavailableError(endpoint.name, f"cannot connect to {endpoint.base_url} ({cause})") from exc
    except openai.APIStatusError as exc:
        raise LLMUnavailableError(
            endpoint.name,
            f"{endpoint.base_url} answered HTTP {exc.status_code}: {exc.message}",
            exc.status_code,
        ) from exc
    except openai.APIError as exc:
        raise LLMUnavailableError(endpoint.name, f"bad response from {endpoint.base_url}: {exc}") from exc


# prompts


def excerpt(unit: Task, limit: int = EXCERPT_CHARS) -> str:
    """The unit's body sentences (and responsibility line) in order, as many as fit in `limit` characters."""
    body: list[str] = []
    used = 0
    for sentence in [*unit.sentences, *([unit.departments_text] if unit.departments_text else [])]:
        if body and used + len(sentence) > limit:
            break
        body.append(sentence)
        used += len(sentence) + 1
    return " ".join(body)


def context_block(units: list[Task]) -> str:
    """Numbered excerpts, each headed by its id marker, label and title."""
    return "\n\n".join(
        f"{n}. [{unit.id}] {unit.label}: {unit.title}\n{excerpt(unit)}" for n, unit in enumerate(units, 1)
    )


def history_block(history: list[Turn]) -> str:
    """The last turns of a conversation, one shortened line each."""
    return "\n".join(
        f"{turn.role.title()}: {textwrap.shorten(turn.content, HISTORY_TURN_CHARS, placeholder=' …')}"
        for turn in history[-HISTORY_TURNS:]
    )


def without_injection(text: str) -> str:
    """The question with instructions aimed at the model taken out."""
    return re.sub(r"\s+", " ", INJECTION.sub(" ", text)).strip()


def refusal_phrase(rule: str) -> str:
    """The exact refusal phrase: the double-quoted sentence of the refusal rule."""
    match = re.search(r'"([^"]+)"', rule)
    if match is None:
        raise ValueError("prompts/refusal.txt must hold the refusal phrase in double quotes")
    return match[1]


def says_refusal(reply: str, phrase: str) -> bool:
    """Whether the model's reply uses the refusal phrase (case, punctuation and markers aside)."""

    def words(text: str) -> str:
        return " ".join(re.findall(r"[a-z0-9]+", MARKER.sub(" ", text).lower()))

    return words(phrase) in words(reply)


# review of the model's reply


@dataclass
class Review:
    """The model's reply after marker checks and grounding."""

    text: str  # the sentences shown, each ending in its markers
    grounding: float  # share of the shown sentences that are supported
    unsupported: list[str] = field(default_factory=list)  # flagged (non-strict) or dropped (strict)
    dropped_markers: list[str] = field(default_factory=list)  # ids cited that were not provided


def with_markers(body: str, ids: list[str]) -> str:
    """`body` ending with one marker per id: "… reform [2021-1] [2021-2]."."""
    return cite(body, "] [".join(ids))


def clean_body(text: str) -> str:
    """A sentence without markers, list bullets or a leading "Answer:" label; "" when no words remain."""
    text = LEADING_LABEL.sub("", re.sub(r"\s+", " ", MARKER.sub(" ", text)).strip())
    # Taking out "[2021-9]" from "system. [2021-9]." or "system [2021-9]." leaves "system. ." or "system .".
    text = re.sub(r"\s+([.,;:!?])", r"\1", re.sub(r"([.,;:!?])(?:\s+[.,;:])+", r"\1", text)).strip()
    if not re.search(r"[A-Za-z0-9]", text):
        return ""
    return text[0].upper() + text[1:]


def is_claim(body: str) -> bool:
    """Whether a sentence of a reply states something: questions and echoed prompt lines do not."""
    return not body.endswith("?") and not ECHOED_PROMPT.match(body)


def support_strength(checker: GroundingChecker, sentence: str, sources: dict[str, list[str]]) -> float:
    """The weakest support score among the parts of `sentence` (0 when nothing supports it)."""
    return min((part.score for part in checker.check(sentence, sources).sentences), default=0.0)


def review_sentence(
    body: str, ids: list[str], sources: dict[str, list[str]], checker: GroundingChecker
) -> tuple[str, bool]:
    """The sentence with its markers, and whether the cited text supports it.

    A sentence the model left unmarked gets the marker of the provided unit that shares most words with it,
    but only when the grounding checker finds it supported there; otherwise it stays unmarked.
    """
    cited = ids
    if not cited and (closest := closest_source(body, sources)):
        cited = [closest]
    if cited:
        sentence = with_markers(body, cited)
        if support_strength(checker, sentence, sources) >= checker.threshold:
            return sentence, True
        if ids:
            return sentence, False
    return (body if body[-1] in ".!?" else f"{body}."), False


def closest_source(body: str, sources: dict[str, list[str]]) -> str | None:
    """The id of the source sharing most content words with `body`; None when none shares any."""
    words = content_words(body)
    overlaps = {unit_id: len(words & content_words(" ".join(text))) for unit_id, text in sources.items()}
    best = max(overlaps, key=lambda unit_id: overlaps[unit_id], default=None)
    return best if best is not None and overlaps[best] else None


def review_reply(reply: str, units: dict[str, Task], checker: GroundingChecker, strict: bool) -> Review:
    """Check the model's reply against the `units` it was given (see the module docstring)."""
    sources = {unit_id: support_text(unit) for unit_id, unit in units.items()}
    normalised = MARKER_LIST.sub(lambda m: " ".join(f"[{i}]" for i in re.split(r"\s*[,;]\s*", m[1])), reply)
    dropped: list[str] = []
    reviewed: list[tuple[str, bool]] = []
    seen: set[str] = set()
    for sentence in answer_sentences(normalised):
        ids = list(dict.fromkeys(MARKER.findall(sentence)))
        dropped.extend(i for i in ids if i not in units)
        body = clean_body(sentence)
        if body and is_claim(body) and body not in seen:  # small models loop on the same sentence
            seen.add(body)
            reviewed.append(review_sentence(body, [i for i in ids if i in units], sources, checker))
    shown = [(s, ok) for s, ok in reviewed if ok or not strict]
    return Review(
        text=" ".join(s for s, _ in shown),
        grounding=sum(ok for _, ok in shown) / len(shown) if shown else 0.0,
        unsupported=[s for s, ok in reviewed if not ok],
        dropped_markers=list(dict.fromkeys(dropped)),
    )


# the answerer


@dataclass
class Prompt:
    """What the model is asked, and the evidence behind it."""

    evidence: Evidence
    units: dict[str, Task]
    messages: list[ChatMessage]


class LLMAnswerer:
    """Answers with a chat model from retrieved task excerpts, then checks every sentence against them."""

    def __init__(self, endpoint: LLMEndpoint, library: Library, settings: Settings) -> None:
        self.name = endpoint.name
        self.endpoint = endpoint
        self.library = library
        self.settings = settings
        self.evidence = EvidenceGatherer(library, settings)
        self.checker = GroundingChecker(library.embed_texts, settings.grounding_threshold)
        self.llm = chat_model(endpoint)
        self.condenser = chat_model(endpoint, MAX_CONDENSE_TOKENS)
        refusal_rule = load_prompt("refusal")
        self.system_prompt = f"{load_prompt('system')}\n\n{refusal_rule}"
        self.refusal_phrase = refusal_phrase(refusal_rule)
        self.answer_template = load_prompt("answer")
        self.condense_template = load_prompt("condense")

    def answer(self, question: str, history: list[Turn], filters: Filters, top_k: int = 5) -> Answer:
        """A cited answer from the model, reviewed against the excerpts it was given, or a refusal."""
        started = time.perf_counter()
        prompt = self._prompt(question, history, filters, top_k, started)
        if isinstance(prompt, Answer):
            return prompt
        step = time.perf_counter()
        with calling(self.endpoint):
            reply = self.llm.chat(prompt.messages).message.content or ""
        prompt.evidence.timings.add("llm", step)
        return self._reviewed(reply, prompt, started)

    def stream(
        self, question: str, history: list[Turn], filters: Filters, top_k: int = 5
    ) -> Iterator[str | Answer]:
        """The model's raw text deltas, then the reviewed Answer (whose text may differ from the deltas)."""
        started = time.perf_counter()
        prompt = self._prompt(question, history, filters, top_k, started)
        if isinstance(prompt, Answer):
            yield prompt.answer
            yield prompt
            return
        step = time.perf_counter()
        parts: list[str] = []
        with calling(self.endpoint):
            for chunk in self.llm.stream_chat(prompt.messages):
                if chunk.delta:
                    parts.append(chunk.delta)
                    yield chunk.delta
        prompt.evidence.timings.add("llm", step)
        yield self._reviewed("".join(parts), prompt, started)

    def condense(self, question: str, history: list[Turn]) -> str:
        """The follow-up `question` rewritten as a standalone one; unchanged if the rewrite fails."""
        request = self.condense_template.format(history=history_block(history), question=question)
        with calling(self.endpoint):
            reply = self.condenser.chat([ChatMessage(role=MessageRole.USER, content=request)])
        lines = [line for line in (reply.message.content or "").splitlines() if line.strip()]
        rewritten = LEADING_LABEL.sub("", lines[0].strip()).strip(" \"'“”") if lines else ""
        # A small model may answer instead of rewriting; the follow-up is then resolved by retrieval's own
        # reading of the history.
        standalone = rewritten.endswith("?") and len(rewritten) <= 2 * len(question) + 200
        return rewritten if standalone else question

    def _prompt(
        self, question: str, history: list[Turn], filters: Filters, top_k: int, started: float
    ) -> Prompt | Answer:
        """The chat messages for the question, or a refusal when retrieval found nothing to answer from."""
        timings = Timings()
        if history:
            question = self.condense(question, history)
            timings.add("condense", started)
        step = time.perf_counter()
        evidence = self.evidence.gather(question, history, filters, top_k)
        evidence.timings.add("retrieve", step)
        evidence.timings.values.update(timings.values)
        if evidence.refusal:
            return refusal_answer(evidence.refusal, self.name, evidence.timings, started)
        count = min(top_k, CONTEXT_UNITS)
        units = evidence.direct[:count] or [hit.unit for hit in evidence.hits[:count]]
        request = self.answer_template.format(
            context=context_block(units), question=without_injection(question)
        )
        messages = [
            ChatMessage(role=MessageRole.SYSTEM, content=self.system_prompt),
            ChatMessage(role=MessageRole.USER, content=request),
        ]
        return Prompt(evidence=evidence, units={u.id: u for u in units}, messages=messages)

    def _reviewed(self, reply: str, prompt: Prompt, started: float) -> Answer:
        """The model's reply as an Answer: a refusal, an unverifiable reply, or its supported sentences."""
        timings = prompt.evidence.timings
        if says_refusal(reply, self.refusal_phrase):
            return refusal_answer(MODEL_REFUSED, self.name, timings, started)
        step = time.perf_counter()
        review = review_reply(reply, prompt.units, self.checker, self.settings.strict_grounding)
        timings.add("grounding", step)
        if not review.text:
            return Answer(
                answer=UNVERIFIED,
                refused=True,
                grounding=1.0,  # like every refusal, it claims nothing from the documents
                unsupported=review.unsupported,
                model=self.name,
                timings_ms=finish(timings, started),
            )
        scores = {hit.unit.id: hit.score for hit in prompt.evidence.hits}
        return Answer(
            answer=review.text,
            citations=build_citations(review.text, prompt.units, scores),
            grounding=round(review.grounding, 4),
            unsupported=review.unsupported,
            model=self.name,
            timings_ms=finish(timings, started),
        )
