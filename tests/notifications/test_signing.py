"""The signature format, the webhook key, and the small pure parts."""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

import pytest
from pydantic import ValidationError

from tests.helpers import make_settings
from upscaler.db.tables import Job
from upscaler.notifications.mail import SMTPConfig, mask_address
from upscaler.notifications.payload import LinkMaker, NotificationEvent, build_event
from upscaler.notifications.signing import (
    InvalidSignatureError,
    signature_header,
    verify_signature,
)
from upscaler.storage.factory import make_storage
from upscaler_worker.actors.notifications import backoff_seconds

BODY = b'{"event":"job.completed","job_id":"job_x"}'


def test_signature_is_hmac_sha256_of_timestamp_dot_body() -> None:
    header = signature_header("key", BODY, timestamp=1_700_000_000)
    expected = hmac.new(b"key", b"1700000000." + BODY, hashlib.sha256).hexdigest()
    assert header == f"t=1700000000,v1={expected}"
    assert verify_signature("key", BODY, header, now=1_700_000_100) == 1_700_000_000


def test_verification_accepts_any_listed_signature_and_refuses_malformed_headers() -> None:
    header = signature_header("new key", BODY, timestamp=1_700_000_000)
    rotated = f"{header},v1={'0' * 64}"  # a second signature, as during a key rotation
    verify_signature("new key", BODY, rotated, now=1_700_000_000)
    for bad in ("", "v1=abc", "t=1700000000", "t=soon,v1=abc", "garbage"):
        with pytest.raises(InvalidSignatureError):
            verify_signature("new key", BODY, bad, now=1_700_000_000)
    with pytest.raises(InvalidSignatureError, match="tolerance"):
        verify_signature("new key", BODY, header, now=1_700_000_000 - 301)
    verify_signature("new key", BODY, header, now=1_700_003_000, tolerance_seconds=3600)


def test_webhook_key_is_derived_from_the_secret_key_for_this_purpose_only(
    tmp_path: Path,
) -> None:
    one = make_settings(tmp_path, tmp_path, secret_key="k" * 40)
    again = make_settings(tmp_path, tmp_path, secret_key="k" * 40)
    other = make_settings(tmp_path, tmp_path, secret_key="j" * 40)
    derived = one.webhook_signing_secret()
    assert derived == again.webhook_signing_secret()  # stable across restarts and replicas
    assert derived != other.webhook_signing_secret()
    assert "k" * 40 not in derived
    explicit = make_settings(tmp_path, tmp_path, secret_key="k" * 40, webhook_secret="shared")
    assert explicit.webhook_signing_secret() == "shared"


def test_backoff_doubles_up_to_an_hour(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, tmp_path, notify_backoff_seconds=10)
    assert [backoff_seconds(settings, n) for n in (1, 2, 3, 4)] == [10, 20, 40, 80]
    assert backoff_seconds(settings, 20) == 3600


def test_smtp_settings(tmp_path: Path) -> None:
    assert SMTPConfig.from_settings(make_settings(tmp_path, tmp_path)) is None
    config = SMTPConfig.from_settings(
        make_settings(tmp_path, tmp_path, smtp_url="smtp://me%40x.org:p%20w@mail.x.org")
    )
    assert config is not None
    assert (config.host, config.port, config.starttls, config.implicit_tls) == (
        "mail.x.org",
        587,
        True,
        False,
    )
    assert (config.username, config.password) == ("me@x.org", "p w")
    tls = SMTPConfig.from_settings(make_settings(tmp_path, tmp_path, smtp_url="smtps://h"))
    assert tls is not None and (tls.port, tls.implicit_tls, tls.starttls) == (465, True, False)
    with pytest.raises(ValidationError) as refused:
        make_settings(tmp_path, tmp_path, smtp_url="http://user:hunter2@mail.x.org")
    assert "UPSCALER_SMTP_URL" in str(refused.value)
    assert "hunter2" not in str(refused.value)  # a bad setting never echoes its value


def test_mask_address() -> None:
    assert mask_address("someone@example.org") == "s***@example.org"
    assert mask_address("x") == "***"


async def test_the_event_names_the_provider_and_the_precision(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, tmp_path, public_base_url="https://up.example.com")
    job = Job(
        job_id="job_x",
        upload_id="upl_x",
        status="failed",
        model="realesr-animevideov3",
        provider="OpenVINOExecutionProvider",
        precision="bf16",
        error_message="boom",
    )
    storage = make_storage(settings)
    try:
        event = await build_event(
            settings, LinkMaker(settings, storage), job, None, NotificationEvent.FAILED, "dlv_x"
        )
    finally:
        await storage.close()
    assert (event["provider"], event["precision"]) == ("OpenVINOExecutionProvider", "bf16")
    assert event["error"] == "boom"
