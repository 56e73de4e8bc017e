"""Notifications in the distributed mode: PostgreSQL, the Redis broker (its
delay queue carries the retry), S3, and an `upscaler-worker` process that
consumes the notifications queue besides its pool's."""

from __future__ import annotations

import json
import secrets
from pathlib import Path

import pytest

from tests.helpers import (
    IMAGES,
    MotoS3,
    RedisServer,
    distributed_service,
    distributed_settings,
    fresh_postgres_database,
    upload,
    wait_for_job,
)
from tests.notifications.support import (
    FAST_RETRIES,
    PUBLIC_BASE,
    Receiver,
    SMTPServer,
    wait_for_notification,
)
from upscaler.notifications.signing import verify_signature

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.s3,
    pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS"),
]

SAMPLE = IMAGES / "realesrgan" / "0014.jpg"


def test_worker_pool_delivers_webhook_with_retry_and_email(
    tmp_path: Path,
    model_dir: Path,
    private_redis: RedisServer,
    s3_server: MotoS3,
    receiver: Receiver,
    smtp_server: SMTPServer,
) -> None:
    url = receiver.script("/hooks/distributed", 502)
    with fresh_postgres_database() as database:
        settings = distributed_settings(
            tmp_path,
            model_dir,
            database,
            private_redis.url,
            s3_server,
            bucket=f"notify-{secrets.token_hex(4)}",
            public_base_url=PUBLIC_BASE,
            webhook_allow_private=True,
            smtp_url=smtp_server.url,
            smtp_starttls=False,
            **FAST_RETRIES,
        )
        with distributed_service(settings) as service, service.client() as client:
            accepted = upload(
                client, SAMPLE, factor="2x", callback_url=url, email="pool@example.org"
            )
            assert accepted.status_code == 202, accepted.text
            job = wait_for_job(client, accepted.json()["job_id"])
            assert job["status"] == "completed", job
            webhook = wait_for_notification(client, job["job_id"], "webhook")
            email = wait_for_notification(client, job["job_id"], "email")

    assert webhook["status"] == "delivered" and webhook["attempts"] == 2
    first, second = receiver.wait_for("/hooks/distributed", 2)
    assert first.headers["X-Upscaler-Delivery"] == second.headers["X-Upscaler-Delivery"]
    verify_signature(
        settings.webhook_signing_secret(), second.body, second.headers["X-Upscaler-Signature"]
    )
    event = json.loads(second.body)
    assert event["job_id"] == job["job_id"] and event["event"] == "job.completed"
    assert event["result_url"].startswith(f"{PUBLIC_BASE}/api/v1/files/")

    assert email["status"] == "delivered"
    message = smtp_server.mailbox.wait_for("pool@example.org")
    text = message.get_body(("plain",))
    assert text is not None and f"{PUBLIC_BASE}/jobs/{job['job_id']}" in text.get_content()
