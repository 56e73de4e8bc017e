"""/api/v1/admin: jobs: list, export, detail, requeue, cancel, artifacts."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, status
from fastapi.responses import StreamingResponse
from sqlmodel.ext.asyncio.session import AsyncSession

from upscaler.admin import convert, schemas
from upscaler.admin.api.common import SINCE_HELP, UNTIL_HELP, Page, PerPage
from upscaler.admin.datefilter import Since, Until
from upscaler.audit.csvexport import csv_download
from upscaler.audit.service import Actor, record
from upscaler.auth.deps import AdminPrincipal
from upscaler.context import AppContext
from upscaler.contracts import JobStatus
from upscaler.deps import ContextDep, SessionDep
from upscaler.jobs import commands
from upscaler.jobs.query import (
    USAGE_HEADER,
    JobFilter,
    iterate_jobs,
    job_detail,
    job_row,
    list_jobs,
    usage_row,
)
from upscaler.openapi import documented_error as error

router = APIRouter()


def job_filter(
    status_: Annotated[JobStatus | None, Query(alias="status")] = None,
    model: Annotated[str | None, Query(max_length=128)] = None,
    owner: Annotated[
        str | None, Query(max_length=64, description="a username, or `anonymous`")
    ] = None,
    since: Annotated[Since | None, Query(description=SINCE_HELP)] = None,
    until: Annotated[Until | None, Query(description=UNTIL_HELP)] = None,
    q: Annotated[
        str | None, Query(max_length=200, description="job id, file name, error or worker")
    ] = None,
    batch: Annotated[str | None, Query(max_length=40, description="a batch id (`bat_…`)")] = None,
) -> JobFilter:
    return JobFilter(
        status=status_, model=model, owner=owner, since=since, until=until, q=q, batch=batch
    )


JobFilterDep = Annotated[JobFilter, Depends(job_filter)]


@router.get("/jobs", response_model=schemas.JobPage)
async def get_jobs(
    where: JobFilterDep, session: SessionDep, page: Page = 1, per_page: PerPage = 25
) -> schemas.JobPage:
    """Jobs, newest first, filtered by status, model, owner, batch and
    creation time, searchable by id, file name, error and worker."""
    rows, total = await list_jobs(session, where, page=page, per_page=per_page)
    return schemas.JobPage(
        items=[convert.admin_job(row) for row in rows], total=total, page=page, per_page=per_page
    )


@router.get(
    "/jobs/export.csv",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}}, "description": "The usage report"}},
)
async def export_jobs(
    where: JobFilterDep, principal: AdminPrincipal, context: ContextDep, session: SessionDep
) -> StreamingResponse:
    """Usage export: every matching job as CSV (the same filters as the list)."""
    return await usage_export(context, session, principal.actor, where)


async def usage_export(
    context: AppContext, session: AsyncSession, actor: Actor, where: JobFilter
) -> StreamingResponse:
    """The usage report (every matching job, oldest first) as CSV, recorded in
    the audit log: the export of this API and of the jobs page."""
    await record(session, actor, "usage.export", details=where.as_query())

    async def rows(reader: AsyncSession) -> AsyncIterator[list[Any]]:
        async for row in iterate_jobs(reader, where):
            yield usage_row(row)

    return csv_download(context.sessions, USAGE_HEADER, rows, "usage")


@router.post(
    "/jobs/requeue-by-model",
    response_model=schemas.BulkRequeueOut,
    status_code=status.HTTP_202_ACCEPTED,
    responses={400: error("Invalid request"), 503: error("No active model to run them")},
)
async def requeue_by_model(
    body: schemas.BulkRequeueRequest,
    principal: AdminPrincipal,
    context: ContextDep,
    session: SessionDep,
) -> schemas.BulkRequeueOut:
    """Run again every job a model produced (in a time window): the rollback
    after a bad model. Jobs already requeued are skipped unless asked; at
    most 500 per call."""
    pairs = await commands.requeue_by_model(
        context,
        session,
        body.model,
        commands.RequeueOverrides(model=body.use_model),
        actor=principal.actor,
        statuses=body.statuses,
        since=body.since,
        until=body.until,
        include_already_requeued=body.include_already_requeued,
    )
    return schemas.BulkRequeueOut(
        count=len(pairs),
        jobs=[schemas.RequeuedPair(original=a, job_id=b) for a, b in pairs],
    )


@router.get(
    "/jobs/{job_id}", response_model=schemas.AdminJobDetail, responses={404: error("No such job")}
)
async def get_job(
    job_id: str, request: Request, context: ContextDep, session: SessionDep
) -> schemas.AdminJobDetail:
    """Everything about one job: parameters, timings, attempts, worker,
    engine details, error, signed links, requeues and its audit trail."""
    return convert.admin_job_detail(await job_detail(context, request, session, job_id))


@router.post(
    "/jobs/{job_id}/requeue",
    response_model=schemas.RequeueOut,
    status_code=status.HTTP_202_ACCEPTED,
    responses={
        400: error("Invalid override parameters"),
        404: error("No such job"),
        409: error("The original image is no longer stored"),
        503: error("No active model to run it"),
    },
)
async def requeue_job(
    job_id: str,
    principal: AdminPrincipal,
    context: ContextDep,
    session: SessionDep,
    body: schemas.RequeueRequest | None = None,
) -> schemas.RequeueOut:
    """Run the job again as a new job, with the same parameters or some
    overridden (e.g. `{"denoise": "low"}`); the original is kept as it was."""
    overrides = commands.RequeueOverrides.model_validate(
        body.model_dump(exclude_none=True) if body else {}
    )
    job = await commands.requeue(context, session, job_id, overrides, actor=principal.actor)
    return schemas.RequeueOut(
        job_id=job.job_id,
        requeued_from=job_id,
        status=JobStatus(job.status),
        model=job.model,
        params=dict(job.params),
    )


@router.post(
    "/jobs/{job_id}/cancel",
    response_model=schemas.AdminJob,
    responses={404: error("No such job"), 409: error("The job has already ended")},
)
async def cancel_job(
    job_id: str, principal: AdminPrincipal, context: ContextDep, session: SessionDep
) -> schemas.AdminJob:
    """Cancel a queued or running job (a running one stops after its current tile)."""
    await commands.cancel(context, session, job_id, actor=principal.actor)
    return convert.admin_job(await job_row(session, job_id))


@router.delete(
    "/jobs/{job_id}/artifacts",
    response_model=schemas.ArtifactsDeleted,
    responses={404: error("No such job"), 409: error("The job has not finished")},
)
async def delete_artifacts(
    job_id: str,
    principal: AdminPrincipal,
    context: ContextDep,
    session: SessionDep,
    include_original: bool = False,
) -> schemas.ArtifactsDeleted:
    """Delete a finished job's result and preview (and optionally its original)."""
    keys = await commands.delete_artifacts(
        context, session, job_id, actor=principal.actor, include_original=include_original
    )
    return schemas.ArtifactsDeleted(job_id=job_id, deleted_keys=len(keys))
