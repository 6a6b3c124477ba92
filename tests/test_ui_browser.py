"""The web UI as a person uses it: headless Debian Chromium (Playwright) against the real app on uvicorn.

The server is the production FastAPI app (`create_app`) with the UI mounted by `mount_ui`, on the session's
real index; the Evaluation tab reads a real (short) run of the eval harness. Every test also checks that
the page made no request beyond 127.0.0.1. Screenshots go to a temporary folder; `python -m eval.screenshots`
reruns these tests with a full evaluation run and `POLICYQA_SCREENSHOTS_DIR=docs/screenshots` to refresh the
pictures in the docs.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

pytest.register_assert_rewrite("browser_support")  # before the import: pytest_plugins below then won't warn
from browser_support import BrowserTab, dataframe_row_count, read_dataframe, serve_asgi, wait_until_idle  # noqa: E402

from assistant.core.answer.llm import LLMUnavailableError  # noqa: E402
from assistant.core.answer.registry import UnknownModelError  # noqa: E402
from assistant.service import PolicyQA, TaskFilters  # noqa: E402
from assistant.settings import Settings  # noqa: E402
from assistant.surfaces.ui.render import BUSY, failure_message  # noqa: E402
from eval.records import RunResult  # noqa: E402

expect = pytest.importorskip("playwright.sync_api").expect

# Registers the fixtures chromium_browser (session) and browser_tab (per test) from tests/browser_support.py.
pytest_plugins = ["browser_support"]

SCREENSHOTS_ENV = "POLICYQA_SCREENSHOTS_DIR"  # set by `python -m eval.screenshots` to docs/screenshots
EVAL_RESULTS_ENV = "POLICYQA_SCREENSHOT_EVAL_RESULTS"  # a results folder holding a full evaluation run
ANSWER_TIMEOUT = 90_000  # ms; an answer takes about a second, far more on a loaded CI machine
PROCUREMENT = "Which task covers centralized procurement of drugs?"
OUT_OF_SCOPE = "What is the capital of France?"
OUTSIDE = "http://203.0.113.9"  # TEST-NET-3: never routed; a request to it would show in the recorder
EVAL_QUESTIONS = 4  # a short real run of the harness, enough to fill the Evaluation tab


@contextmanager
def serve_ui(settings: Settings, service: PolicyQA) -> Iterator[str]:
    """The production app with the UI at /ui, served by uvicorn on a free port; yields its base URL.

    `create_app` does not mount the UI with `mount_ui` yet (it would lose the theme and CSS), so the app is
    built without its own UI and `mount_ui` is called here.
    """
    from assistant.surfaces.http.app import create_app
    from assistant.surfaces.ui.app import mount_ui

    app = create_app(settings.model_copy(update={"ui": False}), service)
    mount_ui(app, service, settings)
    with serve_asgi(app) as base_url:
        yield base_url


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where screenshots go: a temporary folder, unless eval.screenshots names docs/screenshots."""
    configured = os.environ.get(SCREENSHOTS_ENV)
    return Path(configured) if configured else tmp_path_factory.mktemp("screenshots")


