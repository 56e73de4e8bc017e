"""An operator runs the service from the admin panel, in Debian's Chromium:
first sign-in with the seeded account and the forced password change; the
dashboard's live figures while a job runs; that job's page; a requeue with
denoise overridden that completes; a queued job canceled while the queue is
paused; a second model registered by upload, a model demoted and promoted
back; a smaller upload limit refusing an upload; every action found in the
audit log and in its CSV export. No Content-Security-Policy violation."""

from __future__ import annotations

import csv
import re
import shutil
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.support import axe_violations, csp_errors, screenshot
from tests.helpers import IMAGES, SLOW_IMAGE, TEST_MODEL, LiveServer, upload

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SEED_USER, SEED_PASS = "abdullah", "231980077"
NEW_PASSWORD = "operator passphrase for tests"
MEDIUM = IMAGES / "realesrgan" / "00003.png"  # 512 x 256, over the smaller upload limit
SMALL = IMAGES / "realesrgan" / "0014.jpg"
LONG = 180_000


def _accept_dialogs(page: Any) -> None:
    page.on("dialog", lambda dialog: dialog.accept())


def _kpi(page: Any, name: str) -> Any:
    return page.locator(f'[data-kpi="{name}"]')


def test_an_operator_runs_the_service_from_the_admin(
    page: Any, admin_live: LiveServer, own_model_dir: Path, tmp_path: Path
) -> None:
    base = admin_live.url
    client = admin_live.client()
    _accept_dialogs(page)

    # -- first sign-in: the seeded account must change its password -----------------
    page.goto(f"{base}/admin/jobs")
    expect(page).to_have_url(re.compile(r"/admin/login\?next=%2Fadmin%2Fjobs$"))
    page.fill("#username", SEED_USER)
    page.fill("#password", SEED_PASS)
    page.click("button[type=submit]")
    expect(page).to_have_url(f"{base}/admin/password")
    expect(page.locator("#password-required")).to_be_visible()
    page.goto(f"{base}/admin/dashboard")  # nothing else is reachable before the change
    expect(page).to_have_url(f"{base}/admin/password")
    page.fill("#current_password", SEED_PASS)
    page.fill("#new_password", NEW_PASSWORD)
    page.fill("#confirm_password", NEW_PASSWORD)
    page.click("form.stack button.primary")
    expect(page).to_have_url(f"{base}/admin/dashboard")
    expect(page.locator(".flash-ok")).to_contain_text("password was changed")

    # -- the dashboard updates itself while a job runs -------------------------------
    page.evaluate("() => { window.__sameDocument = true; }")
    expect(_kpi(page, "running")).to_have_text("0")
    # A job that runs for seconds on any engine path: a fast one (bf16 on AMX ends
    # 512 x 256 in a fraction of a second) can start and end between two refreshes.
    response = upload(client, SLOW_IMAGE, factor="2x")
    assert response.status_code == 202, response.text
    job_id = response.json()["job_id"]
    expect(_kpi(page, "running")).to_have_text("1", timeout=30_000)
    expect(_kpi(page, "workers_online")).to_have_text("1")
    expect(_kpi(page, "completed_today")).to_have_text("1", timeout=LONG)
    expect(_kpi(page, "running")).to_have_text("0", timeout=30_000)
    assert page.evaluate("() => window.__sameDocument") is True  # live, not reloaded
    screenshot(page, "admin-dashboard")

    # -- open that job from the jobs list -------------------------------------------------
    page.click('nav a[href="/admin/jobs"]')
    page.locator(f'tr[data-job-id="{job_id}"] a[href="/admin/jobs/{job_id}"]').first.click()
    expect(page).to_have_url(f"{base}/admin/jobs/{job_id}")
    expect(page.locator("#job-status-badge")).to_have_text("completed")
    expect(page.locator("#job-params")).to_contain_text("denoise=none")
    preview = page.locator("#result-preview")
    expect(preview).to_be_visible()
    page.wait_for_function("() => document.getElementById('result-preview').naturalWidth > 0")
    expect(page.locator("#download-result")).to_be_visible()

    # -- requeue it with denoise overridden: a new job that completes ----------------
    page.select_option("#rq-denoise", "med")
    page.click("#requeue-submit")
    expect(page.locator(".flash-ok")).to_contain_text(f"Requeued {job_id}")
    new_id = page.locator("#job-id").inner_text()
    assert new_id != job_id
    expect(page).to_have_url(f"{base}/admin/jobs/{new_id}")
    expect(page.locator("#job-params")).to_contain_text("denoise=med")
    # The status part polls while the job runs and reloads the page once it ends.
    expect(page.locator("#job-status-badge")).to_have_text("completed", timeout=LONG)
    expect(page.locator("#result-preview")).to_be_visible()
    assert client.get(f"/api/v1/jobs/{job_id}").json()["status"] == "completed"  # kept
    assert client.get(f"/api/v1/jobs/{new_id}").json()["params"]["denoise"] == "med"

    # -- pause the queue, cancel a job that stays queued, resume -------------------------
    page.goto(f"{base}/admin/dashboard")
    page.click("#pause-queue")
    expect(page.locator("#resume-queue")).to_be_visible()
    expect(page.locator('[data-kpi="queue_state"]')).to_have_text("paused")
    queued_id = upload(client, SMALL).json()["job_id"]
    expect(_kpi(page, "queued")).to_have_text("1", timeout=30_000)
    page.goto(f"{base}/admin/jobs?status=queued")
    page.locator(f'tr[data-job-id="{queued_id}"] a[href="/admin/jobs/{queued_id}"]').first.click()
    expect(page.locator("#job-status-badge")).to_have_text("queued")
    page.click("#cancel-job")
    expect(page.locator(".flash-ok")).to_contain_text("Job canceled")
    expect(page.locator("#job-status-badge")).to_have_text("canceled")
    assert client.get(f"/api/v1/jobs/{queued_id}").json()["status"] == "canceled"
    page.goto(f"{base}/admin/dashboard")
    page.click("#resume-queue")
    expect(page.locator("#pause-queue")).to_be_visible()

    # -- models: register a second one by upload; demote and promote --------------------
    copy = tmp_path / "anime-copy.onnx"
    shutil.copy(own_model_dir / f"{TEST_MODEL}.onnx", copy)
    page.click('nav a[href="/admin/models"]')
    page.set_input_files("#m-file", str(copy))
    page.fill("#m-name", "anime-copy")
    page.check('input[name="preset_art"]')
    page.fill("#m-note", "the same network, uploaded")
    page.click("#upload-model")
    expect(page.locator("#models-message")).to_contain_text("validating")
    copy_row = page.locator('tr[data-model="anime-copy"]')
    expect(copy_row.locator(".model-active")).to_be_visible(timeout=60_000)
    expect(copy_row).to_contain_text("x4")
    expect(copy_row).to_contain_text("uploaded")
    page.locator(f'tr[data-model="{TEST_MODEL}"] button[data-action="demote"]').click()
    expect(page.locator(".flash-ok")).to_contain_text(f"{TEST_MODEL} was demoted")
    expect(page.locator(f'tr[data-model="{TEST_MODEL}"] .model-demoted')).to_be_visible()
    page.locator(f'tr[data-model="{TEST_MODEL}"] button[data-action="promote"]').click()
    expect(page.locator(f'tr[data-model="{TEST_MODEL}"] .model-active')).to_be_visible()

    # -- a smaller upload limit is applied at once --------------------------------------
    page.click('nav a[href="/admin/settings"]')
    page.fill("#max_upload_size_bytes", "20000")
    page.click("#save-settings")
    expect(page.locator(".flash-ok")).to_contain_text("max_upload_size_bytes")
    assert MEDIUM.stat().st_size > 20_000
    refused = upload(client, MEDIUM)
    assert refused.status_code == 413, refused.text
    assert refused.json()["error"]["code"] == "file_too_large"

    # -- every action is in the audit log, and in its CSV export --------------------------
    expected = [
        "auth.login",
        "auth.password_changed",
        "job.requeue",
        "queue.pause",
        "job.cancel",
        "queue.resume",
        "model.register",
        "model.demote",
        "model.promote",
        "settings.update",
    ]
    page.click('nav a[href="/admin/audit"]')
    for action in expected:
        expect(page.locator(f'tr[data-action="{action}"]').first).to_be_visible()
    page.select_option("#audit-action", "job.requeue")
    expect(page).to_have_url(re.compile(r"action=job\.requeue"))
    rows = page.locator("#audit-table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(new_id)
    expect(rows.first).to_contain_text('"denoise": "med"')
    page.goto(f"{base}/admin/audit")
    with page.expect_download() as download_info:
        page.click("#audit-export")
    download = download_info.value
    assert download.suggested_filename.endswith(".csv")
    exported = Path(download.path()).read_text(encoding="utf-8-sig")
    records = list(csv.DictReader(exported.splitlines()))
    actions = {record["action"] for record in records}
    assert set(expected) <= actions
    assert all(r["username"] == SEED_USER for r in records if r["action"] in expected)
    requeue = next(r for r in records if r["action"] == "job.requeue")
    assert requeue["entity_id"] == job_id and new_id in requeue["details"]

    assert not csp_errors(page), csp_errors(page)
    client.close()


def test_admin_pages_are_accessible(page: Any, admin_live: LiveServer) -> None:
    """axe-core finds nothing serious on the main admin pages."""
    with httpx.Client(base_url=admin_live.url) as client:
        # The flow above may or may not have run first: sign in either way.
        first = client.post(
            "/api/v1/auth/login", json={"username": SEED_USER, "password": SEED_PASS}
        )
        password = NEW_PASSWORD
        if first.status_code == 200 and first.json()["password_change_required"]:
            client.post(
                "/api/v1/auth/password",
                headers={"Authorization": f"Bearer {first.json()['access_token']}"},
                json={"current_password": SEED_PASS, "new_password": NEW_PASSWORD},
            )
    page.goto(f"{admin_live.url}/admin/login")
    page.fill("#username", SEED_USER)
    page.fill("#password", password)
    page.click("button[type=submit]")
    expect(page).to_have_url(re.compile(r"/admin/dashboard$"))
    for path in (
        "/admin/dashboard",
        "/admin/jobs",
        "/admin/models",
        "/admin/settings",
        "/admin/users",
        "/admin/audit",
        "/admin/workers",
    ):
        page.goto(f"{admin_live.url}{path}")
        problems = axe_violations(page)
        assert not problems, (path, problems)
    assert not csp_errors(page), csp_errors(page)
