"""Record and send a finished job's notifications: one pending delivery row
per webhook or e-mail it asked for, then one `notify_job` message each.

Both sides finish jobs: a worker after it ran one, the API when an upload is
an instant repeat of an earlier job (it completes without a worker), so this
lives here, beside the rows it writes, and takes what it needs as arguments.
"""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from upscaler.config import Settings
from upscaler.db.tables import Job
from upscaler.notifications import repository as deliveries
from upscaler.notifications.payload import NotificationEvent
from upscaler.notifications.repository import NotificationKind
from upscaler.queueing.producer import JobProducer

log = logging.getLogger(__name__)


def targets(settings: Settings, job: Job) -> dict[NotificationKind, str]:
    """What this job is to be notified to, by kind."""
    wanted: dict[NotificationKind, str] = {}
    callback = job.params.get("callback_url")
    email = job.params.get("email")
    if isinstance(callback, str) and callback:
        wanted[NotificationKind.WEBHOOK] = callback
    # E-mail is refused at upload without SMTP; a process configured without it
    # (or a job from before it was turned off) records nothing.
    if isinstance(email, str) and email and settings.smtp_url is not None:
        wanted[NotificationKind.EMAIL] = email
    return wanted


async def announce(
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    producer: JobProducer,
    finished: Job,
) -> None:
    """For a job whose terminal state is committed; ``finished``: its row as
    the caller holds it. Never raises: a job is not failed by its notification.
    Its targets are fixed at upload, so a job that asked for none (most)
    costs no database session; the row is read again only for its status."""
    job_id = finished.job_id
    try:
        if not targets(settings, finished):
            return
        async with sessions() as session:
            job = await session.get(Job, job_id)
            event = NotificationEvent.for_status(job.status) if job is not None else None
            if job is None or event is None:
                return
            wanted = targets(settings, job)
            for kind, target in wanted.items():
                await deliveries.ensure(session, job_id, kind, event.value, target)
        for kind in wanted:
            await producer.enqueue_notification(job_id, kind.value)
    except Exception:
        log.exception("could not send the notifications of job %s", job_id)
