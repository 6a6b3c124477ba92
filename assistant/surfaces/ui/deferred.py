"""The UI's place at /ui, held before Gradio is imported: the UI itself is built once the index has loaded.

Importing Gradio and building the Blocks is seconds of pure-Python work, about half of a server's cold start.
Done inside `create_app`, it delayed the server's listening and, behind it, the index load: the first
answered /ask waited for a UI it does not use. Here the server listens at once, the index loads first, and
the UI is built next in a worker thread; a request to /ui meanwhile waits for it (a browser sees a slower
first page, not an error).

This module imports no Gradio; `build` does, through `assistant.surfaces.ui.app`.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable
from contextlib import AsyncExitStack
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI
from starlette.routing import BaseRoute, Mount
from starlette.types import ASGIApp, Receive, Scope, Send

from assistant.surfaces.http.errors import ErrorDetail, error_response

if TYPE_CHECKING:
    from assistant.service import PolicyQA
    from assistant.settings import Settings

logger = logging.getLogger("policyqa.ui")


class DeferredUI:
    """An ASGI app mounted at the UI's path that serves the Gradio UI once `start` (or a request) built it.

    Gradio mounts its app on a parent FastAPI app and chains its lifespan (the queue's start-up) to the
    parent's. The parent here is already serving when the UI is built, so the UI is mounted on a holder app
    that shares the parent's state and middleware list (Gradio reads it to leave CORS to the parent), and the
    holder's lifespan is entered in the parent's, by `start`.
    """

    def __init__(self, parent: FastAPI, service: PolicyQA, settings: Settings, path: str) -> None:
        self._parent = parent
        self._service = service
        self._settings = settings
        self._path = path
        self._build_lock = threading.Lock()
        self._holder: FastAPI | None = None
        self._gradio: ASGIApp | None = None
        self._started = False
        self._ready = threading.Event()  # set once `start` is done, well or not (a thread-safe flag)
        self.error: str | None = None

    def build(self) -> FastAPI:
        """Import Gradio and mount the UI on the holder app (once; later calls return the same holder).

        Blocking, seconds long: call it from a worker thread when an event loop is serving."""
        with self._build_lock:
            if self._holder is None:
                from assistant.surfaces.ui.app import mount_ui  # imports Gradio

                started = time.perf_counter()
                holder = FastAPI()
                holder.state.document_shelf = getattr(self._parent.state, "document_shelf", None)
                holder.user_middleware = self._parent.user_middleware
                mount_ui(holder, self._service, self._settings, path=self._path)
                self._gradio = next(r.app for r in holder.routes if isinstance(r, Mount))
                self._holder = holder
                seconds = round(time.perf_counter() - started, 1)
                logger.info("UI built", extra={"fields": {"seconds": seconds}})
            return self._holder

    async def start(self, stack: AsyncExitStack, after: Callable[[], Any] | None = None) -> None:
        """Build the UI in a worker thread once `after` (blocking, e.g. the index load's join) returned,
        and run Gradio's start-up inside `stack` (the parent's lifespan), which also shuts it down."""
        self._started = True
        try:
            if after is not None:
                await asyncio.to_thread(after)
            holder = await asyncio.to_thread(self.build)
            await stack.enter_async_context(holder.router.lifespan_context(holder))
        except Exception as exc:
            logger.exception("building the UI failed")
            self.error = f"the UI could not be built: {exc}"
        finally:
            self._ready.set()

    @property
    def routes(self) -> list[BaseRoute]:
        """The UI's routes once built (none before), as a mounted app's routes are listed."""
        return list(getattr(self._gradio, "routes", []))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self._ready.is_set():
            if self._started:
                await asyncio.to_thread(self._ready.wait)
            else:  # no lifespan ran (an app driven without one): build it now, without Gradio's start-up
                try:
                    await asyncio.to_thread(self.build)
                except Exception as exc:
                    logger.exception("building the UI failed")
                    self.error = f"the UI could not be built: {exc}"
                self._ready.set()
        if self._gradio is None or self.error is not None:
            detail = ErrorDetail(code="ui_unavailable", message=self.error or "the UI is not available")
            if scope["type"] == "http":
                await error_response(503, detail)(scope, receive, send)
            else:  # a websocket: refuse the handshake
                await send({"type": "websocket.close", "code": 1011, "reason": detail.message[:120]})
            return
        await self._gradio(scope, receive, send)
