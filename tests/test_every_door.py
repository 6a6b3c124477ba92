"""With API keys set, every route the app serves is locked, except a short documented allow-list.

The routes are enumerated from the app itself (FastAPI's routes, and the Gradio app mounted under /ui, its
own routes and mounts included), then each is called without credentials on a real uvicorn server. Also:
the UI's session cookie and header keys, a browser's redirect to the login form, the rate limit on the
UI's prediction calls, and the POLICYQA_PUBLIC_DOCS switch.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from browser_support import serve_asgi
from fastapi.routing import iter_route_contexts
from server_support import running_server
from starlette.routing import Mount, WebSocketRoute

from assistant.api import create_app
from assistant.service import PolicyQA
from assistant.settings import Settings
from assistant.surfaces.http.ui_auth import LOGIN_ATTEMPTS_PER_MINUTE, SESSION_COOKIE, UISessions

KEY = "door-key"
LIMITED_KEY = "door-limited"
ADMIN_KEY = "door-admin"
RATE_LIMIT = 6
# Open without a key, on purpose (docs/api.md, "Which routes are public"): probes, the home redirect, and
# the login form with its logout route. /docs and /openapi.json join them only with POLICYQA_PUBLIC_DOCS.
PUBLIC = {
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("GET", "/"),
    ("GET", "/ui/login"),
    ("POST", "/ui/login"),
    ("GET", "/ui/logout"),
    ("POST", "/ui/logout"),
}
# Plausible values for path parameters, by name; a name not listed gets "x".
PATH_VALUES = {
    "task_id": "2021-5",
    "document_id": "2021",
    "model": "extractive",
    "api_name": "respond",
    "event_id": "0123456789abcdef",
    "session_hash": "s3ss10nhash",
    "path": "file.txt",
    "file_path": "file.txt",
    "path_or_url": "file.txt",
}
STATIC_SAMPLE = "index.css"  # a file name for mounts that serve a folder (StaticFiles)
PARAM = re.compile(r"\{(\w+)(?::\w+)?\}")


@dataclass(frozen=True)
class Door:
    """One way in: a method (WEBSOCKET for a websocket route) and a concrete path."""

    method: str
    path: str
    template: str

    def __str__(self) -> str:
        return f"{self.method} {self.template}"


def fill(template: str) -> str:
    return PARAM.sub(lambda m: PATH_VALUES.get(m[1], "x"), template)


def doors(routes: list, prefix: str = "") -> Iterator[Door]:
    """Every method and path the routes serve, mounted apps' routes included (recursively).

    `iter_route_contexts` resolves the routers FastAPI includes lazily into their effective routes, with
    the paths they are served at.
    """
    for context in iter_route_contexts(routes):
        route, path = context.original_route, prefix + (context.path or "")
        if isinstance(route, Mount):
            if route.routes:
                yield from doors(route.routes, path)
            else:  # a mounted ASGI app such as StaticFiles: any path inside it
                template = f"{path}/{STATIC_SAMPLE}"
                yield Door("GET", template, template)
        elif isinstance(route, WebSocketRoute):
            yield Door("WEBSOCKET", fill(path), path)
        else:
            for method in sorted((context.methods or {"GET"}) - {"HEAD"}):
                yield Door(method, fill(path), path)


def locked_settings(**overrides: object) -> Settings:
    values = {"api_keys": [KEY, LIMITED_KEY], "admin_key": ADMIN_KEY, "rate_limit_per_minute": RATE_LIMIT}
    return Settings(**(values | overrides))


@pytest.fixture(scope="module")
def all_doors() -> list[Door]:
    """The app exactly as `policyqa serve` builds it (UI on), enumerated without starting it; the UI, which
    a started server builds after loading the index, is built here first."""
    settings = locked_settings()
    app = create_app(settings, PolicyQA(settings))
    app.state.ui.build()
    found = sorted(set(doors(app.routes)), key=str)
    assert len(found) == len({(d.method, d.path) for d in found})
    return found


@pytest.fixture(scope="module")
def locked(server_env: dict[str, str]) -> Iterator[str]:
    """A real server with keys, an admin key, the UI and a small rate limit."""
    extra_env = {
        "POLICYQA_API_KEYS": json.dumps([KEY, LIMITED_KEY]),
        "POLICYQA_ADMIN_KEY": ADMIN_KEY,
        "POLICYQA_RATE_LIMIT_PER_MINUTE": str(RATE_LIMIT),
    }
    with running_server(server_env, extra_env) as base_url:
        yield base_url


def knock(base_url: str, door: Door, headers: dict[str, str] | None = None) -> httpx.Response:
    """Call a door as a client with no credentials would (a websocket door: the upgrade handshake)."""
    if door.method == "WEBSOCKET":
        upgrade = {
            "Connection": "Upgrade",
            "Upgrade": "websocket",
            "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
            "Sec-WebSocket-Version": "13",
        }
        return httpx.get(base_url + door.path, headers=upgrade | (headers or {}), timeout=30)
    return httpx.request(door.method, base_url + door.path, headers=headers, timeout=30)


def test_the_enumeration_sees_the_api_the_ui_and_the_gradio_routes(all_doors: list[Door]) -> None:
    """Guards the enumeration itself: a test that found no Gradio route would prove nothing."""
    templates = {d.template for d in all_doors}
    expected = {
        "/ask",
        "/tasks/{task_id}",
        "/documents",
        "/documents/{document_id}",
        "/admin/reindex",
        "/v1/chat/completions",
        "/ui/login",
        "/ui/",
        "/ui/config",
        "/ui/gradio_api/queue/join",
        "/ui/gradio_api/upload",
        "/docs",
        "/openapi.json",
    }
    assert expected <= templates, expected - templates
    assert sum(t.startswith("/ui/gradio_api/") for t in templates) >= 10
    assert len(all_doors) >= 60


def test_every_route_outside_the_allow_list_needs_credentials(locked: str, all_doors: list[Door]) -> None:
    open_doors = []
    for door in all_doors:
        if (door.method, door.template) in PUBLIC:
            continue
        status = knock(locked, door).status_code
        if status not in (401, 403):
            open_doors.append(f"{door} -> {status}")
    assert open_doors == []


def test_the_allow_list_is_open_and_nothing_else_is_listed(locked: str, all_doors: list[Door]) -> None:
    served = {(d.method, d.template) for d in all_doors}
    assert served >= PUBLIC  # the allow-list names only routes that exist
    for door in all_doors:
        if (door.method, door.template) in PUBLIC and door.method == "GET":
            response = httpx.get(locked + door.path)
            assert response.status_code < 400, f"{door} -> {response.status_code}"


def test_a_refused_ui_request_uses_the_error_shape(locked: str) -> None:
    response = httpx.post(
        f"{locked}/ui/gradio_api/call/respond", json={"data": ["Who leads 2021 task (5)?", [], "All", None]}
    )
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    body = response.json()
    assert body["error"]["code"] == "unauthorized"
    assert "/ui/login" in body["error"]["message"]
    assert body["request_id"] == response.headers["x-request-id"]


@pytest.mark.parametrize("path", ["/ui/", "/ui/?__theme=dark", "/docs"])
def test_a_browser_without_a_session_is_sent_to_the_login_form(locked: str, path: str) -> None:
    response = httpx.get(locked + path, headers={"Accept": "text/html,application/xhtml+xml"})
    assert response.status_code == 303
    location = httpx.URL(response.headers["location"])
    assert location.path == "/ui/login"
    assert location.params["next"] == path


def test_scripts_reach_the_gradio_api_with_a_key_header(locked: str) -> None:
    """The request of issue 19, with a key: it runs, and answers with the cited task."""
    headers = {"Authorization": f"Bearer {KEY}"}
    started = httpx.post(
        f"{locked}/ui/gradio_api/call/respond",
        json={"data": ["Who leads 2021 task (5)?", [], "All", None]},
        headers=headers,
        timeout=60,
    )
    assert started.status_code == 200, started.text
    event_id = started.json()["event_id"]
    result = httpx.get(f"{locked}/ui/gradio_api/call/respond/{event_id}", headers=headers, timeout=120)
    assert result.status_code == 200
    assert "event: complete" in result.text
    assert "2021-5" in result.text
    without_key = httpx.get(f"{locked}/ui/gradio_api/call/respond/{event_id}")
    assert without_key.status_code == 401


def test_the_login_form_sets_a_session_cookie_that_opens_the_ui(locked: str) -> None:
    with httpx.Client(base_url=locked) as browser:
        wrong = browser.post("/ui/login", data={"key": "not-a-key", "next": "/ui/"})
        assert wrong.status_code == 401
        assert "That key is not valid." in wrong.text
        assert SESSION_COOKIE not in browser.cookies

        right = browser.post("/ui/login", data={"key": KEY, "next": "/ui/config"})
        assert right.status_code == 303
        assert right.headers["location"] == "/ui/config"
        cookie = right.headers["set-cookie"]
        assert cookie.startswith(f"{SESSION_COOKIE}=")
        flags = {part.strip().lower() for part in cookie.split(";")[1:]}
        assert {"httponly", "path=/", "samesite=lax"} <= flags
        assert "secure" not in flags  # plain http here; https requests get Secure
        assert KEY not in cookie  # the cookie carries a signed keyed hash of the key, not the key

        assert browser.get("/ui/config").status_code == 200
        assert browser.get("/docs").status_code == 200  # the session opens the docs too
        assert browser.get("/tasks").status_code == 401  # but not the API: that needs the key header

        browser.get("/ui/logout")
        assert browser.get("/ui/config").status_code == 401


def test_a_forged_or_foreign_session_cookie_is_refused(locked: str) -> None:
    with httpx.Client(base_url=locked) as browser:
        browser.post("/ui/login", data={"key": KEY})
        token = browser.cookies[SESSION_COOKIE]
    payload, _, signature = token.rpartition(".")
    forged = f"{payload}.{'A' * len(signature)}"
    assert httpx.get(f"{locked}/ui/config", cookies={SESSION_COOKIE: forged}).status_code == 401
    # signed by another process's secret (each process draws its own when none is set)
    foreign = UISessions(locked_settings()).issue(KEY)
    assert httpx.get(f"{locked}/ui/config", cookies={SESSION_COOKIE: foreign}).status_code == 401


@pytest.mark.parametrize("next_path", ["https://evil.example/", "//evil.example/x", "/\\evil.example"])
def test_login_never_redirects_off_site(locked: str, next_path: str) -> None:
    response = httpx.post(f"{locked}/ui/login", data={"key": KEY, "next": next_path})
    assert response.status_code == 303
    assert response.headers["location"] == "/ui/"


def test_ui_prediction_calls_share_the_clients_rate_limit(locked: str) -> None:
    """The UI's calls that run an event count against the key's budget, and so does the API after them."""
    headers = {"X-API-Key": LIMITED_KEY}
    statuses = [
        httpx.post(f"{locked}/ui/gradio_api/call/clear_chat", json={"data": []}, headers=headers).status_code
        for _ in range(RATE_LIMIT)
    ]
    assert statuses == [200] * RATE_LIMIT
    limited = httpx.post(f"{locked}/ui/gradio_api/call/clear_chat", json={"data": []}, headers=headers)
    assert limited.status_code == 429
    assert limited.json()["error"]["code"] == "rate_limited"
    assert f"{RATE_LIMIT} requests per minute" in limited.json()["error"]["message"]
    assert 1 <= int(limited.headers["retry-after"]) <= 60
    assert httpx.get(f"{locked}/models", headers=headers).status_code == 429  # one budget per client
    assert httpx.get(f"{locked}/ui/config", headers=headers).status_code == 200  # reading the page is free
    assert httpx.get(f"{locked}/models", headers={"X-API-Key": KEY}).status_code == 200


def test_the_session_cookie_is_secure_over_https(settings: Settings, service: PolicyQA) -> None:
    """In process, as a request that reached the app over https (a proxy with --proxy-headers)."""
    app = create_app(locked_settings(data_dir=settings.data_dir, ui=False), service)

    async def login() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="https://policyqa.example") as client:
            return await client.post("/ui/login", data={"key": KEY})

    response = asyncio.run(login())
    assert response.status_code == 303
    flags = {part.strip().lower() for part in response.headers["set-cookie"].split(";")[1:]}
    assert {"secure", "httponly", "samesite=lax", "path=/"} <= flags


def test_login_attempts_are_limited_per_client(locked: str) -> None:
    """Runs after the other login tests of this module: they used part of the same address's budget."""
    statuses = [
        httpx.post(f"{locked}/ui/login", data={"key": f"guess-{n}"}).status_code
        for n in range(LOGIN_ATTEMPTS_PER_MINUTE + 1)
    ]
    assert statuses[0] in (401, 429) and 429 in statuses
    assert set(statuses[statuses.index(429) :]) == {429}
    refused = httpx.post(f"{locked}/ui/login", data={"key": KEY})
    assert refused.status_code == 429  # even the right key, until the minute has passed
    assert "Too many attempts" in refused.text
    assert SESSION_COOKIE not in refused.headers.get("set-cookie", "")


