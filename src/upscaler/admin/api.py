"""The admin JSON API, /api/v1/admin/* (blueprint 001). Every endpoint needs
the admin role through a bearer token or the session cookie (with its CSRF
token for changes); every change is written to the audit log."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response, status
from fastapi.responses import StreamingResponse
from sqlmodel import col, select

from upscaler.admin import (
    convert,
    models_service,
    ncnn_upload,
    schemas,
    settings_service,
    stats,
    users_service,
)
from upscaler.admin.jobs_query import (
    USAGE_HEADER,
    JobFilter,
    iterate_jobs,
    job_detail,
    job_row,
    list_jobs,
    usage_row,
)
from upscaler.audit import queries as audit_queries
from upscaler.audit.csvexport import stream_csv
from upscaler.audit.service import record
from upscaler.auth import sessions
from upscaler.auth.deps import AdminPrincipal, auth_runtime, require_admin
from upscaler.auth.endpoints import error
from upscaler.contracts import JobStatus
from upscaler.db.tables import Worker
from upscaler.deps import ContextDep, SessionDep
from upscaler.errors import APIError, FieldError
from upscaler.jobs import commands
from upscaler.uploads.receive import receive_upload

AUTH_ERRORS: dict[int | str, dict[str, Any]] = {
    401: error("Not signed in, or the session/token has ended"),
    403: error(
        "Not an admin, the password must be changed first, or (cookie sessions) the CSRF "
        "token is missing"
    ),
}

router = APIRouter(
    prefix="/api/v1/admin",
    tags=["admin"],
    dependencies=[Depends(require_admin)],
    responses=AUTH_ERRORS,
)

Page = Annotated[int, Query(ge=1, le=100_000)]
PerPage = Annotated[int, Query(ge=1, le=200)]


def utc(value: datetime | None) -> datetime | None:
    """Timestamps without a zone are taken as UTC."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _csv_response(rows: Any, header: tuple[str, ...], filename: str) -> StreamingResponse:
    return StreamingResponse(
        stream_csv(header, rows),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


def _stamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")


# -- dashboard ----------------------------------------------------------------------


@router.get("/stats", response_model=schemas.StatsOut)
async def get_stats(context: ContextDep) -> schemas.StatsOut:
    """The dashboard's figures: queue, today's outcomes, average time, storage, workers."""
    figures = await stats.kpis(context)
    return schemas.StatsOut.model_validate(figures, from_attributes=True)


# -- jobs ---------------------------------------------------------------------------


def job_filter(
    status_: Annotated[JobStatus | None, Query(alias="status")] = None,
    model: Annotated[str | None, Query(max_length=128)] = None,
    owner: Annotated[
        str | None, Query(max_length=64, description="a username, or `anonymous`")
    ] = None,
    since: Annotated[datetime | None, Query(description="created at or after (ISO 8601)")] = None,
    until: Annotated[datetime | None, Query(description="created before (ISO 8601)")] = None,
    q: Annotated[
        str | None, Query(max_length=200, description="job id, file name, error or worker")
    ] = None,
) -> JobFilter:
    return JobFilter(
        status=status_, model=model, owner=owner, since=utc(since), until=utc(until), q=q
    )


JobFilterDep = Annotated[JobFilter, Depends(job_filter)]


@router.get("/jobs", response_model=schemas.JobPage)
async def get_jobs(
    where: JobFilterDep, session: SessionDep, page: Page = 1, per_page: PerPage = 25
) -> schemas.JobPage:
    """Jobs, newest first, filtered by status, model, owner and creation time,
    searchable by id, file name, error and worker."""
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
    await record(session, principal.actor, "usage.export", details=where.as_query())

    async def rows() -> Any:
        async with context.sessions() as reader:
            async for row in iterate_jobs(reader, where):
                yield usage_row(row)

    return _csv_response(rows(), USAGE_HEADER, f"usage-{_stamp()}.csv")


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
        since=utc(body.since),
        until=utc(body.until),
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


# -- workers --------------------------------------------------------------------------


@router.get("/workers", response_model=list[schemas.WorkerOut])
async def get_workers(session: SessionDep) -> list[schemas.WorkerOut]:
    """Worker processes from their heartbeats (every 5 s): queues, provider,
    GPU, current job, jobs done, last heartbeat, online or stale."""
    rows = (await session.exec(select(Worker).order_by(col(Worker.id)))).all()
    return [convert.worker_out(row) for row in rows]


# -- models ---------------------------------------------------------------------------

MODEL_FORM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["file", "name"],
    "properties": {
        "file": {"type": "string", "format": "binary", "description": "an .onnx model"},
        "name": {"type": "string", "pattern": "^[a-z0-9][a-z0-9._-]{1,63}$"},
        "presets": {"type": "string", "description": "comma-separated presets it serves"},
        "note": {"type": "string"},
        "gpu_required": {"type": "boolean", "default": False},
        "quality_rank": {"type": "integer", "default": 0},
        "expected_scale": {"type": "integer", "enum": [1, 2, 3, 4, 8]},
    },
}


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "on", "yes")


