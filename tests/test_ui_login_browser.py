"""Logging in to the UI as a person does: headless Debian Chromium against the app with API keys set.

The server is the production app (`create_app`, UI mounted) on uvicorn, on the session's real index.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

pytest.register_assert_rewrite("browser_support")
from browser_support import BrowserTab, serve_asgi, wait_until_idle  # noqa: E402

from assistant.api import create_app  # noqa: E402
from assistant.service import PolicyQA  # noqa: E402
from assistant.settings import Settings  # noqa: E402
from assistant.surfaces.http.ui_auth import SESSION_COOKIE  # noqa: E402

expect = pytest.importorskip("playwright.sync_api").expect

pytest_plugins = ["browser_support"]

KEY = "browser-key"
ANSWER_TIMEOUT = 90_000
PAYMENT = "Which departments are responsible for reforming medical insurance payment methods?"


@pytest.fixture(scope="module")
def locked_ui(settings: Settings, service: PolicyQA) -> Iterator[str]:
    """The app with one API key, the UI on, served by uvicorn; yields its base URL."""
    app_settings = settings.model_copy(update={"api_keys": [KEY], "rate_limit_per_minute": 0})
    with serve_asgi(create_app(app_settings, service)) as base_url:
        yield base_url


@pytest.mark.browser
def test_the_ui_asks_for_a_key_once_then_answers(browser_tab: BrowserTab, locked_ui: str) -> None:
    page = browser_tab.page
    page.goto(f"{locked_ui}/ui/")
    assert page.url.startswith(f"{locked_ui}/ui/login?next=")
    expect(page.locator("h1")).to_have_text("PolicyQA")

    page.locator("#key").fill("not-the-key")
    page.locator("#login").click()
    expect(page.locator("#login-error")).to_have_text("That key is not valid.")
    assert not [c for c in page.context.cookies() if c["name"] == SESSION_COOKIE]

    page.locator("#key").fill(KEY)
    page.locator("#login").click()
    page.wait_for_url(f"{locked_ui}/ui/")
    (cookie,) = [c for c in page.context.cookies() if c["name"] == SESSION_COOKIE]
    assert cookie["httpOnly"] is True
    assert cookie["sameSite"] == "Lax"
    assert cookie["path"] == "/"
    assert cookie["secure"] is False  # plain http on loopback; https requests get a Secure cookie
    assert page.evaluate("document.cookie") == ""  # HttpOnly: no script on the page can read it

    expect(page.locator("#question textarea")).to_be_visible(timeout=30_000)
    expect(page.locator("#model input")).not_to_have_value("", timeout=30_000)
    bots = page.locator("#chat [data-testid=bot]")
    page.locator("#question textarea").fill(PAYMENT)
    page.locator("#ask").click()
    expect(bots).to_have_count(1, timeout=ANSWER_TIMEOUT)
    wait_until_idle(page, "chat", timeout=ANSWER_TIMEOUT)
    expect(bots.last.locator('a[href="#cite-2021-5"]').first).to_be_visible()

    # the session is the browser's only: the same calls without it are refused
    assert httpx.get(f"{locked_ui}/ui/config").status_code == 401

    page.locator("#logout a, a#logout").first.click()
    page.wait_for_url(f"{locked_ui}/ui/login")
    assert not [c for c in page.context.cookies() if c["name"] == SESSION_COOKIE]
    page.goto(f"{locked_ui}/ui/")
    assert "/ui/login" in page.url
    assert browser_tab.requests.external() == []
