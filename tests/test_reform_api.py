"""The reform views over HTTP, through a real uvicorn server on the session's index, with API keys on."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import httpx
import pytest
from server_support import running_server

KEY = "reform-test-key"


@pytest.fixture(scope="module")
def api(server_env: dict[str, str]) -> Iterator[httpx.Client]:
    extra = {"POLICYQA_API_KEYS": f'["{KEY}"]', "POLICYQA_UI": "false"}
    with (
        running_server(server_env, extra) as url,
        httpx.Client(base_url=url, headers={"X-API-Key": KEY}, timeout=120) as client,
    ):
        yield client


def test_changes_lists_both_task_ids_and_counts(api: httpx.Client) -> None:
    response = api.get("/changes", params={"from": "2021", "to": "2022"})
    assert response.status_code == 200
    body = response.json()
    assert (body["from"], body["to"]) == ("2021", "2022")
    linked = {(lk["from_id"], lk["to_id"]) for lk in body["continued"] + body["changed"]}
    assert ("2021-19", "2022-4") in linked
    assert all(lk["to_id"] is None and lk["from_title"] for lk in body["dropped"])
    assert all(lk["from_id"] is None and lk["to_title"] for lk in body["new"])
    assert body["counts"] == {k: len(body[k]) for k in ("continued", "changed", "new", "dropped")}
    assert sum(body["counts"].values()) - len(linked) == len(body["new"]) + len(body["dropped"])


def test_unknown_documents_and_departments_are_404_in_the_error_shape(api: httpx.Client) -> None:
    response = api.get("/changes", params={"from": "2021", "to": "2099"})
    assert response.status_code == 404
    error = response.json()["error"]
    assert error["code"] == "not_found" and error["field"] == "to" and "2022" in error["allowed"]
    missing = api.get("/departments/Ministry of Magic/tasks")
    assert missing.status_code == 404 and "Ministry of Magic" in missing.json()["error"]["message"]
    assert api.get("/deadlines", params={"department": "Ministry of Magic"}).status_code == 404


def test_deadlines_are_sorted_and_filtered_and_a_bad_month_is_422(api: httpx.Client) -> None:
    every = api.get("/deadlines").json()["deadlines"]
    assert [d["month"] for d in every] == sorted(d["month"] for d in every)
    before = api.get("/deadlines", params={"before": "2021-09"}).json()
    assert [d["task_id"] for d in before["deadlines"]] == ["2021-2", "2021-3", "2021-11"]
    by_alias = api.get("/deadlines", params={"department": "NATIONAL MEDICAL INSURANCE BUREAU"}).json()
    assert by_alias["count"] >= 1
    assert all(
        "National Healthcare Security Administration" in d["departments"] for d in by_alias["deadlines"]
    )
    for bad in ("2021-13", "Sept", "2021-9"):
        response = api.get("/deadlines", params={"before": bad})
        assert response.status_code == 422, bad
        assert response.json()["error"]["field"] == "before"


def test_a_department_is_found_by_its_official_name_or_an_alias(api: httpx.Client) -> None:
    official = api.get("/departments/National Healthcare Security Administration/tasks").json()
    alias = api.get("/departments/national medical insurance administration/tasks").json()
    assert official == alias
    assert official["department"] == "National Healthcare Security Administration"
    assert {"2021-2", "2021-10"} <= {t["id"] for t in official["tasks"]}
    assert "National Health Commission" in api.get("/departments").json()


def test_the_calendar_feed_parses_back_with_one_event_per_deadline(api: httpx.Client) -> None:
    from icalendar import Calendar

    response = api.get("/deadlines.ics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/calendar")
    feed = Calendar.from_ical(response.content)
    events = list(feed.walk("VEVENT"))
    deadlines = api.get("/deadlines").json()["deadlines"]
    assert len(events) == len(deadlines)
    august = next(e for e in events if str(e["UID"]).startswith("2021-2-"))
    assert august.decoded("DTSTART") == date(2021, 8, 31)  # all-day, at the end of the deadline's month
    assert august.decoded("DTEND") == date(2021, 9, 1)
    assert "[2021-2]" in str(august["DESCRIPTION"]) and str(august["URL"]).endswith("/tasks/2021-2")
    uids = [str(e["UID"]) for e in events]
    assert len(set(uids)) == len(uids)
    again = Calendar.from_ical(api.get("/deadlines.ics").content)
    assert [str(e["UID"]) for e in again.walk("VEVENT")] == uids  # stable for a calendar subscription


def test_the_reform_views_need_the_api_key(api: httpx.Client) -> None:
    for path in ("/changes?from=2021&to=2022", "/deadlines", "/deadlines.ics", "/departments"):
        response = httpx.get(f"{api.base_url}{path}")
        assert response.status_code == 401, path
        assert response.json()["error"]["code"] == "unauthorized"
