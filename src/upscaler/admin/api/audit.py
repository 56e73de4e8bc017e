"""/api/v1/admin: the audit log and its CSV export."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import StreamingResponse
from sqlmodel.ext.asyncio.session import AsyncSession

from upscaler.admin import convert, schemas
from upscaler.admin.api.common import SINCE_HELP, UNTIL_HELP, Page, PerPage
from upscaler.admin.datefilter import Since, Until
from upscaler.audit import queries as audit_queries
from upscaler.audit.csvexport import csv_download
from upscaler.audit.service import Actor, record
from upscaler.auth.deps import AdminPrincipal
from upscaler.context import AppContext
from upscaler.deps import ContextDep, SessionDep

router = APIRouter()


def audit_filter(
    username: Annotated[str | None, Query(max_length=64)] = None,
    action: Annotated[
        str | None, Query(max_length=64, description='exact, or a prefix ending in "."')
    ] = None,
    entity_type: Annotated[str | None, Query(max_length=32)] = None,
    entity_id: Annotated[str | None, Query(max_length=128)] = None,
    since: Annotated[Since | None, Query(description=SINCE_HELP)] = None,
    until: Annotated[Until | None, Query(description=UNTIL_HELP)] = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
) -> audit_queries.AuditFilter:
    return audit_queries.AuditFilter(
        username=username,
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        since=since,
        until=until,
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
    return await audit_export(context, session, principal.actor, where)


async def audit_export(
    context: AppContext, session: AsyncSession, actor: Actor, where: audit_queries.AuditFilter
) -> StreamingResponse:
    """The matching audit rows as CSV, oldest first, the export itself
    recorded: the export of this API and of the audit page."""
    await record(
        session,
        actor,
        "audit.export",
        details={k: v for k, v in vars(where).items() if v is not None},
    )

    async def rows(reader: AsyncSession) -> AsyncIterator[list[Any]]:
        async for entry in audit_queries.iterate(reader, where):
            yield audit_row(entry)

    return csv_download(context.sessions, AUDIT_HEADER, rows, "audit")
