"""Writing audit rows. Callers add the row in the same transaction as the
change it describes where they can, so an action and its record stand or
fall together."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from upscaler.db.tables import AuditLog

MAX_DETAILS_CHARS = 20_000


@dataclass(frozen=True)
class Actor:
    """Who acts: a signed-in user, or the emergency CLI (no user)."""

    user_id: int | None
    username: str
    ip: str | None


def _jsonable(details: dict[str, Any] | None) -> dict[str, Any]:
    if not details:
        return {}
    text = json.dumps(details, default=str, sort_keys=True)
    if len(text) > MAX_DETAILS_CHARS:
        return {"truncated": True, "summary": text[:MAX_DETAILS_CHARS]}
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def add(
    session: AsyncSession,
    actor: Actor | None,
    action: str,
    *,
    entity_type: str | None = None,
    entity_id: str | int | None = None,
    details: dict[str, Any] | None = None,
) -> AuditLog:
    """Add an audit row to the session (the caller commits)."""
    row = AuditLog(
        user_id=actor.user_id if actor else None,
        action=action[:64],
        entity_type=entity_type[:32] if entity_type else None,
        entity_id=str(entity_id)[:128] if entity_id is not None else None,
        details=_jsonable(details),
        ip_address=(actor.ip[:64] if actor and actor.ip else None),
    )
    session.add(row)
    return row


async def record(
    session: AsyncSession,
    actor: Actor | None,
    action: str,
    *,
    entity_type: str | None = None,
    entity_id: str | int | None = None,
    details: dict[str, Any] | None = None,
) -> AuditLog:
    """Add an audit row and commit."""
    row = add(session, actor, action, entity_type=entity_type, entity_id=entity_id, details=details)
    await session.commit()
    return row
