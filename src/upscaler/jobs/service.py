"""Turn job rows into what the public API returns, with freshly signed links."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from upscaler.accounts.caller import Caller
from upscaler.context import AppContext
from upscaler.contracts import JobStatus
from upscaler.db.tables import Job, Upload
from upscaler.downloads.links import result_filename
from upscaler.downloads.request_links import base_url, signed_url
from upscaler.errors import APIError
from upscaler.jobs import state_machine
from upscaler.jobs.estimate import job_eta
from upscaler.jobs.schemas import JobOut, OriginalInfo, ResultInfo
from upscaler.notifications import repository as deliveries
from upscaler.notifications import schemas as notifications
from upscaler.security.signing import DownloadGrant


def job_not_found(job_id: str) -> APIError:
    return APIError(404, "not_found", f"no job {job_id!r}")


async def load_job(
    session: AsyncSession, job_id: str, caller: Caller | None = None
) -> tuple[Job, Upload]:
    """The job and its upload, in one query (this is every poll's path).
    `caller`: another account's job is a 404 to it, as if there were none."""
    statement = (
        select(Job, Upload)
        .join(Upload, col(Upload.id) == col(Job.upload_id))
        .where(col(Job.job_id) == job_id)
        .execution_options(populate_existing=True)
    )
    row = (await session.exec(statement)).first()
    if row is None or (caller is not None and not caller.may_see(row[0].owner_id)):
        raise job_not_found(job_id)
    return row[0], row[1]


#: Types a browser shows inline (TIFF it does not): these originals are served
#: inline so pages can preview them; the rest as attachments.
PREVIEWABLE = frozenset({"image/jpeg", "image/png", "image/webp"})


@dataclass(frozen=True)
class ArtifactLinks:
    original_url: str
    result_url: str | None
    thumbnail_url: str | None


async def artifact_links(
    context: AppContext, request: Request, job: Job, upload: Upload, *, inline_original: bool
) -> ArtifactLinks:
    """Freshly signed links to the job's original, result and preview."""
    original_url = await signed_url(
        context,
        request,
        DownloadGrant(
            upload.storage_key,
            upload.original_filename or "original",
            upload.mime_type,
            inline=inline_original and upload.mime_type in PREVIEWABLE,
        ),
    )
    result_url = thumbnail_url = None
    if job.result_storage_key and job.result_mime_type:
        result_url = await signed_url(
            context,
            request,
            DownloadGrant(
                job.result_storage_key, result_filename(job, upload), job.result_mime_type
            ),
        )
    if job.thumbnail_storage_key:
        thumbnail_url = await signed_url(
            context,
            request,
            DownloadGrant(job.thumbnail_storage_key, "preview.jpg", "image/jpeg", inline=True),
        )
    return ArtifactLinks(original_url, result_url, thumbnail_url)


def wants_notifications(job: Job) -> bool:
    return bool(job.params.get("callback_url") or job.params.get("email"))


async def to_public(
    context: AppContext, request: Request, session: AsyncSession, job: Job, upload: Upload
) -> JobOut:
    status = JobStatus(job.status)
    position = await state_machine.queue_position(session, job)
    estimate = None if status.is_terminal else await job_eta(session, job, upload)
    links = await artifact_links(context, request, job, upload, inline_original=False)
    result = result_url = thumbnail_url = None
    if status == JobStatus.COMPLETED and job.result_mime_type:
        result = ResultInfo(
            width=job.result_width or 0,
            height=job.result_height or 0,
            size_bytes=job.result_size_bytes or 0,
            mime_type=job.result_mime_type,
        )
        result_url, thumbnail_url = links.result_url, links.thumbnail_url
    base = base_url(context, request)
    return JobOut(
        job_id=job.job_id,
        status=status,
        progress=job.progress,
        created_at=job.created_at,
        started_at=job.started_at,
        finished_at=job.finished_at,
        duration_seconds=job.duration_seconds,
        queue_position=position,
        estimated_seconds=estimate,
        params=notifications.public_params(job.params),
        model=job.model,
        model_reason=job.model_reason,
        estimated_seconds_at_upload=job.estimated_seconds,
        provider=job.provider,
        precision=job.precision,
        instant_repeat=job.repeat_of is not None,
        worker_id=job.worker_id,
        attempts=job.attempts,
        error=job.error_message if status == JobStatus.FAILED else None,
        original=OriginalInfo(
            filename=upload.original_filename,
            width=upload.width,
            height=upload.height,
            frames=upload.frames,
            size_bytes=upload.size_bytes,
            mime_type=upload.mime_type,
        ),
        original_url=links.original_url,
        files_removed_at=upload.purged_at,
        result=result,
        result_url=result_url,
        thumbnail_url=thumbnail_url,
        links={
            "self": f"{base}/api/v1/jobs/{job.job_id}",
            "events": f"{base}/api/v1/jobs/{job.job_id}/events",
            "page": f"{base}/jobs/{job.job_id}",
        },
        notifications=notifications.to_public(
            await deliveries.for_job(session, job.job_id) if wants_notifications(job) else []
        ),
    )
