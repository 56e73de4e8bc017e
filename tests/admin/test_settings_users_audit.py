"""Run-time settings (validated, effective at once, audited), queue and
maintenance controls, users, and the audit log with its CSV export."""

from __future__ import annotations

import csv
import io

import httpx
import pytest

from tests.admin.support import AdminServer, bearer, browser_login, png_bytes
from upscaler.admin.schemas import SettingsChanges
from upscaler.live_settings import RuntimeSettings


def _settings(client: httpx.Client, token: str, **changes: object) -> httpx.Response:
    return client.post("/api/v1/admin/settings", json=changes, headers=bearer(token))


def _upload(client: httpx.Client, size: int = 0) -> httpx.Response:
    data = png_bytes() + b"\x00" * size
    return client.post(
        "/api/v1/uploads", files={"file": ("a.png", data, "image/png")}, data={"factor": "2x"}
    )


def test_the_settings_body_names_every_runtime_setting() -> None:
    assert set(SettingsChanges.model_fields) == set(RuntimeSettings.model_fields)


def test_settings_are_validated_field_by_field(admin_client: httpx.Client, token: str) -> None:
    response = _settings(
        admin_client, token, max_upload_size_bytes=0, allowed_mimes=["image/bmp"], job_max_retries=3
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_settings"
    assert {f["field"] for f in error["fields"]} == {"max_upload_size_bytes", "allowed_mimes"}
    unknown = _settings(admin_client, token, colour="blue")
    assert unknown.status_code == 400
    assert unknown.json()["error"]["fields"][0]["field"] == "colour"


def test_a_lower_upload_limit_applies_at_once(admin_client: httpx.Client, token: str) -> None:
    response = _settings(admin_client, token, max_upload_size_bytes=2000)
    assert response.status_code == 200
    assert response.json()["changed"]["max_upload_size_bytes"]["new"] == 2000
    refused = _upload(admin_client, size=5000)
    assert refused.status_code == 413
    assert refused.json()["error"]["code"] == "file_too_large"
    audit = admin_client.get(
        "/api/v1/admin/audit", params={"action": "settings.update"}, headers=bearer(token)
    ).json()
    assert audit["items"][0]["details"]["max_upload_size_bytes"]["new"] == 2000
    _settings(admin_client, token, max_upload_size_bytes=15 * 1024 * 1024)


def test_maintenance_mode_refuses_uploads_with_the_message(
    admin_client: httpx.Client, token: str
) -> None:
    on = _settings(
        admin_client, token, maintenance_mode=True, maintenance_message="Back at 14:00 UTC."
    )
    assert on.status_code == 200
    refused = _upload(admin_client)
    assert refused.status_code == 503
    assert refused.json()["error"]["message"] == "Back at 14:00 UTC."
    assert "Retry-After" in refused.headers
    _settings(admin_client, token, maintenance_mode=False)
    actions = [
        i["action"]
        for i in admin_client.get(
            "/api/v1/admin/audit", params={"action": "maintenance."}, headers=bearer(token)
        ).json()["items"]
    ]
    assert actions[:2] == ["maintenance.off", "maintenance.on"]


def test_pause_and_resume_from_the_dashboard(admin_server: AdminServer, token: str) -> None:
    with admin_server.client() as browser:
        csrf = browser_login(browser, "abdullah", "a long admin passphrase 42")
        browser.post("/admin/queue/pause", data={"csrf_token": csrf})
        page = browser.get("/admin/dashboard")
        assert 'id="resume-queue"' in page.text
        assert "Queue paused" in page.text or "paused" in page.text
        stats = browser.get("/api/v1/admin/stats").json()
        assert stats["queue_paused"] is True
        browser.post("/admin/queue/resume", data={"csrf_token": csrf})
        assert browser.get("/api/v1/admin/stats").json()["queue_paused"] is False


def test_the_settings_page_shows_field_errors_and_saves(admin_server: AdminServer) -> None:
    with admin_server.client() as browser:
        csrf = browser_login(browser, "abdullah", "a long admin passphrase 42")
        form = {
            "csrf_token": csrf,
            "max_upload_size_bytes": "abc",
            "max_input_pixels": "50000000",
            "rate_limit_per_minute": "0",
            "job_timeout_seconds": "0",
            "job_max_retries": "3",
            "retention_days": "30",
            "allowed_mimes": ["image/png", "image/jpeg"],
            "maintenance_message": "x",
        }
        bad = browser.post("/admin/settings", data=form)
        assert bad.status_code == 400
        assert 'id="max_upload_size_bytes-error"' in bad.text
        assert "whole number" in bad.text
        form["max_upload_size_bytes"] = "1048576"
        still_bad = browser.post("/admin/settings", data=form)
        assert still_bad.status_code == 400
        assert 'id="job_timeout_seconds-error"' in still_bad.text
        form["job_timeout_seconds"] = "600"
        saved = browser.post("/admin/settings", data=form, follow_redirects=False)
        assert saved.status_code == 303
        settings = browser.get("/api/v1/admin/settings").json()["settings"]
        assert settings["max_upload_size_bytes"] == 1048576
        assert settings["allowed_mimes"] == ["image/jpeg", "image/png"]
        assert settings["job_timeout_seconds"] == 600
        page = browser.get("/admin/settings")
        assert "Saved" in page.text


def test_users_roles_and_the_last_admin(admin_client: httpx.Client, token: str) -> None:
    me = admin_client.get("/api/v1/auth/me", headers=bearer(token)).json()
    own = admin_client.patch(
        f"/api/v1/admin/users/{me['id']}", headers=bearer(token), json={"is_active": False}
    )
    assert own.status_code == 409
    created = admin_client.post(
        "/api/v1/admin/users",
        headers=bearer(token),
        json={"username": "ops-2", "role": "user", "email": "ops2@example.org"},
    )
    assert created.status_code == 201
    user_id = created.json()["id"]
    dup = admin_client.post(
        "/api/v1/admin/users", headers=bearer(token), json={"username": "OPS-2"}
    )
    assert dup.status_code == 409
    bad = admin_client.post(
        "/api/v1/admin/users", headers=bearer(token), json={"username": "x", "email": "nope"}
    )
    assert bad.status_code == 400
    promoted = admin_client.patch(
        f"/api/v1/admin/users/{user_id}", headers=bearer(token), json={"role": "admin"}
    )
    assert promoted.json()["role"] == "admin"
    reset = admin_client.post(
        f"/api/v1/admin/users/{user_id}/force-password-reset",
        headers=bearer(token),
        json={"generate": True},
    ).json()
    assert reset["user"]["force_password_reset"] is True
    assert len(reset["generated_password"]) >= 12
    login = admin_client.post(
        "/api/v1/auth/login", json={"username": "ops-2", "password": reset["generated_password"]}
    ).json()
    assert login["password_change_required"] is True
    actions = {
        i["action"]
        for i in admin_client.get(
            "/api/v1/admin/audit",
            params={"entity_type": "user", "entity_id": str(user_id)},
            headers=bearer(token),
        ).json()["items"]
    }
    assert {"user.create", "user.update", "user.force_password_reset"} <= actions


def test_audit_search_filters_and_csv(admin_client: httpx.Client, token: str) -> None:
    _settings(admin_client, token, retention_days=12)
    found = admin_client.get(
        "/api/v1/admin/audit", params={"q": "retention_days"}, headers=bearer(token)
    ).json()
    assert found["total"] >= 1
    assert all("retention_days" in str(i["details"]) for i in found["items"])
    by_user = admin_client.get(
        "/api/v1/admin/audit", params={"username": "abdullah", "per_page": 5}, headers=bearer(token)
    ).json()
    assert by_user["per_page"] == 5
    assert all(i["username"] == "abdullah" for i in by_user["items"])
    assert all(i["ip_address"] == "127.0.0.1" for i in by_user["items"])
    nobody = admin_client.get(
        "/api/v1/admin/audit", params={"since": "2999-01-01T00:00:00"}, headers=bearer(token)
    ).json()
    assert nobody["total"] == 0
    exported = admin_client.get(
        "/api/v1/admin/audit/export.csv", params={"action": "settings."}, headers=bearer(token)
    )
    assert exported.status_code == 200
    rows = list(csv.DictReader(io.StringIO(exported.text.lstrip("\ufeff"))))
    assert rows and all(r["action"].startswith("settings.") for r in rows)
    assert {"created_at", "username", "action", "entity_type", "entity_id", "details"} <= set(
        rows[0]
    )
    assert any("retention_days" in r["details"] for r in rows)
    # Exporting is itself recorded.
    latest = admin_client.get(
        "/api/v1/admin/audit", params={"action": "audit.export"}, headers=bearer(token)
    ).json()
    assert latest["total"] >= 1


@pytest.mark.parametrize(
    "path",
    [
        "/admin/dashboard",
        "/admin/jobs",
        "/admin/workers",
        "/admin/models",
        "/admin/settings",
        "/admin/users",
        "/admin/users/1",
        "/admin/audit",
        "/admin/password",
        "/admin/login",
    ],
)
def test_pages_obey_the_strict_content_security_policy(
    admin_server: AdminServer, path: str
) -> None:
    import re

    with admin_server.client() as browser:
        if path != "/admin/login":
            browser_login(browser, "abdullah", "a long admin passphrase 42")
        page = browser.get(path)
    assert page.status_code == 200
    html = page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["cache-control"] == "no-store"
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline script"
    assert not re.search(r"\sstyle\s*=", html), "style attribute"
    assert not re.search(r"<style", html), "style element"
    assert not re.search(r"\son[a-z]+\s*=", html), "event handler attribute"
    assert "hx-on" not in html
    assert "javascript:" not in html
    assert '"includeIndicatorStyles":false' in html
