"""The request and response bodies of the OpenAI chat protocol, as PolicyQA accepts and sends them."""

from __future__ import annotations

import time
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from assistant.core.types import Answer, Citation, Refusal

SERVED_SINCE = int(time.time())  # a model's `created`: when this process began to offer it


def _is_none(value: object) -> bool:
    return value is None


# request


class ContentPart(BaseModel):
    """One part of a message's content; PolicyQA reads text parts only."""

    model_config = ConfigDict(extra="allow")

    type: str
    text: str = ""


class ChatMessage(BaseModel):
    """A message of the conversation; fields PolicyQA does not use (name…) are ignored."""

    role: Literal["system", "developer", "user", "assistant"]
    content: str | list[ContentPart] | None = None


class StreamOptions(BaseModel):
    include_usage: bool = Field(False, description="Send a last chunk with the usage and no choices.")


class ChatCompletionRequest(BaseModel):
    """An OpenAI chat completion request. Sampling parameters are accepted and ignored: answers are fixed."""

    model: str = Field(description="A model id of GET /v1/models, e.g. 'policyqa-extractive'.")
    messages: list[ChatMessage] = Field(
        description="The conversation; the last user message is the question."
    )
    stream: bool | None = False
    stream_options: StreamOptions | None = None
    n: int | None = Field(None, description="Only 1 is supported.")
    temperature: float | None = None
    top_p: float | None = None
    max_tokens: int | None = None
    max_completion_tokens: int | None = None
    user: str | None = None


# response


class ModelCard(BaseModel):
    id: str
    object: Literal["model"] = "model"
    created: int = SERVED_SINCE
    owned_by: str = "policyqa"


class OpenAIModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelCard]


class Usage(BaseModel):
    """Token counts by the embedding model's WordPiece tokenizer: an approximation, needing no download."""

    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


class PolicyQAFields(BaseModel):
    """PolicyQA's structured answer, for clients that know it; other OpenAI clients ignore the field."""

    citations: list[Citation]
    refused: bool
    grounding: float
    refusal: Refusal | None = Field(None, description="Why the answer was refused; null when it was not.")

    @classmethod
    def of(cls, answer: Answer) -> PolicyQAFields:
        return cls(
            citations=answer.citations,
            refused=answer.refused,
            grounding=answer.grounding,
            refusal=answer.refusal,
        )


class AssistantMessage(BaseModel):
    role: Literal["assistant"] = "assistant"
    content: str


class Choice(BaseModel):
    index: int = 0
    message: AssistantMessage
    logprobs: None = None
    finish_reason: Literal["stop"] = "stop"


class ChatCompletion(BaseModel):
    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[Choice]
    usage: Usage
    policyqa: PolicyQAFields


class Delta(BaseModel):
    role: Literal["assistant"] | None = Field(None, exclude_if=_is_none)
    content: str | None = Field(None, exclude_if=_is_none)


class ChunkChoice(BaseModel):
    index: int = 0
    delta: Delta
    logprobs: None = None
    finish_reason: Literal["stop"] | None = None


class ChatCompletionChunk(BaseModel):
    id: str
    object: Literal["chat.completion.chunk"] = "chat.completion.chunk"
    created: int
    model: str
    choices: list[ChunkChoice]
    usage: Usage | None = Field(None, exclude_if=_is_none)
    policyqa: PolicyQAFields | None = Field(None, exclude_if=_is_none)
