"""POST /api/v1/batches and the batch's status, events, cancel and ZIP."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Request, status
from fastapi.responses import JSONResponse, StreamingResponse

from upscaler.accounts.caller import CallerDep
from upscaler.batches import service
from upscaler.batches.download import zip_stream
from upscaler.batches.schemas import BatchJob, BatchOut, RejectedEntry
from upscaler.batches.status import BatchState, load_state
from upscaler.context import AppContext
from upscaler.contracts import JobStatus
from upscaler.db.types import utcnow
from upscaler.deps import ContextDep, SessionDep
from upscaler.downloads.endpoints import content_disposition
from upscaler.downloads.request_links import base_url
from upscaler.errors import APIError
from upscaler.jobs import commands
from upscaler.jobs.events import (
    MAX_STREAM_SECONDS,
    POLL_SECONDS,
    RECONNECT_MILLISECONDS,
    format_sse,
)
from upscaler.jobs.service import artifact_links
from upscaler.openapi import documented_error as error
from upscaler.uploads.endpoints import UPLOAD_FORM_SCHEMA

router = APIRouter(prefix="/api/v1/batches", tags=["batches"])

NOT_FOUND: dict[int | str, dict[str, Any]] = {404: error("No such batch")}
BATCH_FORM_SCHEMA: dict[str, Any] = {
    **UPLOAD_FORM_SCHEMA,
    "properties": {
        **{
            name: value
            for name, value in UPLOAD_FORM_SCHEMA["properties"].items()
            if name not in ("email", "callback_url")
        },
        "file": {
            "type": "array",
            "items": {"type": "string", "format": "binary"},
            "description": "Images and/or ZIPs of images (folders kept); send `file` many times",
        },
    },
}


async def to_out(
    context: AppContext, request: Request, state: BatchState, *, links: bool = True
) -> BatchOut:
    base = base_url(context, request)
    url = f"{base}/api/v1/batches/{state.batch.id}"
    jobs = []
    for job, upload in state.items:
        thumbnail = result = None
        if links and job.status == JobStatus.COMPLETED:
            found = await artifact_links(context, request, job, upload, inline_original=False)
            thumbnail, result = found.thumbnail_url, found.result_url
        jobs.append(
            BatchJob(
                job_id=job.job_id,
                name=upload.batch_path or upload.original_filename,
                status=JobStatus(job.status),
                progress=100 if job.status == JobStatus.COMPLETED else job.progress,
                error=job.error_message,
                status_url=f"{base}/api/v1/jobs/{job.job_id}",
                thumbnail_url=thumbnail,
                result_url=result,
            )
        )
    return BatchOut(
        batch_id=state.batch.id,
        status=state.status,
        progress=state.progress,
        created_at=state.batch.created_at,
        total=len(state.items),
        counts=state.counts,
        jobs=jobs,
        rejected=[RejectedEntry(**entry) for entry in state.batch.rejected],
        status_url=url,
        events_url=f"{url}/events",
        download_url=f"{url}/download",
        page_url=f"{base}/batches/{state.batch.id}",
    )


@router.post(
    "",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=BatchOut,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"multipart/form-data": {"schema": BATCH_FORM_SCHEMA}},
        }
    },
    responses={
        400: error("Invalid form fields, or no file"),
        413: error("More bytes than a batch may hold (sent or unpacked)"),
        422: error(
            "A ZIP refused whole (path traversal, absolute path, symlink, nested archive, "
            "duplicate name, bomb, too many entries), or no image that can be upscaled"
        ),
        401: error("An API key or token was sent but is not valid"),
        429: error("A rate, the account's daily quota (every image counts) or the queue's cap"),
        503: error("No model is installed, or maintenance"),
    },
)
async def create_batch(request: Request, context: ContextDep, caller: CallerDep) -> JSONResponse:
    """Upscale many images with the same options: several `file` parts and/or
    ZIPs (folders kept). One job per image; images that cannot be taken are
    listed in `rejected` while the rest proceed. Follow `status_url` or
    `events_url`; `download_url` streams a ZIP of the results."""
    batch, _jobs = await service.take_batch(
        context,
        caller,
        request.headers.get("content-type"),
        request.headers.get("content-length"),
        request.stream(),
    )
    async with context.sessions() as session:
        out = await to_out(context, request, await load_state(session, batch.id), links=False)
    return JSONResponse(
        out.model_dump(mode="json"),
        status_code=status.HTTP_202_ACCEPTED,
        headers={"Location": out.status_url},
    )


@router.get("/{batch_id}", response_model=BatchOut, responses=NOT_FOUND)
async def get_batch(
    batch_id: str, request: Request, context: ContextDep, session: SessionDep, caller: CallerDep
) -> BatchOut:
    """The batch's status and progress, and each image's job."""
    return await to_out(context, request, await load_state(session, batch_id, caller))


@router.get(
    "/{batch_id}/events",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}, **NOT_FOUND},
)
async def stream_batch_events(
    batch_id: str, request: Request, context: ContextDep, caller: CallerDep
) -> StreamingResponse:
    """Server-sent `batch` events (the whole batch, as GET gives it) whenever
    its progress or a job's state changes, until it has finished."""
    async with context.sessions() as session:
        await load_state(session, batch_id, caller)  # 404 before the stream starts

    async def body() -> AsyncIterator[str]:
        yield f"retry: {RECONNECT_MILLISECONDS}\n\n"
        deadline = time.monotonic() + MAX_STREAM_SECONDS
        last: Any = None
        sequence = 0
        while time.monotonic() < deadline and not await request.is_disconnected():
            async with context.sessions() as session:
                state = await load_state(session, batch_id)
                shape = [(job.status, job.progress) for job, _ in state.items]
                if shape != last:
                    last = shape
                    sequence += 1
                    out = await to_out(context, request, state)
                    yield format_sse("batch", out.model_dump(mode="json"), sequence)
            if state.finished:
                return
            await asyncio.sleep(POLL_SECONDS)

    return StreamingResponse(
        body(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


@router.post(
    "/{batch_id}/cancel",
    response_model=BatchOut,
    responses={**NOT_FOUND, 409: error("The batch has already finished")},
)
async def cancel_batch(
    batch_id: str, request: Request, context: ContextDep, session: SessionDep, caller: CallerDep
) -> BatchOut:
    """Cancel every job of the batch that has not ended (a running one stops
    after its current tile); finished results stay."""
    state = await load_state(session, batch_id, caller)
    if state.finished:
        raise APIError(409, "conflict", f"the batch has already {state.status.value}")
    for job, _upload in state.items:
        if not JobStatus(job.status).is_terminal:
            try:
                await commands.cancel(context, session, job.job_id, actor=None)
            except APIError:  # it ended meanwhile
                continue
    state.batch.canceled_at = utcnow()
    session.add(state.batch)
    await session.commit()
    return await to_out(context, request, await load_state(session, batch_id))


@router.get(
    "/{batch_id}/download",
    response_class=StreamingResponse,
    responses={
        200: {"content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}}},
        **NOT_FOUND,
    },
)
async def download_batch(
    batch_id: str, context: ContextDep, session: SessionDep, caller: CallerDep
) -> StreamingResponse:
    """A ZIP of the completed results under their paths in the batch, with
    `manifest.json` (every image's outcome, the refused files), streamed as it
    is written. Before the batch has finished it holds what is done so far."""
    state = await load_state(session, batch_id, caller)
    return StreamingResponse(
        zip_stream(state, context.storage),
        media_type="application/zip",
        headers={
            "Content-Disposition": content_disposition(f"{batch_id}.zip", inline=False),
            "Cache-Control": "no-store",
        },
    )
