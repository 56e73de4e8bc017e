"""Searching the audit log (the admin's audit page, its API and CSV export)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import String, cast, func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from upscaler.db.search import contains_any
from upscaler.db.tables import AuditLog, User


@dataclass(frozen=True)
class AuditFilter:
    username: str | None = None
    action: str | None = None  # exact, or a prefix ending in "." ("job.")
    entity_type: str | None = None
    entity_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    q: str | None = None  # free text over action, entity, address and details

    def is_empty(self) -> bool:
        return not any(vars(self).values())


@dataclass(frozen=True)
class AuditEntry:
    row: AuditLog
    username: str | None


def _apply(statement: SelectOfScalar[Any], where: AuditFilter) -> SelectOfScalar[Any]:
    if where.username:
        statement = statement.where(
            col(AuditLog.user_id).in_(select(User.id).where(User.username == where.username))
        )
    if where.action:
        if where.action.endswith("."):
            statement = statement.where(col(AuditLog.action).startswith(where.action))
        else:
            statement = statement.where(AuditLog.action == where.action)
    if where.entity_type:
        statement = statement.where(AuditLog.entity_type == where.entity_type)
    if where.entity_id:
        statement = statement.where(AuditLog.entity_id == where.entity_id)
    if where.since:
        statement = statement.where(col(AuditLog.created_at) >= where.since)
    if where.until:
        statement = statement.where(col(AuditLog.created_at) < where.until)
    if where.q:
        statement = statement.where(
            contains_any(
                where.q,
                col(AuditLog.action),
                col(AuditLog.entity_id),
                col(AuditLog.entity_type),
                col(AuditLog.ip_address),
                cast(col(AuditLog.details), String),
            )
        )
    return statement


async def usernames(session: AsyncSession, user_ids: Iterable[int | None]) -> dict[int, str]:
    """Each user's name by id, in one query (the admin lists show names)."""
    ids = {user_id for user_id in user_ids if user_id is not None}
    if not ids:
        return {}
    users = (await session.exec(select(User).where(col(User.id).in_(ids)))).all()
    return {user.id: user.username for user in users if user.id is not None}


async def search(
    session: AsyncSession, where: AuditFilter, *, page: int = 1, per_page: int = 50
) -> tuple[list[AuditEntry], int]:
    """One page, newest first, and the total number of matching rows."""
    total = (await session.exec(_apply(select(func.count()).select_from(AuditLog), where))).one()
    statement = _apply(select(AuditLog), where).order_by(col(AuditLog.id).desc())
    rows = (await session.exec(statement.offset((page - 1) * per_page).limit(per_page))).all()
    names = await usernames(session, (row.user_id for row in rows))
    entries = [AuditEntry(row, names.get(row.user_id) if row.user_id else None) for row in rows]
    return entries, int(total)


async def iterate(
    session: AsyncSession, where: AuditFilter, *, batch: int = 500
) -> AsyncIterator[AuditEntry]:
    """Every matching row, oldest first, in batches (for CSV export)."""
    last_id = 0
    while True:
        statement = (
            _apply(select(AuditLog), where)
            .where(col(AuditLog.id) > last_id)
            .order_by(col(AuditLog.id))
            .limit(batch)
        )
        rows = (await session.exec(statement)).all()
        if not rows:
            return
        names = await usernames(session, (row.user_id for row in rows))
        for row in rows:
            yield AuditEntry(row, names.get(row.user_id) if row.user_id else None)
        assert rows[-1].id is not None
        last_id = rows[-1].id


async def actions(session: AsyncSession) -> list[str]:
    """Distinct actions recorded so far (for the filter's choices)."""
    rows = (await session.exec(select(AuditLog.action).distinct().order_by(AuditLog.action))).all()
    return list(rows)


async def for_entity(
    session: AsyncSession, entity_type: str, entity_id: str, *, limit: int = 50
) -> list[AuditEntry]:
    entries, _total = await search(
        session, AuditFilter(entity_type=entity_type, entity_id=entity_id), per_page=limit
    )
    return entries
