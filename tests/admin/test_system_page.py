"""The admin's System page: the scraped figures, recent errors from the
database and from this process's log, a live tail of the log over
server-sent events, and an audited incident export."""

from __future__ import annotations

import contextlib
import io
import json
import logging
import secrets
import threading
import time
import zipfile
from collections.abc import Iterator

import httpx

from tests.admin.support import ADMIN_PASSWORD, AdminServer, bearer, browser_login, seed_job
from upscaler.config import DEFAULT_SEED_USER


@contextlib.contextmanager
def signed_in(server: AdminServer) -> Iterator[httpx.Client]:
    with server.client() as browser:
        browser_login(browser, DEFAULT_SEED_USER, ADMIN_PASSWORD)
        yield browser


def test_the_page_shows_figures_and_recent_errors(admin_server: AdminServer, token: str) -> None:
    failed = seed_job(admin_server, status="failed", error="the tile ran out of memory")
    seed_job(admin_server, status="completed")
    marker = f"disk nearly gone {secrets.token_hex(3)}"
    logging.getLogger("upscaler.test").error(marker)
    with signed_in(admin_server) as browser:
        page = browser.get("/admin/system")
    assert page.status_code == 200
    assert 'aria-current="page">System' in page.text
    assert failed in page.text and "the tile ran out of memory" in page.text
    assert marker in page.text  # from this process's log
    assert "seeded-model" in page.text  # the durations table
    assert 'id="fig-workers"' in page.text


def test_the_live_tail_streams_new_lines(admin_server: AdminServer, token: str) -> None:
    marker = f"tail line {secrets.token_hex(3)}"
    received: list[dict[str, object]] = []

    def log_soon() -> None:
        time.sleep(1.0)
        logging.getLogger("upscaler.test").warning(marker)

    with signed_in(admin_server) as browser:
        threading.Thread(target=log_soon, daemon=True).start()
        with browser.stream("GET", "/admin/system/logs/stream", timeout=20) as stream:
            assert stream.headers["content-type"].startswith("text/event-stream")
            deadline = time.monotonic() + 15
            for line in stream.iter_lines():
                if line.startswith("data: "):
                    received.append(json.loads(line[6:]))
                    if received[-1]["message"] == marker:
                        break
                assert time.monotonic() < deadline, "the new line never came"
    assert received[-1]["level"] == "warning" and received[-1]["logger"] == "upscaler.test"


def test_the_incident_export_holds_jobs_audit_and_logs(
    admin_server: AdminServer, admin_client: httpx.Client, token: str
) -> None:
    job_id = seed_job(admin_server, status="failed", error="export me")
    logging.getLogger("upscaler.test").error("an incident line")
    with signed_in(admin_server) as browser:
        response = browser.get("/admin/system/export", params={"hours": 2})
        too_long = browser.get("/admin/system/export", params={"hours": 100_000})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/zip"
    assert "attachment" in response.headers["content-disposition"]
    assert too_long.status_code in (400, 422)
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        names = set(archive.namelist())
        jobs = [json.loads(line) for line in archive.read("jobs.jsonl").splitlines()]
        logs = [json.loads(line) for line in archive.read("logs.jsonl").splitlines()]
    assert {"jobs.jsonl", "audit.jsonl", "notifications.jsonl", "logs.jsonl"} <= names
    exported = next(job for job in jobs if job["job_id"] == job_id)
    assert exported["error_message"] == "export me" and exported["upload"]["width"] == 24
    assert any(line["message"] == "an incident line" for line in logs)
    audit = admin_client.get(
        "/api/v1/admin/audit", params={"action": "system.exported"}, headers=bearer(token)
    ).json()
    assert audit["items"][0]["details"]["hours"] == 2


def test_the_system_page_needs_an_admin(admin_server: AdminServer) -> None:
    with admin_server.client() as anonymous:
        for path in ("/admin/system", "/admin/system/logs/stream", "/admin/system/export"):
            response = anonymous.get(path, follow_redirects=False)
            assert response.status_code in (303, 401), path
