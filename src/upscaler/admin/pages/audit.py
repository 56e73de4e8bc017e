"""/admin/audit: every admin action, filterable, searchable, exportable."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse
from starlette.responses import Response

from upscaler.admin.api.audit import audit_export
from upscaler.admin.datefilter import bound
from upscaler.admin.guards import AdminPage, admin_page_principal
from upscaler.admin.pages.forms import page_number, text
from upscaler.admin.rendering import partial, render
from upscaler.audit import queries as audit_queries
from upscaler.deps import ContextDep, SessionDep

router = APIRouter(
    prefix="/admin", include_in_schema=False, dependencies=[Depends(admin_page_principal)]
)

PER_PAGE = 50
KEYS = ("username", "action", "entity_type", "entity_id", "since", "until", "q")


def filter_from(request: Request) -> audit_queries.AuditFilter:
    query = request.query_params
    return audit_queries.AuditFilter(
        username=text(query, "username", 64),
        action=text(query, "action", 64),
        entity_type=text(query, "entity_type", 32),
        entity_id=text(query, "entity_id", 128),
        since=bound(text(query, "since", 32)),
        until=bound(text(query, "until", 32), until=True),
        q=text(query, "q", 200),
    )


def _raw(request: Request) -> dict[str, Any]:
    return {k: request.query_params.get(k) for k in KEYS if request.query_params.get(k)}


@router.get("/audit")
async def audit_page(request: Request, principal: AdminPage, session: SessionDep) -> Response:
    where = filter_from(request)
    page = page_number(request.query_params)
    entries, total = await audit_queries.search(session, where, page=page, per_page=PER_PAGE)
    context: dict[str, Any] = {
        "entries": entries,
        "total": total,
        "page": page,
        "pages": max(1, -(-total // PER_PAGE)),
        "query": _raw(request),
    }
    if request.headers.get("HX-Target") == "audit-table":
        return partial(request, "admin/_audit_table.html", **context)
    return render(
        request,
        "admin/audit.html",
        principal,
        section="audit",
        title="Audit log",
        actions=await audit_queries.actions(session),
        **context,
    )


@router.get("/audit/export.csv")
async def export(
    request: Request, principal: AdminPage, context: ContextDep, session: SessionDep
) -> StreamingResponse:
    return await audit_export(context, session, principal.actor, filter_from(request))
