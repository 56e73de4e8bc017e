"""Accounts on the public API: API keys made, listed and revoked; a key's
jobs are its account's (others get a 404, as for a job that does not exist);
a revoked key is refused at once; the per-client (IP) and per-account limits
are independent; the daily quota and the queue's cap answer 429 with
Retry-After and say which limit."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.admin.support import admin_token, api_login, bearer, create_user
from tests.helpers import IMAGES, LiveServer
from tests.web.live import live_settings

SMALL = IMAGES / "realesrgan" / "0014.jpg"


@pytest.fixture
def client(server: LiveServer) -> Iterator[httpx.Client]:
    with server.client() as client:
        yield client


def new_account(client: httpx.Client) -> tuple[str, str]:
    """(its login token, a fresh API key of it)."""
    username, password = create_user(client, admin_token(client))
    token: str = api_login(client, username, password)["access_token"]
    made = client.post("/api/v1/me/api-keys", headers=bearer(token), json={"name": "laptop"})
    assert made.status_code == 201, made.text
    key: str = made.json()["key"]
    return token, key


def post(client: httpx.Client, key: str | None = None, **fields: str) -> httpx.Response:
    fields.setdefault("factor", "2x")
    headers = bearer(key) if key else {}
    with SMALL.open("rb") as handle:
        return client.post(
            "/api/v1/uploads", files={"file": ("a.jpg", handle)}, data=fields, headers=headers
        )


def error_of(response: httpx.Response) -> dict[str, Any]:
    body: dict[str, Any] = response.json()["error"]
    return body


def test_keys_are_shown_once_and_listed_by_prefix(client: httpx.Client) -> None:
    token, key = new_account(client)
    assert key.startswith("upk_") and len(key) > 40
    listed = client.get("/api/v1/me/api-keys", headers=bearer(token)).json()
    assert [(k["name"], k["prefix"], k["revoked_at"]) for k in listed] == [
        ("laptop", key[:10], None)
    ]
    assert key not in client.get("/api/v1/me/api-keys", headers=bearer(token)).text
    # A key runs jobs; it does not manage keys (that needs the account's sign-in).
    assert client.get("/api/v1/me/api-keys", headers=bearer(key)).status_code == 401
    assert client.post("/api/v1/me/api-keys", json={"name": "x"}).status_code == 401


def test_a_keys_jobs_are_its_accounts_alone(client: httpx.Client) -> None:
    _token, key = new_account(client)
    _other_token, other_key = new_account(client)
    accepted = post(client, key)
    assert accepted.status_code == 202, accepted.text
    job_id = accepted.json()["job_id"]
    url = f"/api/v1/jobs/{job_id}"
    assert client.get(url, headers=bearer(key)).status_code == 200
    assert client.get(url).status_code == 404
    assert client.get(url, headers=bearer(other_key)).status_code == 404
    assert client.get(f"{url}/result", headers=bearer(other_key)).status_code == 404
    assert client.post(f"{url}/cancel", headers=bearer(other_key)).status_code == 404
    assert client.get(f"/jobs/{job_id}").status_code == 404  # the page, anonymously
    assert client.get(url, headers=bearer(admin_token(client))).status_code == 200

    mine = client.get("/api/v1/me/jobs", headers=bearer(key)).json()
    assert [job["job_id"] for job in mine] == [job_id]
    assert client.get("/api/v1/me/jobs", headers=bearer(other_key)).json() == []
    usage = client.get("/api/v1/me/usage", headers=bearer(key)).json()
    assert usage["jobs_today"] == 1 and usage["jobs_this_month"] == 1
    assert usage["input_megapixels_this_month"] == pytest.approx(179 * 179 / 1e6, abs=1e-3)
    exported = client.get("/api/v1/me/usage.csv", headers=bearer(key))
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("text/csv")
    lines = exported.text.lstrip("\ufeff").strip().splitlines()  # a BOM, for spreadsheets
    assert lines[0].startswith("job_id,") and len(lines) == 2 and lines[1].startswith(job_id)
    assert client.get("/api/v1/me/usage.csv").status_code == 401
    # Anonymous jobs keep today's rule: the id is enough.
    anonymous = post(client).json()["job_id"]
    assert client.get(f"/api/v1/jobs/{anonymous}", headers=bearer(other_key)).status_code == 200


def test_a_revoked_key_is_refused_at_once(client: httpx.Client) -> None:
    token, key = new_account(client)
    assert post(client, key).status_code == 202
    key_id = client.get("/api/v1/me/api-keys", headers=bearer(token)).json()[0]["id"]
    revoked = client.delete(f"/api/v1/me/api-keys/{key_id}", headers=bearer(token))
    assert revoked.status_code == 204
    refused = post(client, key)
    assert refused.status_code == 401
    assert error_of(refused)["code"] == "not_authenticated"
    assert client.get("/api/v1/me/usage", headers=bearer(key)).status_code == 401
    # A made-up key is no better, and never falls back to anonymous.
    assert post(client, "upk_" + "x" * 43).status_code == 401


def test_the_daily_quota_and_the_ip_limit_are_independent(
    server: LiveServer, client: httpx.Client
) -> None:
    _token, key = new_account(client)
    _other, other_key = new_account(client)
    with live_settings(server, free_daily_jobs=2, rate_limit_per_minute=0):
        assert post(client, key).status_code == 202
        assert post(client, key).status_code == 202
        over = post(client, key)
        assert over.status_code == 429, over.text
        assert error_of(over)["code"] == "quota_exceeded"
        assert "daily quota" in error_of(over)["message"]
        assert 1 <= int(over.headers["Retry-After"]) <= 86_400
        usage = client.get("/api/v1/me/usage", headers=bearer(key)).json()
        assert (usage["jobs_today"], usage["daily_quota"]) == (2, 2)
        # Another account, and anonymous uploads from the same address, go on.
        assert post(client, other_key).status_code == 202
        assert post(client).status_code == 202
        # A batch counts every image against the quota.
        with SMALL.open("rb") as one, SMALL.open("rb") as two:
            batch = client.post(
                "/api/v1/batches",
                files=[("file", ("a.jpg", one)), ("file", ("b.jpg", two))],
                data={"factor": "2x"},
                headers=bearer(other_key),
            )
        assert batch.status_code == 429 and error_of(batch)["code"] == "quota_exceeded"

    with live_settings(server, rate_limit_per_minute=1, account_rate_limit_per_minute=0):
        post(client)  # the address's one upload this minute (if not already used)
        limited = post(client)
        assert limited.status_code == 429
        assert error_of(limited)["code"] == "rate_limited"
        assert "this client" in error_of(limited)["message"]
        # The per-client limit is not the account's: a key from the same address goes on.
        assert post(client, other_key).status_code == 202


def test_the_monthly_megapixel_quota(server: LiveServer, client: httpx.Client) -> None:
    _token, key = new_account(client)
    with live_settings(server, free_monthly_megapixels=0.05):  # the image is 0.032 MP
        assert post(client, key).status_code == 202
        over = post(client, key)
        assert over.status_code == 429, over.text
        assert error_of(over)["code"] == "quota_exceeded"
        assert "monthly quota" in error_of(over)["message"]
        assert int(over.headers["Retry-After"]) > 0
        usage = client.get("/api/v1/me/usage", headers=bearer(key)).json()
        assert usage["monthly_megapixels_quota"] == 0.05
        assert usage["input_megapixels_this_month"] == pytest.approx(0.032, abs=1e-3)
        assert post(client).status_code == 202  # anonymous callers have no account quota


def test_the_queue_has_a_cap(server: LiveServer, client: httpx.Client) -> None:
    """While the queue is paused nothing leaves it: with a cap of one waiting
    job, the second upload at the latest is refused."""
    with live_settings(server, workers=True, queue_paused=True, max_queued_jobs=1):
        responses = [post(client), post(client)]
    full = responses[1]
    assert full.status_code == 429, full.text
    assert error_of(full)["code"] == "queue_full"
    assert "queue is full" in error_of(full)["message"]
    assert int(full.headers["Retry-After"]) > 0
