"""A batch's state from its jobs: for each image the newest job (an admin's
requeue of a failure replaces it), counted and averaged."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from upscaler.accounts.caller import Caller
from upscaler.batches.schemas import BatchCounts, BatchStatus
from upscaler.contracts import JobStatus
from upscaler.db.tables import Batch, Job, Upload
from upscaler.errors import APIError


@dataclass(frozen=True)
class BatchState:
    batch: Batch
    #: The newest job of each image, in the order the images were sent.
    items: list[tuple[Job, Upload]]

    @property
    def counts(self) -> BatchCounts:
        counts = BatchCounts()
        for job, _upload in self.items:
            name = JobStatus(job.status).value
            setattr(counts, name, getattr(counts, name) + 1)
        return counts

    @property
    def progress(self) -> int:
        if not self.items:
            return 100
        done = sum(
            100 if JobStatus(job.status).is_terminal else job.progress for job, _ in self.items
        )
        return done // len(self.items)

    @property
    def status(self) -> BatchStatus:
        counts = self.counts
        if counts.queued or counts.running:
            started = counts.running or counts.completed or counts.failed or counts.canceled
            return BatchStatus.RUNNING if started else BatchStatus.QUEUED
        if counts.completed == len(self.items):
            return BatchStatus.COMPLETED
        if counts.completed:
            return BatchStatus.COMPLETED_WITH_ERRORS
        if self.batch.canceled_at is not None or counts.canceled == len(self.items):
            return BatchStatus.CANCELED
        return BatchStatus.FAILED

    @property
    def finished(self) -> bool:
        return self.status not in (BatchStatus.QUEUED, BatchStatus.RUNNING)


def batch_not_found(batch_id: str) -> APIError:
    return APIError(404, "not_found", f"no batch {batch_id!r}")


async def load_state(
    session: AsyncSession, batch_id: str, caller: Caller | None = None
) -> BatchState:
    """`caller`: another account's batch is a 404 to it (None: no check)."""
    batch = await session.get(Batch, batch_id)
    if batch is None or (caller is not None and not caller.may_see(batch.owner_id)):
        raise batch_not_found(batch_id)
    rows = (
        await session.exec(
            select(Job, Upload)
            .join(Upload, col(Upload.id) == col(Job.upload_id))
            .where(Job.batch_id == batch_id)
            .order_by(col(Upload.created_at), col(Upload.id), col(Job.created_at))
        )
    ).all()
    newest: dict[str, tuple[Job, Upload]] = {}
    for job, upload in rows:
        newest[upload.id] = (job, upload)  # ordered by creation: the last one wins
    return BatchState(batch, list(newest.values()))
