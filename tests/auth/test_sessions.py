"""Sessions and tokens: server-side, revocable at once, expiring, bound to a
CSRF token; password changes end the other sessions."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import httpx
from sqlalchemy import text, update
from sqlmodel import col

from tests.admin.support import (
    USER_PASSWORD,
    AdminServer,
    api_login,
    bearer,
    browser_login,
    create_user,
    page_csrf,
)
from upscaler.auth.policy import AuthPolicy
from upscaler.config import Settings
from upscaler.db.tables import AuthSession
from upscaler.db.types import utcnow


def test_login_returns_a_bearer_token_with_role_and_expiry(
    admin_client: httpx.Client, token: str
) -> None:
    me = admin_client.get("/api/v1/auth/me", headers=bearer(token)).json()
    assert me["role"] == "admin"
    assert me["via"] == "bearer"
    assert me["password_change_required"] is False
    body = admin_client.post(
        "/api/v1/auth/login", json={"username": "ABDULLAH", "password": "wrong password!"}
    )
    assert body.status_code == 401
    assert body.json()["error"]["code"] == "invalid_credentials"


def test_the_session_cookie_is_httponly_strict_and_host_only(admin_server: AdminServer) -> None:
    with admin_server.client() as browser:
        page = browser.get("/admin/login")
        csrf = page.text.split('name="csrf_token" value="')[1].split('"')[0]
        response = browser.post(
            "/admin/login",
            data={
                "username": "abdullah",
                "password": "a long admin passphrase 42",
                "csrf_token": csrf,
            },
            follow_redirects=False,
        )
    cookie = response.headers["set-cookie"].lower()
    assert "upscaler_session=" in cookie
    assert "httponly" in cookie
    assert "samesite=strict" in cookie
    assert "path=/" in cookie
    assert "domain" not in cookie
    assert "max-age=43200" in cookie  # the absolute lifetime
    assert "secure" not in cookie  # test profile: plain HTTP on loopback


def test_cookies_are_secure_in_production() -> None:
    production = Settings(env="production", secret_key="s" * 40, admin_seed_pass="not-the-seed-1")
    assert AuthPolicy.from_settings(production).secure_cookies is True
    assert AuthPolicy.from_settings(Settings(env="development")).secure_cookies is False


def test_the_login_form_needs_its_csrf_token(admin_server: AdminServer) -> None:
    with admin_server.client() as browser:
        browser.get("/admin/login")
        response = browser.post(
            "/admin/login",
            data={"username": "abdullah", "password": "a long admin passphrase 42"},
            follow_redirects=False,
        )
        assert response.status_code == 403
        assert "upscaler_session" not in response.headers.get("set-cookie", "")


def test_only_hashes_of_secrets_are_stored(admin_server: AdminServer, token: str) -> None:
    rows = admin_server.sql(text("SELECT token_hash FROM auth_sessions")).all()
    hashes = {row[0] for row in rows}
    assert hashlib.sha256(token.encode()).hexdigest() in hashes
    assert token not in hashes


def test_a_form_post_with_the_session_csrf_token_works_and_without_it_is_refused(
    admin_server: AdminServer,
) -> None:
    with admin_server.client() as browser:
        csrf = browser_login(browser, "abdullah", "a long admin passphrase 42")
        refused = browser.post("/admin/queue/pause", data={}, follow_redirects=False)
        assert refused.status_code == 403
        assert "CSRF" in refused.text
        accepted = browser.post(
            "/admin/queue/pause", data={"csrf_token": csrf}, follow_redirects=False
        )
        assert accepted.status_code == 303
        # htmx sends the token as a header.
        resumed = browser.post(
            "/admin/queue/resume", headers={"X-CSRF-Token": csrf}, follow_redirects=False
        )
        assert resumed.status_code == 303
        # The JSON API over the cookie needs it too.
        assert browser.post("/api/v1/admin/settings", json={}).status_code == 403
        ok = browser.post("/api/v1/admin/settings", json={}, headers={"X-CSRF-Token": csrf})
        assert ok.status_code == 200


def test_logout_ends_the_session_at_once(admin_server: AdminServer) -> None:
    with admin_server.client() as browser:
        csrf = browser_login(browser, "abdullah", "a long admin passphrase 42")
        cookie = browser.cookies["upscaler_session"]
        assert browser.get("/admin/jobs", follow_redirects=False).status_code == 200
        out = browser.post("/admin/logout", data={"csrf_token": csrf}, follow_redirects=False)
        assert out.status_code == 303
    # Even someone who kept a copy of the cookie is refused now.
    with admin_server.client(cookies={"upscaler_session": cookie}) as replay:
        response = replay.get("/admin/jobs", follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/admin/login")
        assert replay.get("/api/v1/admin/jobs").status_code == 401


def test_api_logout_ends_the_token(admin_server: AdminServer) -> None:
    with admin_server.client() as client:
        token = api_login(client, "abdullah", "a long admin passphrase 42")["access_token"]
        assert client.get("/api/v1/admin/stats", headers=bearer(token)).status_code == 200
        assert client.post("/api/v1/auth/logout", headers=bearer(token)).status_code == 204
        assert client.get("/api/v1/admin/stats", headers=bearer(token)).status_code == 401


def test_an_admin_ending_someones_sessions_takes_effect_at_once(
    admin_server: AdminServer, token: str
) -> None:
    with admin_server.client() as client, admin_server.client() as browser:
        username, password = create_user(client, token, role="admin")
        theirs = api_login(client, username, password)["access_token"]
        browser_login(browser, username, password)
        assert client.get("/api/v1/admin/jobs", headers=bearer(theirs)).status_code == 200
        assert browser.get("/admin/jobs", follow_redirects=False).status_code == 200
        user_id = next(
            u["id"]
            for u in client.get("/api/v1/admin/users", headers=bearer(token)).json()
            if u["username"] == username
        )
        sessions = client.get(f"/api/v1/admin/users/{user_id}/sessions", headers=bearer(token))
        assert len(sessions.json()) >= 3  # create_user's own login, this token, the browser
        ended = client.post(f"/api/v1/admin/users/{user_id}/end-sessions", headers=bearer(token))
        assert ended.json()["sessions_ended"] >= 3
        assert client.get("/api/v1/admin/jobs", headers=bearer(theirs)).status_code == 401
        assert browser.get("/admin/jobs", follow_redirects=False).status_code == 303
        # Recorded, with who did it.
        audit = client.get(
            "/api/v1/admin/audit",
            params={"action": "user.end_sessions", "entity_id": str(user_id)},
            headers=bearer(token),
        ).json()
        assert audit["items"][0]["username"] == "abdullah"


def test_changing_the_password_ends_every_other_session(
    admin_server: AdminServer, token: str
) -> None:
    with admin_server.client() as client, admin_server.client() as browser:
        username, password = create_user(client, token, role="admin")
        first = api_login(client, username, password)["access_token"]
        second = api_login(client, username, password)["access_token"]
        browser_login(browser, username, password)
        changed = client.post(
            "/api/v1/auth/password",
            headers=bearer(first),
            json={"current_password": password, "new_password": "a brand new passphrase"},
        )
        assert changed.status_code == 200
        assert changed.json()["other_sessions_ended"] >= 2
        assert client.get("/api/v1/admin/jobs", headers=bearer(first)).status_code == 200
        assert client.get("/api/v1/admin/jobs", headers=bearer(second)).status_code == 401
        assert browser.get("/admin/jobs", follow_redirects=False).status_code == 303
        old = client.post("/api/v1/auth/login", json={"username": username, "password": password})
        assert old.status_code == 401


def test_the_password_page_rotates_the_browser_session(
    admin_server: AdminServer, token: str
) -> None:
    with admin_server.client() as client, admin_server.client() as browser:
        username, password = create_user(client, token, role="admin")
        browser_login(browser, username, password)
        old_cookie = browser.cookies["upscaler_session"]
        csrf = page_csrf(browser)
        weak = browser.post(
            "/admin/password",
            data={
                "csrf_token": csrf,
                "current_password": password,
                "new_password": "short",
                "confirm_password": "short",
            },
        )
        assert weak.status_code == 400
        assert "at least 10 characters" in weak.text
        done = browser.post(
            "/admin/password",
            data={
                "csrf_token": csrf,
                "current_password": password,
                "new_password": "another fine passphrase",
                "confirm_password": "another fine passphrase",
            },
            follow_redirects=False,
        )
        assert done.status_code == 303
        assert browser.cookies["upscaler_session"] != old_cookie
        assert browser.get("/admin/jobs", follow_redirects=False).status_code == 200
    with admin_server.client(cookies={"upscaler_session": old_cookie}) as replay:
        assert replay.get("/admin/jobs", follow_redirects=False).status_code == 303


def _age(server: AdminServer, token: str, **changes: object) -> None:
    digest = hashlib.sha256(token.encode()).hexdigest()
    server.sql(update(AuthSession).where(col(AuthSession.token_hash) == digest).values(**changes))


def test_idle_browser_sessions_expire(admin_server: AdminServer) -> None:
    with admin_server.client() as browser:
        browser_login(browser, "abdullah", "a long admin passphrase 42")
        cookie = browser.cookies["upscaler_session"]
        assert browser.get("/admin/jobs", follow_redirects=False).status_code == 200
        _age(admin_server, cookie, last_seen_at=utcnow() - timedelta(minutes=31))
        assert browser.get("/admin/jobs", follow_redirects=False).status_code == 303


def test_sessions_and_tokens_expire_absolutely(admin_server: AdminServer) -> None:
    with admin_server.client() as client:
        token = api_login(client, "abdullah", "a long admin passphrase 42")["access_token"]
        assert client.get("/api/v1/admin/stats", headers=bearer(token)).status_code == 200
        _age(admin_server, token, expires_at=utcnow() - timedelta(seconds=1))
        assert client.get("/api/v1/admin/stats", headers=bearer(token)).status_code == 401


def test_background_refreshes_do_not_keep_a_session_alive(admin_server: AdminServer) -> None:
    with admin_server.client() as browser:
        browser_login(browser, "abdullah", "a long admin passphrase 42")
        cookie = browser.cookies["upscaler_session"]
        stale = utcnow() - timedelta(minutes=10)
        _age(admin_server, cookie, last_seen_at=stale)
        polled = browser.get("/admin/workers/table", headers={"X-Background-Refresh": "1"})
        assert polled.status_code == 200
        digest = hashlib.sha256(cookie.encode()).hexdigest()
        seen = admin_server.sql(
            text("SELECT last_seen_at FROM auth_sessions WHERE token_hash = :h").bindparams(
                h=digest
            )
        ).scalar_one()
        assert str(seen).startswith(str(stale.replace(tzinfo=None))[:16])
        browser.get("/admin/workers")  # a real page view counts
        seen = admin_server.sql(
            text("SELECT last_seen_at FROM auth_sessions WHERE token_hash = :h").bindparams(
                h=digest
            )
        ).scalar_one()
        assert not str(seen).startswith(str(stale.replace(tzinfo=None))[:16])


def test_deactivating_a_user_ends_their_sessions(admin_server: AdminServer, token: str) -> None:
    with admin_server.client() as client:
        username, password = create_user(client, token, role="admin")
        theirs = api_login(client, username, password)["access_token"]
        user_id = next(
            u["id"]
            for u in client.get("/api/v1/admin/users", headers=bearer(token)).json()
            if u["username"] == username
        )
        off = client.patch(
            f"/api/v1/admin/users/{user_id}", headers=bearer(token), json={"is_active": False}
        )
        assert off.status_code == 200
        assert client.get("/api/v1/admin/jobs", headers=bearer(theirs)).status_code == 401
        again = client.post("/api/v1/auth/login", json={"username": username, "password": password})
        assert again.status_code == 401


def test_a_user_created_by_an_admin_must_change_the_password_first(
    admin_server: AdminServer, token: str
) -> None:
    with admin_server.client() as client:
        created = client.post(
            "/api/v1/admin/users",
            headers=bearer(token),
            json={"username": "generated-one", "role": "user"},
        ).json()
        assert created["force_password_reset"] is True
        generated = created["generated_password"]
        assert generated and len(generated) >= 12
        login = api_login(client, "generated-one", generated)
        assert login["password_change_required"] is True
        me = client.get("/api/v1/auth/me", headers=bearer(login["access_token"]))
        assert me.json()["password_change_required"] is True
        changed = client.post(
            "/api/v1/auth/password",
            headers=bearer(login["access_token"]),
            json={"current_password": generated, "new_password": USER_PASSWORD},
        )
        assert changed.status_code == 200
