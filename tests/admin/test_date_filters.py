"""The admin pages and the admin API read a filter's time bounds alike: a
bare `since` date starts that day, a bare `until` date includes the whole of
it (upscaler.admin.datefilter)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import httpx
import pytest

from tests.admin.support import AdminServer, bearer, browser_login, seed_job
from upscaler.admin.datefilter import bound
from upscaler.admin.schemas import BulkRequeueRequest
from upscaler.db.types import utcnow

MODEL = "date-filter-model"
PASSWORD = "a long admin passphrase 42"  # what the `token` fixture changed it to


@pytest.fixture(scope="module")
def days(admin_server: AdminServer, token: str) -> dict[str, str]:
    """One job at 15:00 UTC on each of three days."""
    return {
        day: seed_job(admin_server, model=MODEL, created_at=datetime.fromisoformat(f"{day}T15:00Z"))
        for day in ("2026-06-09", "2026-06-10", "2026-06-11")
    }


def _ids(text: str, days: dict[str, str]) -> set[str]:
    return {day for day, job_id in days.items() if job_id in text}


def _csv_ids(response: httpx.Response, days: dict[str, str]) -> set[str]:
    assert response.status_code == 200, response.text
    assert response.headers["content-disposition"].startswith('attachment; filename="usage-')
    rows = list(csv.DictReader(io.StringIO(response.text.lstrip("\ufeff"))))
    return _ids(" ".join(r["job_id"] for r in rows), days)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"until": "2026-06-10"}, {"2026-06-09", "2026-06-10"}),
        ({"since": "2026-06-10", "until": "2026-06-10"}, {"2026-06-10"}),
        ({"since": "2026-06-10"}, {"2026-06-10", "2026-06-11"}),
        ({"until": "2026-06-10T15:00"}, {"2026-06-09"}),
        ({"since": "2026-06-10T15:00:00+00:00"}, {"2026-06-10", "2026-06-11"}),
    ],
)
def test_pages_and_api_agree_on_bare_dates_and_moments(
    admin_server: AdminServer,
    admin_client: httpx.Client,
    token: str,
    days: dict[str, str],
    params: dict[str, str],
    expected: set[str],
) -> None:
    query = {"model": MODEL, **params}
    api = admin_client.get("/api/v1/admin/jobs", params=query, headers=bearer(token))
    assert api.status_code == 200, api.text
    assert _ids(api.text, days) == expected
    api_csv = admin_client.get("/api/v1/admin/jobs/export.csv", params=query, headers=bearer(token))
    assert _csv_ids(api_csv, days) == expected
    with admin_server.client() as browser:
        browser_login(browser, "abdullah", PASSWORD)
        page = browser.get("/admin/jobs", params=query)
        assert page.status_code == 200
        assert _ids(page.text, days) == expected
        assert _csv_ids(browser.get("/admin/jobs/export.csv", params=query), days) == expected


def test_the_audit_log_includes_today_until_today_in_both(
    admin_server: AdminServer, admin_client: httpx.Client, token: str
) -> None:
    admin_client.get(
        "/api/v1/admin/jobs/export.csv", params={"model": MODEL}, headers=bearer(token)
    )
    today = utcnow().date().isoformat()
    query = {"action": "usage.export", "until": today, "since": today}
    api = admin_client.get("/api/v1/admin/audit", params=query, headers=bearer(token)).json()
    assert api["total"] >= 1
    entry = api["items"][0]["id"]
    with admin_server.client() as browser:
        browser_login(browser, "abdullah", PASSWORD)
        exported = browser.get("/admin/audit/export.csv", params=query)
        assert exported.headers["content-disposition"].startswith('attachment; filename="audit-')
        rows = list(csv.DictReader(io.StringIO(exported.text.lstrip("\ufeff"))))
        assert str(entry) in {r["id"] for r in rows}


def test_the_api_refuses_what_is_not_a_date(admin_client: httpx.Client, token: str) -> None:
    response = admin_client.get(
        "/api/v1/admin/jobs", params={"until": "next tuesday"}, headers=bearer(token)
    )
    assert response.status_code == 400


def test_one_reading_for_forms_query_strings_and_request_bodies() -> None:
    end = datetime(2026, 12, 4, tzinfo=UTC)
    assert bound("2026-12-03", until=True) == end
    assert bound("2026-12-03") == datetime(2026, 12, 3, tzinfo=UTC)
    assert bound("2026-12-03T13:45") == datetime(2026, 12, 3, 13, 45, tzinfo=UTC)
    assert bound("2026-12-03T13:45+02:00", until=True) == datetime(2026, 12, 3, 11, 45, tzinfo=UTC)
    assert bound("next tuesday") is None and bound("") is None and bound(None) is None
    body = BulkRequeueRequest(model="m", since="2026-12-03", until="2026-12-03")
    assert (body.since, body.until) == (datetime(2026, 12, 3, tzinfo=UTC), end)
