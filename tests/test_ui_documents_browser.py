"""The Documents tab in headless Chromium against the real app, on a copy of documents/ and its own index.

A person uploads a real zoo notice, reads how it was parsed (its tasks, lead departments, deadlines and the
warning about the task that names no lead department), is told clearly why a wrong file or key is refused,
and removes the notice again. The screenshot goes to a temporary folder unless `python -m eval.screenshots`
names docs/screenshots (POLICYQA_SCREENSHOTS_DIR).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.register_assert_rewrite("browser_support")
from browser_support import BrowserTab, read_dataframe, serve_asgi  # noqa: E402

from assistant.service import PolicyQA  # noqa: E402
from assistant.settings import Settings  # noqa: E402
from index.ingest import ingest  # noqa: E402
from index.model import UnitKind  # noqa: E402
from index.settings import REPO_ROOT  # noqa: E402

expect = pytest.importorskip("playwright.sync_api").expect
pytest_plugins = ["browser_support"]

ADMIN_KEY = "documents-tab-admin"
INGEST_TIMEOUT = 180_000  # ms: an incremental ingest embeds the new notice's chunks on a shared CPU
SUMMARY = REPO_ROOT / "eval" / "zoo" / "documents" / "key-tasks-2019-news-summary.txt"


@pytest.fixture(scope="module")
def shelf_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, PolicyQA]]:
    """The production app with the UI, on its own copy of documents/ (uploads change the folder)."""
    from assistant.surfaces.http.app import create_app
    from assistant.surfaces.ui.app import mount_ui

    root = tmp_path_factory.mktemp("documents-tab")
    shutil.copytree(REPO_ROOT / "documents", root / "documents")
    settings = Settings(
        documents_dir=root / "documents",
        data_dir=root / "data",
        admin_key=ADMIN_KEY,
        max_upload_bytes=200_000,
        warm_max_units=0,
        ui=False,
    )
    report = ingest(settings)
    assert not report.errors, report.errors
    service = PolicyQA(settings)
    assert service.load(warm=False), service.load_error
    app = create_app(settings, service)
    mount_ui(app, service, settings)
    with serve_asgi(app) as base_url:
        yield base_url, service


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    configured = os.environ.get("POLICYQA_SCREENSHOTS_DIR")
    return Path(configured) if configured else tmp_path_factory.mktemp("screenshots")


def open_documents(tab: BrowserTab, base_url: str) -> None:
    tab.page.goto(f"{base_url}/ui/")
    tab.page.get_by_role("tab", name="Documents").click()
    expect(tab.page.locator("#documents-table [role=grid] .virtual-row").first).to_be_visible(timeout=60_000)


def upload(tab: BrowserTab, path: Path, key: str) -> None:
    page = tab.page
    page.locator("#documents-upload input[type=file]").set_input_files(str(path))
    expect(page.locator("#documents-upload")).to_contain_text(path.stem)  # shown as "name .suffix"
    page.locator("#documents-admin-key input").fill(key)
    page.locator("#documents-add").click()


@pytest.mark.browser
def test_upload_a_notice_read_its_parse_and_remove_it(
    browser_tab: BrowserTab,
    shelf_app: tuple[str, PolicyQA],
    screenshots: Path,
    tmp_path: Path,
) -> None:
    base_url, service = shelf_app
    page = browser_tab.page
    open_documents(browser_tab, base_url)
    _, rows = read_dataframe(page, "documents-table")
    assert [row[0] for row in rows] == ["2021", "2022"]
    status = page.locator("#documents-status")

    # a wrong type and a wrong key are refused in words, and change nothing
    wrong = tmp_path / "notes.csv"
    wrong.write_text("task,department\n1,Health\n")
    upload(browser_tab, wrong, ADMIN_KEY)
    expect(status).to_contain_text("notes.csv was not added: .csv is not supported", timeout=30_000)
    upload(browser_tab, SUMMARY, "not-the-key")
    expect(status).to_contain_text("The admin key is not valid")
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    upload(browser_tab, empty, ADMIN_KEY)
    expect(status).to_contain_text("empty.txt was not added", timeout=30_000)
    assert not any(u.doc_id == "2019-summary" for u in service.library.units.values())

    # the news summary of 2019: five tasks "1)"–"5)", the fifth naming no lead department
    upload(browser_tab, SUMMARY, ADMIN_KEY)
    expect(status).to_contain_text(
        "Added key-tasks-2019-news-summary.txt as “2019-summary”: 5 tasks", timeout=INGEST_TIMEOUT
    )
    parsed = page.locator("#documents-parsed")
    expect(parsed.locator(".doc-card")).to_have_attribute("data-document", "2019-summary")
    indexed = sorted(
        (u for u in service.library.units.values() if u.doc_id == "2019-summary" and u.kind is UnitKind.TASK),
        key=lambda u: u.number or 0,
    )
    assert [u.id for u in indexed] == [f"2019-summary-{n}" for n in range(1, 6)]
    shown = parsed.locator("tr[data-task]")
    expect(shown).to_have_count(5)
    for position, task in enumerate(indexed):
        row = shown.nth(position)
        expect(row).to_have_attribute("data-task", task.id)
        expect(row).to_contain_text(task.title)
        for department in task.departments:
            expect(row).to_contain_text(department)
        for deadline in task.deadlines:
            expect(row).to_contain_text(deadline.month)
    assert not indexed[4].departments and all(t.departments for t in indexed[:4])
    expect(shown.nth(4)).to_contain_text("none named")
    expect(parsed.locator(".doc-warnings")).to_contain_text("2019-summary task (5) names no lead department")
    _, rows = read_dataframe(page, "documents-table")
    assert [row[0] for row in rows] == ["2019-summary", "2021", "2022"]
    screenshots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(screenshots / "documents.png"), full_page=True)

    # the chat answers from it at once, and a new page names its year in the heading and the year filter
    assert service.task("2019-summary-1") is not None
    page.reload()
    expect(page.locator("#header")).to_contain_text("3 notices: 2019, 2021 and 2022", timeout=30_000)
    expect(page.locator("#year")).to_contain_text("2019")
    expect(page.locator("#question textarea")).to_have_attribute(
        "placeholder", "Ask about the 2019, 2021 or 2022 key tasks…"
    )
    page.get_by_role("tab", name="Documents").click()
    page.locator("#documents-pick input").click()
    page.get_by_role("option", name="2019-summary").click()
    expect(parsed.locator(".doc-card")).to_have_attribute("data-document", "2019-summary")

    # remove it: gone from the table, the index and the folder
    expect(page.locator("#documents-pick input")).to_have_value("2019-summary")
    page.locator("#documents-admin-key input").fill(ADMIN_KEY)  # the reload emptied it
    page.locator("#documents-remove").click()
    expect(status).to_contain_text("Removed “2019-summary”", timeout=INGEST_TIMEOUT)
    expect(page.locator("#documents-table [role=grid] .virtual-row")).to_have_count(2)
    assert service.task("2019-summary-1") is None
    assert not (service.settings.documents_dir / SUMMARY.name).exists()
    assert browser_tab.requests.external() == []


# A made-up notice whose second task is followed by a line that belongs to no task (after its note).
STRAY_LINE = "The county fair moves to the old market square this year."
NOTICE_WITH_A_STRAY_LINE = f"""Key Tasks of the Lantern Office for 2033

