"""Secrets for sessions and tokens, and the CSRF token bound to a session.

The database keeps only SHA-256 of a session secret. The CSRF token is an
HMAC of the session secret under the service key: it changes with every
session, needs no storage and cannot be derived from a copy of the database.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from upscaler.auth.policy import TOKEN_PREFIX


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def new_bearer_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def csrf_token_for(service_key: str, session_secret: str) -> str:
    digest = hmac.new(
        service_key.encode("utf-8"), b"csrf:" + session_secret.encode("utf-8"), hashlib.sha256
    ).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def same(a: str | None, b: str | None) -> bool:
    """Constant-time comparison; an empty or missing value never matches."""
    if not a or not b:
        return False
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))