def _int(value: str | None, field: str) -> int | None:
    if value is None or not value.strip():
        return None
    try:
        return int(value)
    except ValueError as exc:
        raise APIError(
            400,
            "invalid_request",
            f"{field} must be a whole number",
            fields=[FieldError(field, "must be a whole number")],
        ) from exc


async def register_model_from_request(
    request: Request, context: ContextDep, session: SessionDep, principal: AdminPrincipal
) -> Any:
    """Shared by the API and the models page: stream the multipart body to
    disk under the model size limit, then register."""
    received = await receive_upload(
        request.headers.get("content-type"),
        request.headers.get("content-length"),
        request.stream(),
        limit=models_service.MAX_MODEL_BYTES,
        spool_dir=context.settings.data_dir / "spool",
    )
    try:
        fields = received.fields
        return await models_service.register_upload(
            context,
            session,
            received,
            name=fields.get("name", ""),
            presets=_presets(fields),
            note=fields.get("note"),
            gpu_required=_flag(fields.get("gpu_required")),
            quality_rank=_int(fields.get("quality_rank"), "quality_rank") or 0,
            expected_scale=_int(fields.get("expected_scale"), "expected_scale"),
            actor=principal.actor,
        )
    finally:
        received.discard()


NCNN_FORM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["param", "bin", "name"],
    "properties": {
        "param": {"type": "string", "format": "binary", "description": "the ncnn .param (text)"},
        "bin": {"type": "string", "format": "binary", "description": "the ncnn .bin (weights)"},
        "name": {"type": "string", "pattern": "^[a-z0-9][a-z0-9._-]{1,63}$"},
        "presets": {"type": "string", "description": "comma-separated presets it serves"},
        "note": {"type": "string"},
        "gpu_required": {"type": "boolean", "default": False},
        "quality_rank": {"type": "integer", "default": 0},
        "expected_scale": {"type": "integer", "enum": [1, 2, 3, 4, 8]},
    },
}


def _presets(fields: dict[str, str]) -> list[str]:
    presets = [p.strip() for p in fields.get("presets", "").split(",") if p.strip()]
    return presets + [v for k, v in fields.items() if k.startswith("preset_") and v]


async def register_ncnn_from_request(
    request: Request, context: ContextDep, session: SessionDep, principal: AdminPrincipal
) -> Any:
    """Shared by the API and the models page: stream both files to disk under
    their limits, read and recognise them, then register."""
    received = await ncnn_upload.receive_files(
        request.headers.get("content-type"),
        request.headers.get("content-length"),
        request.stream(),
        file_limits=ncnn_upload.limits(),
        spool_dir=context.settings.data_dir / "spool",
    )
    try:
        fields = received.fields
        return await models_service.register_ncnn_upload(
            context,
            session,
            received.files,
            name=fields.get("name", ""),
            presets=_presets(fields),
            note=fields.get("note"),
            gpu_required=_flag(fields.get("gpu_required")),
            quality_rank=_int(fields.get("quality_rank"), "quality_rank") or 0,
            expected_scale=_int(fields.get("expected_scale"), "expected_scale"),
            actor=principal.actor,
        )
    finally:
        await asyncio.to_thread(received.discard)


@router.get("/models", response_model=list[schemas.ModelOut])
async def get_models(session: SessionDep) -> list[schemas.ModelOut]:
    """Every model: architecture, scale, status, source, presets, default, size, notes."""
    return [convert.model_out(m) for m in await models_service.list_models(session)]


