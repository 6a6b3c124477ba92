"""Writing the reply: the answer with its Sources list, as one completion or as server-sent chunks."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from uuid import uuid4

from assistant.core.types import Answer, Citation
from assistant.settings import Settings
from assistant.surfaces.http.openai.conversation import SOURCES_HEADING
from assistant.surfaces.http.openai.errors import OpenAIError, service_error
from assistant.surfaces.http.openai.schemas import (
    AssistantMessage,
    ChatCompletion,
    ChatCompletionChunk,
    Choice,
    ChunkChoice,
    Delta,
    PolicyQAFields,
    Usage,
)
from index.embed import token_counter

logger = logging.getLogger(__name__)


def sources(citations: list[Citation]) -> str:
    """The "Sources" list that follows an answer in the message content; empty without citations."""
    if not citations:
        return ""
    lines = [f"- [{c.id}] {c.label}: {c.title}" if c.label else f"- [{c.id}] {c.title}" for c in citations]
    return SOURCES_HEADING + "\n".join(lines)


def reply_content(answer: Answer) -> str:
    """The assistant message: the answer with its citation markers, then its sources."""
    return answer.answer + sources(answer.citations)


def count_tokens(settings: Settings, text: str) -> int:
    """Word pieces of `text` by the embedding model's own tokenizer (a local file, unlike tiktoken's)."""
    encoding = token_counter(settings.embed_model_path).encode(text, add_special_tokens=False)
    return sum(encoding.attention_mask)  # not len(ids): the model's tokenizer.json pads to 128


@dataclass
class Reply:
    """One completion: what its response, or each chunk of its stream, carries besides the answer."""

    model: str
    prompt_tokens: int
    count: Callable[[str], int]
    id: str = field(default_factory=lambda: f"chatcmpl-{uuid4().hex}")
    created: int = field(default_factory=lambda: int(time.time()))

    def usage(self, content: str) -> Usage:
        completion_tokens = self.count(content)
        return Usage(
            prompt_tokens=self.prompt_tokens,
            completion_tokens=completion_tokens,
            total_tokens=self.prompt_tokens + completion_tokens,
        )

    def completion(self, answer: Answer) -> ChatCompletion:
        content = reply_content(answer)
        return ChatCompletion(
            id=self.id,
            created=self.created,
            model=self.model,
            choices=[Choice(message=AssistantMessage(content=content))],
            usage=self.usage(content),
            policyqa=PolicyQAFields.of(answer),
        )

    def chunk(self, choices: list[ChunkChoice], **extra: Any) -> dict[str, str]:
        """A `chat.completion.chunk` as a server-sent event."""
        chunk = ChatCompletionChunk(
            id=self.id, created=self.created, model=self.model, choices=choices, **extra
        )
        return {"data": chunk.model_dump_json()}

    def delta(self, **delta: str) -> dict[str, str]:
        return self.chunk([ChunkChoice(delta=Delta(**delta))])

    def stream(self, events: Iterator[str | Answer], include_usage: bool) -> Iterator[dict[str, str]]:
        """The reply as server-sent events: role, answer text, sources, final chunk, usage, `[DONE]`.

        The text goes out once the answerer has checked it: an LLM's raw deltas may hold sentences that
        strict grounding then drops, and an OpenAI client cannot take text back.
        """
        yield self.delta(role="assistant", content="")
        try:
            deltas, answer = collect(events)
        except Exception as exc:  # the 200 status is sent already: say it the way OpenAI streams say it
            error = service_error(exc)
            if error is None:
                logger.exception("streamed chat completion failed")
                error = OpenAIError(500, "The answer failed while streaming.", error_type="server_error")
            yield {"data": error.body.model_dump_json()}
            return
        for text in deltas if "".join(deltas) == answer.answer else [answer.answer]:
            yield self.delta(content=text)
        if listed := sources(answer.citations):
            yield self.delta(content=listed)
        yield self.chunk(
            [ChunkChoice(delta=Delta(), finish_reason="stop")], policyqa=PolicyQAFields.of(answer)
        )
        if include_usage:
            yield self.chunk([], usage=self.usage(reply_content(answer)))
        yield {"data": "[DONE]"}


def collect(events: Iterator[str | Answer]) -> tuple[list[str], Answer]:
    """The text deltas of an answer stream, and its final Answer."""
    deltas: list[str] = []
    for event in events:
        if isinstance(event, Answer):
            return deltas, event
        deltas.append(event)
    raise RuntimeError("the answer stream ended without an Answer")
