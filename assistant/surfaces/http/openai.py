"""OpenAI-compatible chat API: `/v1/models` and `/v1/chat/completions`, so any OpenAI client can ask PolicyQA.

Each answerer is offered as a model `policyqa-<name>`. The last user message is the question and the user and
assistant messages before it are the history; system messages are allowed but never change an answer. The
reply's content is the cited answer followed by a "Sources" list; the structured citations travel in the extra
top-level field `policyqa`, which other clients ignore. The errors of these routes, authentication and
malformed bodies included, come in OpenAI's error shape, so the SDKs raise their usual exceptions.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from typing import Annotated, Any, Literal
from uuid import uuid4

from fastapi import APIRouter, Depends, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, Field
from sse_starlette import EventSourceResponse
from starlette.exceptions import HTTPException

from assistant.core.types import Answer, Citation, Turn
from assistant.surfaces.http.security import require_api_key
from assistant.surfaces.http.deps import ServiceDep
from assistant.failures import describe_failure
from assistant.service import PolicyQA
from index.embed import token_counter
from assistant.settings import Settings

logger = logging.getLogger(__name__)

MODEL_PREFIX = "policyqa-"
SOURCES_HEADING = "\n\nSources:\n"
SERVED_SINCE = int(time.time())  # a model's `created`: when this process began to offer it
HTTP_ERROR_CODES = {401: "invalid_api_key", 429: "rate_limit_exceeded"}


def _is_none(value: object) -> bool:
    return value is None


# errors


class OpenAIErrorDetail(BaseModel):
    message: str
    type: str
    param: str | None = None
    code: str | None = None


class ErrorBody(BaseModel):
    """OpenAI's error shape."""

    error: OpenAIErrorDetail


class OpenAIError(Exception):
    """An error to answer with in OpenAI's shape."""

    def __init__(
        self,
        status_code: int,
        message: str,
        *,
        error_type: str = "invalid_request_error",
        param: str | None = None,
        code: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.body = ErrorBody(error=OpenAIErrorDetail(message=message, type=error_type, param=param, code=code))
        self.headers = headers

    def response(self) -> JSONResponse:
        return JSONResponse(self.body.model_dump(), status_code=self.status_code, headers=self.headers)


def invalid(message: str, param: str | None = None) -> OpenAIError:
    """A 400 invalid_request_error."""
    return OpenAIError(400, message, param=param)


def invalid_body(exc: RequestValidationError) -> OpenAIError:
    """A body FastAPI could not parse or validate, as a 400 naming the offending parameter."""
    errors = exc.errors()
    if errors[0]["type"] == "json_invalid":
        reason, position = errors[0]["ctx"]["error"], errors[0]["loc"][-1]
        return invalid(f"We could not parse the JSON body of your request: {reason} at character {position}.")
    locations = [tuple(error["loc"][1:]) for error in errors]  # after "body"
    # A union field (a message's content: text or parts) fails once per member, each error's location
    # ending in that member's name; their common prefix names the field itself.
    path = common_prefix(locations) or locations[0]
    reasons = dict.fromkeys(
        e["msg"] for e, loc in zip(errors, locations, strict=True) if loc[: len(path)] == path
    )
    param = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in path).lstrip(".")
    where = f"'{param}'" if param else "request body"
    return invalid(f"Invalid {where}: {'; '.join(reasons)}.", param or None)


def common_prefix(locations: list[tuple[str | int, ...]]) -> tuple[str | int, ...]:
    prefix: list[str | int] = []
    for parts in zip(*locations, strict=False):
        if len(set(parts)) > 1:
            break
        prefix.append(parts[0])
    return tuple(prefix)


def from_http_exception(exc: HTTPException) -> OpenAIError:
    """An HTTP error of a dependency (authentication, rate limit…) in OpenAI's shape."""
    server_side = exc.status_code >= 500
    return OpenAIError(
        exc.status_code,
        exc.detail if isinstance(exc.detail, str) else str(exc.detail),
        error_type="server_error" if server_side else "invalid_request_error",
        code=HTTP_ERROR_CODES.get(exc.status_code),
        headers=exc.headers,
    )


class OpenAIRoute(APIRoute):
    """A route that answers every error, validation and authentication included, in OpenAI's shape.

    Scoped to this router, so the rest of the API keeps its own error shape.
    """

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                return await handler(request)
            except OpenAIError as exc:
                return exc.response()
            except RequestValidationError as exc:
                return invalid_body(exc).response()
            except HTTPException as exc:
                return from_http_exception(exc).response()

        return handle


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    "4XX": {
        "model": ErrorBody,
        "description": "400 invalid request, 401 missing or wrong key, 404 unknown model, 429 rate limit.",
    },
    503: {
        "model": ErrorBody,
        "description": "The index is not loaded (yet), or the model cannot be reached.",
    },
}

