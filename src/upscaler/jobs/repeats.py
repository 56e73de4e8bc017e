"""Instant repeats: an upload identical to a finished job completes at once.

"Identical" is the repeat key: the SHA-256 of the input's bytes, of every
parameter that shapes the result (not who is told about it: e-mail and
callback), and of the model version the job is placed on (its name and file
hash, so a replaced model file never serves an old result). A new job with
the key of a completed job of the same owner, whose files are still kept,
is created completed and points at that job's stored original, result and
preview: nothing runs and nothing is stored twice. Deleting shared files is
reference-aware (`shared_elsewhere`), so retention or an admin removing one
job's files leaves the other's in place.

Scope: jobs of an account only ever repeat that account's jobs; anonymous
uploads repeat anonymous ones (whoever sends the same bytes already has the
image, and the new job gets its own id: the earlier job's id is never shown).
"""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from typing import Any

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from upscaler.contracts import JobParams, JobStatus
from upscaler.db.tables import Job, Model, Upload
from upscaler.db.types import utcnow

#: Parameters that say who hears about a job, not what it makes.
NOT_SHAPING = frozenset({"email", "callback_url"})


def repeat_key(input_sha256: str, params: JobParams, model: Model) -> str:
    shaping = params.model_dump(mode="json", exclude=set(NOT_SHAPING))
    document = json.dumps(
        {
            "input_sha256": input_sha256,
            "params": shaping,
            "model": model.name,
            "model_sha256": model.sha256 or "",
        },
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(document.encode()).hexdigest()


async def find_donor(
    session: AsyncSession, key: str, owner_id: int | None, *, retention_days: int
) -> tuple[Job, Upload] | None:
    """The newest completed job with this key and owner whose original and
    result are still kept (and that retention will not take within the hour)."""
    owner = col(Job.owner_id).is_(None) if owner_id is None else col(Job.owner_id) == owner_id
    statement = (
        select(Job, Upload)
        .join(Upload, col(Upload.id) == col(Job.upload_id))
        .where(
            col(Job.repeat_key) == key,
            col(Job.status) == JobStatus.COMPLETED.value,
            col(Job.result_storage_key).is_not(None),
            col(Job.result_mime_type).is_not(None),
            col(Upload.purged_at).is_(None),
            owner,
        )
        .order_by(col(Job.finished_at).desc())
        .limit(1)
    )
    if retention_days > 0:
        kept_since = utcnow() - timedelta(days=retention_days) + timedelta(hours=1)
        statement = statement.where(col(Job.finished_at) >= kept_since)
    row = (await session.exec(statement)).first()
    return (row[0], row[1]) if row is not None else None


def repeated(donor: Job, upload: Upload, job_id: str, key: str, params: dict[str, Any]) -> Job:
    """The new job, completed from the donor's files. `params` are the new
    upload's own (its e-mail and callback, say)."""
    now = utcnow()
    return Job(
        job_id=job_id,
        upload_id=upload.id,
        owner_id=donor.owner_id,
        status=JobStatus.COMPLETED.value,
        progress=100,
        params=params,
        queue=donor.queue,
        model=donor.model,
        provider=donor.provider,
        precision=donor.precision,
        engine={"instant_repeat": True},
        result_storage_key=donor.result_storage_key,
        result_mime_type=donor.result_mime_type,
        result_width=donor.result_width,
        result_height=donor.result_height,
        result_size_bytes=donor.result_size_bytes,
        thumbnail_storage_key=donor.thumbnail_storage_key,
        repeat_key=key,
        # The job that ran, even when the donor was itself a repeat.
        repeat_of=donor.repeat_of or donor.job_id,
        created_at=now,
        enqueued_at=now,
        started_at=now,
        finished_at=now,
        duration_seconds=0.0,
        estimated_seconds=0.0,
        model_reason=donor.model_reason,
    )


async def shared_elsewhere(
    session: AsyncSession, key: str, *, job_id: str | None = None, upload_id: str | None = None
) -> bool:
    """Whether a stored object is still referenced by a job (as its result or
    preview) or an upload (as its original) other than the one letting go."""
    job_refs = select(func.count()).where(
        (col(Job.result_storage_key) == key) | (col(Job.thumbnail_storage_key) == key)
    )
    if job_id is not None:
        job_refs = job_refs.where(col(Job.job_id) != job_id)
    upload_refs = select(func.count()).where(
        col(Upload.storage_key) == key, col(Upload.purged_at).is_(None)
    )
    if upload_id is not None:
        upload_refs = upload_refs.where(col(Upload.id) != upload_id)
    jobs = (await session.exec(job_refs)).one()
    uploads = (await session.exec(upload_refs)).one()
    return bool(jobs or uploads)
