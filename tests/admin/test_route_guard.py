"""Every admin page and every admin API endpoint refuses anyone who is not
an admin. The routes are read from the app itself, so a route added later
is covered without touching this test."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi.routing import iter_route_contexts

from tests.admin.support import (
    AdminServer,
    bearer,
    browser_login,
    create_user,
    start_admin_server,
)
from upscaler.config import DEFAULT_SEED_PASS, DEFAULT_SEED_USER

PUBLIC_ADMIN_PAGES = {("GET", "/admin/login"), ("POST", "/admin/login")}
#: Registering, confirming an address and resetting a password by e-mail are
#: for people who cannot sign in (yet): open by design (upscaler.me.registration).
PUBLIC_ACCOUNT_API = {
    ("POST", "/api/v1/auth/register"),
    ("POST", "/api/v1/auth/verify-email"),
    ("POST", "/api/v1/auth/password-reset"),
    ("POST", "/api/v1/auth/password-reset/confirm"),
}
LOGIN_API = ("POST", "/api/v1/auth/login")
#: Open to any signed-in user (a non-admin must be able to change a forced
#: password and sign out); anonymous callers are still refused.
ANY_USER = {
    ("POST", "/api/v1/auth/logout"),
    ("POST", "/api/v1/auth/password"),
    ("GET", "/api/v1/auth/me"),
    ("GET", "/admin/password"),
    ("POST", "/admin/password"),
    ("POST", "/admin/logout"),
}
SAMPLE_PARAMS = {
    "job_id": "job_doesnotexist",
    "batch_id": "bat_doesnotexist",
    "name": "no-such-model",
    "user_id": "1",
    "session_id": "1",
    "key_id": "999999",
    "which": "original",
    "action": "demote",
}
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def guarded_routes(server: AdminServer) -> list[tuple[str, str]]:
    """(method, path) of every admin page and admin/auth API route, as the
    app serves them (included routers resolved to their full paths)."""
    app = server.live.app
    found = []
    for route in iter_route_contexts(app.routes):
        path = route.path or ""
        if not path.startswith(("/admin", "/api/v1/admin", "/api/v1/auth")):
            continue
        for method in sorted(route.methods or ()):
            if method == "HEAD":
                continue
            public = PUBLIC_ADMIN_PAGES | PUBLIC_ACCOUNT_API
            if (method, path) in public or (method, path) == LOGIN_API:
                continue
            found.append((method, path))
    return found


def concrete(path: str) -> str:
    return re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: SAMPLE_PARAMS[m.group(1)], path)


def call(client: httpx.Client, method: str, path: str, **kwargs: Any) -> httpx.Response:
    return client.request(method, concrete(path), follow_redirects=False, **kwargs)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AdminServer]:
    server, live = start_admin_server(tmp_path_factory.mktemp("guard"))
    with live:
        yield server


@pytest.fixture(scope="module")
def routes(server: AdminServer) -> list[tuple[str, str]]:
    found = guarded_routes(server)
    # The walk must find the whole admin, or it proves nothing.
    assert len([r for r in found if r[1].startswith("/api/v1/admin")]) >= 25
    assert len([r for r in found if r[1].startswith("/admin")]) >= 30
    return found


@pytest.fixture(scope="module")
def admin(server: AdminServer) -> str:
    from tests.admin.support import admin_token

    with server.client() as client:
        return admin_token(client)


@pytest.fixture(scope="module")
def ordinary_user(server: AdminServer, admin: str) -> tuple[str, str]:
    with server.client() as client:
        return create_user(client, admin, role="user")


def test_anonymous_callers_are_refused_everywhere(
    server: AdminServer, routes: list[tuple[str, str]]
) -> None:
    with server.client() as client:
        for method, path in routes:
            response = call(client, method, path)
            if path.startswith("/api/"):
                assert response.status_code == 401, (method, path, response.text)
                assert response.json()["error"]["code"] == "not_authenticated"
                assert response.headers["WWW-Authenticate"] == "Bearer"
            else:
                assert response.status_code == 303, (method, path, response.status_code)
                assert response.headers["location"].startswith("/admin/login"), (method, path)


def test_a_bad_or_ended_token_is_refused(
    server: AdminServer, routes: list[tuple[str, str]]
) -> None:
    with server.client() as client:
        for method, path in routes:
            if not path.startswith("/api/"):
                continue
            response = call(client, method, path, headers=bearer("uap_not-a-real-token"))
            assert response.status_code == 401, (method, path)
            assert "sign in again" in response.json()["error"]["message"]


def test_a_user_without_the_admin_role_is_refused(
    server: AdminServer, routes: list[tuple[str, str]], ordinary_user: tuple[str, str]
) -> None:
    username, password = ordinary_user
    with server.client() as api_client, server.client() as browser:
        token = api_client.post(
            "/api/v1/auth/login", json={"username": username, "password": password}
        ).json()["access_token"]
        csrf = browser_login(browser, username, password)
        for method, path in routes:
            if (method, path) in ANY_USER:
                continue
            if path.startswith("/api/"):
                response = call(api_client, method, path, headers=bearer(token))
                assert response.status_code == 403, (method, path, response.text)
                assert response.json()["error"]["code"] == "forbidden"
                # The session cookie (with its CSRF token) gets no further.
                response = call(browser, method, path, headers={"X-CSRF-Token": csrf})
                assert response.status_code == 403, (method, path, response.text)
            else:
                response = call(browser, method, path, headers={"X-CSRF-Token": csrf})
                assert response.status_code == 403, (method, path, response.status_code)
                assert "Admins only" in response.text


def test_an_admin_who_must_change_the_password_can_do_nothing_else(
    server: AdminServer, routes: list[tuple[str, str]], admin: str
) -> None:
    with server.client() as client:
        created = client.post(
            "/api/v1/admin/users",
            headers=bearer(admin),
            json={"username": "fresh-admin", "role": "admin", "password": "temporary pass 1"},
        )
        assert created.status_code == 201
        login = client.post(
            "/api/v1/auth/login",
            json={"username": "fresh-admin", "password": "temporary pass 1"},
        ).json()
        assert login["password_change_required"] is True
        with server.client() as browser:
            csrf = browser_login(browser, "fresh-admin", "temporary pass 1")
            for method, path in routes:
                if (method, path) in ANY_USER:
                    continue
                if path.startswith("/api/"):
                    response = call(client, method, path, headers=bearer(login["access_token"]))
                    assert response.status_code == 403, (method, path)
                    assert response.json()["error"]["code"] == "password_change_required"
                else:
                    response = call(browser, method, path, headers={"X-CSRF-Token": csrf})
                    assert response.status_code == 303, (method, path)
                    assert response.headers["location"] == "/admin/password"


def test_cookie_requests_that_change_state_need_the_csrf_token(
    server: AdminServer, routes: list[tuple[str, str]]
) -> None:
    with server.client() as browser:
        from tests.admin.support import ADMIN_PASSWORD

        browser_login(browser, DEFAULT_SEED_USER, ADMIN_PASSWORD)
        for method, path in routes:
            if method not in UNSAFE:
                continue
            # A form post without the token, and one with a wrong token.
            for attempt in ({"data": {"x": "1"}}, {"headers": {"X-CSRF-Token": "forged"}}):
                response = call(browser, method, path, **attempt)
                assert response.status_code == 403, (method, path, response.status_code)
        # A cross-site origin is refused even with the right token.
        csrf_page = browser.get("/admin/settings").text
        token = re.search(r'name="csrf-token" content="([^"]+)"', csrf_page)
        assert token is not None
        response = browser.post(
            "/admin/queue/pause",
            data={"csrf_token": token.group(1)},
            headers={"Origin": "https://evil.example"},
            follow_redirects=False,
        )
        assert response.status_code == 403


def test_the_seeded_password_no_longer_works(server: AdminServer, admin: str) -> None:
    with server.client() as client:
        response = client.post(
            "/api/v1/auth/login",
            json={"username": DEFAULT_SEED_USER, "password": DEFAULT_SEED_PASS},
        )
        assert response.status_code == 401


def test_openapi_documents_the_admin_api_and_hides_the_pages(server: AdminServer) -> None:
    with server.client() as client:
        document = client.get("/openapi.json").json()
    paths = document["paths"]
    assert not [p for p in paths if p.startswith("/admin")]
    schemes = document["components"]["securitySchemes"]
    assert schemes["bearerAuth"]["scheme"] == "bearer"
    assert schemes["sessionCookie"]["in"] == "cookie"
    admin_operations = [
        (path, method, operation)
        for path, item in paths.items()
        if path.startswith("/api/v1/admin")
        for method, operation in item.items()
    ]
    assert len(admin_operations) >= 25
    for path, method, operation in admin_operations:
        names = {name for requirement in operation["security"] for name in requirement}
        assert names == {"bearerAuth", "sessionCookie"}, (path, method)
        assert {"401", "403"} <= set(operation["responses"]), (path, method)
    for required in (
        ("/api/v1/auth/login", "post"),
        ("/api/v1/admin/jobs", "get"),
        ("/api/v1/admin/jobs/{job_id}", "get"),
        ("/api/v1/admin/jobs/{job_id}/requeue", "post"),
        ("/api/v1/admin/jobs/{job_id}/cancel", "post"),
        ("/api/v1/admin/workers", "get"),
        ("/api/v1/admin/models", "post"),
        ("/api/v1/admin/settings", "post"),
        ("/api/v1/admin/audit", "get"),
        ("/api/v1/admin/users", "post"),
    ):
        assert required[1] in paths[required[0]], required
    login = paths["/api/v1/auth/login"]["post"]
    assert login["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "TokenOut"
    )