@router.post(
    "/models",
    response_model=schemas.ModelOut,
    status_code=status.HTTP_202_ACCEPTED,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"multipart/form-data": {"schema": MODEL_FORM_SCHEMA}},
        }
    },
    responses={
        400: error("Invalid fields"),
        409: error("A model of that name exists"),
        413: error("The file is larger than the model size limit (1 GiB)"),
        415: error("Not an ONNX file"),
    },
)
async def register_model(
    request: Request, context: ContextDep, session: SessionDep, principal: AdminPrincipal
) -> schemas.ModelOut:
    """Register a model by uploading its ONNX file. The file is stored and
    the model is `validating` until a worker has loaded it with ONNX Runtime,
    checked it has one image input and one output and measured its scale on
    a probe; then it is `active` (or `invalid`, with the reason)."""
    model = await register_model_from_request(request, context, session, principal)
    return convert.model_out(model)


@router.post(
    "/models/ncnn",
    response_model=schemas.ModelOut,
    status_code=status.HTTP_202_ACCEPTED,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"multipart/form-data": {"schema": NCNN_FORM_SCHEMA}},
        }
    },
    responses={
        400: error("Invalid fields, or a file is missing"),
        409: error("A model of that name exists"),
        413: error("The .param is over 4 MiB or the .bin over 512 MiB"),
        415: error("The files are not named .param and .bin"),
        422: error(
            "Not a model we can convert: a layer of an unsupported type (named), weights "
            "that do not fit the graph, or a graph that is not an RRDBNet/SRVGGNetCompact "
            "upscaler (`unsupported_layer`, `invalid_param`, `invalid_weights`, `not_an_upscaler`)"
        ),
    },
)
async def register_ncnn_model(
    request: Request, context: ContextDep, session: SessionDep, principal: AdminPrincipal
) -> schemas.ModelOut:
    """Register an ESRGAN (RRDBNet) or SRVGGNetCompact model from its ncnn
    files (`param` and `bin` parts, as Real-ESRGAN-ncnn-vulkan and Upscayl
    ship them). The API reads both at once and refuses, storing nothing, a
    layer it cannot map, weights that do not fit the graph, or a graph that
    is not one of those upscalers; the row's details record the architecture
    and the expected scale. A worker then converts it to ONNX, checks it
    against PyTorch and the ncnn runtime, stores the ONNX file for the other
    workers and marks it `active` (or `invalid`, with the reason)."""
    model = await register_ncnn_from_request(request, context, session, principal)
    return convert.model_out(model)


@router.post("/models/rescan", response_model=schemas.RescanOut, status_code=202)
async def rescan_models(
    principal: AdminPrincipal, context: ContextDep, session: SessionDep
) -> schemas.RescanOut:
    """Ask a worker to register the models installed from the manifest in its model_dir."""
    return schemas.RescanOut(
        requested=await models_service.rescan(context, session, principal.actor)
    )


MODEL_ERRORS: dict[int | str, dict[str, Any]] = {
    404: error("No such model"),
    409: error("Not possible in the model's state"),
}


@router.patch("/models/{name}", response_model=schemas.ModelOut, responses=MODEL_ERRORS)
async def update_model(
    name: str, body: schemas.ModelUpdateRequest, principal: AdminPrincipal, session: SessionDep
) -> schemas.ModelOut:
    """Map presets to the model, rank it, route it to GPU workers, annotate it."""
    model = await models_service.update(
        session, name, models_service.ModelUpdate(**body.model_dump()), principal.actor
    )
    return convert.model_out(model)


@router.post("/models/{name}/default", response_model=schemas.ModelOut, responses=MODEL_ERRORS)
async def make_default(
    name: str, principal: AdminPrincipal, session: SessionDep
) -> schemas.ModelOut:
    """Make this (active) model the default; the change is kept in the history."""
    return convert.model_out(await models_service.set_default(session, name, principal.actor))


@router.post("/models/{name}/promote", response_model=schemas.ModelOut, responses=MODEL_ERRORS)
async def promote_model(
    name: str, principal: AdminPrincipal, session: SessionDep
) -> schemas.ModelOut:
    """Put a demoted model back in service."""
    return convert.model_out(await models_service.promote(session, name, principal.actor))


