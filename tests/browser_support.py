"""Headless Debian Chromium driven by Playwright, for PolicyQA's browser tests.

Not a test module (no ``test_`` prefix). Import what you need from a test module::

    from browser_support import browser_tab, chromium_browser, serve_asgi  # noqa: F401  (fixtures)

``tests/`` is on ``sys.path`` under pytest's default (prepend) import mode, so ``browser_support``
imports as a top-level module. See ``docs/browser-testing.md`` for how and why.

Chromium comes from Debian (``apt-get install -y chromium``), never from ``playwright install``:
the pip ``playwright`` wheel already bundles its node driver, and it drives ``/usr/bin/chromium``.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

import pytest

#: Debian's launcher script; override with POLICYQA_CHROMIUM (e.g. /usr/lib/chromium/chromium,
#: the real binary, which skips the wrapper's /etc/chromium.d flags and its harmless
#: "[: ...: unexpected operator" line on stderr).
CHROMIUM_PATH = os.environ.get("POLICYQA_CHROMIUM", "/usr/bin/chromium")

CHROMIUM_ARGS: tuple[str, ...] = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)

#: Even with the flags above, Chromium 156 itself (not the page) still tries
#: accounts.google.com/ListAccounts, update.googleapis.com/service/update2 and
#: content-autofill.googleapis.com. This rule makes every non-loopback host name fail to
#: resolve inside the browser, so nothing leaves the machine. Page requests to such hosts are
#: still reported by page/context "request" events (then fail with ERR_NAME_NOT_RESOLVED),
#: so RequestRecorder keeps seeing them.
NO_EGRESS_ARGS: tuple[str, ...] = (
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1 , EXCLUDE localhost",
)

LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})
#: Schemes that never touch the network.
LOCAL_SCHEMES = frozenset({"data", "blob", "about", "chrome", "chrome-extension", "devtools"})


def chromium_available(path: str = CHROMIUM_PATH) -> bool:
    """True when the Debian Chromium executable is present."""
    return os.path.isfile(path) or shutil.which(path) is not None


def launch_chromium(
    playwright: Any, *, no_egress: bool = True, extra_args: Iterable[str] = (), **kwargs: Any
) -> Any:
    """Launch headless Debian Chromium through Playwright's bundled driver.

    ``playwright`` is the object from ``sync_playwright().start()`` (or the ``with`` form).
    ``no_egress`` adds NO_EGRESS_ARGS. Extra keyword arguments go to ``chromium.launch``.

    Do not pass your own ``--disable-features=``: Chromium keeps only the last occurrence, which
    would drop the list Playwright passes (OptimizationHints, NetworkTimeServiceQuerying, ...).
    """
    args = [*CHROMIUM_ARGS, *(NO_EGRESS_ARGS if no_egress else ()), *extra_args]
    return playwright.chromium.launch(executable_path=CHROMIUM_PATH, args=args, headless=True, **kwargs)


def is_local_url(url: str) -> bool:
    """True for loopback http(s)/ws(s) URLs and for schemes that never hit the network."""
    parsed = urlparse(url)
    if parsed.scheme in LOCAL_SCHEMES:
        return True
    host = parsed.hostname or ""
    return host in LOCAL_HOSTS or host.startswith("127.")


def external_requests(urls: Iterable[str]) -> list[str]:
    """The URLs that are not loopback, in order, without duplicates."""
    seen: dict[str, None] = {}
    for url in urls:
        if not is_local_url(url):
            seen.setdefault(url, None)
    return list(seen)


@dataclass
class RequestRecorder:
    """Collects every request a Page or BrowserContext makes (attach before navigating).

    Attach to the context rather than the page to also see popups and workers.
    """

    urls: list[str] = field(default_factory=list)
    failed: list[tuple[str, str | None]] = field(default_factory=list)

    def attach(self, target: Any) -> RequestRecorder:
        target.on("request", lambda request: self.urls.append(request.url))
        target.on("requestfailed", lambda request: self.failed.append((request.url, request.failure)))
        return self

    def external(self) -> list[str]:
        """The non-localhost requests seen so far."""
        return external_requests(self.urls)


def record_requests(target: Any) -> RequestRecorder:
    """Start recording the requests of a Playwright Page or BrowserContext."""
    return RequestRecorder().attach(target)


def free_port() -> int:
    """A TCP port that is free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def serve_asgi(app: Any, *, port: int | None = None, startup_timeout: float = 30.0) -> Iterator[str]:
    """Serve an ASGI app (e.g. FastAPI with gr.mount_gradio_app) with uvicorn in a thread.

    Yields the base URL ``http://127.0.0.1:<port>``; the server runs its lifespan (Gradio's
    queue starts there) and is shut down on exit.
    """
    import uvicorn

    port = port or free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + startup_timeout
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("uvicorn exited during startup")
        if time.monotonic() > deadline:
            server.should_exit = True
            raise TimeoutError(f"uvicorn did not start within {startup_timeout}s")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