The Lantern Office sets out this year's work on the town's street lamps.

I. Lighting the streets

(1) Replace the oil lamps on the river road with electric lamps by the end of June 2033.
(Ministry of Finance is responsible)

(2) Light the footpaths of the three parks.
(National Health Commission is responsible)

{STRAY_LINE}

II. Keeping the lamps

(3) Clean every lamp glass twice a year.
(Ministry of Finance is responsible)
"""

# Records every text the status area shows, so the stages seen while the upload runs can be read after it.
RECORD_STATUS = """() => {
  window.statusLog = [];
  const status = document.querySelector('#documents-status');
  new MutationObserver(() => window.statusLog.push(status.innerText))
    .observe(status, {subtree: true, childList: true, characterData: true});
}"""


@pytest.mark.browser
def test_an_upload_and_a_removal_show_their_stages_and_the_line_that_fits_no_task(
    browser_tab: BrowserTab,
    shelf_app: tuple[str, PolicyQA],
    screenshots: Path,
    tmp_path: Path,
) -> None:
    base_url, service = shelf_app
    page = browser_tab.page
    open_documents(browser_tab, base_url)
    notice = tmp_path / "key-tasks-2033.txt"
    notice.write_text(NOTICE_WITH_A_STRAY_LINE, encoding="utf-8")
    page.evaluate(RECORD_STATUS)
    status = page.locator("#documents-status")

    upload(browser_tab, notice, ADMIN_KEY)
    expect(status).to_contain_text("Added key-tasks-2033.txt as “2033”: 3 tasks", timeout=INGEST_TIMEOUT)
    expect(status).to_contain_text("1 line could not be placed in a task")

    # while it ran, the status named the stage the ingest was in; after it, every stage with its count
    seen: list[str] = page.evaluate("window.statusLog")
    running = [text for text in seen if "Indexing key-tasks-2033.txt:" in text]
    assert any("checking and parsing the file" in text for text in running), seen
    assert any("embedding" in text for text in running), seen
    stages = status.locator(".ingest-stages li")
    expect(stages.first).to_have_text("checking and parsing the file")
    embedded = [u for u in service.library.units.values() if u.doc_id == "2033"]
    assert len([u for u in embedded if u.kind is UnitKind.TASK]) == 3
    expect(stages.filter(has_text="embedding")).not_to_have_count(0)
    expect(stages.last).to_have_text("loading the new index")
    for text in stages.all_inner_texts():  # a stage with a size ran to it: "embedding 7/7"
        if "/" in text:
            done, total = text.rsplit(" ", 1)[1].split("/")
            assert done == total and int(total) > 0, text

    # the parse card of the new notice says which line fits no task, after which task, and where it is kept
    parsed = page.locator("#documents-parsed")
    expect(parsed.locator(".doc-card")).to_have_attribute("data-document", "2033")
    warnings = parsed.locator(".doc-warnings")
    expect(warnings).to_contain_text("1 line could not be placed in a task")
    expect(warnings).to_contain_text("“The county fair moves to the …”")  # the line's opening words
    where = "after task (2)'s responsibility note, before section II; kept in 2033-2"
    expect(warnings).to_contain_text(where)
    rows = parsed.locator("tr[data-task]")
    expect(rows).to_have_count(3)
    expect(rows.first).to_contain_text("2033-06 (by the end of June 2033)")  # set in the task's one sentence
    screenshots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(screenshots / "documents-unplaced.png"), full_page=True)

    # removing it shows its stages the same way: while it runs, then all of them after it
    page.evaluate("window.statusLog = []")
    page.locator("#documents-admin-key input").fill(ADMIN_KEY)
    page.locator("#documents-pick input").click()
    page.get_by_role("option", name="2033").click()
    page.locator("#documents-remove").click()
    expect(status).to_contain_text("Removed “2033”", timeout=INGEST_TIMEOUT)
    seen = page.evaluate("window.statusLog")
    running = [text for text in seen if "Removing 2033:" in text]
    assert any("taking the file out of the folder" in text for text in running), seen
    assert any("keeps answering meanwhile" in text for text in running), seen
    expect(stages.first).to_have_text("taking the file out of the folder")
    expect(stages.last).to_have_text("loading the new index")
    assert not any(u.doc_id == "2033" for u in service.library.units.values())
    assert not (service.settings.documents_dir / notice.name).exists()
    assert browser_tab.requests.external() == []