@router.post("/models/{name}/demote", response_model=schemas.DemoteOut, responses=MODEL_ERRORS)
async def demote_model(
    name: str, principal: AdminPrincipal, session: SessionDep
) -> schemas.DemoteOut:
    """Take a model out of service; demoting the default restores the previous default."""
    model, restored = await models_service.demote(session, name, principal.actor)
    return schemas.DemoteOut(
        model=convert.model_out(model), restored_default=restored.name if restored else None
    )


@router.post(
    "/models/{name}/validate",
    response_model=schemas.ModelOut,
    status_code=202,
    responses=MODEL_ERRORS,
)
async def validate_model(
    name: str, principal: AdminPrincipal, context: ContextDep, session: SessionDep
) -> schemas.ModelOut:
    """Have an uploaded model validated again (after an `invalid` verdict, say)."""
    model = await models_service.revalidate(context, session, name, principal.actor)
    return convert.model_out(model)


@router.delete("/models/{name}", status_code=204, responses=MODEL_ERRORS)
async def delete_model(
    name: str, principal: AdminPrincipal, context: ContextDep, session: SessionDep
) -> Response:
    """Remove an uploaded model and its stored file."""
    await models_service.delete(context, session, name, principal.actor)
    return Response(status_code=204)


# -- settings ---------------------------------------------------------------------------


def _settings_out(
    values: Any, diff: dict[str, tuple[Any, Any]] | None = None
) -> schemas.SettingsOut:
    return schemas.SettingsOut(
        settings=values.model_dump(mode="json"),
        changed={k: {"old": old, "new": new} for k, (old, new) in (diff or {}).items()},
    )


@router.get("/settings", response_model=schemas.SettingsOut)
async def get_settings_(context: ContextDep) -> schemas.SettingsOut:
    """The run-time settings in effect."""
    return _settings_out(await context.live.get())


@router.post(
    "/settings",
    response_model=schemas.SettingsOut,
    responses={400: error("Some settings are not valid (field errors)")},
)
async def update_settings(
    body: schemas.SettingsChanges,
    principal: AdminPrincipal,
    context: ContextDep,
    session: SessionDep,
) -> schemas.SettingsOut:
    """Change any run-time settings (upload size, types, pixels, rate limit,
    job timeout and retries, retention, maintenance, queue pause). Applied on
    every API replica and worker within a few seconds, without a restart."""
    changes = body.model_dump(exclude_unset=True)
    updated, diff = await settings_service.apply(context, session, changes, actor=principal.actor)
    return _settings_out(updated, diff)


# -- users ---------------------------------------------------------------------------


@router.get("/users", response_model=list[schemas.UserOut])
async def get_users(context: ContextDep, session: SessionDep) -> list[schemas.UserOut]:
    counts = await sessions.live_counts(session, auth_runtime(context).policy)
    return [
        convert.user_out(user, counts.get(user.id or 0, 0))
        for user in await users_service.list_users(session)
    ]


@router.post(
    "/users",
    response_model=schemas.UserCreated,
    status_code=status.HTTP_201_CREATED,
    responses={400: error("Invalid fields"), 409: error("Username or e-mail taken")},
)
async def create_user(
    body: schemas.UserCreate, principal: AdminPrincipal, session: SessionDep
) -> schemas.UserCreated:
    """Create an account; it must change its password at first login."""
    created = await users_service.create_user(
        session,
        username=body.username,
        email=body.email,
        role=body.role,
        password=body.password,
        actor=principal.actor,
    )
    return schemas.UserCreated(
        **convert.user_out(created.user).model_dump(),
        generated_password=created.generated_password,
    )


USER_ERRORS: dict[int | str, dict[str, Any]] = {
    404: error("No such user"),
    409: error("Refused: yourself, or the last active admin"),
}


@router.patch("/users/{user_id}", response_model=schemas.UserOut, responses=USER_ERRORS)
async def update_user(
    user_id: int, body: schemas.UserUpdate, principal: AdminPrincipal, session: SessionDep
) -> schemas.UserOut:
    """Change role, activate or deactivate (ends the user's sessions), e-mail."""
    user = await users_service.update_user(
        session,
        user_id,
        role=body.role,
        is_active=body.is_active,
        email=body.email,
        actor=principal.actor,
    )
    return convert.user_out(user)


