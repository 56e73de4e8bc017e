"""E-mail notifications through a real SMTP server (aiosmtpd) on loopback."""

from __future__ import annotations

import pytest

from tests.helpers import IMAGES, LiveServer, upload, wait_for_job
from tests.notifications.support import PUBLIC_BASE, SMTPServer, wait_for_notification

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")

SAMPLE = IMAGES / "realesrgan" / "0014.jpg"  # 179 x 179


def test_completion_email_has_the_job_link(
    notify_server: LiveServer, smtp_server: SMTPServer
) -> None:
    with notify_server.client() as client:
        accepted = upload(client, SAMPLE, factor="2x", email="Someone@Example.org")
        assert accepted.status_code == 202, accepted.text
        job = wait_for_job(client, accepted.json()["job_id"])
        assert job["status"] == "completed"
        note = wait_for_notification(client, job["job_id"], "email")

    message = smtp_server.mailbox.wait_for("Someone@Example.org")
    link = f"{PUBLIC_BASE}/jobs/{job['job_id']}"
    assert message["Subject"] == "Your upscaled image is ready"
    assert message["From"] == "Upscaler <upscaler@example.test>"
    assert message["To"] == "Someone@Example.org"
    assert message["Auto-Submitted"] == "auto-generated"
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None and html is not None
    assert link in text.get_content()
    assert "0014.jpg" in text.get_content() and "358 x 358" in text.get_content()
    assert f'href="{link}"' in html.get_content()

    # Recorded; the public JSON shows the address only partly.
    assert note == note | {
        "kind": "email",
        "event": "job.completed",
        "status": "delivered",
        "attempts": 1,
        "target": "S***@Example.org",
        "last_error": None,
    }
    assert "Someone" not in str(note)
    assert job["params"]["email"] == "S***@Example.org"  # job links are shareable


def test_email_is_refused_when_smtp_is_not_configured(strict_server: LiveServer) -> None:
    with strict_server.client() as client:
        response = upload(client, SAMPLE, factor="2x", email="someone@example.org")
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["fields"] == [
        {"field": "email", "message": "notifications by e-mail are not enabled on this server"}
    ]
