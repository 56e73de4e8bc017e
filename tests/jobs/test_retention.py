"""Retention deletes old files, keeps what a recent job still needs, and
leaves the rows (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import col, select, update

from upscaler.context import AppContext
from upscaler.db.tables import AuditLog, Job, Upload, Worker
from upscaler.db.types import utcnow
from upscaler.jobs import state_machine
from upscaler.jobs.repeats import repeated
from upscaler.jobs.retention import purge_expired
from upscaler.storage import new_key


async def stored_job(
    context: AppContext, *, finished_days_ago: float, upload_id: str | None = None
) -> Job:
    storage = context.storage
    async with context.sessions() as session:
        if upload_id is None:
            key = new_key("originals", "png")
            await storage.put_bytes(key, b"original", "image/png")
            upload = Upload(
                id="upl_" + state_machine.new_job_id()[4:], original_filename="a.png",
                mime_type="image/png", width=1, height=1, size_bytes=8, sha256="0" * 64,
                storage_key=key, created_at=utcnow() - timedelta(days=finished_days_ago + 1),
            )  # fmt: skip
            session.add(upload)
            await session.flush()
            upload_id = upload.id
        result, preview = new_key("results", "png"), new_key("previews", "jpg")
        await storage.put_bytes(result, b"result", "image/png")
        await storage.put_bytes(preview, b"preview", "image/jpeg")
        job = Job(
            job_id=state_machine.new_job_id(), upload_id=upload_id, status="completed",
            result_storage_key=result, thumbnail_storage_key=preview,
            finished_at=utcnow() - timedelta(days=finished_days_ago),
        )  # fmt: skip
        session.add(job)
        await session.commit()
        return job


async def test_old_files_go_and_rows_stay(context: AppContext) -> None:
    async with context.sessions() as session:
        await context.live.update(session, {"retention_days": 7}, user_id=None)
    old = await stored_job(context, finished_days_ago=10)
    recent = await stored_job(context, finished_days_ago=1)
    # A requeue of an old upload that finished recently keeps that original.
    shared_old = await stored_job(context, finished_days_ago=10)
    requeued = await stored_job(context, finished_days_ago=1, upload_id=shared_old.upload_id)

    purged = await purge_expired(context)

    storage = context.storage
    async with context.sessions() as session:
        old_job = await session.get(Job, old.job_id, populate_existing=True)
        old_upload = await session.get(Upload, old.upload_id, populate_existing=True)
        recent_upload = await session.get(Upload, recent.upload_id, populate_existing=True)
        shared_upload = await session.get(Upload, shared_old.upload_id, populate_existing=True)
        audit = (
            await session.exec(select(AuditLog).where(AuditLog.action == "retention.purged"))
        ).all()
    assert old_job is not None and old_upload is not None
    assert old_job.result_storage_key is None
    assert old_job.thumbnail_storage_key is None
    assert not await storage.exists(old.result_storage_key or "")
    assert not await storage.exists(old_upload.storage_key)
    assert old_upload.purged_at is not None
    assert await storage.exists(recent.result_storage_key or "")
    assert recent_upload is not None and recent_upload.purged_at is None
    assert shared_upload is not None and shared_upload.purged_at is None
    assert await storage.exists(shared_upload.storage_key)
    assert await storage.exists(requeued.result_storage_key or "")
    assert purged.jobs == 2  # old and shared_old
    assert purged.originals == 1
    assert len(audit) == 1

    again = await purge_expired(context)
    assert (again.jobs, again.originals) == (0, 0)


async def test_zero_days_keeps_everything(context: AppContext) -> None:
    async with context.sessions() as session:
        await context.live.update(session, {"retention_days": 0}, user_id=None)
    job = await stored_job(context, finished_days_ago=400)
    purged = await purge_expired(context)
    assert (purged.jobs, purged.originals) == (0, 0)
    assert await context.storage.exists(job.result_storage_key or "")


async def test_dead_workers_are_forgotten(context: AppContext) -> None:
    async with context.sessions() as session:
        session.add(
            Worker(id="gone", hostname="h", pid=1, last_seen_at=utcnow() - timedelta(days=2))
        )
        session.add(Worker(id="alive", hostname="h", pid=2))
        await session.commit()
    await purge_expired(context)
    async with context.sessions() as session:
        assert await session.get(Worker, "gone") is None
        alive = await session.get(Worker, "alive")
        assert alive is not None
        # The database is shared with later tests that read the workers table.
        await session.delete(alive)
        await session.commit()


async def instant_repeat_of(context: AppContext, donor: Job, *, finished_days_ago: float) -> Job:
    """A completed instant repeat of `donor` (its own upload row, the donor's
    stored original, result and preview)."""
    async with context.sessions() as session:
        donor_upload = await session.get(Upload, donor.upload_id)
        assert donor_upload is not None
        upload = Upload(
            id="upl_" + state_machine.new_job_id()[4:], original_filename="again.png",
            mime_type="image/png", width=1, height=1, size_bytes=8, sha256="0" * 64,
            storage_key=donor_upload.storage_key,
            created_at=utcnow() - timedelta(days=finished_days_ago),
        )  # fmt: skip
        session.add(upload)
        await session.flush()
        job = repeated(donor, upload, state_machine.new_job_id(), "k" * 64, {})
        job.finished_at = utcnow() - timedelta(days=finished_days_ago)
        session.add(job)
        await session.commit()
        return job


async def test_files_shared_by_an_instant_repeat_go_with_the_last_holder(
    context: AppContext,
) -> None:
    async with context.sessions() as session:
        await context.live.update(session, {"retention_days": 7}, user_id=None)
    donor = await stored_job(context, finished_days_ago=10)
    repeat = await instant_repeat_of(context, donor, finished_days_ago=1)
    async with context.sessions() as session:
        donor_upload = await session.get(Upload, donor.upload_id)
    assert donor_upload is not None
    shared = [donor.result_storage_key, donor.thumbnail_storage_key, donor_upload.storage_key]

    # (Counts are not checked: the database holds the other tests' jobs.)
    await purge_expired(context)

    for key in shared:
        assert await context.storage.exists(key or ""), key  # the repeat still holds them
    async with context.sessions() as session:
        held = await session.get(Job, repeat.job_id, populate_existing=True)
        released = await session.get(Job, donor.job_id, populate_existing=True)
        assert held is not None and held.result_storage_key == donor.result_storage_key
        assert released is not None and released.result_storage_key is None
        donor_upload = await session.get(Upload, donor.upload_id, populate_existing=True)
        assert donor_upload is not None and donor_upload.purged_at is not None
        # Ten days on, the repeat has expired too: now they go.
        await session.exec(
            update(Job).where(col(Job.job_id) == repeat.job_id)
            .values(finished_at=utcnow() - timedelta(days=10))
        )  # fmt: skip
        await session.exec(
            update(Upload).where(col(Upload.id) == repeat.upload_id)
            .values(created_at=utcnow() - timedelta(days=10))
        )  # fmt: skip
        await session.commit()

    await purge_expired(context)

    for key in shared:
        assert not await context.storage.exists(key or ""), key
