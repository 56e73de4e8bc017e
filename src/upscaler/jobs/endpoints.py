"""Public job API: status, live events, cancel, and the redirect to the result."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, StreamingResponse

from upscaler.accounts.caller import CallerDep
from upscaler.contracts import JobEvent, JobStatus
from upscaler.db.types import utcnow
from upscaler.deps import ContextDep, SessionDep
from upscaler.downloads.links import result_filename
from upscaler.downloads.request_links import signed_url
from upscaler.errors import APIError
from upscaler.jobs import state_machine
from upscaler.jobs.events import job_event_stream, poll_events
from upscaler.jobs.schemas import JobOut
from upscaler.jobs.service import load_job, to_public
from upscaler.openapi import documented_error
from upscaler.security.signing import DownloadGrant

router = APIRouter(prefix="/api/v1/jobs", tags=["jobs"])
#: The result's redirect mints a signed link: it is documented with the downloads.
result_router = APIRouter(prefix="/api/v1/jobs", tags=["downloads"])
log = logging.getLogger(__name__)

JOB_ERRORS: dict[int | str, dict[str, Any]] = {404: documented_error("No such job")}


@router.get("/{job_id}", response_model=JobOut, responses=JOB_ERRORS)
async def get_job(
    job_id: str, request: Request, context: ContextDep, session: SessionDep, caller: CallerDep
) -> JobOut:
    """The job's status, progress, timings and (once completed) a signed result URL."""
    job, upload = await load_job(session, job_id, caller)
    return await to_public(context, request, session, job, upload)


@router.get(
    "/{job_id}/events",
    responses={200: {"content": {"text/event-stream": {}}}, **JOB_ERRORS},
    response_class=StreamingResponse,
)
async def stream_job_events(
    job_id: str, request: Request, context: ContextDep, caller: CallerDep
) -> StreamingResponse:
    """Server-sent events: `state` (the whole job, first from the database) and
    `progress` events, until the job ends. The stream closes after a few
    minutes; EventSource reconnects by itself."""
    async with context.sessions() as session:
        await load_job(session, job_id, caller)  # 404 before the stream starts

    async def snapshot() -> dict[str, object]:
        async with context.sessions() as session:
            job, upload = await load_job(session, job_id, caller)
            public = await to_public(context, request, session, job, upload)
            return public.model_dump(mode="json")

    async def body() -> AsyncIterator[str]:
        subscription = context.bus.subscribe(job_id)
        try:
            events = await subscription.__aenter__()
        except Exception:  # no bus (Redis away): the database still knows
            log.warning("event bus unavailable; streaming job %s by polling", job_id)
            async for chunk in job_event_stream(request, poll_events(snapshot), snapshot):
                yield chunk
            return
        try:
            async for chunk in job_event_stream(request, events, snapshot):
                yield chunk
        finally:
            await subscription.__aexit__(None, None, None)

    return StreamingResponse(
        body(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


@router.post(
    "/{job_id}/cancel",
    response_model=JobOut,
    responses={**JOB_ERRORS, 409: documented_error("The job has already ended")},
)
async def cancel_job(
    job_id: str, request: Request, context: ContextDep, session: SessionDep, caller: CallerDep
) -> JobOut:
    """Cancel a queued or running job (a running one stops after its current tile)."""
    job, upload = await load_job(session, job_id, caller)
    if not await state_machine.cancel(session, job_id):
        raise APIError(409, "conflict", f"the job is already {job.status}")
    await context.bus.publish(
        JobEvent(job_id=job_id, status=JobStatus.CANCELED, progress=job.progress, at=utcnow())
    )
    job, upload = await load_job(session, job_id, caller)
    return await to_public(context, request, session, job, upload)


@result_router.get(
    "/{job_id}/result",
    status_code=307,
    responses={404: documented_error("No such job"), 409: documented_error("Not completed")},
)
async def get_job_result(
    job_id: str, request: Request, context: ContextDep, session: SessionDep, caller: CallerDep
) -> RedirectResponse:
    """Redirect to a freshly signed link to the job's result."""
    job, upload = await load_job(session, job_id, caller)
    if job.status != JobStatus.COMPLETED:
        raise APIError(409, "conflict", f"the job is {job.status}, not completed")
    if not job.result_storage_key:
        raise APIError(
            409,
            "conflict",
            "the result is no longer stored (retention or an administrator removed it)",
        )
    grant = DownloadGrant(
        job.result_storage_key, result_filename(job, upload), job.result_mime_type or "image/png"
    )
    return RedirectResponse(await signed_url(context, request, grant), status_code=307)