@pytest.fixture(scope="module")
def eval_results(service: PolicyQA, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A results folder holding one real `policyqa eval` run: the full run eval.screenshots made, or else a
    short one (the first questions of the dev split)."""
    from eval.harness import run_split, write_run

    if configured := os.environ.get(EVAL_RESULTS_ENV):
        return Path(configured)
    results_dir = tmp_path_factory.mktemp("eval-results")
    result = run_split(service, "dev", limit=EVAL_QUESTIONS, baselines=False, show_progress=False)
    write_run(result, results_dir / "extractive-dev")
    return results_dir


@pytest.fixture(scope="module")
def ui_url(settings: Settings, service: PolicyQA, eval_results: Path) -> Iterator[str]:
    """The UI on the session's loaded index."""
    with serve_ui(settings.model_copy(update={"eval_results_dir": eval_results}), service) as base_url:
        yield base_url


@pytest.fixture(scope="module")
def no_index_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The UI of a server whose index was never built (and with no evaluation results)."""
    empty = tmp_path_factory.mktemp("no-index")
    settings = Settings(data_dir=empty / "data", eval_results_dir=empty / "results")
    service = PolicyQA(settings)
    assert not service.load()  # sets load_error before the first page, as the app's startup would
    with serve_ui(settings, service) as base_url:
        yield base_url


def open_ui(tab: BrowserTab, base_url: str) -> None:
    """Go to the UI and wait until the page's load events have filled the controls."""
    tab.page.goto(f"{base_url}/ui/")
    expect(tab.page.locator("#question textarea")).to_be_visible(timeout=30_000)
    expect(tab.page.locator("#model input")).not_to_have_value("", timeout=30_000)


def ask(tab: BrowserTab, question: str) -> None:
    """Type a question, press Ask and wait until the answer is complete."""
    page = tab.page
    bots = page.locator("#chat [data-testid=bot]")
    before = bots.count()
    page.locator("#question textarea").fill(question)
    page.locator("#ask").click()
    expect(bots).to_have_count(before + 1, timeout=ANSWER_TIMEOUT)
    wait_until_idle(page, "chat", timeout=ANSWER_TIMEOUT)


def screenshot(tab: BrowserTab, folder: Path, name: str, full_page: bool = False) -> None:
    """Write <folder>/<name> (the viewport, or the whole page)."""
    folder.mkdir(parents=True, exist_ok=True)
    tab.page.screenshot(path=str(folder / name), full_page=full_page)


def assert_offline(tab: BrowserTab) -> None:
    assert tab.requests.urls, "the request recorder saw nothing"
    assert tab.requests.external() == []


@pytest.mark.browser
def test_answer_cites_a_task_and_its_chip_opens_the_source(
    browser_tab: BrowserTab, ui_url: str, service: PolicyQA, screenshots: Path
) -> None:
    page = browser_tab.page
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=ui_url)
    open_ui(browser_tab, ui_url)
    expect(page.locator("#sources")).to_contain_text("Click a citation chip")

    ask(browser_tab, PROCUREMENT)
    answer = page.locator("#chat [data-testid=bot]").last
    chip = answer.locator('a[href="#cite-2021-2"]').first
    expect(chip).to_be_visible()
    expect(chip).to_have_attribute("title", "2021 task (2)")
    expect(answer).to_contain_text("Sources")

    chip.click()
    task = service.task("2021-2")
    sources = page.locator("#sources")
    expect(sources.locator(".task-title")).to_contain_text(task.title)
    expect(sources).to_contain_text("2021 task (2)")
    expect(sources).to_contain_text("National Healthcare Security Administration")  # a lead department
    expect(sources).to_contain_text("by the end of August 2021")  # its deadline
    expect(sources).to_contain_text(task.sentences[-1])  # the whole text, not only the quote
    quote = sources.locator("mark")
    expect(quote).to_have_count(1)
    assert quote.inner_text().strip() in task.sentences
    assert page.url.endswith("/ui/")  # the chip did not navigate
    screenshot(browser_tab, screenshots, "chat-sources.png")

    page.locator("#chat").get_by_role("button", name="Copy message").last.click()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert "[2021-2]" in copied and "**Sources**" in copied and "<a " not in copied
    assert_offline(browser_tab)


@pytest.mark.browser
def test_out_of_scope_question_shows_the_not_covered_state(
    browser_tab: BrowserTab, ui_url: str, screenshots: Path
) -> None:
    page = browser_tab.page
    open_ui(browser_tab, ui_url)
    ask(browser_tab, PROCUREMENT)
    # A new chat: in one conversation the answerer currently treats any next question as a follow-up of the
    # cited tasks and answers it (reported to the lead); a person starts a new chat for a new topic.
    page.locator("#clear").click()
    expect(page.locator("#chat [data-testid=bot]")).to_have_count(0)

    ask(browser_tab, OUT_OF_SCOPE)
    answer = page.locator("#chat [data-testid=bot]").last
    not_covered = answer.locator("blockquote")
    expect(not_covered).to_contain_text("Not covered by these documents.")
    expect(not_covered).to_contain_text("France")
    assert answer.locator('a[href^="#cite-"]').count() == 0
    screenshot(browser_tab, screenshots, "not-covered.png")
    assert_offline(browser_tab)


