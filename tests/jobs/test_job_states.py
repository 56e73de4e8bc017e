"""The job state machine's compare-and-set transitions, on SQLite and PostgreSQL."""

import asyncio
from datetime import timedelta

from tests.jobs.support import Sessions, make_job
from upscaler.contracts import JobStatus
from upscaler.db.tables import Job
from upscaler.db.types import utcnow
from upscaler.jobs import state_machine


async def status_of(sessions: Sessions, job_id: str) -> Job:
    async with sessions() as session:
        job = await state_machine.get_job(session, job_id)
    assert job is not None
    return job


async def test_job_ids_are_unguessable() -> None:
    ids = {state_machine.new_job_id() for _ in range(1000)}
    assert len(ids) == 1000
    assert all(len(i) >= 4 + 22 for i in ids)


async def test_only_one_of_many_concurrent_claims_wins(sessions: Sessions) -> None:
    job_id = await make_job(sessions)

    async def claim(worker: str) -> bool:
        async with sessions() as session:
            return await state_machine.claim(session, job_id, worker, 30) is not None

    results = await asyncio.gather(*(claim(f"w{i}") for i in range(8)))
    assert sum(results) == 1
    job = await status_of(sessions, job_id)
    assert job.status == JobStatus.RUNNING
    assert job.attempts == 1
    assert job.started_at is not None


async def test_a_finished_job_is_never_claimed_again(sessions: Sessions) -> None:
    job_id = await make_job(sessions)
    async with sessions() as session:
        assert await state_machine.claim(session, job_id, "w1", 30)
        assert await state_machine.complete(
            session, job_id, "w1", result_storage_key="results/r.png"
        )
        assert await state_machine.claim(session, job_id, "w2", 30) is None
        assert not await state_machine.fail(session, job_id, "w1", "late failure")
    job = await status_of(sessions, job_id)
    assert job.status == JobStatus.COMPLETED
    assert job.progress == 100
    assert job.duration_seconds is not None and job.duration_seconds >= 0


async def test_the_claim_returns_the_row_it_wrote_and_completion_counts_from_its_start(
    sessions: Sessions,
) -> None:
    job_id = await make_job(sessions)
    async with sessions() as session:
        claimed = await state_machine.claim(session, job_id, "w1", 30)
        assert claimed is not None
        assert (claimed.status, claimed.worker_id, claimed.attempts) == (
            JobStatus.RUNNING,
            "w1",
            1,
        )
        assert claimed.started_at is not None and claimed.lease_expires_at is not None
        # The start the worker holds: the duration needs no second read.
        started = claimed.started_at - timedelta(seconds=5)
        assert await state_machine.complete(session, job_id, "w1", started_at=started)
    job = await status_of(sessions, job_id)
    assert job.status == JobStatus.COMPLETED
    assert job.duration_seconds is not None and 5 <= job.duration_seconds < 60


async def test_an_expired_lease_can_be_taken_over(sessions: Sessions) -> None:
    job_id = await make_job(sessions)
    async with sessions() as session:
        assert await state_machine.claim(session, job_id, "dead", 30)
        assert await state_machine.claim(session, job_id, "other", 30) is None  # lease still live
        await state_machine.record_run_details(
            session, job_id, "dead", lease_expires_at=utcnow() - timedelta(seconds=1)
        )
        taken = await state_machine.claim(session, job_id, "other", 30)
        assert taken is not None
        assert taken.worker_id == "other"
        assert taken.attempts == 2
        # The old holder has lost it: nothing it writes lands.
        assert not await state_machine.set_progress(session, job_id, "dead", 50, 30)
        assert not await state_machine.complete(session, job_id, "dead")
        assert await state_machine.complete(session, job_id, "other")


async def test_cancel_stops_the_holder(sessions: Sessions) -> None:
    job_id = await make_job(sessions)
    async with sessions() as session:
        assert await state_machine.claim(session, job_id, "w", 30)
        assert await state_machine.set_progress(session, job_id, "w", 40, 30)
        assert await state_machine.cancel(session, job_id)
        assert not await state_machine.cancel(session, job_id)  # already ended
        assert not await state_machine.renew_lease(session, job_id, "w", 30)
        assert not await state_machine.complete(session, job_id, "w")
    assert (await status_of(sessions, job_id)).status == JobStatus.CANCELED


async def test_release_and_recover(sessions: Sessions) -> None:
    first, second = await make_job(sessions), await make_job(sessions)
    async with sessions() as session:
        assert await state_machine.claim(session, first, "w", 30)
        assert await state_machine.release(session, first, "w", "retrying after: boom")
        assert await state_machine.claim(session, second, "w", 0.01)
    released = await status_of(sessions, first)
    assert released.status == JobStatus.QUEUED
    assert released.error_message == "retrying after: boom"
    await asyncio.sleep(0.05)
    async with sessions() as session:
        recovered = await state_machine.recover_orphans(session, expired_before=utcnow())
    assert second in recovered
    orphan = await status_of(sessions, second)
    assert orphan.status == JobStatus.QUEUED
    assert orphan.enqueued_at is None
    async with sessions() as session:
        waiting = await state_machine.queued_without_message(session)
        everything = await state_machine.queued_without_message(session, all_queued=True)
    assert second in {job.job_id for job in waiting}
    assert first not in {job.job_id for job in waiting}  # released with a retry on its way
    assert {first, second} <= {job.job_id for job in everything}


async def test_queue_position(sessions: Sessions) -> None:
    ids = [await make_job(sessions) for _ in range(3)]
    async with sessions() as session:
        positions = []
        for job_id in ids:
            job = await state_machine.get_job(session, job_id)
            assert job is not None
            position = await state_machine.queue_position(session, job)
            assert position is not None, job_id
            positions.append(position)
    assert positions == sorted(positions)
    assert positions[1] == positions[0] + 1
