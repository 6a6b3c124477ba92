"""The Timeline tab in headless Chromium against the real app: points open their task, the changes view
and the department × year matrix. Writes docs/screenshots/timeline.png and changes.png."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.register_assert_rewrite("browser_support")
from browser_support import BrowserTab, dataframe_row_count, read_dataframe, serve_asgi  # noqa: E402

from assistant.core.reform import reform_view  # noqa: E402
from assistant.service import PolicyQA  # noqa: E402
from assistant.settings import Settings  # noqa: E402

expect = pytest.importorskip("playwright.sync_api").expect
pytest_plugins = ["browser_support"]

SCREENSHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"


@pytest.fixture(scope="module")
def ui_url(settings: Settings, service: PolicyQA) -> Iterator[str]:
    """The production app with the UI mounted (as tests/test_ui_browser.py serves it)."""
    from assistant.api import create_app
    from assistant.surfaces.ui.app import mount_ui

    app = create_app(settings.model_copy(update={"ui": False}), service)
    mount_ui(app, service, settings)
    with serve_asgi(app) as base_url:
        yield base_url


def open_timeline(tab: BrowserTab, base_url: str) -> None:
    tab.page.goto(f"{base_url}/ui/")
    tab.page.get_by_role("tab", name="Timeline").click()
    expect(tab.page.locator("#timeline-chart svg")).to_be_visible(timeout=60_000)


@pytest.mark.browser
def test_each_deadline_is_a_point_that_opens_its_task(
    browser_tab: BrowserTab, ui_url: str, service: PolicyQA
) -> None:
    page = browser_tab.page
    open_timeline(browser_tab, ui_url)
    due = reform_view(service.library).deadlines()
    points = page.locator("#timeline-chart svg a")
    expect(points).to_have_count(len(due))
    targets = [points.nth(i).get_attribute("xlink:href") or "" for i in range(len(due))]
    assert sorted(t.removeprefix("#task-") for t in targets) == sorted(d.task.id for d in due)
    # the legend names the lead departments (the first each task names)
    for lead in {d.task.departments[0] for d in due}:
        expect(page.locator("#timeline-chart svg")).to_contain_text(lead)
    position = targets.index("#task-2021-3")
    points.nth(position).locator("path, use").first.click(force=True)
    source = page.locator("#timeline-source")
    expect(source).to_contain_text("Deepen the reform of medical service prices")
    expect(source).to_contain_text("2021 task (3)")
    assert "#task-" not in page.url  # the click is handled, not followed
    page.locator("#timeline-chart").scroll_into_view_if_needed()
    page.screenshot(path=str(_shots() / "timeline.png"))
    assert browser_tab.requests.external() == []


@pytest.mark.browser
def test_what_changed_between_two_notices_and_the_department_matrix(
    browser_tab: BrowserTab, ui_url: str, service: PolicyQA
) -> None:
    page = browser_tab.page
    open_timeline(browser_tab, ui_url)
    expect(page.locator("#changes-from input")).to_have_value("2021")
    expect(page.locator("#changes-to input")).to_have_value("2022")
    pair = reform_view(service.library).changes("2021", "2022")
    # the table fills once the changes view is computed, which a loaded machine may take a while to do
    expect(page.locator("#changes-table [role=grid] .virtual-row").first).to_be_visible(timeout=30_000)
    assert dataframe_row_count(page, "changes-table") == len(pair.links)
    headers, rows = read_dataframe(page, "changes-table")
    assert headers[:3] == ["status", "from", "to"]
    linked = next(i for i, row in enumerate(rows) if row[1] == "2021-19")
    assert rows[linked][0] in ("continued", "changed") and rows[linked][2] == "2022-4"
    page.locator("#changes-table").get_by_test_id(f"cell-{linked}-2").click()
    expect(page.locator("#timeline-source")).to_contain_text("2022 item 4")

    matrix_headers, matrix = read_dataframe(page, "department-matrix")
    assert matrix_headers[:3] == ["department", "2021", "2022"]
    counts = {row[0]: (int(row[1]), int(row[2])) for row in matrix}
    expected = reform_view(service.library).department_year_counts()["National Health Commission"][2021]
    assert counts["National Health Commission"] == (expected, 0)  # the 2022 summary names no departments
    page.locator("#changes-heading").evaluate("element => element.scrollIntoView()")
    page.screenshot(path=str(_shots() / "changes.png"))
    assert browser_tab.requests.external() == []


def _shots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
