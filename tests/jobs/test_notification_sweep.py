"""A notification whose message never reached the broker is sent again by the
sweeper (on SQLite and PostgreSQL), once, and not again while it is fresh."""

from __future__ import annotations

from datetime import timedelta
from queue import Queue
from typing import Any

import dramatiq

from tests.jobs.support import make_job
from upscaler.context import AppContext
from upscaler.contracts import NOTIFICATIONS_QUEUE
from upscaler.db.types import utcnow
from upscaler.jobs.sweeper import NOTIFICATION_GRACE, sweep
from upscaler.notifications import repository as deliveries
from upscaler.notifications.repository import NotificationKind


def queued_notifications(context: AppContext) -> list[tuple[str, ...]]:
    queue = context.producer.broker.queues[NOTIFICATIONS_QUEUE]  # the in-memory broker's queue
    return [tuple(message.args) for message in _drain(queue)]


def _drain(queue: Queue[bytes]) -> list[dramatiq.Message[Any]]:
    items = []
    while not queue.empty():
        items.append(dramatiq.Message.decode(queue.get_nowait()))
    return items


async def test_overdue_notification_is_sent_again(context: AppContext) -> None:
    job_id = await make_job(context.sessions)
    async with context.sessions() as session:
        row = await deliveries.ensure(
            session, job_id, NotificationKind.WEBHOOK, "job.completed", "https://example.com/h"
        )
        row.created_at = utcnow() - NOTIFICATION_GRACE - timedelta(seconds=5)
        session.add(row)
        await session.commit()

    await sweep(context)
    assert queued_notifications(context) == [(job_id, "webhook")]

    await sweep(context)  # just sent again: not overdue now
    assert queued_notifications(context) == []


async def test_a_fresh_notification_is_left_alone(context: AppContext) -> None:
    job_id = await make_job(context.sessions)
    async with context.sessions() as session:
        await deliveries.ensure(
            session, job_id, NotificationKind.EMAIL, "job.completed", "a@example.com"
        )
    await sweep(context)
    assert queued_notifications(context) == []
