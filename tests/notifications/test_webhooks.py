"""Webhooks end to end in the embedded mode: a real upload, a real model, a
real HTTP receiver on loopback that checks the signature as a receiver would."""

from __future__ import annotations

import io
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from tests.admin.support import ADMIN_PASSWORD, admin_token, browser_login
from tests.helpers import IMAGES, LiveServer, refused_port, upload, wait_for_job
from tests.notifications.support import (
    PUBLIC_BASE,
    Receiver,
    SMTPServer,
    big_png,
    notify_embedded,
    wait_for_notification,
)
from tests.web.live import live_settings, set_live_settings
from upscaler.config import DEFAULT_SEED_USER
from upscaler.notifications.signing import InvalidSignatureError, verify_signature

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")

SAMPLE = IMAGES / "realesrgan" / "0014.jpg"  # 179 x 179


def secret_of(server: LiveServer) -> str:
    return server.settings.webhook_signing_secret()  # type: ignore[attr-defined,no-any-return]


def follow(server: LiveServer, client: httpx.Client, url: str) -> httpx.Response:
    """A link built on the public base URL, fetched from the live server."""
    assert url.startswith(f"{PUBLIC_BASE}/"), url
    return client.get(server.url + url.removeprefix(PUBLIC_BASE))


def run_job(server: LiveServer, client: httpx.Client, **fields: str) -> dict[str, Any]:
    accepted = upload(client, SAMPLE, factor="2x", **fields)
    assert accepted.status_code == 202, accepted.text
    return wait_for_job(client, accepted.json()["job_id"])


def test_completed_event_is_signed_and_carries_working_links(
    notify_server: LiveServer, receiver: Receiver
) -> None:
    url = receiver.script("/hooks/done?token=receiver-secret")
    with notify_server.client() as client:
        job = run_job(notify_server, client, callback_url=url)
        assert job["status"] == "completed", job
        (request,) = receiver.wait_for("/hooks/done?token=receiver-secret")
        note = wait_for_notification(client, job["job_id"], "webhook")

        # Signed: the package's helper, used as a receiver would, accepts it...
        header = request.headers["X-Upscaler-Signature"]
        assert header.startswith("t=") and ",v1=" in header
        verify_signature(secret_of(notify_server), request.body, header)
        # ...with a key that is not the service's own secret key.
        assert secret_of(notify_server) != "test-secret-" + "x" * 32
        assert request.headers["Content-Type"] == "application/json"
        assert request.headers["X-Upscaler-Event"] == "job.completed"
        assert request.headers["X-Upscaler-Delivery"].startswith("dlv_")
        assert request.headers["X-Upscaler-Attempt"] == "1"
        assert request.headers["Host"] == f"127.0.0.1:{receiver.port}"

        event = json.loads(request.body)
        assert event["event"] == "job.completed"
        assert event["delivery_id"] == request.headers["X-Upscaler-Delivery"]
        assert event["job_id"] == job["job_id"]
        assert event["status"] == "completed"
        assert event["model"] == "realesr-animevideov3"
        assert event["params"]["factor"] == "2x"
        assert "callback_url" not in event["params"] and "email" not in event["params"]
        assert event["result"] == {
            "width": 358,
            "height": 358,
            "size_bytes": job["result"]["size_bytes"],
            "mime_type": "image/png",
        }
        assert event["duration_seconds"] == job["duration_seconds"]
        assert event["error"] is None
        assert event["page_url"] == f"{PUBLIC_BASE}/jobs/{job['job_id']}"
        # The links are absolute (on UPSCALER_PUBLIC_BASE_URL) and they work.
        result = follow(notify_server, client, event["result_url"])
        assert result.status_code == 200
        assert Image.open(io.BytesIO(result.content)).size == (358, 358)
        original = follow(notify_server, client, event["original_url"])
        assert original.status_code == 200
        assert original.content == SAMPLE.read_bytes()

        # Recorded, and shown without the URL's path or query.
        assert note == note | {
            "kind": "webhook",
            "event": "job.completed",
            "status": "delivered",
            "attempts": 1,
            "last_status_code": 200,
            "last_error": None,
            "target": f"http://127.0.0.1:{receiver.port}",
        }
        assert note["delivered_at"] is not None
        # Job links are shareable: the public job JSON keeps the receiver's token out.
        assert job["params"]["callback_url"] == f"http://127.0.0.1:{receiver.port}"


