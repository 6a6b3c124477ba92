"""The PolicyQA web app: the HTTP API, the OpenAI-compatible API under /v1 and the Gradio UI under /ui.

Run it with `policyqa serve`, or `uvicorn assistant.api:create_app --factory`. The index loads in a
background thread at startup: /healthz answers at once, /readyz and the query routes say 503 until it is in.
The Gradio UI is built after it (assistant/surfaces/ui/deferred.py); /ui requests wait for it meanwhile.
Blocking service calls run in the threadpool (plain `def` routes), so a process serves requests concurrently.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack, asynccontextmanager, suppress
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import RedirectResponse
from fastapi.sse import EventSourceResponse, ServerSentEvent
from fastapi_offline import FastAPIOffline
from starlette.concurrency import run_in_threadpool

from assistant.core.types import Answer, Filters
from assistant.document_jobs import DocumentJobs
from assistant.documents import DocumentShelf
from assistant.service import PolicyQA, TaskFilters
from assistant.settings import Settings
from assistant.surfaces.http import admin, documents, reform, ui_auth
from assistant.surfaces.http.deps import ServiceDep
from assistant.surfaces.http.errors import (
    APIError,
    describe,
    error_body,
    error_responses,
    install_error_handlers,
    invalid_choice,
    stream_error_responses,
)
from assistant.surfaces.http.logs import REQUEST_ID_HEADER, RequestContextMiddleware, configure_logging
from assistant.surfaces.http.openai.routes import router as openai_router
from assistant.surfaces.http.schemas import (
    AskRequest,
    Health,
    ModelList,
    Readiness,
    SearchHit,
    SearchQuery,
    SearchResponse,
    TaskDetail,
    TaskList,
    TaskQuery,
)
from assistant.surfaces.http.security import BodySizeLimitMiddleware, rate_limit, rate_limiter
from assistant.surfaces.ui import UI_PATH
from assistant.surfaces.ui.deferred import DeferredUI
from index.offline import enforce_offline, quiet_libraries

enforce_offline()
quiet_libraries()

logger = logging.getLogger("policyqa.api")


async def require_json(request: Request) -> None:
    """415 unless the body is declared as JSON; otherwise a form or text body would read as a vague 422."""
    content_type = request.headers.get("content-type", "")
    media_type = content_type.partition(";")[0].strip().lower()
    if media_type != "application/json" and not media_type.endswith("+json"):
        message = (
            f"send the body as JSON with 'Content-Type: application/json' (got {content_type or 'none'!r})"
        )
        raise APIError(415, "unsupported_media_type", message)


def check_year(service: PolicyQA, year: int | None) -> None:
    if year is not None and year not in service.library.years:
        raise invalid_choice("year", year, service.library.years)


def check_model(service: PolicyQA, model: str | None) -> None:
    if model is not None and model not in (models := service.models()):
        raise invalid_choice("model", model, models)


async def checked_question(body: AskRequest, service: ServiceDep) -> AskRequest:
    """The question, once its year and model are known to exist (the index must be loaded).

    Async: the checks read the loaded library's years and the configured models, nothing that blocks, so
    they run on the event loop instead of costing a hop to the thread pool."""
    check_year(service, body.year)
    check_model(service, body.model)
    return body


QuestionDep = Annotated[AskRequest, Depends(checked_question)]


# Open routes: probes for orchestrators and load balancers.
probes = APIRouter(tags=["health"])


@probes.get("/healthz")
async def healthz() -> Health:
    """Liveness: the process is up (the index may still be loading)."""
    return Health()


@probes.get("/readyz", responses=error_responses(503))
def readyz(service: ServiceDep) -> Readiness:
    """Readiness: the index is loaded; what it holds. 503 until then."""
    return Readiness.model_validate(service.status())


@probes.get("/", include_in_schema=False)
async def home(request: Request) -> RedirectResponse:
    return RedirectResponse(UI_PATH if request.app.state.settings.ui else "/docs")


# The API proper: authenticated and rate limited where it is included.
QUERY_ERRORS = (401, 422, 429, 503)
router = APIRouter(responses=error_responses(*QUERY_ERRORS))


@router.post(
    "/ask", tags=["answers"], dependencies=[Depends(require_json)], responses=error_responses(400, 413, 415)
)
async def ask(body: QuestionDep, service: ServiceDep) -> Answer:
    """Answer a question with citations to task ids, or refuse when the documents do not say."""
    # The answer blocks (model calls, index reads): it runs in the thread pool, and it alone. A plain
    # `def` route would also check the returned Answer against the response model in the pool, a second
    # hop between threads; on the event loop that check of a finished Answer costs microseconds.
    return await run_in_threadpool(
        service.ask, body.question, body.history, body.filters, body.top_k, body.model
    )


def start_answer(body: QuestionDep, service: ServiceDep) -> Iterator[str | Answer]:
    """Start answering before the stream opens, so a bad request fails with a status code, not mid-stream."""
    return service.ask_stream(body.question, body.history, body.filters, body.top_k, body.model)


@router.post(
    "/ask/stream",
    tags=["answers"],
    response_class=EventSourceResponse,
    dependencies=[Depends(require_json)],
    responses=stream_error_responses(*QUERY_ERRORS, 400, 413, 415),
)
def ask_stream(answer: Annotated[Iterator[str | Answer], Depends(start_answer)]) -> Iterator[ServerSentEvent]:
    """Server-Sent Events: `delta` events `{"text": ...}`, then one `answer` event with the whole Answer.

    A failure after the stream has opened arrives as an `error` event with the usual error body.
    """
    try:
        for item in answer:
            if isinstance(item, Answer):
                yield ServerSentEvent(data=item, event="answer")
            else:
                yield ServerSentEvent(data={"text": item}, event="delta")
    except Exception as exc:
        logger.exception("answer stream failed")
        yield ServerSentEvent(data=error_body(describe(exc)[1]), event="error")


@router.get("/search", tags=["retrieval"])
def search(query: Annotated[SearchQuery, Query()], service: ServiceDep) -> SearchResponse:
    """Retrieval only: the units that best match `q`, ranked, with their scores."""
    check_year(service, query.year)
    hits = service.search(query.q, Filters(year=query.year), query.top_k)
    return SearchResponse(query=query.q, hits=[SearchHit.of(hit) for hit in hits])


@router.get("/tasks", tags=["tasks"])
def list_tasks(query: Annotated[TaskQuery, Query()], service: ServiceDep) -> TaskList:
    """The numbered tasks (and topical items) in document order, filtered."""
    check_year(service, query.year)
    tasks = [TaskDetail.of(task) for task in service.tasks(TaskFilters(**query.model_dump()))]
    return TaskList(count=len(tasks), tasks=tasks)


@router.get("/tasks/{task_id}", tags=["tasks"], responses=error_responses(404))
def get_task(task_id: str, service: ServiceDep) -> TaskDetail:
    """One unit by id: a task ("2021-5") or another unit ("2021-notice", "2021-preamble", "2021-closing")."""
    task = service.task(task_id)
    if task is None:
        message = f"no task {task_id!r}; ids look like '2021-5' (see GET /tasks)"
        raise APIError(404, "not_found", message, "task_id")
    return TaskDetail.of(task)


@router.get("/models", tags=["answers"])
def list_models(service: ServiceDep) -> ModelList:
    """The answerers a request may name in `model`, the default first."""
    models = service.models()
    return ModelList(default=models[0], models=models)


def _load_index(service: PolicyQA) -> None:
    """Load the index; a failure is logged and reported by /readyz, never raised into the server."""
    started = time.perf_counter()
    try:
        loaded = service.load()
    except Exception as exc:
        logger.exception("loading the index failed")
        service.load_error = f"loading the index failed: {exc}"
        return
    if loaded:
        logger.info("index loaded", extra={"fields": {"seconds": round(time.perf_counter() - started, 1)}})
    else:
        logger.warning("no index to serve: %s", service.load_error)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Load the index in a thread, then build the UI (off the path of the first answered question)."""
    service: PolicyQA = app.state.service
    loading: threading.Thread | None = None
    if not service.ready:
        loading = threading.Thread(target=_load_index, args=(service,), name="policyqa-load", daemon=True)
        loading.start()
    ui: DeferredUI | None = app.state.ui
    async with AsyncExitStack() as stack:  # Gradio's own start-up and shutdown run inside it
        building: asyncio.Task[None] | None = None
        if ui is not None:
            building = asyncio.create_task(ui.start(stack, loading.join if loading is not None else None))
        try:
            yield
        finally:
            if building is not None and not building.done():
                building.cancel()
                with suppress(asyncio.CancelledError):
                    await building


