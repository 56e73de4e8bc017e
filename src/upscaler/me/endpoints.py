"""/api/v1/me: an account's API keys, usage and jobs."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request, Response, status
from fastapi.responses import StreamingResponse
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from upscaler.accounts import keys
from upscaler.accounts.caller import Caller, CallerDep
from upscaler.accounts.limits import (
    daily_quota,
    jobs_since,
    monthly_megapixels,
    pixels_since,
    start_of_day,
    start_of_month,
)
from upscaler.audit.csvexport import csv_download
from upscaler.audit.service import add
from upscaler.auth.deps import UserPrincipal
from upscaler.db.tables import ApiKey, Job, Upload
from upscaler.db.types import utcnow
from upscaler.deps import ContextDep, SessionDep
from upscaler.downloads.request_links import base_url
from upscaler.errors import APIError
from upscaler.jobs.query import USAGE_HEADER, JobFilter, iterate_jobs, usage_row
from upscaler.live_settings import RuntimeSettings
from upscaler.me.schemas import ApiKeyCreated, ApiKeyOut, MyJob, NewApiKey, UsageOut
from upscaler.openapi import documented_error as error

router = APIRouter(prefix="/api/v1/me", tags=["account"])

SIGNED_IN: dict[int | str, dict[str, Any]] = {
    401: error("Not signed in (a login token or the session; an API key for usage and jobs)")
}


def key_out(row: ApiKey) -> ApiKeyOut:
    assert row.id is not None
    return ApiKeyOut(
        id=row.id,
        name=row.name,
        prefix=row.prefix,
        created_at=row.created_at,
        last_used_at=row.last_used_at,
        revoked_at=row.revoked_at,
    )


@router.post("/api-keys", status_code=status.HTTP_201_CREATED, responses=SIGNED_IN)
async def create_api_key(
    body: NewApiKey, principal: UserPrincipal, session: SessionDep
) -> ApiKeyCreated:
    """A new key for the public job API. The answer is the only time the key
    is shown: keep it (the service stores only its hash)."""
    row, key = await keys.create_key(session, principal.user, body.name)
    add(session, principal.actor, "api_key.create", entity_type="api_key", entity_id=str(row.id),
        details={"name": row.name, "prefix": row.prefix})  # fmt: skip
    await session.commit()
    return ApiKeyCreated(**key_out(row).model_dump(), key=key)


@router.get("/api-keys", responses=SIGNED_IN)
async def list_api_keys(principal: UserPrincipal, session: SessionDep) -> list[ApiKeyOut]:
    """My keys, revoked ones too (never the keys themselves)."""
    return [key_out(row) for row in await keys.list_keys(session, principal.user_id)]


@router.delete(
    "/api-keys/{key_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={**SIGNED_IN, 404: error("No such key of mine")},
)
async def revoke_api_key(key_id: int, principal: UserPrincipal, session: SessionDep) -> Response:
    """Revoke a key: the next request with it is refused (401)."""
    row = await keys.revoke_key(session, key_id, owner_id=principal.user_id)
    add(session, principal.actor, "api_key.revoke", entity_type="api_key", entity_id=str(row.id),
        details={"name": row.name, "prefix": row.prefix})  # fmt: skip
    await session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


def _account(caller: Caller) -> int:
    if caller.user_id is None:
        raise APIError(
            401,
            "not_authenticated",
            "send an API key (Authorization: Bearer upk_…) or sign in",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return caller.user_id


async def newest_jobs(
    session: AsyncSession, owner_id: int, limit: int
) -> Sequence[tuple[Job, Upload]]:
    """The owner's newest jobs with their uploads (the API's list and /me)."""
    statement = (
        select(Job, Upload)
        .join(Upload, col(Upload.id) == col(Job.upload_id))
        .where(col(Job.owner_id) == owner_id)
        .order_by(col(Job.created_at).desc())
        .limit(limit)
    )
    return (await session.exec(statement)).all()


async def usage_of(session: AsyncSession, caller: Caller, live: RuntimeSettings) -> UsageOut:
    """Jobs today against the plan's quota; this month's jobs and input megapixels."""
    owner = _account(caller)
    assert caller.user is not None
    now = utcnow()
    month = start_of_month(now)
    return UsageOut(
        plan=caller.user.plan,
        jobs_today=await jobs_since(session, owner, start_of_day(now)),
        daily_quota=daily_quota(caller, live),
        resets_at=start_of_day(now) + timedelta(days=1),
        jobs_this_month=await jobs_since(session, owner, month),
        input_megapixels_this_month=round(await pixels_since(session, owner, month) / 1e6, 3),
        monthly_megapixels_quota=monthly_megapixels(caller, live),
    )


@router.get("/usage", responses=SIGNED_IN)
async def my_usage(caller: CallerDep, context: ContextDep, session: SessionDep) -> UsageOut:
    """Jobs today against the plan's daily quota, and this month's jobs and
    input megapixels."""
    return await usage_of(session, caller, await context.live.get())


@router.get("/jobs", responses=SIGNED_IN)
async def my_jobs(
    request: Request, caller: CallerDep, context: ContextDep, session: SessionDep, limit: int = 50
) -> list[MyJob]:
    """My newest jobs (at most `limit`, up to 200)."""
    owner = _account(caller)
    base = base_url(context, request)
    rows = await newest_jobs(session, owner, max(1, min(limit, 200)))
    return [
        MyJob(
            job_id=job.job_id,
            status=job.status,
            created_at=job.created_at,
            filename=upload.batch_path or upload.original_filename,
            model=job.model,
            batch_id=job.batch_id,
            status_url=f"{base}/api/v1/jobs/{job.job_id}",
            page_url=f"{base}/jobs/{job.job_id}",
        )
        for job, upload in rows
    ]


@router.get(
    "/usage.csv",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}}, "description": "My usage"}, **SIGNED_IN},
)
async def my_usage_csv(
    caller: CallerDep, context: ContextDep, since: datetime | None = None
) -> StreamingResponse:
    """Every job of mine (since `since`, default the start of this month) as
    CSV: the same columns as the admin's usage report."""
    _account(caller)
    assert caller.user is not None
    start = since or start_of_month(utcnow())
    where = JobFilter(owner=caller.user.username, since=start)

    async def rows(reader: AsyncSession) -> AsyncIterator[list[Any]]:
        async for row in iterate_jobs(reader, where):
            yield usage_row(row)

    return csv_download(context.sessions, USAGE_HEADER, rows, "my-usage")
