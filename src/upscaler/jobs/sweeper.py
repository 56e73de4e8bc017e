"""The database is the source of truth: put back on the queue any job that
should be there and may not be.

- running jobs whose lease ran out (their worker died) go back to queued;
- queued jobs never enqueued (the broker was down) are enqueued;
- when the broker has lost its messages (Redis restarted without
  persistence, or was flushed), every queued job is enqueued again.
A duplicate message is harmless: workers claim jobs with a compare-and-set.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime, timedelta

from upscaler.context import AppContext
from upscaler.contracts import Queue
from upscaler.db.types import utcnow
from upscaler.jobs import state_machine
from upscaler.notifications import repository as notifications
from upscaler.queueing.producer import QueueUnavailableError

log = logging.getLogger(__name__)

SWEEP_INTERVAL_SECONDS = 5.0


async def sweep(context: AppContext, *, fresh_broker: bool = False) -> int:
    """One pass; returns how many jobs were (re-)enqueued.

    fresh_broker: the broker was just made in this process (embedded mode at
    start-up): nothing can be running and no queued job has a message yet.
    """
    now = utcnow()
    try:
        lost = fresh_broker or await context.producer.messages_lost()
    except QueueUnavailableError as error:
        log.warning("sweeper cannot reach the queue yet: %s", error)
        return 0
    async with context.sessions() as session:
        expired_before = now + timedelta(days=3650) if fresh_broker else now
        recovered = await state_machine.recover_orphans(session, expired_before=expired_before)
        if recovered:
            log.warning("recovered %d orphaned running job(s): %s", len(recovered), recovered)
        if lost and not fresh_broker:
            log.warning("the broker lost its messages: enqueueing every queued job again")
        waiting = await state_machine.queued_without_message(session, all_queued=lost)
        targets = [(job.job_id, Queue(job.queue), job.started_at is not None) for job in waiting]
    enqueued = 0
    await _resend_overdue_notifications(context, now)
    for job_id, queue, ran_before in targets:
        try:
            await context.producer.enqueue(job_id, queue, priority=ran_before)
        except QueueUnavailableError as error:
            log.warning("sweeper cannot reach the queue yet: %s", error)
            if lost:  # try the whole pass again next time
                await context.producer.forget_epoch()
            break
        async with context.sessions() as session:
            await state_machine.mark_enqueued(session, job_id)
        enqueued += 1
    return enqueued


#: A pending notification untouched this long has lost its message.
NOTIFICATION_GRACE = timedelta(minutes=2)


async def _resend_overdue_notifications(context: AppContext, now: datetime) -> None:
    async with context.sessions() as session:
        rows = await notifications.overdue(session, older_than=now - NOTIFICATION_GRACE)
        for row in rows:
            try:
                await context.producer.enqueue_notification(row.job_id, row.kind)
            except QueueUnavailableError:
                return
            assert row.id is not None
            await notifications.mark_sent_again(session, row.id)
    if rows:
        log.warning("sent %d overdue notification(s) again", len(rows))


class Sweeper:
    """Runs `sweep` at start-up and then every SWEEP_INTERVAL_SECONDS."""

    def __init__(self, *, fresh_broker: bool, interval: float = SWEEP_INTERVAL_SECONDS) -> None:
        self._fresh_broker = fresh_broker
        self._interval = interval
        self._task: asyncio.Task[None] | None = None

    async def start(self, context: AppContext) -> None:
        await sweep(context, fresh_broker=self._fresh_broker)
        self._task = asyncio.create_task(self._loop(context), name="job-sweeper")

    async def _loop(self, context: AppContext) -> None:
        while True:
            await asyncio.sleep(self._interval)
            try:
                await sweep(context)
            except Exception:
                log.exception("job sweep failed; will try again")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
