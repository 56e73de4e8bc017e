"""Webhook signatures: HMAC-SHA256 over ``"{timestamp}.{raw body}"``.

Sent as ``X-Upscaler-Signature: t=<unix seconds>,v1=<hex digest>``. The
timestamp is signed with the body, so a captured request cannot be replayed
later than the receiver's tolerance (five minutes by default), and the body
cannot be altered. ``verify_signature`` is what a receiver runs; it needs the
standard library only, so it can be copied into a receiver as it is.

The key is ``UPSCALER_WEBHOOK_SECRET`` or, when that is unset, one derived
from ``UPSCALER_SECRET_KEY`` for this purpose only (``Settings.
webhook_signing_secret``; print it with ``python -m
upscaler.notifications.signing``).
"""

from __future__ import annotations

import hashlib
import hmac
import time

SIGNATURE_HEADER = "X-Upscaler-Signature"
EVENT_HEADER = "X-Upscaler-Event"
#: The same on every retry of one notification: receivers drop duplicates by it.
DELIVERY_HEADER = "X-Upscaler-Delivery"
ATTEMPT_HEADER = "X-Upscaler-Attempt"
SCHEME = "v1"
DEFAULT_TOLERANCE_SECONDS = 300


class InvalidSignatureError(Exception):
    """The request is not one this service signed (or it is too old)."""


def compute_signature(secret: str, timestamp: int, body: bytes) -> str:
    signed = str(timestamp).encode("ascii") + b"." + body
    return hmac.new(secret.encode("utf-8"), signed, hashlib.sha256).hexdigest()


def signature_header(secret: str, body: bytes, *, timestamp: int | None = None) -> str:
    """The X-Upscaler-Signature value for this body, signed now."""
    stamp = int(time.time()) if timestamp is None else timestamp
    return f"t={stamp},{SCHEME}={compute_signature(secret, stamp, body)}"


def verify_signature(
    secret: str,
    body: bytes,
    header: str | None,
    *,
    tolerance_seconds: int = DEFAULT_TOLERANCE_SECONDS,
    now: float | None = None,
) -> int:
    """Check an X-Upscaler-Signature header against the raw request body.

    Returns the signed timestamp; raises InvalidSignatureError when the header
    is missing or malformed, no v1 signature matches (several are accepted,
    for a secret being rotated), or the timestamp is further than
    `tolerance_seconds` from now. Verify the raw bytes, before any JSON parsing.
    """
    if not header:
        raise InvalidSignatureError("no signature header")
    timestamp: int | None = None
    candidates: list[str] = []
    for item in header.split(","):
        key, _, value = item.strip().partition("=")
        if key == "t":
            try:
                timestamp = int(value)
            except ValueError as error:
                raise InvalidSignatureError("the timestamp is not a number") from error
        elif key == SCHEME and value:
            candidates.append(value.strip())
    if timestamp is None or not candidates:
        raise InvalidSignatureError("the signature header lacks t= or v1=")
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance_seconds:
        raise InvalidSignatureError("the signature timestamp is outside the tolerance")
    expected = compute_signature(secret, timestamp, body)
    if not any(hmac.compare_digest(expected, candidate) for candidate in candidates):
        raise InvalidSignatureError("the signature does not match")
    return timestamp


def main() -> None:
    """Print the webhook secret this installation signs with (for receivers)."""
    from upscaler.config import get_settings

    print(get_settings().webhook_signing_secret())


if __name__ == "__main__":
    main()
