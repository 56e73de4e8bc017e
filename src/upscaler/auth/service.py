"""Sign-in, sign-out and password changes, shared by the login page and
`POST /api/v1/auth/login`."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from sqlmodel import func, select
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.responses import Response

from upscaler.audit.service import Actor, add, record
from upscaler.auth import sessions
from upscaler.auth.cookies import clear_session_cookie
from upscaler.auth.policy import AuthPolicy
from upscaler.auth.throttle import LoginThrottle
from upscaler.config import DEFAULT_SEED_PASS
from upscaler.db.tables import User
from upscaler.db.types import utcnow
from upscaler.errors import APIError, FieldError
from upscaler.security.passwords import hash_password, verify_password

if TYPE_CHECKING:
    from upscaler.auth.deps import Principal

log = logging.getLogger(__name__)

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 256
#: Refused as new passwords whatever their length: the seed and the usual suspects.
WEAK_PASSWORDS = frozenset(
    {
        DEFAULT_SEED_PASS,
        "1234567890",
        "12345678910",
        "0123456789",
        "password123",
        "password1234",
        "qwertyuiop",
        "administrator",
        "letmein123",
        "changeme123",
    }
)
INVALID_CREDENTIALS = "the username or password is not correct"


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    # Verifying against this when the user does not exist keeps the time a
    # failed login takes the same, so timing does not reveal usernames.
    return hash_password("not-a-real-password-only-for-timing")


@dataclass(frozen=True)
class SignedIn:
    user: User
    issued: sessions.Issued


async def authenticate(
    session: AsyncSession,
    throttle: LoginThrottle,
    username: str,
    password: str,
    *,
    ip: str,
) -> User:
    """The user for these credentials; 401 (and a counted failure) otherwise."""
    await throttle.check(username, ip)
    user = (
        await session.exec(select(User).where(func.lower(User.username) == username.lower()))
    ).first()
    candidate = user.password_hash if user is not None else _dummy_hash()
    matches = await asyncio.to_thread(verify_password, password[:MAX_PASSWORD_LENGTH], candidate)
    reason = None
    if user is None:
        reason = "unknown user"
    elif not matches:
        reason = "wrong password"
    elif not sessions.user_can_log_in(user):
        reason = "account deactivated" if not user.is_active else "temporary account expired"
    if reason is not None:
        await throttle.failed(username, ip)
        await record(
            session,
            Actor(user.id if user else None, username[:64], ip),
            "auth.login_failed",
            entity_type="user",
            entity_id=user.id if user else None,
            details={"username": username[:64], "reason": reason},
        )
        raise APIError(401, "invalid_credentials", INVALID_CREDENTIALS)
    assert user is not None
    await throttle.succeeded(username)
    if user.self_registered and user.email_verified_at is None:
        # The right password: saying why cannot help a guesser.
        raise APIError(
            403,
            "email_not_verified",
            "confirm your e-mail address first: follow the link in the message we sent",
        )
    return user


async def sign_in(
    session: AsyncSession,
    throttle: LoginThrottle,
    policy: AuthPolicy,
    username: str,
    password: str,
    *,
    kind: sessions.Kind,
    ip: str,
    user_agent: str | None,
) -> SignedIn:
    user = await authenticate(session, throttle, username, password, ip=ip)
    user.last_login_at = utcnow()
    session.add(user)
    add(
        session,
        Actor(user.id, user.username, ip),
        "auth.login",
        entity_type="user",
        entity_id=user.id,
        details={"via": kind, "password_change_required": user.force_password_reset},
    )
    issued = await sessions.issue(session, user, kind, policy, ip=ip, user_agent=user_agent)
    return SignedIn(user, issued)


def password_problems(user: User, current: str, new: str, confirm: str | None) -> list[FieldError]:
    problems = []
    if confirm is not None and new != confirm:
        problems.append(FieldError("confirm_password", "does not match the new password"))
    if len(new) < MIN_PASSWORD_LENGTH:
        problems.append(
            FieldError("new_password", f"must be at least {MIN_PASSWORD_LENGTH} characters")
        )
    elif len(new) > MAX_PASSWORD_LENGTH:
        problems.append(
            FieldError("new_password", f"must be at most {MAX_PASSWORD_LENGTH} characters")
        )
    elif new == current:
        problems.append(FieldError("new_password", "must differ from the current password"))
    elif new.casefold() == user.username.casefold():
        problems.append(FieldError("new_password", "must not be the username"))
    elif new.casefold() in WEAK_PASSWORDS or len(set(new)) < 4:
        problems.append(FieldError("new_password", "is too easy to guess"))
    return problems


async def change_password(
    session: AsyncSession,
    user: User,
    current: str,
    new: str,
    confirm: str | None,
    *,
    actor: Actor,
    keep_session: int | None,
) -> int:
    """Check the current password, store the new one, end every other session
    and token of the user. Returns how many were ended."""
    if not await asyncio.to_thread(
        verify_password, current[:MAX_PASSWORD_LENGTH], user.password_hash
    ):
        raise APIError(
            400,
            "invalid_request",
            "the current password is not correct",
            fields=[FieldError("current_password", "is not correct")],
        )
    problems = password_problems(user, current, new, confirm)
    if problems:
        raise APIError(400, "invalid_request", problems[0].message, fields=problems)
    assert user.id is not None
    user.password_hash = await asyncio.to_thread(hash_password, new)
    was_forced = user.force_password_reset
    user.force_password_reset = False
    user.password_changed_at = utcnow()
    session.add(user)
    add(
        session,
        actor,
        "auth.password_changed",
        entity_type="user",
        entity_id=user.id,
        details={"was_required": was_forced},
    )
    await session.commit()
    return await sessions.revoke_all(session, user.id, "password changed", keep=keep_session)


async def sign_out(
    session: AsyncSession, principal: Principal | None, response: Response, policy: AuthPolicy
) -> None:
    """Sign out: end the principal's session or token at once, record it, and
    clear the session cookie on `response` (a bearer token has none to clear;
    without a principal a stale cookie is cleared all the same). The one
    logout of `POST /api/v1/auth/logout` and `POST /admin/logout`."""
    if principal is not None:
        assert principal.auth.id is not None
        await sessions.revoke(session, principal.auth.id, "signed out")
        await record(
            session,
            principal.actor,
            "auth.logout",
            entity_type="user",
            entity_id=principal.user_id,
            details={"via": principal.via},
        )
    if principal is None or principal.via == "cookie":
        clear_session_cookie(response, policy)