router = APIRouter(
    prefix="/v1",
    tags=["openai"],
    dependencies=[Depends(require_api_key)],
    route_class=OpenAIRoute,
    responses=ERROR_RESPONSES,
)


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

    @classmethod
    def of(cls, answer: Answer) -> PolicyQAFields:
        return cls(citations=answer.citations, refused=answer.refused, grounding=answer.grounding)


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


# reading the conversation


@dataclass
class Conversation:
    """What a chat request asks: the question, the turns before it, and the prompt text to count."""

    question: str
    history: list[Turn]
    prompt: str


def message_text(message: ChatMessage, index: int) -> str:
    """A message's text; any part that is not text (an image, audio, a file) is refused."""
    if not isinstance(message.content, list):
        return message.content or ""
    for number, part in enumerate(message.content):
        if part.type != "text":
            raise invalid(
                f"Content parts of type {part.type!r} are not supported: PolicyQA reads text only.",
                f"messages[{index}].content[{number}]",
            )
    return "\n".join(part.text for part in message.content)


def read_conversation(messages: list[ChatMessage]) -> Conversation:
    """The last user message as the question, and the user and assistant messages before it as history."""
    if not messages:
        raise invalid("'messages' must hold at least one message.", "messages")
    texts = [message_text(message, index) for index, message in enumerate(messages)]
    last = max((i for i, message in enumerate(messages) if message.role == "user"), default=None)
    if last is None:
        raise invalid("'messages' holds no user message: its content is the question.", "messages")
    question = texts[last].strip()
    if not question:
        raise invalid("The last user message is empty.", f"messages[{last}].content")
    history = [
        # Our own Sources list is dropped, so the history holds answers as the answerer wrote them.
        Turn(role=message.role, content=text.partition(SOURCES_HEADING)[0])
        for message, text in zip(messages[:last], texts[:last], strict=True)
        if message.role in ("user", "assistant") and text.strip()
    ]
    return Conversation(question=question, history=history, prompt="\n".join(texts))


# writing the reply


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


def service_error(exc: Exception) -> OpenAIError | None:
    """The OpenAI error for a failure the service reports (no index, model unreachable…); None for a bug."""
    failure = describe_failure(exc)
    if failure is None:
        return None
    return OpenAIError(
        failure.status,
        f"{failure.message}.",
        error_type="server_error" if failure.status >= 500 else "invalid_request_error",
        param=failure.field,
        code=failure.code,
        headers=failure.headers or None,
    )


# endpoints


def answerer_name(model_id: str, service: PolicyQA) -> str:
    """The answerer a model id names; a 404 model_not_found when it names none."""
    name = model_id.removeprefix(MODEL_PREFIX)
    offered = service.models()
    if name == model_id or name not in offered:
        available = ", ".join(MODEL_PREFIX + n for n in offered)
        raise OpenAIError(
            404,
            f"The model '{model_id}' does not exist. Available: {available}.",
            param="model",
            code="model_not_found",
        )
    return name


@contextmanager
def serving() -> Iterator[None]:
    """Turn the service's "cannot answer now" (no index, model unreachable) into a 503."""
    try:
        yield
    except Exception as exc:
        error = service_error(exc)
        if error is None:
            raise
        raise error from exc


@router.get("/models", response_model=OpenAIModelList)
def list_models(service: ServiceDep) -> OpenAIModelList:
    """One model per answerer, the default first."""
    return OpenAIModelList(data=[ModelCard(id=MODEL_PREFIX + name) for name in service.models()])


@router.get("/models/{model_id}", response_model=ModelCard)
def retrieve_model(model_id: str, service: ServiceDep) -> ModelCard:
    """One model, or a 404 model_not_found."""
    answerer_name(model_id, service)
    return ModelCard(id=model_id)


@router.post(
    "/chat/completions",
    response_model=ChatCompletion,
    responses={
        200: {
            "content": {"text/event-stream": {}},
            "description": "The completion; with `stream: true`, chat.completion.chunk events and [DONE].",
        }
    },
)
def create_chat_completion(body: ChatCompletionRequest, service: ServiceDep) -> ChatCompletion | Response:
    """Answer the conversation's last user message, with citations, in the OpenAI chat protocol."""
    name = answerer_name(body.model, service)
    if body.n not in (None, 1):
        raise invalid("Only n=1 is supported: PolicyQA gives one answer.", "n")
    chat = read_conversation(body.messages)
    count = partial(count_tokens, service.settings)
    reply = Reply(model=body.model, prompt_tokens=count(chat.prompt), count=count)
    with serving():
        if body.stream:
            events = service.ask_stream(chat.question, chat.history, model=name)
            include_usage = bool(body.stream_options and body.stream_options.include_usage)
            return EventSourceResponse(reply.stream(events, include_usage), sep="\n")
        return reply.completion(service.ask(chat.question, chat.history, model=name))
