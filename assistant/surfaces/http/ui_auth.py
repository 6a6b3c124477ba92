"""The UI (and, unless POLICYQA_PUBLIC_DOCS, the API docs) behind the API keys: a login form and a session.

With `POLICYQA_API_KEYS` set, every request under /ui, and to /docs, /redoc, /openapi.json and their assets,
needs a valid key: sent as `X-API-Key` or `Authorization: Bearer` (scripts calling the Gradio API), or
proven once on the login form at /ui/login, which sets a signed session cookie (browsers). A browser asking
for a page without one is redirected to the form; any other request gets 401 in the one error shape.

Why ASGI middleware and not Gradio's own `auth=`/`auth_dependency=` of `mount_gradio_app`: those are
checked by Gradio's route dependencies, route by route, so a route that Gradio adds without the dependency
is open; a gate in front of the mount covers every path under it (page, config, Gradio API, queue, uploads,
files, assets, websockets), whatever Gradio version serves them. The gate also counts the UI's prediction
calls against the per-client rate limit the API uses.

The cookie holds a keyed hash of the key, never the key, signed with itsdangerous and dated: it is valid
for POLICYQA_SESSION_MAX_AGE_S and only while its key is still among the configured keys. The signing secret
is POLICYQA_SESSION_SECRET; unset, each process draws a random one, so sessions end when the server
restarts and, with several workers, a session from one worker is unknown to the others: set the secret.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import logging
import math
import re
import secrets
from collections.abc import Iterable
from typing import Annotated
from urllib.parse import quote, urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.datastructures import Headers
from starlette.routing import get_route_path  # type: ignore[attr-defined]  # public, not in __all__
from starlette.types import ASGIApp, Receive, Scope, Send

from assistant.settings import Settings
from assistant.surfaces.http.errors import ErrorDetail, error_response
from assistant.surfaces.http.security import Limiter, RateLimiter, matching_key

SESSION_COOKIE = "policyqa_session"
UI_PATH = "/ui"
LOGIN_PATH = f"{UI_PATH}/login"
LOGOUT_PATH = f"{UI_PATH}/logout"
# FastAPI's and fastapi-offline's documentation routes and assets.
DOCS_PATHS = ("/docs", "/redoc", "/openapi.json", "/static-offline-docs")
# Gradio API calls that run an event handler, e.g. an answer: what the rate limit counts on the UI path.
PREDICTION_PATH = re.compile(r"^/gradio_api/(?:call(?:/v2)?|run|api)/[^/]+/?$|^/gradio_api/queue/join/?$")
_SALT = "policyqa-ui-session"
# Guesses of a key on the login form per client address per minute, whatever the API's budget.
LOGIN_ATTEMPTS_PER_MINUTE = 10

logger = logging.getLogger("policyqa.ui_auth")


class UISessions:
    """Issues and checks the session cookie's value, and counts login attempts.

    The cookie carries an HMAC of the key under the secret, not the key: a stolen cookie cannot be turned
    into the key (which would also open the API), and it names the key for the rate limit.
    """

    def __init__(self, settings: Settings) -> None:
        self.secret = settings.session_secret or secrets.token_urlsafe(32)
        self.max_age_s = settings.session_max_age_s
        self._serializer = URLSafeTimedSerializer(self.secret, salt=_SALT)
        self.login_attempts = RateLimiter(LOGIN_ATTEMPTS_PER_MINUTE)
        if settings.api_keys and settings.workers > 1 and not settings.session_secret:
            logger.warning(
                "POLICYQA_SESSION_SECRET is not set: with %d workers a UI login on one is unknown to the "
                "others; set one shared secret",
                settings.workers,
            )

    def fingerprint(self, key: str) -> str:
        return hmac.new(self.secret.encode(), key.encode(), hashlib.sha256).hexdigest()[:32]

    def issue(self, key: str) -> str:
        return self._serializer.dumps({"k": self.fingerprint(key)})

    def key_of(self, token: str, keys: Iterable[str]) -> str | None:
        """The configured key this token was issued for; None when forged, expired or its key was removed."""
        try:
            payload = self._serializer.loads(token, max_age=self.max_age_s)
        except BadSignature:  # includes SignatureExpired
            return None
        fingerprint = payload.get("k") if isinstance(payload, dict) else None
        return next((k for k in keys if fingerprint == self.fingerprint(k)), None)


def presented_key(headers: Headers) -> str | None:
    """The key a script sent: `X-API-Key`, else the token of `Authorization: Bearer`."""
    if key := headers.get("x-api-key"):
        return key
    scheme, _, token = headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip() or None


def session_token(headers: Headers) -> str | None:
    for part in headers.get("cookie", "").split(";"):
        name, _, value = part.strip().partition("=")
        if name == SESSION_COOKIE and value:
            return value
    return None


def in_prefix(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith(f"{prefix}/")


class AuthGate:
    """ASGI middleware: keys for the UI and the docs, and the rate limit for the UI's prediction calls.

    Paths outside the guarded prefixes pass untouched (the API routes check keys themselves). The login
    and logout routes stay open. The rate limiter is the app's (`app.state.rate_limiter`), so a client
    has one budget across the API and the UI.
    """

    def __init__(self, app: ASGIApp, settings: Settings, sessions: UISessions) -> None:
        self.app = app
        self.settings = settings
        self.sessions = sessions
        self.guarded = (UI_PATH,) if settings.public_docs else (UI_PATH, *DOCS_PATHS)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        path = get_route_path(scope)
        if path in (LOGIN_PATH, LOGOUT_PATH) or not any(in_prefix(path, p) for p in self.guarded):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        key = self._caller_key(headers)
        if self.settings.api_keys and key is None:
            await self._deny(scope, receive, send, headers)
            return
        if scope["type"] == "http" and scope["method"] == "POST" and in_prefix(path, UI_PATH):
            limited = self._over_budget(scope, path[len(UI_PATH) :], key)
            if limited is not None:
                await limited(scope, receive, send)
                return
        await self.app(scope, receive, send)

    def _caller_key(self, headers: Headers) -> str | None:
        keys = self.settings.api_keys
        if not keys:
            return None
        if (presented := presented_key(headers)) is not None:
            return matching_key(presented, keys)
        token = session_token(headers)
        return self.sessions.key_of(token, keys) if token else None

    def _over_budget(self, scope: Scope, ui_path: str, key: str | None) -> Response | None:
        """A 429 response when this prediction call is over the client's budget; None when it may run."""
        limiter: Limiter | None = getattr(scope["app"].state, "rate_limiter", None)
        if limiter is None or not PREDICTION_PATH.match(ui_path):
            return None
        client = f"key:{key}" if key else f"ip:{scope['client'][0] if scope.get('client') else 'unknown'}"
        retry_after = limiter.hit(client)
        if retry_after is None:
            return None
        seconds = max(math.ceil(retry_after), 1)
        message = f"rate limit of {limiter.per_minute} requests per minute exceeded; retry in {seconds} s"
        return error_response(
            429, ErrorDetail(code="rate_limited", message=message), {"Retry-After": str(seconds)}
        )

    async def _deny(self, scope: Scope, receive: Receive, send: Send, headers: Headers) -> None:
        if scope["type"] == "websocket":  # closing before accepting makes the server answer 403
            await send({"type": "websocket.close", "code": 1008})
            return
        root = scope.get("root_path", "")
        if scope["method"] in ("GET", "HEAD") and "text/html" in headers.get("accept", ""):
            target = get_route_path(scope) + (
                f"?{scope['query_string'].decode()}" if scope["query_string"] else ""
            )
            location = f"{root}{LOGIN_PATH}?next={quote(target, safe='/')}"
            await RedirectResponse(location, status_code=303)(scope, receive, send)
            return
        message = (
            f"a key is required: log in at {LOGIN_PATH}, or send 'Authorization: Bearer <key>' "
            "or 'X-API-Key: <key>'"
        )
        detail = ErrorDetail(code="unauthorized", message=message)
        await error_response(401, detail, {"WWW-Authenticate": "Bearer"})(scope, receive, send)


