"""Registering through the API with a real SMTP server (aiosmtpd): closed by
default; the account signs in only once its address is confirmed from the
e-mail; duplicates and bad links refused; a password reset by e-mail works
once and ends the sessions; unknown addresses learn nothing."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest

from tests.accounts.support import link_in, token_of
from tests.admin.support import admin_token, bearer
from tests.helpers import LiveServer
from tests.notifications.support import SMTPServer
from tests.web.live import live_settings

PASSWORD = "a long enough password"


@pytest.fixture
def client(mail_server: LiveServer) -> Iterator[httpx.Client]:
    with mail_server.client() as client:
        yield client


def address() -> str:
    return f"person-{secrets.token_hex(4)}@example.org"


def register(client: httpx.Client, email: str, **extra: str) -> httpx.Response:
    return client.post(
        "/api/v1/auth/register", json={"email": email, "password": PASSWORD, **extra}
    )


def login(client: httpx.Client, username: str, password: str = PASSWORD) -> httpx.Response:
    return client.post("/api/v1/auth/login", json={"username": username, "password": password})


def test_registration_is_off_unless_opened(client: httpx.Client) -> None:
    closed = register(client, address())
    assert closed.status_code == 403
    assert closed.json()["error"]["code"] == "registration_closed"


def test_register_confirm_then_sign_in(
    mail_server: LiveServer, client: httpx.Client, smtp_server: SMTPServer
) -> None:
    email = address()
    with live_settings(mail_server, registration="open"):
        made = register(client, email)
        assert made.status_code == 201, made.text
        username = made.json()["username"]
        assert username == email.split("@")[0]
        assert register(client, email.upper()).status_code == 409  # one account per address
        message = smtp_server.mailbox.wait_for(email)
    assert message["Subject"] == "Confirm your e-mail address"
    link = link_in(message)

    refused = login(client, username)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "email_not_verified"
    assert login(client, username, "the wrong password!").status_code == 401

    bad = client.post("/api/v1/auth/verify-email", json={"token": token_of(link)[:-3] + "xyz"})
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_link"
    parts = urlsplit(link)
    page = client.get(f"{parts.path}?{parts.query}")  # the link, as a browser opens it
    assert page.status_code == 200 and "can sign in now" in page.text
    signed_in = login(client, username)
    assert signed_in.status_code == 200, signed_in.text
    assert signed_in.json()["role"] == "user"


def test_a_password_reset_works_once_and_ends_sessions(
    mail_server: LiveServer, client: httpx.Client, smtp_server: SMTPServer
) -> None:
    email = address()
    with live_settings(mail_server, registration="open"):
        username = register(client, email).json()["username"]
    verify = token_of(link_in(smtp_server.mailbox.wait_for(email)))
    assert client.post("/api/v1/auth/verify-email", json={"token": verify}).status_code == 200
    token = login(client, username).json()["access_token"]

    before = len(smtp_server.mailbox.messages)
    asked = client.post("/api/v1/auth/password-reset", json={"email": "nobody@example.org"})
    assert asked.status_code == 202
    asked = client.post("/api/v1/auth/password-reset", json={"email": email})
    assert asked.status_code == 202
    resets = [m for to, m in smtp_server.mailbox.messages[before:] if email in to]
    assert len(smtp_server.mailbox.messages) == before + 1 and len(resets) == 1
    reset = token_of(link_in(resets[0]))

    new = "another long password"
    done = client.post(
        "/api/v1/auth/password-reset/confirm", json={"token": reset, "new_password": new}
    )
    assert done.status_code == 200, done.text
    again = client.post(
        "/api/v1/auth/password-reset/confirm",
        json={"token": reset, "new_password": "third pass word"},
    )
    assert again.status_code == 400  # the link worked once
    assert login(client, username).status_code == 401
    assert login(client, username, new).status_code == 200
    # The old session ended with the reset.
    me = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 401


def test_registration_by_invitation(
    mail_server: LiveServer, client: httpx.Client, smtp_server: SMTPServer
) -> None:
    invited = address()
    token = admin_token(client)
    made = client.post("/api/v1/admin/invites", headers=bearer(token), json={"email": invited})
    assert made.status_code == 201, made.text
    link = made.json()["link"]
    invite = link.split("invite=", 1)[1]
    assert client.post("/api/v1/admin/invites", json={"email": invited}).status_code == 401
    with live_settings(mail_server, registration="invite"):
        refused = register(client, address())
        assert refused.status_code == 403
        assert refused.json()["error"]["code"] == "invitation_required"
        other = register(client, address(), invite=invite)
        assert other.status_code == 400
        assert other.json()["error"]["fields"][0]["field"] == "email"
        assert register(client, invited, invite=invite[:-2] + "xx").status_code == 400
        page = client.get(urlsplit(link).path + "?" + urlsplit(link).query)
        assert f'name="invite" value="{invite}"' in page.text
        assert "by invitation only" in client.get("/register").text
        accepted = register(client, invited, invite=invite)
        assert accepted.status_code == 201, accepted.text
        assert register(client, invited, invite=invite).status_code == 409  # once
    assert smtp_server.mailbox.wait_for(invited)["Subject"] == "Confirm your e-mail address"
    audit = client.get("/api/v1/admin/audit", headers=bearer(token), params={"q": "invite"})
    assert any(e["action"] == "invite.create" for e in audit.json()["items"]), audit.text
