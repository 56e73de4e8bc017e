"""API keys: made, listed and revoked by their owner (or an admin); resolved
on every call of the public API. Only a key's SHA-256 is stored."""

from __future__ import annotations

import secrets
from collections.abc import Sequence

from sqlmodel import col, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from upscaler.auth.sessions import user_can_log_in
from upscaler.auth.tokens import hash_token
from upscaler.db.tables import ApiKey, User
from upscaler.db.types import utcnow
from upscaler.errors import APIError

#: Tells an API key from a login token (`uap_`) in the same header.
KEY_PREFIX = "upk_"
#: How much of a key lists show.
SHOWN = len(KEY_PREFIX) + 6
#: Keys a user may hold at once (revoked ones do not count).
MAX_KEYS = 20


def new_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


async def create_key(session: AsyncSession, user: User, name: str) -> tuple[ApiKey, str]:
    """(the row, the key itself: shown once, never again)."""
    assert user.id is not None
    live = (
        await session.exec(
            select(ApiKey).where(ApiKey.user_id == user.id, col(ApiKey.revoked_at).is_(None))
        )
    ).all()
    if len(live) >= MAX_KEYS:
        raise APIError(409, "conflict", f"at most {MAX_KEYS} keys: revoke one first")
    key = new_key()
    row = ApiKey(user_id=user.id, name=name, prefix=key[:SHOWN], key_hash=hash_token(key))
    session.add(row)
    await session.commit()
    await session.refresh(row)
    return row, key


async def list_keys(session: AsyncSession, user_id: int) -> Sequence[ApiKey]:
    statement = select(ApiKey).where(ApiKey.user_id == user_id).order_by(col(ApiKey.id))
    return (await session.exec(statement)).all()


async def revoke_key(session: AsyncSession, key_id: int, *, owner_id: int | None) -> ApiKey:
    """Revoke at once (the next call with it is a 401). owner_id None: any
    user's key (an admin)."""
    row = await session.get(ApiKey, key_id)
    if row is None or (owner_id is not None and row.user_id != owner_id):
        raise APIError(404, "not_found", f"no API key {key_id}")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        session.add(row)
        await session.commit()
        await session.refresh(row)
    return row


async def resolve_key(session: AsyncSession, key: str) -> User | None:
    """The key's user, if the key is live and the user may sign in."""
    if not key.startswith(KEY_PREFIX) or len(key) > 200:
        return None
    row = (await session.exec(select(ApiKey).where(ApiKey.key_hash == hash_token(key)))).first()
    if row is None or row.revoked_at is not None:
        return None
    user = await session.get(User, row.user_id)
    if user is None or not user_can_log_in(user):
        return None
    await session.exec(update(ApiKey).where(col(ApiKey.id) == row.id).values(last_used_at=utcnow()))
    await session.commit()
    return user