def test_public_docs_setting_opens_only_the_docs(settings: Settings, service: PolicyQA) -> None:
    app_settings = locked_settings(data_dir=settings.data_dir, public_docs=True)
    with serve_asgi(create_app(app_settings, service)) as base_url:
        html = httpx.get(f"{base_url}/docs")
        assert html.status_code == 200
        for asset in re.findall(r"""(?:src|href)=["'](/[^"']+)""", html.text):
            assert httpx.get(base_url + asset).status_code == 200, asset
        assert "/documents" in httpx.get(f"{base_url}/openapi.json").json()["paths"]
        assert httpx.get(f"{base_url}/redoc").status_code == 200
        assert httpx.get(f"{base_url}/tasks").status_code == 401
        assert httpx.get(f"{base_url}/ui/config").status_code == 401


def test_without_keys_the_ui_stays_open(settings: Settings, service: PolicyQA) -> None:
    app_settings = settings.model_copy(update={"rate_limit_per_minute": 0})
    with serve_asgi(create_app(app_settings, service)) as base_url:
        assert httpx.get(f"{base_url}/ui/config").status_code == 200
        assert httpx.get(f"{base_url}/docs").status_code == 200
        login = httpx.get(f"{base_url}/ui/login")
        assert login.status_code == 303 and login.headers["location"] == "/ui/"
