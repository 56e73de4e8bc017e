"""Job rows and their state machine.

Every transition is a single compare-and-set UPDATE: it names the state (and,
for a running job, the worker holding it) that it expects, and reports
whether it won. That is what makes job processing idempotent: a redelivered
or duplicated message cannot take a job another live worker holds or that
has finished, and a worker that lost its job (canceled, lease taken over)
cannot overwrite it.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, update
from sqlalchemy.engine import CursorResult
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from upscaler.contracts import JobStatus
from upscaler.db.tables import Job
from upscaler.db.types import utcnow


def new_job_id() -> str:
    """128 random bits: the id is the capability to see the job."""
    return "job_" + secrets.token_urlsafe(16)


async def get_job(session: AsyncSession, job_id: str) -> Job | None:
    return await session.get(Job, job_id, populate_existing=True)


async def count_with_status(session: AsyncSession, status: JobStatus) -> int:
    result = await session.exec(
        select(func.count()).select_from(Job).where(Job.status == status.value)
    )
    return int(result.one())


async def queue_position(session: AsyncSession, job: Job) -> int | None:
    """1 for the next job to run; None once it is no longer queued."""
    if job.status != JobStatus.QUEUED:
        return None
    result = await session.exec(
        select(func.count())
        .select_from(Job)
        .where(Job.status == JobStatus.QUEUED.value, col(Job.created_at) < job.created_at)
    )
    return int(result.one()) + 1


async def _cas(session: AsyncSession, job_id: str, *conditions: Any, **values: Any) -> bool:
    statement = update(Job).where(col(Job.job_id) == job_id, *conditions).values(**values)
    result: CursorResult[Any] = await session.exec(statement)
    await session.commit()
    return result.rowcount == 1


def _held_by(worker_id: str) -> tuple[Any, Any]:
    return (col(Job.status) == JobStatus.RUNNING.value, col(Job.worker_id) == worker_id)


async def mark_enqueued(session: AsyncSession, job_id: str) -> None:
    await _cas(session, job_id, col(Job.status) == JobStatus.QUEUED.value, enqueued_at=utcnow())


async def claim(
    session: AsyncSession, job_id: str, worker_id: str, lease_seconds: float
) -> Job | None:
    """Take a queued job, or a running one whose holder's lease ran out."""
    now = utcnow()
    claimable = or_(
        col(Job.status) == JobStatus.QUEUED.value,
        (col(Job.status) == JobStatus.RUNNING.value) & (col(Job.lease_expires_at) < now),
    )
    # The row comes back from the UPDATE itself (RETURNING, in SQLite and
    # PostgreSQL alike): one statement, not the update and then a read.
    statement = (
        update(Job)
        .where(col(Job.job_id) == job_id, claimable)
        .values(
            status=JobStatus.RUNNING.value,
            worker_id=worker_id,
            lease_expires_at=now + timedelta(seconds=lease_seconds),
            started_at=func.coalesce(col(Job.started_at), now),
            # A worker can take the message before the API has marked it sent.
            enqueued_at=func.coalesce(col(Job.enqueued_at), now),
            attempts=col(Job.attempts) + 1,
            error_message=None,
        )
        .returning(Job)
        .execution_options(populate_existing=True)
    )
    job = (await session.exec(statement)).scalars().first()
    await session.commit()
    return job


async def renew_lease(
    session: AsyncSession, job_id: str, worker_id: str, lease_seconds: float
) -> bool:
    """False once the job is no longer this worker's (canceled, say)."""
    return await _cas(
        session,
        job_id,
        *_held_by(worker_id),
        lease_expires_at=utcnow() + timedelta(seconds=lease_seconds),
    )


async def set_progress(
    session: AsyncSession, job_id: str, worker_id: str, progress: int, lease_seconds: float
) -> bool:
    return await _cas(
        session,
        job_id,
        *_held_by(worker_id),
        progress=max(0, min(99, progress)),
        lease_expires_at=utcnow() + timedelta(seconds=lease_seconds),
    )


