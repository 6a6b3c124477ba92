"""Who may call the API, how often and with how much: API keys, the admin key, rate and body limits.

The checks are FastAPI dependencies. `require_api_key` is what other routers (e.g. the OpenAI-compatible
one) depend on; `rate_limit` depends on it, so a router guarded by `rate_limit` is authenticated too. The
body limit is a middleware, so that no route reads an oversized body.
"""

from __future__ import annotations

import math
import os
import secrets
import sqlite3
import tempfile
import threading
import time
from collections.abc import Iterable, Mapping
from contextlib import closing
from pathlib import Path
from typing import Annotated, Protocol

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from limits import RateLimitItemPerMinute
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assistant.settings import Settings
from assistant.surfaces.http.errors import APIError, error_response

WINDOW_S = 60.0  # the rate limit's moving window

_api_key_header = APIKeyHeader(
    name="X-API-Key", auto_error=False, description="An API key from POLICYQA_API_KEYS."
)
_bearer = HTTPBearer(auto_error=False, description="An API key from POLICYQA_API_KEYS, as a bearer token.")
_admin_key_header = APIKeyHeader(
    name="X-Admin-Key", scheme_name="AdminKey", auto_error=False, description="POLICYQA_ADMIN_KEY."
)


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _matches(presented: str, keys: Iterable[str]) -> bool:
    return matching_key(presented, keys) is not None


def matching_key(presented: str, keys: Iterable[str]) -> str | None:
    """The configured key equal to `presented` (compared in constant time), or None."""
    # Bytes, because compare_digest rejects non-ASCII str, and headers may carry any Latin-1 text.
    candidate = presented.encode()
    found = None
    for key in keys:  # no early exit: the time taken does not say which key matched
        if secrets.compare_digest(candidate, key.encode()):
            found = key
    return found


async def require_api_key(
    request: Request,
    header_key: Annotated[str | None, Security(_api_key_header)],
    bearer: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)],
) -> str | None:
    """The caller's API key (`X-API-Key` or `Authorization: Bearer`); None when auth is off (no keys set)."""
    keys = _settings(request).api_keys
    if not keys:
        return None
    presented = header_key or (bearer.credentials if bearer else None)
    if presented is None:
        raise _unauthorized("an API key is required: 'Authorization: Bearer <key>' or 'X-API-Key: <key>'")
    if not _matches(presented, keys):
        raise _unauthorized("the API key is not valid")
    return presented


def _unauthorized(message: str) -> APIError:
    return APIError(401, "unauthorized", message, headers={"WWW-Authenticate": "Bearer"})


class Limiter(Protocol):
    """Counts requests per client against a budget per minute."""

    per_minute: int

    def hit(self, client: str) -> float | None:
        """Count one request; None when it is allowed, else the seconds until the client may retry."""
        ...


class RateLimiter:
    """A budget of requests per client per minute (moving window), counted in this process's memory."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._item = RateLimitItemPerMinute(per_minute)
        self._limiter = MovingWindowRateLimiter(MemoryStorage())

    def hit(self, client: str) -> float | None:
        """Count one request; None when it is allowed, else the seconds until the client may retry."""
        if self._limiter.hit(self._item, client):
            return None
        reset_time = self._limiter.get_window_stats(self._item, client).reset_time
        return max(reset_time - time.time(), 0.0)


class SharedRateLimiter:
    """The same moving-window budget, counted in a SQLite file that every worker process of one server
    shares, so that N workers do not give a client N budgets.

    `limits` (the in-memory limiter above) has no storage that processes on one machine share short of a
    Redis or Memcached server; one small table does. Each request is one short write transaction (SQLite
    serialises the workers); the counts are ephemeral, so nothing is synced to disk.
    """

    def __init__(self, per_minute: int, path: Path) -> None:
        self.per_minute = per_minute
        self._path = path
        self._local = threading.local()  # one connection per thread of the threadpool
        with closing(self._connect()) as connection, connection:
            connection.execute("CREATE TABLE IF NOT EXISTS hits (client TEXT NOT NULL, at REAL NOT NULL)")
            connection.execute("CREATE INDEX IF NOT EXISTS hits_by_client ON hits (client, at)")

    def _connect(self) -> sqlite3.Connection:
        connection = sqlite3.connect(self._path, timeout=10, isolation_level=None)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=OFF")
        return connection

    def _connection(self) -> sqlite3.Connection:
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            connection = self._local.connection = self._connect()
        return connection

    def hit(self, client: str) -> float | None:
        """Count one request; None when it is allowed, else the seconds until the client may retry."""
        now = time.time()
        connection = self._connection()
        connection.execute("BEGIN IMMEDIATE")
        try:
            connection.execute("DELETE FROM hits WHERE client = ? AND at <= ?", (client, now - WINDOW_S))
            count, oldest = connection.execute(
                "SELECT COUNT(*), MIN(at) FROM hits WHERE client = ?", (client,)
            ).fetchone()
            allowed = count < self.per_minute
            if allowed:
                connection.execute("INSERT INTO hits VALUES (?, ?)", (client, now))
            connection.execute("COMMIT")
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        return None if allowed else max(oldest + WINDOW_S - now, 0.0)


def shared_counter_path() -> Path:
    """Where the workers of this server count: named by their parent, uvicorn's supervisor process."""
    return Path(tempfile.gettempdir()) / f"policyqa-ratelimit-{os.getppid()}.sqlite3"