def test_helper_detects_tampering_wrong_keys_and_replays(
    notify_server: LiveServer, receiver: Receiver
) -> None:
    url = receiver.script("/hooks/tamper")
    with notify_server.client() as client:
        run_job(notify_server, client, callback_url=url)
    (request,) = receiver.wait_for("/hooks/tamper")
    secret = secret_of(notify_server)
    header = request.headers["X-Upscaler-Signature"]
    signed_at = verify_signature(secret, request.body, header)

    tampered = request.body.replace(b'"job.completed"', b'"job.failed"')
    assert tampered != request.body
    with pytest.raises(InvalidSignatureError, match="does not match"):
        verify_signature(secret, tampered, header)
    with pytest.raises(InvalidSignatureError, match="does not match"):
        verify_signature(secret + "x", request.body, header)
    forged_time = header.replace(f"t={signed_at}", f"t={signed_at + 1}")
    with pytest.raises(InvalidSignatureError, match="does not match"):
        verify_signature(secret, request.body, forged_time)
    with pytest.raises(InvalidSignatureError, match="tolerance"):
        verify_signature(secret, request.body, header, now=signed_at + 301)
    with pytest.raises(InvalidSignatureError):
        verify_signature(secret, request.body, None)


def test_a_5xx_is_retried_with_backoff_until_delivered(
    notify_server: LiveServer, receiver: Receiver
) -> None:
    url = receiver.script("/hooks/flaky", 500, 503)
    with notify_server.client() as client:
        job = run_job(notify_server, client, callback_url=url)
        note = wait_for_notification(client, job["job_id"], "webhook")
    first, second, third = receiver.wait_for("/hooks/flaky", 3)
    assert note["status"] == "delivered"
    assert note["attempts"] == 3
    assert note["last_status_code"] == 200
    # One notification: the same delivery id on every attempt, numbered, each signed.
    assert {r.headers["X-Upscaler-Delivery"] for r in (first, second, third)} == {
        first.headers["X-Upscaler-Delivery"]
    }
    assert [r.headers["X-Upscaler-Attempt"] for r in (first, second, third)] == ["1", "2", "3"]
    for request in (first, second, third):
        verify_signature(
            secret_of(notify_server), request.body, request.headers["X-Upscaler-Signature"]
        )
    # Exponential backoff: 0.2 s, then 0.4 s.
    assert second.at - first.at >= 0.2
    assert third.at - second.at >= 0.4


def test_a_4xx_is_not_retried(notify_server: LiveServer, receiver: Receiver) -> None:
    url = receiver.script("/hooks/missing", 404)
    with notify_server.client() as client:
        job = run_job(notify_server, client, callback_url=url)
        note = wait_for_notification(client, job["job_id"], "webhook")
        time.sleep(1.0)  # well past the first retry's backoff
        again = wait_for_notification(client, job["job_id"], "webhook")
    assert note["status"] == "failed"
    assert note["attempts"] == 1 and again["attempts"] == 1
    assert note["last_status_code"] == 404
    assert "not retried" in note["last_error"]
    assert len(receiver.received("/hooks/missing")) == 1


def test_a_redirect_is_not_followed(notify_server: LiveServer, receiver: Receiver) -> None:
    url = receiver.script("/hooks/moved", 302)
    with notify_server.client() as client:
        job = run_job(notify_server, client, callback_url=url)
        note = wait_for_notification(client, job["job_id"], "webhook")
    assert note["status"] == "failed"
    assert note["attempts"] == 1
    assert note["last_status_code"] == 302
    assert "redirects are not followed" in note["last_error"]
    assert len(receiver.received("/hooks/moved")) == 1
    assert receiver.received("/landing") == []


def test_an_unreachable_receiver_is_retried_then_given_up(notify_server: LiveServer) -> None:
    with refused_port() as port, notify_server.client() as client:
        closed = f"http://127.0.0.1:{port}/hook"  # nothing listens there
        job = run_job(notify_server, client, callback_url=closed)
        assert job["status"] == "completed"  # the job is not held up by its notification
        note = wait_for_notification(client, job["job_id"], "webhook")
    assert note["status"] == "failed"
    assert note["attempts"] == 3  # UPSCALER_NOTIFY_MAX_ATTEMPTS in these tests
    assert note["last_status_code"] is None
    assert "connection failed" in note["last_error"]