async def record_run_details(
    session: AsyncSession, job_id: str, worker_id: str, **values: Any
) -> bool:
    """Model, provider and engine details, as soon as they are known."""
    return await _cas(session, job_id, *_held_by(worker_id), **values)


async def complete(
    session: AsyncSession,
    job_id: str,
    worker_id: str,
    *,
    started_at: datetime | None = None,
    **result: Any,
) -> bool:
    """``started_at``: the start the claim returned, when the caller holds it
    (the duration is counted from it without reading the row again)."""
    if started_at is None:
        job = await get_job(session, job_id)
        if job is None or job.started_at is None:
            return False
        started_at = job.started_at
    now = utcnow()
    return await _cas(
        session,
        job_id,
        *_held_by(worker_id),
        status=JobStatus.COMPLETED.value,
        progress=100,
        finished_at=now,
        duration_seconds=round((now - started_at).total_seconds(), 3),
        lease_expires_at=None,
        **result,
    )


async def fail(session: AsyncSession, job_id: str, worker_id: str | None, message: str) -> bool:
    """Running (held by worker_id) or queued → failed with a message."""
    job = await get_job(session, job_id)
    if job is None:
        return False
    now = utcnow()
    if worker_id is None:
        condition = col(Job.status) == JobStatus.QUEUED.value
    else:
        condition = (col(Job.status) == JobStatus.RUNNING.value) & (col(Job.worker_id) == worker_id)
    started = job.started_at
    return await _cas(
        session,
        job_id,
        condition,
        status=JobStatus.FAILED.value,
        error_message=message[:4000],
        finished_at=now,
        duration_seconds=round((now - started).total_seconds(), 3) if started else None,
        lease_expires_at=None,
    )


async def release(session: AsyncSession, job_id: str, worker_id: str, note: str | None) -> bool:
    """Give a running job back to the queue (retry, or a worker shutting down).

    The caller makes sure a message for it is on its way (a retry, or a fresh
    enqueue); should that be lost, the sweeper enqueues it again later.
    """
    return await _cas(
        session,
        job_id,
        *_held_by(worker_id),
        status=JobStatus.QUEUED.value,
        worker_id=None,
        lease_expires_at=None,
        progress=0,
        error_message=note,
        enqueued_at=utcnow(),
    )


async def cancel(session: AsyncSession, job_id: str) -> bool:
    """Queued or running → canceled. A running job stops at its next tile."""
    now = utcnow()
    return await _cas(
        session,
        job_id,
        col(Job.status).in_([JobStatus.QUEUED.value, JobStatus.RUNNING.value]),
        status=JobStatus.CANCELED.value,
        finished_at=now,
        lease_expires_at=None,
    )


async def recover_orphans(session: AsyncSession, *, expired_before: datetime) -> list[str]:
    """Running jobs whose lease ended before `expired_before` go back to queued.

    With `expired_before` in the future (embedded start-up, where no other
    worker can exist) every running job is recovered.
    """
    statement = (
        update(Job)
        .where(
            col(Job.status) == JobStatus.RUNNING.value,
            or_(col(Job.lease_expires_at).is_(None), col(Job.lease_expires_at) < expired_before),
        )
        .values(
            status=JobStatus.QUEUED.value,
            worker_id=None,
            lease_expires_at=None,
            progress=0,
            enqueued_at=None,  # so the sweeper enqueues it at once
        )
        .returning(col(Job.job_id))
    )
    result = await session.exec(statement)
    recovered = [row[0] for row in result.all()]
    await session.commit()
    return recovered


async def queued_without_message(
    session: AsyncSession, *, all_queued: bool = False, limit: int = 1000
) -> Sequence[Job]:
    """Queued jobs that have no message on its way: never enqueued (the broker
    was down) or recovered from a dead worker — or every queued job, when the
    broker is known to have lost its messages."""
    statement = select(Job).where(Job.status == JobStatus.QUEUED.value)
    if not all_queued:
        statement = statement.where(col(Job.enqueued_at).is_(None))
    statement = statement.order_by(col(Job.created_at)).limit(limit)
    return (await session.exec(statement)).all()
