"""Retention: files are kept `retention_days` (a run-time setting; 0 keeps
them forever), then deleted. Results and previews go once their job finished
before the cut-off; an original goes once every job made from it has. A file
shared by instant repeats goes with the last job or upload holding it. The
rows stay, for the record and the audit log. Workers unheard of for a day are
forgotten."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, exists, or_, update
from sqlmodel import col, select

from upscaler.audit.service import add
from upscaler.context import AppContext
from upscaler.contracts import TERMINAL_STATUSES
from upscaler.db.tables import Job, Upload, Worker
from upscaler.db.types import utcnow
from upscaler.jobs.repeats import shared_elsewhere

log = logging.getLogger(__name__)

RETENTION_INTERVAL_SECONDS = 1800.0
BATCH = 500
_TERMINAL = [status.value for status in TERMINAL_STATUSES]


@dataclass(frozen=True)
class Purged:
    jobs: int = 0
    originals: int = 0


async def purge_expired(context: AppContext, *, now: datetime | None = None) -> Purged:
    """One pass (at most BATCH of each kind); returns what it removed."""
    await _forget_dead_workers(context)
    days = (await context.live.get()).retention_days
    if days <= 0:
        return Purged()
    cutoff = (now or utcnow()) - timedelta(days=days)
    jobs = await _purge_results(context, cutoff)
    originals = await _purge_originals(context, cutoff)
    if jobs or originals:
        async with context.sessions() as session:
            add(
                session,
                None,
                "retention.purged",
                details={"jobs": jobs, "originals": originals, "before": cutoff.isoformat()},
            )
            await session.commit()
        log.info("retention removed %d result(s) and %d original(s)", jobs, originals)
    return Purged(jobs, originals)


#: A worker unheard of this long (killed, its host gone) leaves the workers page.
DEAD_WORKER_AFTER = timedelta(days=1)


async def _forget_dead_workers(context: AppContext) -> None:
    async with context.sessions() as session:
        await session.exec(
            delete(Worker).where(col(Worker.last_seen_at) < utcnow() - DEAD_WORKER_AFTER)
        )
        await session.commit()


async def _purge_results(context: AppContext, cutoff: datetime) -> int:
    async with context.sessions() as session:
        statement = (
            select(Job)
            .where(
                col(Job.status).in_(_TERMINAL),
                col(Job.finished_at) < cutoff,
                or_(
                    col(Job.result_storage_key).is_not(None),
                    col(Job.thumbnail_storage_key).is_not(None),
                ),
            )
            .limit(BATCH)
        )
        jobs = (await session.exec(statement)).all()
        for job in jobs:
            # Let go first: then the last job sharing a file (instant repeats)
            # sees no other holder and deletes it. (The update also clears the
            # loaded row's attributes, so the keys are read before it.)
            held = (job.result_storage_key, job.thumbnail_storage_key)
            await session.exec(
                update(Job)
                .where(col(Job.job_id) == job.job_id)
                .values(result_storage_key=None, thumbnail_storage_key=None)
            )
            for key in held:
                if key and not await shared_elsewhere(session, key, job_id=job.job_id):
                    await context.storage.delete(key)
        await session.commit()
        return len(jobs)


async def _purge_originals(context: AppContext, cutoff: datetime) -> int:
    # An original still needed by a job that has not finished, or finished
    # after the cut-off (a recent requeue), stays.
    still_needed = exists().where(
        col(Job.upload_id) == col(Upload.id),
        or_(
            col(Job.status).not_in(_TERMINAL),
            col(Job.finished_at).is_(None),
            col(Job.finished_at) >= cutoff,
        ),
    )
    async with context.sessions() as session:
        statement = (
            select(Upload)
            .where(col(Upload.purged_at).is_(None), col(Upload.created_at) < cutoff, ~still_needed)
            .limit(BATCH)
        )
        uploads = (await session.exec(statement)).all()
        for upload in uploads:
            upload.purged_at = utcnow()
            session.add(upload)
            await session.flush()
            if not await shared_elsewhere(session, upload.storage_key, upload_id=upload.id):
                await context.storage.delete(upload.storage_key)
        await session.commit()
        return len(uploads)


#: Another pass the sweeper runs beside `purge_expired` (previews' expiry).
ExtraPass = Callable[[AppContext], Awaitable[object]]


class RetentionSweeper:
    """Runs `purge_expired` (and the `extra` passes) now and then in every API
    process (they are idempotent, so replicas may overlap)."""

    def __init__(
        self, interval: float = RETENTION_INTERVAL_SECONDS, extra: Sequence[ExtraPass] = ()
    ) -> None:
        self._interval = interval
        self._passes: list[ExtraPass] = [purge_expired, *extra]
        self._task: asyncio.Task[None] | None = None

    async def start(self, context: AppContext) -> None:
        self._task = asyncio.create_task(self._loop(context), name="retention")

    async def _loop(self, context: AppContext) -> None:
        while True:
            for one_pass in self._passes:
                try:
                    await one_pass(context)
                except Exception:
                    log.exception("retention pass failed; will try again")
            await asyncio.sleep(self._interval)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