def test_admin_job_page_lists_the_deliveries(notify_server: LiveServer, receiver: Receiver) -> None:
    url = receiver.script("/hooks/admin-view?sig=abc")
    with notify_server.client() as client:
        job = run_job(notify_server, client, callback_url=url)
        wait_for_notification(client, job["job_id"], "webhook")
        admin_token(client)  # the seeded admin's first password is changed
    with notify_server.client() as browser:
        browser_login(browser, DEFAULT_SEED_USER, ADMIN_PASSWORD)
        page = browser.get(f"/admin/jobs/{job['job_id']}")
    assert page.status_code == 200
    assert 'id="notifications"' in page.text
    section = page.text.split('id="notifications"', 1)[1].split("</section>", 1)[0]
    assert "webhook" in section and "job.completed" in section
    assert "delivered" in section
    assert url in section  # admins see the whole target


# -- failures: a job that cannot finish in its time limit --------------------------


@pytest.fixture(scope="module")
def failing_server(
    tmp_path_factory: pytest.TempPathFactory, model_dir: Path, smtp_server: SMTPServer
) -> Iterator[LiveServer]:
    with notify_embedded(
        tmp_path_factory.mktemp("failing"),
        model_dir,
        webhook_allow_private=True,
        job_max_retries=0,
        smtp_url=smtp_server.url,
        smtp_starttls=False,
    ) as live:
        yield live


def test_failed_event_and_email(
    failing_server: LiveServer,
    receiver: Receiver,
    smtp_server: SMTPServer,
    tmp_path: Path,
) -> None:
    url = receiver.script("/hooks/failed")
    with failing_server.client() as client:
        # Admitted under the normal limit (admission would refuse it under 1 s);
        # the limit drops to 1 s before it runs.
        with live_settings(failing_server, queue_paused=True):
            accepted = upload(
                client, big_png(tmp_path / "big.png"), callback_url=url, email="fails@example.org"
            )
            assert accepted.status_code == 202, accepted.text
            set_live_settings(failing_server, job_timeout_seconds=1, workers=True)
        job = wait_for_job(client, accepted.json()["job_id"])
        assert job["status"] == "failed", job
        (request,) = receiver.wait_for("/hooks/failed")
        note = wait_for_notification(client, job["job_id"], "email")

    verify_signature(
        secret_of(failing_server), request.body, request.headers["X-Upscaler-Signature"]
    )
    assert request.headers["X-Upscaler-Event"] == "job.failed"
    event = json.loads(request.body)
    assert event["event"] == "job.failed"
    assert event["status"] == "failed"
    assert event["error"] == job["error"] and "1 s limit" in event["error"]
    assert event["result"] is None and event["result_url"] is None
    assert event["original_url"].startswith(f"{PUBLIC_BASE}/api/v1/files/")

    message = smtp_server.mailbox.wait_for("fails@example.org")
    assert message["Subject"] == "Your upscaling job failed"
    text = message.get_body(("plain",))
    assert text is not None
    assert f"{PUBLIC_BASE}/jobs/{job['job_id']}" in text.get_content()
    assert "1 s limit" in text.get_content()
    assert note["status"] == "delivered"


def test_an_instant_repeat_is_announced_like_a_job_that_ran(
    notify_server: LiveServer, receiver: Receiver
) -> None:
    """Nothing runs for an instant repeat: the API completes it and sends
    its webhook to the repeat's own callback, with the repeat's job id."""
    with live_settings(notify_server, instant_repeats=True), notify_server.client() as client:
        first = run_job(notify_server, client, callback_url=receiver.url("/hooks/first"))
        again = run_job(notify_server, client, callback_url=receiver.url("/hooks/again"))
        assert again["instant_repeat"] is True and again["job_id"] != first["job_id"]

        (request,) = receiver.wait_for("/hooks/again")
        verify_signature(
            secret_of(notify_server), request.body, request.headers["X-Upscaler-Signature"]
        )
        event = json.loads(request.body)
        assert (event["event"], event["job_id"]) == ("job.completed", again["job_id"])
        assert event["result"]["width"] == 358
        assert follow(notify_server, client, event["result_url"]).status_code == 200
        note = wait_for_notification(client, again["job_id"], "webhook")
        assert note["status"] == "delivered"
