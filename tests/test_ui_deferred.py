"""The UI is built after the index has loaded (assistant/surfaces/ui/deferred.py): a started server answers
/ask without waiting for Gradio, and /ui waits for the UI, builds it on demand, or reports why it cannot."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable, Coroutine
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any, TypeVar

import httpx
from fastapi.testclient import TestClient
from server_support import running_server

from assistant.service import PolicyQA
from assistant.settings import Settings
from assistant.surfaces.http.app import create_app

T = TypeVar("T")


def run_in_own_loop(scenario: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run `scenario` to its end on an event loop of its own thread: an earlier test (Playwright's sync API)
    may leave a loop running in this one, where `asyncio.run` refuses to start."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = asyncio.run(scenario())
        except BaseException as exc:  # re-raised in the test's thread
            outcome["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]  # type: ignore[no-any-return]


def log_messages(log_path: Path) -> list[str]:
    """The messages of a server's JSON log lines, in order."""
    messages = []
    for line in log_path.read_text(encoding="utf-8").splitlines():
        try:
            messages.append(json.loads(line)["message"])
        except (ValueError, KeyError):
            continue
    return messages


def test_a_started_server_loads_the_index_before_building_the_ui_and_serves_both(
    server_env: dict[str, str], tmp_path: Path
) -> None:
    log_path = tmp_path / "server.log"
    with running_server(server_env, {"POLICYQA_RATE_LIMIT_PER_MINUTE": "0"}, log_path=log_path) as base_url:
        answered = httpx.post(f"{base_url}/ask", json={"question": "Who leads 2021 task (5)?"}, timeout=60)
        assert answered.status_code == 200
        assert answered.json()["citations"]
        page = httpx.get(f"{base_url}/ui/", timeout=120)  # waits for the UI if it is still being built
        assert page.status_code == 200
        assert "gradio" in page.text.lower()
        config = httpx.get(f"{base_url}/ui/config", timeout=60).json()
        assert config["components"]
    messages = log_messages(log_path)
    assert "index loaded" in messages and "UI built" in messages
    assert messages.index("index loaded") < messages.index("UI built")


def test_a_request_while_the_ui_waits_for_the_index_is_answered_once_it_is_built(
    settings: Settings, service: PolicyQA
) -> None:
    app = create_app(settings, service)
    ui = app.state.ui
    index_loaded = threading.Event()

    async def scenario() -> None:
        transport = httpx.ASGITransport(app=app)
        client = httpx.AsyncClient(transport=transport, base_url="http://t")
        async with AsyncExitStack() as stack, client:
            building = asyncio.create_task(ui.start(stack, after=index_loaded.wait))
            request = asyncio.create_task(client.get("/ui/config"))
            await asyncio.sleep(0.5)
            assert not request.done()  # held, not refused, while the index loads
            assert ui.routes == []  # and Gradio's routes are not there yet
            index_loaded.set()
            await building
            response = await asyncio.wait_for(request, timeout=120)
            assert response.status_code == 200
            assert response.json()["components"]
            assert any(getattr(route, "path", "") == "/config" for route in ui.routes)

    run_in_own_loop(scenario)


def test_an_app_driven_without_its_lifespan_builds_the_ui_on_the_first_request(
    settings: Settings, service: PolicyQA
) -> None:
    client = TestClient(create_app(settings, service))  # not entered: no lifespan runs
    response = client.get("/ui/config")
    assert response.status_code == 200
    assert response.json()["components"]


def test_a_ui_that_could_not_be_built_answers_503_with_the_reason(
    settings: Settings, service: PolicyQA
) -> None:
    app = create_app(settings, service)

    def failed_load() -> None:
        raise RuntimeError("the disk is gone")

    async def scenario() -> httpx.Response:
        async with AsyncExitStack() as stack:
            await app.state.ui.start(stack, after=failed_load)
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
                return await client.get("/ui/")

    response = run_in_own_loop(scenario)
    assert response.status_code == 503
    body = response.json()
    assert body["error"]["code"] == "ui_unavailable"
    assert "the disk is gone" in body["error"]["message"]


def test_without_the_ui_nothing_is_mounted_at_its_path(settings: Settings, service: PolicyQA) -> None:
    app = create_app(settings.model_copy(update={"ui": False}), service)
    assert app.state.ui is None
    with TestClient(app) as client:
        assert client.get("/ui/config").status_code == 404


def test_the_probes_answer_before_the_ui_is_built(settings: Settings, service: PolicyQA) -> None:
    app = create_app(settings, service)
    assert app.state.ui.routes == []  # creating the app built no UI
    client = TestClient(app)
    assert client.get("/healthz").status_code == 200
    assert app.state.ui.routes == []
