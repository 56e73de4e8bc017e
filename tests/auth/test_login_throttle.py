"""Failed sign-ins are throttled per account and per address, with a clear
message and Retry-After; the right password does not get through a locked
account; a success forgets the account's earlier failures."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.admin.support import AdminServer, admin_token, bearer, browser_login, start_admin_server
from upscaler.auth.deps import AuthRuntime, auth_runtime
from upscaler.auth.throttle import LoginThrottle


@pytest.fixture
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AdminServer]:
    server, live = start_admin_server(tmp_path_factory.mktemp("throttle"))
    with live:
        yield server


def _tighten(server: AdminServer, *, per_account: int, per_ip: int) -> None:
    policy = auth_runtime(server.context).policy.with_changes(
        failures_per_account=per_account, failures_per_ip=per_ip
    )
    server.context.state["auth"] = AuthRuntime(policy, LoginThrottle(None, policy))


def _login(client: httpx.Client, username: str, password: str) -> httpx.Response:
    return client.post("/api/v1/auth/login", json={"username": username, "password": password})


def test_an_account_is_locked_after_repeated_failures(server: AdminServer) -> None:
    with server.client() as client:
        token = admin_token(client)
        client.post(
            "/api/v1/admin/users",
            headers=bearer(token),
            json={"username": "target", "role": "admin", "password": "the real password"},
        )
        _tighten(server, per_account=3, per_ip=100)
        for _ in range(3):
            assert _login(client, "target", "guess guess guess").status_code == 401
        locked = _login(client, "target", "the real password")
        assert locked.status_code == 429
        body = locked.json()["error"]
        assert body["code"] == "login_throttled"
        assert "for this account" in body["message"]
        assert "try again in" in body["message"]
        retry_after = int(locked.headers["Retry-After"])
        assert 0 < retry_after <= 15 * 60
        # Another account from the same address is not affected.
        assert _login(client, "abdullah", "a long admin passphrase 42").status_code == 200
        # Every failure is in the audit log, with its reason.
        failures = client.get(
            "/api/v1/admin/audit",
            params={"action": "auth.login_failed", "q": "target"},
            headers=bearer(token),
        ).json()
        assert failures["total"] == 3
        assert failures["items"][0]["details"]["reason"] == "wrong password"


def test_a_success_forgets_the_accounts_failures(server: AdminServer) -> None:
    with server.client() as client:
        admin_token(client)
        _tighten(server, per_account=3, per_ip=100)
        for _ in range(2):
            assert _login(client, "abdullah", "nope nope nope").status_code == 401
        assert _login(client, "abdullah", "a long admin passphrase 42").status_code == 200
        for _ in range(2):
            assert _login(client, "abdullah", "nope nope nope").status_code == 401
        assert _login(client, "abdullah", "a long admin passphrase 42").status_code == 200


def test_an_address_is_locked_after_failures_across_accounts(server: AdminServer) -> None:
    with server.client() as client:
        admin_token(client)
        _tighten(server, per_account=100, per_ip=4)
        for name in ("alice", "bob", "carol", "dave"):
            assert _login(client, name, "whatever it is").status_code == 401
        locked = _login(client, "abdullah", "a long admin passphrase 42")
        assert locked.status_code == 429
        assert "from this address" in locked.json()["error"]["message"]
        assert "Retry-After" in locked.headers


def test_the_login_page_shows_the_throttle_message(server: AdminServer) -> None:
    with server.client() as client:
        admin_token(client)
        _tighten(server, per_account=2, per_ip=100)
        for _ in range(2):
            _login(client, "abdullah", "wrong wrong wrong")
        with server.client() as browser:
            page = browser.get("/admin/login")
            csrf = page.text.split('name="csrf_token" value="')[1].split('"')[0]
            response = browser.post(
                "/admin/login",
                data={
                    "username": "abdullah",
                    "password": "a long admin passphrase 42",
                    "csrf_token": csrf,
                },
            )
        assert response.status_code == 429
        assert "Too many failed sign-in attempts for this account" in response.text
        assert "Retry-After" in response.headers
        with pytest.raises(AssertionError):
            browser_login(server.client(), "abdullah", "a long admin passphrase 42")
