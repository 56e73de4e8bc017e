"""/admin/jobs (filterable, searchable, paginated), /admin/jobs/{id} (the
whole record, live while it runs) and the job actions."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse
from sqlmodel import col, select
from starlette.responses import RedirectResponse, Response

from upscaler.admin.api.jobs import usage_export
from upscaler.admin.datefilter import bound
from upscaler.admin.guards import AdminPage, admin_page_principal
from upscaler.admin.pages.forms import checked, page_number, text
from upscaler.admin.rendering import partial, query_with, redirect, render
from upscaler.catalog.service import is_variant
from upscaler.contracts import Denoise, Factor, JobStatus, ModelStatus, OutputFormat, Preset
from upscaler.db.tables import Model
from upscaler.deps import ContextDep, SessionDep
from upscaler.errors import APIError
from upscaler.jobs import commands
from upscaler.jobs.query import (
    ANONYMOUS,
    JobFilter,
    job_detail,
    known_models,
    list_jobs,
)
from upscaler.jobs.service import job_not_found

router = APIRouter(
    prefix="/admin", include_in_schema=False, dependencies=[Depends(admin_page_principal)]
)

PER_PAGE = 25


def filter_from(request: Request) -> JobFilter:
    query = request.query_params
    status = text(query, "status", 16)
    return JobFilter(
        status=JobStatus(status) if status in set(JobStatus) else None,
        model=text(query, "model", 128),
        owner=text(query, "owner", 64),
        since=bound(text(query, "since", 32)),
        until=bound(text(query, "until", 32), until=True),
        q=text(query, "q", 200),
        batch=text(query, "batch", 40),
    )


def _raw_query(request: Request) -> dict[str, Any]:
    """The filter as the person typed it (dates as entered), for links."""
    keys = ("status", "model", "owner", "since", "until", "q", "batch")
    return {k: request.query_params.get(k) for k in keys if request.query_params.get(k)}


async def _active_models(session: Any) -> list[Model]:
    rows = (
        await session.exec(
            select(Model).where(Model.status == ModelStatus.ACTIVE).order_by(col(Model.name))
        )
    ).all()
    return [m for m in rows if not is_variant(m)]


@router.get("/jobs")
async def jobs_page(request: Request, principal: AdminPage, session: SessionDep) -> Response:
    where = filter_from(request)
    page = page_number(request.query_params)
    rows, total = await list_jobs(session, where, page=page, per_page=PER_PAGE)
    context: dict[str, Any] = {
        "rows": rows,
        "total": total,
        "page": page,
        "pages": max(1, -(-total // PER_PAGE)),
        "query": _raw_query(request),
    }
    if request.headers.get("HX-Target") == "jobs-table":
        return partial(
            request, "admin/_jobs_table.html", csrf_token=principal.csrf_token, **context
        )
    return render(
        request,
        "admin/jobs.html",
        principal,
        section="jobs",
        title="Jobs",
        statuses=[s.value for s in JobStatus],
        models=await known_models(session),
        active_models=await _active_models(session),
        anonymous=ANONYMOUS,
        **context,
    )


@router.get("/jobs/export.csv")
async def export_usage(
    request: Request, principal: AdminPage, context: ContextDep, session: SessionDep
) -> StreamingResponse:
    return await usage_export(context, session, principal.actor, filter_from(request))


@router.post("/jobs/requeue-by-model")
async def requeue_by_model(
    request: Request, principal: AdminPage, context: ContextDep, session: SessionDep
) -> Response:
    form = await request.form()
    model = text(form, "model", 128)
    if not model:
        return redirect(request, "/admin/jobs", "Choose the model whose jobs to requeue.", "error")
    statuses = [JobStatus(s) for s in form.getlist("statuses") if s in set(JobStatus)]
    try:
        pairs = await commands.requeue_by_model(
            context,
            session,
            model,
            commands.RequeueOverrides(model=text(form, "use_model", 128)),
            actor=principal.actor,
            statuses=statuses or [JobStatus.COMPLETED],
            since=bound(text(form, "since", 32)),
            until=bound(text(form, "until", 32), until=True),
            include_already_requeued=checked(form, "include_already_requeued"),
        )
    except APIError as error:
        return redirect(request, "/admin/jobs", error.message, "error")
    return redirect(
        request,
        "/admin/jobs?status=queued",
        f"Requeued {len(pairs)} job{'s' if len(pairs) != 1 else ''} produced by {model}.",
    )


@router.post("/jobs/requeue-batch-failures")
async def requeue_batch_failures(
    request: Request, principal: AdminPage, context: ContextDep, session: SessionDep
) -> Response:
    """The jobs page's button when it is filtered by a batch."""
    batch_id = text(await request.form(), "batch", 40)
    if not batch_id:
        return redirect(request, "/admin/jobs", "Filter the jobs by a batch first.", "error")
    back = f"/admin/jobs?{query_with({'batch': batch_id})}"
    try:
        jobs, skipped = await commands.requeue_batch_failures(
            context, session, batch_id, actor=principal.actor
        )
    except APIError as error:
        return redirect(request, back, error.message, "error")
    count = f"{len(jobs)} failed job{'s' if len(jobs) != 1 else ''}"
    reasons = "; ".join(sorted(set(skipped.values())))
    left = f" ({len(skipped)} could not run again: {reasons})" if skipped else ""
    return redirect(request, back, f"Requeued {count} of batch {batch_id}{left}.")