# The login form: plain HTML, no script, no external asset.

router = APIRouter(include_in_schema=False)

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>PolicyQA: log in</title>
<style>
body {{ font-family: system-ui, sans-serif; background: #f6f7f9; color: #1f2933; margin: 0; }}
main {{ max-width: 24rem; margin: 12vh auto; background: #fff; padding: 2rem; border-radius: 8px;
       box-shadow: 0 1px 4px rgba(0,0,0,.12); }}
h1 {{ font-size: 1.4rem; margin: 0 0 .5rem; }}
label {{ display: block; margin: 1.2rem 0 .4rem; font-weight: 600; }}
input[type=password] {{ width: 100%; box-sizing: border-box; padding: .6rem; font-size: 1rem;
                        border: 1px solid #9aa5b1; border-radius: 4px; }}
button {{ margin-top: 1rem; padding: .6rem 1.2rem; font-size: 1rem; border: 0; border-radius: 4px;
          background: #2563eb; color: #fff; cursor: pointer; }}
.error {{ color: #b42318; background: #fef3f2; padding: .6rem; border-radius: 4px; }}
.note {{ color: #52606d; font-size: .9rem; }}
</style></head>
<body><main>
<h1>PolicyQA</h1>
<p class="note">This server needs an API key. Enter one of its keys to open the assistant.</p>
{error}
<form method="post" action="{action}">
<label for="key">API key</label>
<input id="key" name="key" type="password" autocomplete="current-password" required autofocus>
<input type="hidden" name="next" value="{next}">
<button id="login" type="submit">Log in</button>
</form>
</main></body></html>
"""
# The page runs no script and loads nothing; it must not be framed (clickjacking) or cached.
_PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
    "frame-ancestors 'none'",
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
}


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _sessions(request: Request) -> UISessions:
    sessions: UISessions = request.app.state.ui_sessions
    return sessions


def safe_next(target: str | None) -> str:
    """Where to go after logging in: a path of this server (an absolute or `//host` URL: open redirect)."""
    if not target or "\\" in target or any(ord(c) < 32 for c in target):
        return f"{UI_PATH}/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/"):
        return f"{UI_PATH}/"
    return target


def _page(request: Request, next_path: str, error: str | None, status_code: int) -> HTMLResponse:
    body = _PAGE.format(
        action=html.escape(request.scope.get("root_path", "") + LOGIN_PATH),
        next=html.escape(next_path),
        error=f'<p class="error" id="login-error" role="alert">{html.escape(error)}</p>' if error else "",
    )
    return HTMLResponse(body, status_code=status_code, headers=_PAGE_HEADERS)


def _redirect(request: Request, path: str) -> RedirectResponse:
    return RedirectResponse(request.scope.get("root_path", "") + path, status_code=303)


@router.get(LOGIN_PATH)
def login_form(request: Request, next: str | None = None) -> Response:
    """The login form; straight on when keys are off or the session is already valid."""
    settings = _settings(request)
    target = safe_next(next)
    token = request.cookies.get(SESSION_COOKIE)
    if not settings.api_keys or (token and _sessions(request).key_of(token, settings.api_keys)):
        return _redirect(request, target)
    return _page(request, target, None, 200)


@router.post(LOGIN_PATH)
def login(
    request: Request, key: Annotated[str, Form()] = "", next: Annotated[str | None, Form()] = None
) -> Response:
    """Check the key; a valid one gets the session cookie and goes on, an invalid one the form again (401).

    At most LOGIN_ATTEMPTS_PER_MINUTE attempts per client address, so keys cannot be guessed quickly.
    """
    settings = _settings(request)
    target = safe_next(next)
    if not settings.api_keys:
        return _redirect(request, target)
    host = request.client.host if request.client else "unknown"
    if (retry_after := _sessions(request).login_attempts.hit(host)) is not None:
        message = f"Too many attempts; try again in {max(math.ceil(retry_after), 1)} s."
        return _page(request, target, message, 429)
    matched = matching_key(key, settings.api_keys) if key else None
    if matched is None:
        return _page(request, target, "That key is not valid.", 401)
    response = _redirect(request, target)
    response.set_cookie(
        SESSION_COOKIE,
        _sessions(request).issue(matched),
        max_age=settings.session_max_age_s,
        path="/",
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )
    return response


@router.api_route(LOGOUT_PATH, methods=["GET", "POST"])
def logout(request: Request) -> Response:
    """End the session (the cookie is dropped) and show the login form."""
    response = _redirect(request, LOGIN_PATH)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax")
    return response
