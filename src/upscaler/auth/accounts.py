"""Managing accounts: create, change role, deactivate, force a password
reset, end sessions. Guards keep at least one active admin, and an admin
cannot lock themselves out by accident."""

from __future__ import annotations

import asyncio
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from upscaler.audit.service import Actor, add
from upscaler.auth import sessions
from upscaler.auth.service import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from upscaler.db.tables import AuthSession, User
from upscaler.db.types import utcnow
from upscaler.errors import APIError, FieldError
from upscaler.security.passwords import hash_password

ROLES = ("admin", "user")
USERNAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{2,63}$")
EMAIL_PATTERN = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,189}\.[^@\s]{1,63}$")


def _field(status: int, code: str, message: str, field: str) -> APIError:
    return APIError(status, code, message, fields=[FieldError(field, message)])


def temporary_password() -> str:
    """A one-time password to hand over; the account must change it at login."""
    return secrets.token_urlsafe(12)


async def list_users(session: AsyncSession) -> Sequence[User]:
    return (await session.exec(select(User).order_by(col(User.username)))).all()


async def get_user(session: AsyncSession, user_id: int) -> User:
    user = await session.get(User, user_id)
    if user is None:
        raise APIError(404, "not_found", f"no user {user_id}")
    return user


async def _active_admins(session: AsyncSession) -> int:
    statement = (
        select(func.count()).select_from(User).where(User.role == "admin", col(User.is_active))
    )
    return int((await session.exec(statement)).one())


def _check_password(password: str) -> None:
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        raise _field(
            400,
            "invalid_request",
            f"must be {MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} characters",
            "password",
        )


@dataclass(frozen=True)
class Created:
    user: User
    #: Set when the server made the password (shown once, never stored).
    generated_password: str | None


async def create_user(
    session: AsyncSession,
    *,
    username: str,
    email: str | None,
    role: str,
    password: str | None,
    actor: Actor,
) -> Created:
    """New accounts must change their password at first login."""
    username = username.strip()
    email = (email or "").strip() or None
    if not USERNAME_PATTERN.fullmatch(username):
        raise _field(400, "invalid_request", "3-64 letters, digits, '.', '_' or '-'", "username")
    if email is not None and not EMAIL_PATTERN.fullmatch(email):
        raise _field(400, "invalid_request", "is not an e-mail address", "email")
    if role not in ROLES:
        raise _field(400, "invalid_request", f"must be one of {list(ROLES)}", "role")
    generated = None
    if not password:
        password = generated = temporary_password()
    _check_password(password)
    taken = (
        await session.exec(select(User).where(func.lower(User.username) == username.lower()))
    ).first()
    if taken is not None:
        raise _field(409, "conflict", "is taken", "username")
    if email and (await session.exec(select(User).where(User.email == email))).first():
        raise _field(409, "conflict", "is used by another account", "email")
    user = User(
        username=username,
        email=email,
        role=role,
        password_hash=await asyncio.to_thread(hash_password, password),
        force_password_reset=True,
    )
    session.add(user)
    await session.flush()
    add(
        session,
        actor,
        "user.create",
        entity_type="user",
        entity_id=user.id,
        details={"username": username, "role": role, "email": email},
    )
    await session.commit()
    await session.refresh(user)
    return Created(user, generated)


async def update_user(
    session: AsyncSession,
    user_id: int,
    *,
    role: str | None = None,
    is_active: bool | None = None,
    email: str | None = None,
    actor: Actor,
) -> User:
    user = await get_user(session, user_id)
    diff: dict[str, list[object]] = {}
    is_self = user.id == actor.user_id
    if role is not None and role != user.role:
        if role not in ROLES:
            raise _field(400, "invalid_request", f"must be one of {list(ROLES)}", "role")
        if is_self:
            raise _field(409, "conflict", "you cannot change your own role", "role")
        if user.role == "admin" and user.is_active and await _active_admins(session) <= 1:
            raise _field(409, "conflict", "this is the last active admin", "role")
        diff["role"] = [user.role, role]
        user.role = role
    if is_active is not None and is_active != user.is_active:
        if is_self and not is_active:
            raise _field(409, "conflict", "you cannot deactivate yourself", "is_active")
        if not is_active and user.role == "admin" and await _active_admins(session) <= 1:
            raise _field(409, "conflict", "this is the last active admin", "is_active")
        diff["is_active"] = [user.is_active, is_active]
        user.is_active = is_active
    if email is not None:
        new_email = email.strip() or None
        if new_email is not None and not EMAIL_PATTERN.fullmatch(new_email):
            raise _field(400, "invalid_request", "is not an e-mail address", "email")
        if new_email != user.email:
            if (
                new_email
                and (
                    await session.exec(
                        select(User).where(User.email == new_email, col(User.id) != user.id)
                    )
                ).first()
            ):
                raise _field(409, "conflict", "is used by another account", "email")
            diff["email"] = [user.email, new_email]
            user.email = new_email
    if not diff:
        return user
    session.add(user)
    action = "user.update"
    if set(diff) == {"is_active"}:
        action = "user.activate" if user.is_active else "user.deactivate"
    add(session, actor, action, entity_type="user", entity_id=user.id, details={"changes": diff})
    await session.commit()
    if "is_active" in diff and not user.is_active:
        assert user.id is not None
        await sessions.revoke_all(session, user.id, "account deactivated")
    if "role" in diff:
        # A changed role takes effect on the next request anyway; ending the
        # sessions makes the person sign in again under the new role.
        assert user.id is not None
        await sessions.revoke_all(session, user.id, "role changed")
    return user


async def force_password_reset(
    session: AsyncSession, user_id: int, *, new_password: str | None, actor: Actor
) -> tuple[User, str | None, int]:
    """The user must choose a new password at next login; their sessions end.
    With `new_password` (or a generated one when the argument is the empty
    string) the old password stops working too."""
    user = await get_user(session, user_id)
    generated = None
    if new_password == "":
        new_password = generated = temporary_password()
    if new_password is not None:
        _check_password(new_password)
        user.password_hash = await asyncio.to_thread(hash_password, new_password)
        user.password_changed_at = utcnow()
    user.force_password_reset = True
    session.add(user)
    add(
        session,
        actor,
        "user.force_password_reset",
        entity_type="user",
        entity_id=user.id,
        details={"username": user.username, "password_replaced": new_password is not None},
    )
    await session.commit()
    assert user.id is not None
    ended = await sessions.revoke_all(session, user.id, "password reset forced")
    return user, generated, ended


async def end_sessions(session: AsyncSession, user_id: int, *, actor: Actor) -> int:
    user = await get_user(session, user_id)
    assert user.id is not None
    ended = await sessions.revoke_all(
        session,
        user.id,
        "ended by an admin",
        keep=None,
    )
    add(
        session,
        actor,
        "user.end_sessions",
        entity_type="user",
        entity_id=user.id,
        details={"username": user.username, "ended": ended},
    )
    await session.commit()
    return ended


async def end_session(session: AsyncSession, session_id: int, *, actor: Actor) -> AuthSession:
    row = await session.get(AuthSession, session_id)
    if row is None:
        raise APIError(404, "not_found", f"no session {session_id}")
    ended = await sessions.revoke(session, session_id, "ended by an admin")
    add(
        session,
        actor,
        "session.end",
        entity_type="user",
        entity_id=row.user_id,
        details={"session_id": session_id, "kind": row.kind, "was_live": ended},
    )
    await session.commit()
    return row
