"""The admin's view of jobs: a filtered, searchable, paginated list, one
job's full record, and the usage export."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from fastapi import Request
from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from upscaler.audit.queries import AuditEntry, for_entity, usernames
from upscaler.context import AppContext
from upscaler.contracts import JobStatus
from upscaler.db.search import contains_any
from upscaler.db.tables import Job, NotificationDelivery, Upload, User
from upscaler.jobs import state_machine
from upscaler.jobs.service import PREVIEWABLE, artifact_links, job_not_found
from upscaler.notifications import repository as deliveries

ANONYMOUS = "anonymous"
#: Browsers show these inline; others (TIFF) are offered as a download only.


@dataclass(frozen=True)
class JobFilter:
    status: JobStatus | None = None
    model: str | None = None
    owner: str | None = None  # a username, or "anonymous"
    since: datetime | None = None
    until: datetime | None = None
    q: str | None = None
    batch: str | None = None  # a batch id (bat_…)

    def as_query(self) -> dict[str, Any]:
        return {
            "status": self.status.value if self.status else None,
            "model": self.model,
            "owner": self.owner,
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
            "q": self.q,
            "batch": self.batch,
        }


@dataclass(frozen=True)
class JobRow:
    job: Job
    filename: str
    owner: str | None


def _apply(statement: Any, where: JobFilter) -> Any:
    """Add the filter's conditions (to a count, a row or a (job, name) select)."""
    if where.status:
        statement = statement.where(Job.status == where.status.value)
    if where.model:
        statement = statement.where(Job.model == where.model)
    if where.owner:
        if where.owner == ANONYMOUS:
            statement = statement.where(col(Job.owner_id).is_(None))
        else:
            owner_ids = select(User.id).where(User.username == where.owner)
            statement = statement.where(col(Job.owner_id).in_(owner_ids))
    if where.batch:
        statement = statement.where(Job.batch_id == where.batch)
    if where.since:
        statement = statement.where(col(Job.created_at) >= where.since)
    if where.until:
        statement = statement.where(col(Job.created_at) < where.until)
    if where.q:
        statement = statement.where(
            contains_any(
                where.q,
                col(Job.job_id),
                col(Job.upload_id),
                col(Upload.original_filename),
                col(Job.error_message),
                col(Job.worker_id),
            )
        )
    return statement


async def list_jobs(
    session: AsyncSession, where: JobFilter, *, page: int = 1, per_page: int = 25
) -> tuple[list[JobRow], int]:
    """One page, newest first, and how many jobs match in all."""
    joined = select(func.count()).select_from(Job).join(Upload, col(Job.upload_id) == Upload.id)
    total = int((await session.exec(_apply(joined, where))).one())
    statement = _apply(
        select(Job, Upload.original_filename).join(Upload, col(Job.upload_id) == Upload.id),
        where,
    )
    statement = statement.order_by(col(Job.created_at).desc(), col(Job.job_id))
    rows = (await session.exec(statement.offset((page - 1) * per_page).limit(per_page))).all()
    owners = await usernames(session, (job.owner_id for job, _ in rows))
    return [
        JobRow(job, filename, owners.get(job.owner_id) if job.owner_id else None)
        for job, filename in rows
    ], total


async def job_row(session: AsyncSession, job_id: str) -> JobRow:
    """One job as the list shows it."""
    job = await state_machine.get_job(session, job_id)
    upload = await session.get(Upload, job.upload_id) if job is not None else None
    if job is None or upload is None:
        raise job_not_found(job_id)
    owners = await usernames(session, [job.owner_id])
    return JobRow(job, upload.original_filename, owners.get(job.owner_id or 0))


async def iterate_jobs(
    session: AsyncSession, where: JobFilter, *, batch: int = 500
) -> AsyncIterator[JobRow]:
    """Every matching job, oldest first (the usage CSV)."""
    offset = 0
    while True:
        statement = _apply(
            select(Job, Upload.original_filename).join(Upload, col(Job.upload_id) == Upload.id),
            where,
        ).order_by(col(Job.created_at), col(Job.job_id))
        rows = (await session.exec(statement.offset(offset).limit(batch))).all()
        if not rows:
            return
        owners = await usernames(session, (job.owner_id for job, _ in rows))
        for job, filename in rows:
            yield JobRow(job, filename, owners.get(job.owner_id) if job.owner_id else None)
        offset += batch


USAGE_HEADER = (
    "job_id",
    "status",
    "created_at",
    "started_at",
    "finished_at",
    "duration_seconds",
    "owner",
    "model",
    "provider",
    "precision",
    "worker_id",
    "attempts",
    "factor",
    "preset",
    "denoise",
    "input_filename",
    "result_width",
    "result_height",
    "result_size_bytes",
    "requeued_from",
    "error",
)


def usage_row(row: JobRow) -> list[Any]:
    job = row.job
    params = job.params
    return [
        job.job_id,
        job.status,
        job.created_at,
        job.started_at,
        job.finished_at,
        job.duration_seconds,
        row.owner or ANONYMOUS,
        job.model,
        job.provider,
        job.precision,
        job.worker_id,
        job.attempts,
        params.get("factor"),
        params.get("preset"),
        params.get("denoise"),
        row.filename,
        job.result_width,
        job.result_height,
        job.result_size_bytes,
        job.requeued_from,
        job.error_message,
    ]


async def known_models(session: AsyncSession) -> list[str]:
    names = (await session.exec(select(Job.model).distinct())).all()
    return sorted(name for name in names if name)


@dataclass
class JobDetail:
    job: Job
    upload: Upload
    owner: str | None
    queue_position: int | None
    original_url: str
    original_previewable: bool
    result_url: str | None
    thumbnail_url: str | None
    children: list[Job] = field(default_factory=list)
    audit: list[AuditEntry] = field(default_factory=list)
    timeline: list[tuple[str, datetime | None]] = field(default_factory=list)
    notifications: list[NotificationDelivery] = field(default_factory=list)

    @property
    def is_terminal(self) -> bool:
        return JobStatus(self.job.status).is_terminal


async def job_detail(
    context: AppContext, request: Request, session: AsyncSession, job_id: str
) -> JobDetail:
    job = await state_machine.get_job(session, job_id)
    upload = await session.get(Upload, job.upload_id) if job is not None else None
    if job is None or upload is None:
        raise job_not_found(job_id)
    owner = None
    if job.owner_id is not None:
        user = await session.get(User, job.owner_id)
        owner = user.username if user else None
    links = await artifact_links(context, request, job, upload, inline_original=True)
    children = list(
        (
            await session.exec(
                select(Job).where(Job.requeued_from == job.job_id).order_by(col(Job.created_at))
            )
        ).all()
    )
    return JobDetail(
        job=job,
        upload=upload,
        owner=owner,
        queue_position=await state_machine.queue_position(session, job),
        original_url=links.original_url,
        original_previewable=upload.mime_type in PREVIEWABLE,
        result_url=links.result_url,
        thumbnail_url=links.thumbnail_url,
        children=children,
        audit=await for_entity(session, "job", job.job_id),
        timeline=[
            ("created", job.created_at),
            ("enqueued", job.enqueued_at),
            ("started", job.started_at),
            ("finished", job.finished_at),
        ],
        notifications=list(await deliveries.for_job(session, job.job_id)),
    )
