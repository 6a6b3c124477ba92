"""The routes of the OpenAI-compatible chat API: `/v1/models` and `/v1/chat/completions`."""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from functools import partial
from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from sse_starlette import EventSourceResponse
from starlette.exceptions import HTTPException

from assistant.service import PolicyQA
from assistant.surfaces.http.deps import ServiceDep
from assistant.surfaces.http.openai.conversation import read_conversation
from assistant.surfaces.http.openai.errors import (
    ErrorBody,
    OpenAIError,
    from_http_exception,
    invalid,
    invalid_body,
    service_error,
)
from assistant.surfaces.http.openai.reply import Reply, count_tokens
from assistant.surfaces.http.openai.schemas import (
    ChatCompletion,
    ChatCompletionRequest,
    ModelCard,
    OpenAIModelList,
)
from assistant.surfaces.http.security import require_api_key

MODEL_PREFIX = "policyqa-"


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