def rate_limiter(settings: Settings) -> Limiter | None:
    """The app's limiter: none when off, counted in memory for one process, shared by several workers."""
    if not settings.rate_limit_per_minute:
        return None
    if settings.workers > 1:
        return SharedRateLimiter(settings.rate_limit_per_minute, shared_counter_path())
    return RateLimiter(settings.rate_limit_per_minute)


async def rate_limit(request: Request, api_key: Annotated[str | None, Depends(require_api_key)]) -> None:
    """429 with Retry-After once a client (its API key, else its IP address) exceeds its budget."""
    limiter: Limiter | None = request.app.state.rate_limiter
    if limiter is None:
        return
    client = f"key:{api_key}" if api_key else f"ip:{request.client.host if request.client else 'unknown'}"
    retry_after = limiter.hit(client)
    if retry_after is not None:
        seconds = max(math.ceil(retry_after), 1)
        message = f"rate limit of {limiter.per_minute} requests per minute exceeded; retry in {seconds} s"
        raise APIError(429, "rate_limited", message, headers={"Retry-After": str(seconds)})


async def require_admin_key(
    request: Request, admin_key: Annotated[str | None, Security(_admin_key_header)]
) -> None:
    """Admin routes need `X-Admin-Key` equal to POLICYQA_ADMIN_KEY; without that setting they are disabled."""
    expected = _settings(request).admin_key
    if not expected:
        message = "admin endpoints are disabled: set POLICYQA_ADMIN_KEY to enable them"
        raise APIError(403, "admin_disabled", message)
    if admin_key is None:
        raise APIError(401, "unauthorized", "send the admin key in the X-Admin-Key header")
    if not _matches(admin_key, [expected]):
        raise APIError(403, "forbidden", "the admin key is not valid")


class BodySizeLimitMiddleware:
    """413 for a request body over `max_bytes`, whether declared by Content-Length or streamed in chunks.

    Paths under `exempt_prefix` (the UI, which takes file uploads) are left to their own limits; a path in
    `path_limits` (e.g. the document upload) has its own limit instead. FastAPI's own `max_body_size` is
    not used because it answers a declared oversize in plain text, not JSON.
    """

    def __init__(
        self,
        app: ASGIApp,
        max_bytes: int,
        exempt_prefix: str | None = None,
        path_limits: Mapping[str, int] | None = None,
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.exempt_prefix = exempt_prefix
        self.path_limits = dict(path_limits or {})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        limit = self.path_limits.get(path, None if self._exempt(path) else self.max_bytes)
        if scope["type"] != "http" or limit is None:
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await error_response(413, self._too_large(limit).detail_model)(scope, receive, send)
            return
        received = 0

        async def receive_within_limit() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > limit:
                raise self._too_large(limit)
            return message

        await self.app(scope, receive_within_limit, send)

    def _exempt(self, path: str) -> bool:
        prefix = self.exempt_prefix
        return prefix is not None and (path == prefix or path.startswith(f"{prefix}/"))

    @staticmethod
    def _too_large(limit: int) -> APIError:
        message = f"the request body is larger than {limit} bytes"
        return APIError(413, "payload_too_large", message)
