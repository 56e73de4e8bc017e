"""Server-side login records (`auth_sessions`): create, look up, end.

A session or token is valid while its row is neither revoked nor expired
(absolute expiry; for browser sessions also idle expiry) and its user is
active and not past a temporary account's end. Every request looks the row up,
so ending a session takes effect on the very next request, on every replica.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import delete, or_, update
from sqlalchemy.engine import CursorResult
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from upscaler.auth.policy import AuthPolicy
from upscaler.auth.tokens import hash_token, new_bearer_token, new_secret
from upscaler.db.tables import AuthSession, User
from upscaler.db.types import utcnow

Kind = Literal["cookie", "bearer"]

#: Ended rows are kept this long (the users page shows recent sessions).
KEEP_ENDED = timedelta(days=30)


@dataclass(frozen=True)
class Issued:
    secret: str
    row: AuthSession


def user_can_log_in(user: User, now: datetime | None = None) -> bool:
    now = now or utcnow()
    return user.is_active and (user.expires_at is None or user.expires_at > now)


async def issue(
    session: AsyncSession,
    user: User,
    kind: Kind,
    policy: AuthPolicy,
    *,
    ip: str | None,
    user_agent: str | None,
) -> Issued:
    """A new session (cookie) or bearer token for `user`; commits."""
    assert user.id is not None
    now = utcnow()
    lifetime = policy.session_absolute if kind == "cookie" else policy.token_lifetime
    expires = now + lifetime
    if user.expires_at is not None:
        expires = min(expires, user.expires_at)
    secret = new_secret() if kind == "cookie" else new_bearer_token()
    row = AuthSession(
        token_hash=hash_token(secret),
        user_id=user.id,
        kind=kind,
        created_at=now,
        last_seen_at=now,
        expires_at=expires,
        ip_address=(ip or None) and ip[:64],
        user_agent=(user_agent or None) and user_agent[:255],
    )
    session.add(row)
    await session.commit()
    await session.refresh(row)
    return Issued(secret, row)


def is_live(row: AuthSession, policy: AuthPolicy, now: datetime) -> bool:
    if row.revoked_at is not None or row.expires_at <= now:
        return False
    return not (row.kind == "cookie" and row.last_seen_at + policy.session_idle <= now)


async def resolve(
    session: AsyncSession, secret: str, kind: Kind, policy: AuthPolicy, *, touch: bool = True
) -> tuple[AuthSession, User] | None:
    """The live session and its user for a presented secret, or None.

    With `touch`, last_seen_at is updated (at most every
    policy.touch_interval): that is what keeps a browser session in use from
    idling out. Background refreshes (live streams, polling) do not touch."""
    if not secret or len(secret) > 200:
        return None
    row = (
        await session.exec(select(AuthSession).where(AuthSession.token_hash == hash_token(secret)))
    ).first()
    if row is None or row.kind != kind:
        return None
    now = utcnow()
    if not is_live(row, policy, now):
        return None
    user = await session.get(User, row.user_id)
    if user is None or not user_can_log_in(user, now):
        return None
    if touch and now - row.last_seen_at >= policy.touch_interval:
        await session.exec(
            update(AuthSession)
            .where(col(AuthSession.id) == row.id, col(AuthSession.revoked_at).is_(None))
            .values(last_seen_at=now)
        )
        await session.commit()
        row.last_seen_at = now
    return row, user


async def revoke(session: AsyncSession, session_id: int, reason: str) -> bool:
    result: CursorResult[object] = await session.exec(
        update(AuthSession)
        .where(col(AuthSession.id) == session_id, col(AuthSession.revoked_at).is_(None))
        .values(revoked_at=utcnow(), revoked_reason=reason[:64])
    )
    await session.commit()
    return bool(result.rowcount)


async def revoke_all(
    session: AsyncSession, user_id: int, reason: str, *, keep: int | None = None
) -> int:
    """End every live session and token of a user (but `keep`); commits."""
    statement = update(AuthSession).where(
        col(AuthSession.user_id) == user_id, col(AuthSession.revoked_at).is_(None)
    )
    if keep is not None:
        statement = statement.where(col(AuthSession.id) != keep)
    result: CursorResult[object] = await session.exec(
        statement.values(revoked_at=utcnow(), revoked_reason=reason[:64])
    )
    await session.commit()
    return int(result.rowcount or 0)


async def live_for_user(
    session: AsyncSession, user_id: int, policy: AuthPolicy
) -> Sequence[AuthSession]:
    now = utcnow()
    rows = (
        await session.exec(
            select(AuthSession)
            .where(
                AuthSession.user_id == user_id,
                col(AuthSession.revoked_at).is_(None),
                col(AuthSession.expires_at) > now,
            )
            .order_by(col(AuthSession.last_seen_at).desc())
        )
    ).all()
    return [row for row in rows if is_live(row, policy, now)]


async def live_counts(session: AsyncSession, policy: AuthPolicy) -> dict[int, int]:
    """user id -> number of live sessions and tokens."""
    now = utcnow()
    rows = (
        await session.exec(
            select(AuthSession).where(
                col(AuthSession.revoked_at).is_(None), col(AuthSession.expires_at) > now
            )
        )
    ).all()
    counts: dict[int, int] = {}
    for row in rows:
        if is_live(row, policy, now):
            counts[row.user_id] = counts.get(row.user_id, 0) + 1
    return counts


async def purge_ended(session: AsyncSession) -> None:
    """Forget sessions that ended long ago (called now and then at login)."""
    cutoff = utcnow() - KEEP_ENDED
    await session.exec(
        delete(AuthSession).where(
            or_(col(AuthSession.expires_at) < cutoff, col(AuthSession.revoked_at) < cutoff)
        )
    )
    await session.commit()