# --- Gradio 6 DOM helpers (proven against gradio 6.31.0) ------------------------------------


def wait_until_idle(page: Any, elem_id: str, timeout: float = 30_000) -> None:
    """Wait until the component ``#elem_id`` shows no pending event.

    Gradio's per-component status tracker (``[data-testid=status-tracker]``) loses its ``hide``
    class while an event that outputs to the component runs. Check that the event has started
    first (e.g. wait for a new bot message), otherwise this returns at once.
    """
    from playwright.sync_api import expect

    tracker = page.locator(f"#{elem_id} [data-testid=status-tracker]").first
    expect(tracker).to_have_class(re.compile(r"\bhide\b"), timeout=timeout)


def read_dataframe(page: Any, elem_id: str) -> tuple[list[str], list[list[str]]]:
    """Headers and the *rendered* rows of the gr.Dataframe ``#elem_id``.

    Gradio 6's Dataframe is a virtualised ARIA grid (``div[role=row].virtual-row`` holding
    ``div[role=gridcell]``); only rows in the viewport (about 19 at the default height) are in
    the DOM. The total count is ``int(aria-rowcount) - 1`` on ``[role=grid]``. The ``tbody``
    inside it is a hidden sizing row, not data.
    """
    root = page.locator(f"#{elem_id}")
    headers = root.locator("thead th").all_inner_texts()
    row_locators = root.locator("[role=grid] .virtual-row").all()
    rows = [row.locator("[role=gridcell]").all_inner_texts() for row in row_locators]
    return [h.strip() for h in headers], [[c.strip() for c in row] for row in rows]


def dataframe_row_count(page: Any, elem_id: str) -> int:
    """All rows of the Dataframe, rendered or not (from ``aria-rowcount``, minus the header)."""
    return int(page.locator(f"#{elem_id} [role=grid]").get_attribute("aria-rowcount")) - 1


# --- pytest fixtures ----------------------------------------------------------------------


@dataclass
class BrowserTab:
    """A fresh page in its own context, with every request of that context recorded."""

    page: Any
    requests: RequestRecorder


@pytest.fixture(scope="session")
def chromium_browser() -> Iterator[Any]:
    """One headless Debian Chromium for the session; skips when it is not installed."""
    if not chromium_available():
        pytest.skip(f"{CHROMIUM_PATH} not found: apt-get install -y chromium")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def browser_tab(chromium_browser: Any) -> Iterator[BrowserTab]:
    """A new context + page (1280x900), recording requests from before the first navigation."""
    context = chromium_browser.new_context(viewport={"width": 1280, "height": 900})
    recorder = record_requests(context)
    page = context.new_page()
    page.set_default_timeout(20_000)
    try:
        yield BrowserTab(page=page, requests=recorder)
    finally:
        context.close()
