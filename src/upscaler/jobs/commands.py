"""What an operator can do to a job: cancel it, run it again (the same
parameters or some overridden, as a new job that remembers where it came
from), requeue everything a model produced or a batch's failures, delete its
artifacts.

Each command records itself in the audit log in the same transaction as the
change. New jobs are enqueued only after their row is committed (a worker
must always find the row it is sent); if the broker cannot take the message,
the job stays queued and the sweeper enqueues it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from upscaler.audit.service import Actor, add
from upscaler.catalog.service import (
    face_refinement_available,
    get_model,
    is_variant,
    queue_for,
    resolve_model,
)
from upscaler.context import AppContext
from upscaler.contracts import (
    Denoise,
    Factor,
    JobEvent,
    JobParams,
    JobStatus,
    ModelStatus,
    OutputFormat,
    Preset,
    Queue,
)
from upscaler.db.tables import Batch, Job, Model, Upload
from upscaler.db.types import utcnow
from upscaler.errors import APIError, FieldError
from upscaler.jobs import state_machine
from upscaler.jobs.estimate import gpu_online
from upscaler.jobs.repeats import shared_elsewhere
from upscaler.jobs.service import job_not_found
from upscaler.queueing.producer import QueueUnavailableError

log = logging.getLogger(__name__)

#: At most this many jobs per bulk requeue (run it again for more).
BULK_LIMIT = 500


class RequeueOverrides(BaseModel):
    """Parameters to change for the new job; anything left out is copied."""

    model_config = ConfigDict(extra="forbid")

    factor: Factor | None = None
    preset: Preset | None = None
    denoise: Denoise | None = None
    refine_faces: bool | None = None
    output_format: OutputFormat | None = None
    quality: int | None = Field(default=None, ge=1, le=100)
    model: str | None = Field(
        default=None,
        max_length=128,
        description="Run with this (active) model instead of the one the preset picks",
    )

    def param_changes(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True, exclude={"model"})


def _invalid(message: str, field: str) -> APIError:
    return APIError(400, "invalid_request", message, fields=[FieldError(field, message)])


async def _pick_model(session: AsyncSession, params: JobParams, pinned: str | None) -> Model:
    if pinned:
        model = await get_model(session, pinned)
        if model is None or model.status != ModelStatus.ACTIVE or is_variant(model):
            raise _invalid(f"{pinned!r} is not an active model", "model")
        return model
    model = await resolve_model(session, params.preset)
    if model is None:
        raise APIError(503, "unavailable", "no active upscaling model is installed")
    return model


async def _new_params(
    session: AsyncSession, original: Job, overrides: RequeueOverrides
) -> JobParams:
    try:
        params = JobParams.model_validate(dict(original.params) | overrides.param_changes())
    except ValidationError as error:
        fields = [FieldError(".".join(map(str, e["loc"])), e["msg"]) for e in error.errors()]
        raise APIError(400, "invalid_request", "invalid parameters", fields=fields) from error
    if params.refine_faces and not await face_refinement_available(session):
        raise _invalid("face refinement is not available on this server", "refine_faces")
    return params


async def enqueue_committed(context: AppContext, jobs: Sequence[Job]) -> None:
    """Enqueue jobs whose rows are committed; a queue that is down leaves the
    rest to the sweeper, which enqueues every queued job without a message."""
    for job in jobs:
        try:
            await context.producer.enqueue(job.job_id, Queue(job.queue))
        except QueueUnavailableError as error:
            log.warning("queue unavailable; the sweeper will enqueue %s: %s", job.job_id, error)
            return
        async with context.sessions() as session:
            await state_machine.mark_enqueued(session, job.job_id)


async def _build_requeue(
    context: AppContext,
    session: AsyncSession,
    original: Job,
    overrides: RequeueOverrides,
    *,
    model_cache: dict[str, Model] | None = None,
) -> Job:
    upload = await session.get(Upload, original.upload_id)
    if upload is None or not await context.storage.exists(upload.storage_key):
        raise APIError(
            409, "original_gone", "the original image is no longer stored; it cannot run again"
        )
    params = await _new_params(session, original, overrides)
    model = await _pick_model(session, params, overrides.model)
    return Job(
        job_id=state_machine.new_job_id(),
        upload_id=original.upload_id,
        owner_id=original.owner_id,
        status=JobStatus.QUEUED.value,
        params=params.model_dump(mode="json"),
        queue=queue_for(model, gpu_online=await gpu_online(session)).value,
        model=model.name,
        requeued_from=original.job_id,
        batch_id=original.batch_id,  # a batch's job stays in its batch
    )


async def requeue(
    context: AppContext,
    session: AsyncSession,
    job_id: str,
    overrides: RequeueOverrides,
    *,
    actor: Actor | None,
) -> Job:
    """A new job for the same upload; the original stays as it was."""
    original = await state_machine.get_job(session, job_id)
    if original is None:
        raise job_not_found(job_id)
    job = await _build_requeue(context, session, original, overrides)
    session.add(job)
    add(
        session,
        actor,
        "job.requeue",
        entity_type="job",
        entity_id=original.job_id,
        details={
            "new_job_id": job.job_id,
            "overrides": overrides.model_dump(mode="json", exclude_none=True),
            "model": job.model,
        },
    )
    await session.commit()
    await enqueue_committed(context, [job])
    return job


async def _model_family(session: AsyncSession, name: str) -> list[str]:
    """A model and its denoise variants (the names a job's `model` may hold)."""
    rows = (await session.exec(select(Model))).all()
    return [name, *(m.name for m in rows if m.default_params.get("variant_of") == name)]


async def requeue_by_model(
    context: AppContext,
    session: AsyncSession,
    model_name: str,
    overrides: RequeueOverrides,
    *,
    actor: Actor | None,
    statuses: Sequence[JobStatus] = (JobStatus.COMPLETED,),
    since: datetime | None = None,
    until: datetime | None = None,
    include_already_requeued: bool = False,
) -> list[tuple[str, str]]:
    """Run again every job the model produced (in the window): the rollback
    of a bad model. Jobs already re-run are skipped unless asked, so running
    it twice does not double the work. Returns (original, new) job ids."""
    if overrides.model == model_name:
        raise _invalid("pick another model to run them with, or none", "model")
    names = await _model_family(session, model_name)
    statement = select(Job).where(
        col(Job.model).in_(names), col(Job.status).in_([s.value for s in statuses])
    )
    if since is not None:
        statement = statement.where(col(Job.created_at) >= since)
    if until is not None:
        statement = statement.where(col(Job.created_at) < until)
    if not include_already_requeued:
        children = select(Job.requeued_from).where(col(Job.requeued_from).is_not(None))
        statement = statement.where(col(Job.job_id).not_in(children))
    originals = (
        await session.exec(statement.order_by(col(Job.created_at)).limit(BULK_LIMIT))
    ).all()
    created: list[Job] = []
    skipped: dict[str, str] = {}
    for original in originals:
        try:
            job = await _build_requeue(context, session, original, overrides)
        except APIError as error:
            if error.status == 503:
                raise
            skipped[original.job_id] = error.message
            continue
        session.add(job)
        created.append(job)
        add(
            session,
            actor,
            "job.requeue",
            entity_type="job",
            entity_id=original.job_id,
            details={"new_job_id": job.job_id, "bulk": True, "model": job.model},
        )
    pairs = [(job.requeued_from or "", job.job_id) for job in created]
    add(
        session,
        actor,
        "job.requeue_bulk",
        entity_type="model",
        entity_id=model_name,
        details={
            "requeued": len(created),
            "skipped": skipped,
            "statuses": [s.value for s in statuses],
            "since": since,
            "until": until,
            "overrides": overrides.model_dump(mode="json", exclude_none=True),
            "jobs": dict(pairs),
        },
    )
    await session.commit()
    await enqueue_committed(context, created)
    return pairs


async def _latest_per_upload(session: AsyncSession, batch_id: str) -> list[Job]:
    """Each upload's newest job in the batch (its requeues are newer rows)."""
    statement = select(Job).where(Job.batch_id == batch_id)
    rows = await session.exec(statement.order_by(col(Job.created_at), col(Job.job_id)))
    return list({job.upload_id: job for job in rows.all()}.values())


async def requeue_batch_failures(
    context: AppContext, session: AsyncSession, batch_id: str, *, actor: Actor | None
) -> tuple[list[Job], dict[str, str]]:
    """Run again, as new jobs in the same batch, every image whose latest job
    failed or was canceled. Like the bulk requeue, an image that cannot run
    again (its original deleted) is skipped; returns (new jobs, skipped)."""
    if await session.get(Batch, batch_id) is None:
        raise APIError(404, "not_found", f"no batch {batch_id}")
    ended = {JobStatus.FAILED.value, JobStatus.CANCELED.value}
    failures = [j for j in await _latest_per_upload(session, batch_id) if j.status in ended]
    if not failures:
        raise APIError(409, "conflict", "no image of this batch failed or was canceled")
    created: list[Job] = []
    refused: dict[str, APIError] = {}
    for original in failures:
        try:
            created.append(await _build_requeue(context, session, original, RequeueOverrides()))
        except APIError as error:
            if error.status == 503:
                raise
            refused[original.job_id] = error
    if not created:  # none can run again: why, as a single requeue says it
        raise next(iter(refused.values()))
    skipped = {job_id: error.message for job_id, error in refused.items()}
    session.add_all(created)
    add(
        session,
        actor,
        "batch.requeue_failures",
        entity_type="batch",
        entity_id=batch_id,
        details={
            "count": len(created),
            "job_ids": [job.job_id for job in created],
            "jobs": {job.requeued_from: job.job_id for job in created},
            "skipped": skipped,
        },
    )
    await session.commit()
    await enqueue_committed(context, created)
    return created, skipped


async def cancel(
    context: AppContext, session: AsyncSession, job_id: str, *, actor: Actor | None
) -> Job:
    """Queued or running → canceled (a running job stops after its current tile)."""
    job = await state_machine.get_job(session, job_id)
    if job is None:
        raise job_not_found(job_id)
    previous = job.status
    if not await state_machine.cancel(session, job_id):
        raise APIError(409, "conflict", f"the job is already {job.status}")
    await context.bus.publish(
        JobEvent(job_id=job_id, status=JobStatus.CANCELED, progress=job.progress, at=utcnow())
    )
    add(
        session,
        actor,
        "job.cancel",
        entity_type="job",
        entity_id=job_id,
        details={"previous_status": previous},
    )
    await session.commit()
    canceled = await state_machine.get_job(session, job_id)
    assert canceled is not None
    return canceled


async def delete_artifacts(
    context: AppContext,
    session: AsyncSession,
    job_id: str,
    *,
    actor: Actor | None,
    include_original: bool = False,
) -> list[str]:
    """Remove a finished job's result and preview from storage (and, when
    asked and no unfinished job still needs it, the original). Returns the
    storage keys removed (not those an instant repeat still shares)."""
    job = await state_machine.get_job(session, job_id)
    if job is None:
        raise job_not_found(job_id)
    if not JobStatus(job.status).is_terminal:
        raise APIError(409, "conflict", "cancel the job first: it has not finished")
    keys = [k for k in (job.result_storage_key, job.thumbnail_storage_key) if k]
    original_key = None
    upload = await session.get(Upload, job.upload_id) if include_original else None
    if include_original:
        busy = (
            await session.exec(
                select(Job.job_id).where(
                    Job.upload_id == job.upload_id,
                    col(Job.status).in_([JobStatus.QUEUED.value, JobStatus.RUNNING.value]),
                )
            )
        ).first()
        if busy is not None:
            raise APIError(409, "conflict", f"job {busy} still needs the original image")
        if upload is not None:
            original_key = upload.storage_key
            keys.append(original_key)
    job.result_storage_key = None
    job.thumbnail_storage_key = None
    session.add(job)
    if original_key is not None and upload is not None:
        upload.purged_at = utcnow()
        session.add(upload)
    await session.flush()
    # Files an instant repeat shares stay for the other job (or upload): this
    # job lets go of them, the last holder deletes them.
    deleted = []
    for key in keys:
        if not await shared_elsewhere(session, key, job_id=job_id, upload_id=job.upload_id):
            await context.storage.delete(key)
            deleted.append(key)
    add(
        session,
        actor,
        "job.artifacts_deleted",
        entity_type="job",
        entity_id=job_id,
        details={
            "keys": deleted,
            "kept_shared": len(keys) - len(deleted),
            "original": original_key is not None,
        },
    )
    await session.commit()
    return deleted