def create_app(settings: Settings | None = None, service: PolicyQA | None = None) -> FastAPI:
    """The PolicyQA app; `service` defaults to a new one on `settings`, loaded when the app starts."""
    settings = settings or Settings()
    service = service or PolicyQA(settings)
    configure_logging(settings.log_level)

    # FastAPIOffline serves the Swagger UI and ReDoc assets from its package instead of a CDN; the null
    # validatorUrl stops Swagger UI from calling validator.swagger.io.
    app = FastAPIOffline(
        title="PolicyQA",
        summary="Cited answers about the State Council's Key Tasks for Deepening Medical and Health Reform.",
        lifespan=lifespan,
        swagger_ui_parameters={"validatorUrl": None},
    )
    app.state.settings = settings
    app.state.service = service
    app.state.rate_limiter = rate_limiter(settings)
    app.state.reindex_job = admin.ReindexJob(service)
    app.state.document_shelf = DocumentShelf(service)
    app.state.document_jobs = DocumentJobs()
    app.state.ui_sessions = ui_auth.UISessions(settings)
    install_error_handlers(app)

    limited = [Depends(rate_limit)]
    app.include_router(probes)
    app.include_router(router, dependencies=limited)
    app.include_router(reform.router, dependencies=limited)
    app.include_router(openai_router, dependencies=limited)
    app.include_router(admin.router)
    app.include_router(documents.router)
    app.include_router(ui_auth.router)  # before the UI's mount, so that /ui/login is this one

    # The UI and the docs behind the keys, innermost: it answers in the error shape, with the request id.
    app.add_middleware(ui_auth.AuthGate, settings=settings, sessions=app.state.ui_sessions)
    upload_limit = settings.max_upload_bytes + documents.MULTIPART_OVERHEAD
    app.add_middleware(
        BodySizeLimitMiddleware,
        max_bytes=settings.max_body_bytes,
        exempt_prefix=UI_PATH,
        path_limits={"/documents": upload_limit, ui_auth.LOGIN_PATH: settings.max_body_bytes},
    )
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "X-API-Key", "X-Admin-Key", REQUEST_ID_HEADER],
            expose_headers=[REQUEST_ID_HEADER, "Retry-After"],
        )
    app.add_middleware(RequestContextMiddleware)  # added last: outermost, so every response carries the id

    # The UI's place: Gradio is imported and the UI built after the index has loaded (ui/deferred.py)
    app.state.ui = DeferredUI(app, service, settings, UI_PATH) if settings.ui else None
    if app.state.ui is not None:
        app.mount(UI_PATH, app.state.ui)
    return app
