"""The `notification_deliveries` rows: one per job, kind and event.

An attempt is claimed with a compare-and-set on the attempt counter, so two
copies of one message (a broker redelivery) never deliver at the same time;
its outcome is written when it ends. Nothing here ever touches the job.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import func, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from upscaler.db.tables import NotificationDelivery
from upscaler.db.types import utcnow

#: Longest error text kept per delivery.
MAX_ERROR_LENGTH = 1000


class NotificationKind(StrEnum):
    WEBHOOK = "webhook"
    EMAIL = "email"


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


def new_delivery_id() -> str:
    return "dlv_" + secrets.token_urlsafe(16)


async def ensure(
    session: AsyncSession, job_id: str, kind: NotificationKind, event: str, target: str
) -> NotificationDelivery:
    """The job's row for this kind and event, made pending if there is none."""
    statement = select(NotificationDelivery).where(
        NotificationDelivery.job_id == job_id,
        NotificationDelivery.kind == kind.value,
        NotificationDelivery.event == event,
    )
    existing = (await session.exec(statement)).first()
    if existing is not None:
        return existing
    row = NotificationDelivery(
        delivery_id=new_delivery_id(), job_id=job_id, kind=kind.value, event=event, target=target
    )
    session.add(row)
    try:
        await session.commit()
    except IntegrityError:  # another copy of the message made it first
        await session.rollback()
        return (await session.exec(statement)).one()
    await session.refresh(row)
    return row


async def for_job(session: AsyncSession, job_id: str) -> Sequence[NotificationDelivery]:
    statement = (
        select(NotificationDelivery)
        .where(NotificationDelivery.job_id == job_id)
        .order_by(col(NotificationDelivery.id))
    )
    return (await session.exec(statement)).all()


async def _update(session: AsyncSession, row_id: int, *conditions: Any, **values: Any) -> bool:
    statement = (
        update(NotificationDelivery)
        .where(col(NotificationDelivery.id) == row_id, *conditions)
        .values(updated_at=utcnow(), **values)
    )
    result: CursorResult[Any] = await session.exec(statement)
    await session.commit()
    return result.rowcount == 1


async def claim_attempt(session: AsyncSession, row_id: int, attempt: int) -> bool:
    """Start attempt number `attempt` (1-based), unless another worker just
    did or the delivery has ended."""
    return await _update(
        session,
        row_id,
        col(NotificationDelivery.status) == DeliveryStatus.PENDING.value,
        col(NotificationDelivery.attempts) == attempt - 1,
        attempts=attempt,
        last_attempt_at=utcnow(),
        next_attempt_at=None,
    )


async def record_outcome(
    session: AsyncSession,
    row_id: int,
    *,
    status: DeliveryStatus,
    status_code: int | None,
    error: str | None,
    next_attempt_at: datetime | None = None,
) -> None:
    values: dict[str, Any] = {
        "status": status.value,
        "last_status_code": status_code,
        "last_error": error[:MAX_ERROR_LENGTH] if error else None,
        "next_attempt_at": next_attempt_at,
    }
    if status == DeliveryStatus.DELIVERED:
        values["delivered_at"] = utcnow()
    await _update(session, row_id, **values)


async def overdue(
    session: AsyncSession, *, older_than: datetime, limit: int = 500
) -> Sequence[NotificationDelivery]:
    """Pending deliveries nothing has touched since `older_than`: their message
    was never sent (the broker was down when the job ended) or was lost."""
    last_touched = func.coalesce(
        col(NotificationDelivery.next_attempt_at),
        col(NotificationDelivery.last_attempt_at),
        col(NotificationDelivery.created_at),
    )
    statement = (
        select(NotificationDelivery)
        .where(
            NotificationDelivery.status == DeliveryStatus.PENDING.value,
            last_touched < older_than,
        )
        .order_by(col(NotificationDelivery.id))
        .limit(limit)
    )
    return (await session.exec(statement)).all()


async def mark_sent_again(session: AsyncSession, row_id: int) -> None:
    """A fresh message is on its way: not overdue again for a while."""
    await _update(
        session,
        row_id,
        col(NotificationDelivery.status) == DeliveryStatus.PENDING.value,
        next_attempt_at=utcnow(),
    )