@router.get("/jobs/{job_id}")
async def job_page(
    job_id: str, request: Request, principal: AdminPage, context: ContextDep, session: SessionDep
) -> Response:
    try:
        detail = await job_detail(context, request, session, job_id)
    except APIError as error:
        return render(
            request,
            "admin/error.html",
            principal,
            status_code=error.status,
            title="No such job",
            message=error.message,
            section="jobs",
        )
    return render(
        request,
        "admin/job.html",
        principal,
        section="jobs",
        title=f"Job {job_id}",
        d=detail,
        factors=[f.value for f in Factor],
        presets=[p.value for p in Preset],
        denoises=[d.value for d in Denoise],
        formats=[f.value for f in OutputFormat],
        active_models=await _active_models(session),
    )


@router.get("/jobs/{job_id}/status")
async def job_status(
    job_id: str, request: Request, principal: AdminPage, context: ContextDep, session: SessionDep
) -> Response:
    """The live part of the job page (polled while the job runs)."""
    detail = await job_detail(context, request, session, job_id)
    response = partial(request, "admin/_job_status.html", d=detail, csrf_token=principal.csrf_token)
    if detail.is_terminal:
        # It just ended: reload the page for the result, previews and timings.
        response.headers["HX-Refresh"] = "true"
    return response


@router.get("/jobs/{job_id}/download/{which}")
async def download(
    job_id: str, which: str, request: Request, context: ContextDep, session: SessionDep
) -> Response:
    """Redirect to a fresh signed link for the original or the result."""
    detail = await job_detail(context, request, session, job_id)
    if which == "original":
        target = detail.original_url
    elif which == "result" and detail.result_url:
        target = detail.result_url
    else:
        raise job_not_found(f"{job_id}/{which}")
    return RedirectResponse(target, status_code=303)


@router.post("/jobs/{job_id}/cancel")
async def cancel(
    job_id: str, request: Request, principal: AdminPage, context: ContextDep, session: SessionDep
) -> Response:
    try:
        await commands.cancel(context, session, job_id, actor=principal.actor)
    except APIError as error:
        return redirect(request, f"/admin/jobs/{job_id}", error.message, "error")
    return redirect(request, f"/admin/jobs/{job_id}", "Job canceled.")


def _overrides(form: Any) -> commands.RequeueOverrides:
    values: dict[str, Any] = {}
    for name in ("factor", "preset", "denoise", "output_format", "model"):
        value = text(form, name, 128)
        if value:
            values[name] = value
    quality = text(form, "quality", 8)
    if quality:
        values["quality"] = quality
    faces = text(form, "refine_faces", 8)
    if faces in ("yes", "no"):
        values["refine_faces"] = faces == "yes"
    return commands.RequeueOverrides.model_validate(values)


@router.post("/jobs/{job_id}/requeue")
async def requeue(
    job_id: str, request: Request, principal: AdminPage, context: ContextDep, session: SessionDep
) -> Response:
    form = await request.form()
    try:
        overrides = _overrides(form)
    except ValueError as error:
        return redirect(request, f"/admin/jobs/{job_id}", f"Invalid parameters: {error}", "error")
    try:
        job = await commands.requeue(context, session, job_id, overrides, actor=principal.actor)
    except APIError as error:
        detail = "; ".join(f"{f.field}: {f.message}" for f in error.fields) or error.message
        return redirect(request, f"/admin/jobs/{job_id}", detail, "error")
    changed = ", ".join(f"{k}={v}" for k, v in overrides.model_dump(exclude_none=True).items())
    return redirect(
        request,
        f"/admin/jobs/{job.job_id}",
        f"Requeued {job_id} as this new job"
        + (f" with {changed}." if changed else " with the same parameters."),
    )


@router.post("/jobs/{job_id}/artifacts/delete")
async def delete_artifacts(
    job_id: str, request: Request, principal: AdminPage, context: ContextDep, session: SessionDep
) -> Response:
    form = await request.form()
    try:
        keys = await commands.delete_artifacts(
            context,
            session,
            job_id,
            actor=principal.actor,
            include_original=checked(form, "include_original"),
        )
    except APIError as error:
        return redirect(request, f"/admin/jobs/{job_id}", error.message, "error")
    return redirect(request, f"/admin/jobs/{job_id}", f"Deleted {len(keys)} stored file(s).")
