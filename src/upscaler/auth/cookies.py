"""The session cookie: HttpOnly, SameSite=Strict, Secure outside development
and test, host-only (no Domain), and gone at the session's absolute expiry."""

from __future__ import annotations

from starlette.responses import Response

from upscaler.auth.policy import COOKIE_NAME, LOGIN_CSRF_COOKIE, AuthPolicy


def set_session_cookie(response: Response, secret: str, policy: AuthPolicy) -> None:
    response.set_cookie(
        COOKIE_NAME,
        secret,
        max_age=int(policy.session_absolute.total_seconds()),
        path="/",
        secure=policy.secure_cookies,
        httponly=True,
        samesite="strict",
    )


def clear_session_cookie(response: Response, policy: AuthPolicy) -> None:
    response.delete_cookie(
        COOKIE_NAME, path="/", secure=policy.secure_cookies, httponly=True, samesite="strict"
    )


def set_login_csrf_cookie(response: Response, value: str, policy: AuthPolicy) -> None:
    """The login form has no session yet: its CSRF token is a double-submit
    cookie, only sent back to the login page itself."""
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        value,
        max_age=3600,
        path="/admin/login",
        secure=policy.secure_cookies,
        httponly=True,
        samesite="strict",
    )