@pytest.mark.browser
def test_tasks_tab_filters_by_year_and_opens_a_task(
    browser_tab: BrowserTab, ui_url: str, service: PolicyQA, screenshots: Path
) -> None:
    page = browser_tab.page
    open_ui(browser_tab, ui_url)
    page.get_by_role("tab", name="Tasks").click()
    expect(page.locator("#tasks-table [role=grid] .virtual-row").first).to_be_visible()
    assert dataframe_row_count(page, "tasks-table") == len(service.tasks())

    page.locator("#task-year input").click()
    page.get_by_role("option", name="2022", exact=True).click()
    expected = [t.id for t in service.tasks(TaskFilters(year=2022))]
    expect(page.locator("#task-count")).to_contain_text(f"{len(expected)} of {len(service.tasks())} tasks")
    headers, rows = read_dataframe(page, "tasks-table")
    assert headers == ["id", "title", "departments", "deadlines"]
    assert [row[0] for row in rows] == expected

    page.locator("#tasks-table").get_by_test_id(f"cell-{expected.index('2022-3')}-0").click()
    expect(page.locator("#task-view .task-title")).to_contain_text(service.task("2022-3").title)

    page.locator("#task-id").get_by_role("textbox").fill("2021-7")
    page.locator("#open-task").click()
    expect(page.locator("#task-view .task-title")).to_contain_text(service.task("2021-7").title)
    screenshot(browser_tab, screenshots, "tasks.png")

    page.locator("#task-id").get_by_role("textbox").fill("2021-99")
    page.locator("#open-task").click()
    expect(page.locator("#task-view")).to_contain_text("There is no task “2021-99”")
    assert_offline(browser_tab)


@pytest.mark.browser
def test_evaluation_tab_shows_the_latest_run(
    browser_tab: BrowserTab, ui_url: str, eval_results: Path, screenshots: Path
) -> None:
    page = browser_tab.page
    open_ui(browser_tab, ui_url)
    page.get_by_role("tab", name="Evaluation").click()
    expect(page.locator("#eval-summary")).to_contain_text("extractive")
    headers, rows = read_dataframe(page, "eval-table")
    assert headers == ["metric", "extractive (dev)"]
    (result_file,) = eval_results.glob("**/result.json")
    assert ["questions", str(RunResult.load(result_file).config.questions)] in rows
    expect(page.locator("#eval-chart img")).to_be_visible()  # the comparison chart
    expect(page.locator("#eval-image img")).to_be_visible()  # the harness's own chart.png
    screenshot(browser_tab, screenshots, "evaluation.png", full_page=True)
    assert_offline(browser_tab)


@pytest.mark.browser
def test_markup_typed_into_the_question_stays_text(browser_tab: BrowserTab, ui_url: str) -> None:
    page = browser_tab.page
    open_ui(browser_tab, ui_url)
    ask(browser_tab, f'<img src="{OUTSIDE}/x.png"> ![x]({OUTSIDE}/y.png) **drug** procurement?')
    question = page.locator("#chat [data-testid=user]").last
    expect(question).to_contain_text(f'<img src="{OUTSIDE}/x.png">')
    expect(question).to_contain_text("**drug**")
    assert page.locator("#chat img").count() == 0
    assert question.locator("a").count() == 0  # not even a bare URL became a link
    assert_offline(browser_tab)


@pytest.mark.browser
def test_missing_index_is_explained_not_raised(browser_tab: BrowserTab, no_index_url: str) -> None:
    page = browser_tab.page
    open_ui(browser_tab, no_index_url)
    expect(page.locator("#status")).to_contain_text("The index is not built yet: run policyqa ingest")

    ask(browser_tab, PROCUREMENT)
    error = page.locator("#chat [data-testid=bot] .ui-error").last
    expect(error).to_contain_text("The index is not built yet: run policyqa ingest")
    expect(page.locator("#chat")).not_to_contain_text("Traceback")

    page.get_by_role("tab", name="Evaluation").click()
    expect(page.locator("#eval-summary")).to_contain_text("No evaluation results yet")
    assert_offline(browser_tab)


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (LLMUnavailableError("local-qwen", "cannot connect to http://127.0.0.1:9"), "could not be reached"),
        (LLMUnavailableError("local-qwen", "HTTP 503: overloaded", 503), BUSY),
        (UnknownModelError("gpt-x", ["extractive"]), "Choose one of: extractive"),
        (RuntimeError("socket closed"), "“local-qwen” failed to answer"),
    ],
)
def test_model_failures_read_as_advice(error: Exception, expected: str) -> None:
    message = failure_message(error, None, "local-qwen")
    assert expected in message
    assert "http://" not in message and "Traceback" not in message
