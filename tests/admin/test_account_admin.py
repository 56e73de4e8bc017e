"""Accounts in the admin: a user's plan (API and page), their usage against
the plan's daily quota, and their API keys, listed and revoked by an admin."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import httpx
import pytest

from tests.admin.support import (
    ADMIN_PASSWORD,
    AdminServer,
    api_login,
    bearer,
    browser_login,
    create_user,
    seed_job,
)
from upscaler.auth.tokens import hash_token
from upscaler.config import DEFAULT_SEED_USER
from upscaler.db.types import utcnow


def _user_id(client: httpx.Client, token: str, username: str) -> int:
    users = client.get("/api/v1/admin/users", headers=bearer(token)).json()
    found: int = next(u["id"] for u in users if u["username"] == username)
    return found


def _user_with_key(server: AdminServer, client: httpx.Client, token: str) -> dict[str, Any]:
    """A new user and an API key they made themselves (with their login token)."""
    username, password = create_user(client, token)
    with server.client() as own:
        login = api_login(own, username, password)["access_token"]
        made = own.post("/api/v1/me/api-keys", headers=bearer(login), json={"name": "ci"})
        assert made.status_code == 201, made.text
        # The key works before anyone revokes it.
        assert own.get("/api/v1/me/usage", headers=bearer(made.json()["key"])).status_code == 200
    return {
        "username": username,
        "user_id": _user_id(client, token, username),
        "key": made.json()["key"],
        "key_id": made.json()["id"],
    }


def _audit(client: httpx.Client, token: str, **params: str) -> list[dict[str, Any]]:
    response = client.get("/api/v1/admin/audit", params=params, headers=bearer(token))
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def _usage(client: httpx.Client, token: str, user_id: int) -> dict[str, Any]:
    response = client.get(f"/api/v1/admin/users/{user_id}/usage", headers=bearer(token))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


@pytest.fixture(scope="module")
def quotas(admin_client: httpx.Client, token: str) -> None:
    """Distinct quotas by plan, so the one that applies can be told apart."""
    changed = admin_client.post(
        "/api/v1/admin/settings",
        json={"free_daily_jobs": 5, "pro_daily_jobs": 50},
        headers=bearer(token),
    )
    assert changed.status_code == 200, changed.text


def test_an_admin_lists_and_revokes_a_users_key_and_sets_the_plan(
    admin_server: AdminServer, admin_client: httpx.Client, token: str, quotas: None
) -> None:
    made = _user_with_key(admin_server, admin_client, token)
    user_id, key = made["user_id"], made["key"]

    listed = admin_client.get(f"/api/v1/admin/users/{user_id}/api-keys", headers=bearer(token))
    assert listed.status_code == 200, listed.text
    [item] = listed.json()
    assert item["id"] == made["key_id"]
    assert item["name"] == "ci"
    assert item["prefix"] == key[:10]
    assert item["revoked_at"] is None
    assert "key" not in item and "key_hash" not in item
    assert key not in listed.text and hash_token(key) not in listed.text

    # The plan: free by default, then pro, shown and audited.
    assert _usage(admin_client, token, user_id)["daily_quota"] == 5
    patched = admin_client.patch(
        f"/api/v1/admin/users/{user_id}", json={"plan": "pro"}, headers=bearer(token)
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["plan"] == "pro"
    users = admin_client.get("/api/v1/admin/users", headers=bearer(token)).json()
    assert next(u["plan"] for u in users if u["id"] == user_id) == "pro"
    [entry] = _audit(
        admin_client, token, action="user.update", entity_type="user", entity_id=str(user_id)
    )
    assert entry["details"] == {"changes": {"plan": ["free", "pro"]}}
    assert entry["username"] == DEFAULT_SEED_USER
    assert _usage(admin_client, token, user_id)["daily_quota"] == 50
    unknown_plan = admin_client.patch(
        f"/api/v1/admin/users/{user_id}", json={"plan": "gold"}, headers=bearer(token)
    )
    assert unknown_plan.status_code == 400

    revoked = admin_client.delete(f"/api/v1/admin/api-keys/{made['key_id']}", headers=bearer(token))
    assert revoked.status_code == 204, revoked.text
    with admin_server.client() as caller:
        refused = caller.get("/api/v1/me/usage", headers=bearer(key))
    assert refused.status_code == 401
    [after] = admin_client.get(
        f"/api/v1/admin/users/{user_id}/api-keys", headers=bearer(token)
    ).json()
    assert after["revoked_at"] is not None
    [entry] = _audit(admin_client, token, action="api_key.revoke", entity_id=str(made["key_id"]))
    assert entry["details"]["user_id"] == user_id
    assert entry["details"]["name"] == "ci"
    assert entry["details"]["prefix"] == key[:10]
    assert entry["details"]["was_live"] is True

    # Again: nothing changes (the same moment of revocation), no error.
    again = admin_client.delete(f"/api/v1/admin/api-keys/{made['key_id']}", headers=bearer(token))
    assert again.status_code == 204
    [still] = admin_client.get(
        f"/api/v1/admin/users/{user_id}/api-keys", headers=bearer(token)
    ).json()
    assert still["revoked_at"] == after["revoked_at"]
    missing = admin_client.delete("/api/v1/admin/api-keys/999999", headers=bearer(token))
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"
    assert (
        admin_client.get("/api/v1/admin/users/999999/api-keys", headers=bearer(token)).status_code
        == 404
    )


def test_usage_counts_the_users_jobs_today_and_this_month(
    admin_server: AdminServer, admin_client: httpx.Client, token: str, quotas: None
) -> None:
    username, _ = create_user(admin_client, token)
    user_id = _user_id(admin_client, token, username)
    fresh = _usage(admin_client, token, user_id)
    assert fresh["plan"] == "free"
    assert fresh["jobs_today"] == 0
    assert fresh["jobs_this_month"] == 0
    assert fresh["daily_quota"] == 5

    seed_job(admin_server, owner_id=user_id)
    seed_job(admin_server, owner_id=user_id, created_at=utcnow() - timedelta(days=40))
    seed_job(admin_server, owner_id=None)
    used = _usage(admin_client, token, user_id)
    assert used["jobs_today"] == 1
    assert used["jobs_this_month"] == 1

    admin_id = _user_id(admin_client, token, DEFAULT_SEED_USER)
    assert _usage(admin_client, token, admin_id)["daily_quota"] == 0
    assert (
        admin_client.get("/api/v1/admin/users/999999/usage", headers=bearer(token)).status_code
        == 404
    )


def test_the_user_page_shows_plan_usage_and_keys_and_revokes_a_key(
    admin_server: AdminServer, admin_client: httpx.Client, token: str, quotas: None
) -> None:
    made = _user_with_key(admin_server, admin_client, token)
    user_id, key, key_id = made["user_id"], made["key"], made["key_id"]
    revoke_path = f"/admin/api-keys/{key_id}/revoke"
    with admin_server.client() as browser:
        csrf = browser_login(browser, DEFAULT_SEED_USER, ADMIN_PASSWORD)
        page = browser.get(f"/admin/users/{user_id}")
        assert page.status_code == 200
        assert f"<code>{key[:10]}…</code>" in page.text
        assert key not in page.text
        assert f'action="{revoke_path}"' in page.text
        assert re.search(r'<dd id="jobs-today">0</dd>', page.text)
        assert re.search(r'<dd id="daily-quota">5 jobs', page.text)
        assert '<option value="free" selected>' in page.text

        # Without the CSRF token the revoke is refused and the key still works.
        forged = browser.post(revoke_path, data={"x": "1"}, follow_redirects=False)
        assert forged.status_code == 403
        with admin_server.client() as caller:
            assert caller.get("/api/v1/me/usage", headers=bearer(key)).status_code == 200

        done = browser.post(revoke_path, data={"csrf_token": csrf}, follow_redirects=False)
        assert done.status_code == 303
        assert done.headers["location"] == f"/admin/users/{user_id}"
        after = browser.get(f"/admin/users/{user_id}")
        assert f"API key ci ({key[:10]}…) revoked." in after.text
        assert f'action="{revoke_path}"' not in after.text
        assert '<span class="badge state-stale">revoked ' in after.text
        with admin_server.client() as caller:
            assert caller.get("/api/v1/me/usage", headers=bearer(key)).status_code == 401

        # An unknown key: back to the list with the error.
        unknown = browser.post(
            "/admin/api-keys/999999/revoke", data={"csrf_token": csrf}, follow_redirects=True
        )
        assert "no API key 999999" in unknown.text

        # The plan from the edit form, shown on the users list.
        saved = browser.post(
            f"/admin/users/{user_id}/update",
            data={
                "csrf_token": csrf,
                "role": "user",
                "plan": "pro",
                "email": "",
                "is_active": "on",
            },
            follow_redirects=False,
        )
        assert saved.status_code == 303
        edited = browser.get(f"/admin/users/{user_id}").text
        assert '<option value="pro" selected>' in edited
        assert re.search(r'<dd id="daily-quota">50 jobs', edited)
        listing = browser.get("/admin/users").text
        row = re.search(rf'<tr data-user="{made["username"]}">.*?</tr>', listing, re.S)
        assert row is not None and '<td class="plan">pro</td>' in row.group(0)
        refused = browser.post(
            f"/admin/users/{user_id}/update",
            data={"csrf_token": csrf, "role": "admin", "plan": "gold", "is_active": "on"},
            follow_redirects=True,
        )
        assert "plan: must be one of" in refused.text
    users = admin_client.get("/api/v1/admin/users", headers=bearer(token)).json()
    user = next(u for u in users if u["id"] == user_id)
    assert (user["plan"], user["role"]) == ("pro", "user")


def test_the_users_page_makes_an_invitation(admin_server: AdminServer) -> None:
    with admin_server.client() as browser:
        csrf = browser_login(browser, DEFAULT_SEED_USER, ADMIN_PASSWORD)
        page = browser.get("/admin/users")
        assert (
            'id="invite-form"' in page.text and "Registration is <strong>off</strong>" in page.text
        )
        made = browser.post(
            "/admin/invites", data={"csrf_token": csrf, "email": "new.person@example.org"}
        )
        assert made.status_code == 201
        link = re.search(r'<code id="invitation-link">([^<]+)</code>', made.text)
        assert link and "/register?invite=" in link.group(1)
        bad = browser.post("/admin/invites", data={"csrf_token": csrf, "email": "nope"})
        assert bad.status_code == 400 and "is not an e-mail address" in bad.text
        assert browser.post("/admin/invites", data={"email": "x@example.org"}).status_code == 403
