"""How long logins last, how failures are throttled, how cookies are set.

Read from the settings (``UPSCALER_SESSION_IDLE_MINUTES`` and friends) so an
operator can tighten them without code; the defaults suit an admin panel.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta

from upscaler.config import Settings

COOKIE_NAME = "upscaler_session"
LOGIN_CSRF_COOKIE = "upscaler_login_csrf"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
#: Bearer tokens carry a prefix so they are recognisable (logs, secret scanners).
TOKEN_PREFIX = "uap_"  # noqa: S105 - a prefix, not a secret


@dataclass(frozen=True)
class AuthPolicy:
    #: A browser session ends after this long without a request...
    session_idle: timedelta
    #: ...and in any case this long after the login.
    session_absolute: timedelta
    #: An API bearer token lives this long (scripts have no "idle").
    token_lifetime: timedelta
    #: Failed logins allowed per window, per account and per client address.
    failures_per_account: int
    failures_per_ip: int
    failure_window_minutes: int
    #: Cookies get Secure outside development and test (HTTPS in production).
    secure_cookies: bool
    #: last_seen_at is written at most this often (not on every request).
    touch_interval: timedelta = timedelta(seconds=20)

    @classmethod
    def from_settings(cls, settings: Settings) -> AuthPolicy:
        return cls(
            session_idle=timedelta(minutes=settings.session_idle_minutes),
            session_absolute=timedelta(hours=settings.session_max_hours),
            token_lifetime=timedelta(hours=settings.token_hours),
            failures_per_account=settings.login_failures_per_account,
            failures_per_ip=settings.login_failures_per_ip,
            failure_window_minutes=settings.login_failure_window_minutes,
            secure_cookies=settings.env not in ("development", "test"),
        )

    def with_changes(self, **changes: object) -> AuthPolicy:
        return replace(self, **changes)  # type: ignore[arg-type]