@router.post(
    "/users/{user_id}/force-password-reset",
    response_model=schemas.PasswordResetOut,
    responses=USER_ERRORS,
)
async def force_password_reset(
    user_id: int,
    principal: AdminPrincipal,
    session: SessionDep,
    body: schemas.PasswordResetRequest | None = None,
) -> schemas.PasswordResetOut:
    """The user must choose a new password at next login; their sessions end
    now. Optionally replace the password (given, or generated and shown once)."""
    body = body or schemas.PasswordResetRequest()
    new_password = "" if body.generate else body.new_password
    user, generated, ended = await users_service.force_password_reset(
        session, user_id, new_password=new_password, actor=principal.actor
    )
    return schemas.PasswordResetOut(
        user=convert.user_out(user), generated_password=generated, sessions_ended=ended
    )


@router.post(
    "/users/{user_id}/end-sessions", response_model=schemas.SessionsEnded, responses=USER_ERRORS
)
async def end_sessions(
    user_id: int, principal: AdminPrincipal, session: SessionDep
) -> schemas.SessionsEnded:
    """End every session and token of the user at once."""
    ended = await users_service.end_sessions(session, user_id, actor=principal.actor)
    return schemas.SessionsEnded(sessions_ended=ended)


@router.get(
    "/users/{user_id}/sessions", response_model=list[schemas.SessionOut], responses=USER_ERRORS
)
async def user_sessions(
    user_id: int, context: ContextDep, session: SessionDep
) -> list[schemas.SessionOut]:
    """The user's live sessions and tokens."""
    user = await users_service.get_user(session, user_id)
    assert user.id is not None
    rows = await sessions.live_for_user(session, user.id, auth_runtime(context).policy)
    return [convert.session_out(row) for row in rows]


@router.delete("/sessions/{session_id}", status_code=204, responses={404: error("No such session")})
async def end_one_session(
    session_id: int, principal: AdminPrincipal, session: SessionDep
) -> Response:
    """End one session or token."""
    await users_service.end_session(session, session_id, actor=principal.actor)
    return Response(status_code=204)


# -- audit ---------------------------------------------------------------------------


def audit_filter(
    username: Annotated[str | None, Query(max_length=64)] = None,
    action: Annotated[
        str | None, Query(max_length=64, description='exact, or a prefix ending in "."')
    ] = None,
    entity_type: Annotated[str | None, Query(max_length=32)] = None,
    entity_id: Annotated[str | None, Query(max_length=128)] = None,
    since: datetime | None = None,
    until: datetime | None = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
) -> audit_queries.AuditFilter:
    return audit_queries.AuditFilter(
        username=username,
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        since=utc(since),
        until=utc(until),
        q=q,
    )


AuditFilterDep = Annotated[audit_queries.AuditFilter, Depends(audit_filter)]
AUDIT_HEADER = (
    "id",
    "created_at",
    "user_id",
    "username",
    "action",
    "entity_type",
    "entity_id",
    "ip_address",
    "details",
)


def audit_row(entry: audit_queries.AuditEntry) -> list[Any]:
    row = entry.row
    return [
        row.id,
        row.created_at,
        row.user_id,
        entry.username,
        row.action,
        row.entity_type,
        row.entity_id,
        row.ip_address,
        row.details,
    ]


@router.get("/audit", response_model=schemas.AuditPage)
async def get_audit(
    where: AuditFilterDep, session: SessionDep, page: Page = 1, per_page: PerPage = 50
) -> schemas.AuditPage:
    """The audit log, newest first: filter by user, action, entity and time; search text."""
    entries, total = await audit_queries.search(session, where, page=page, per_page=per_page)
    return schemas.AuditPage(
        items=[convert.audit_entry(e) for e in entries], total=total, page=page, per_page=per_page
    )


@router.get(
    "/audit/export.csv",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}}, "description": "The audit log as CSV"}},
)
async def export_audit(
    where: AuditFilterDep, principal: AdminPrincipal, context: ContextDep, session: SessionDep
) -> StreamingResponse:
    """The matching audit rows as CSV, oldest first."""
    await record(
        session,
        principal.actor,
        "audit.export",
        details={k: v for k, v in vars(where).items() if v is not None},
    )

    async def rows() -> Any:
        async with context.sessions() as reader:
            async for entry in audit_queries.iterate(reader, where):
                yield audit_row(entry)

    return _csv_response(rows(), AUDIT_HEADER, f"audit-{_stamp()}.csv")
