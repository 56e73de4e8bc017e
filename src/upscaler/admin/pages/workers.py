"""/admin/workers: every worker process from its heartbeats."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from sqlmodel import col, select
from starlette.responses import Response

from upscaler.admin import convert
from upscaler.admin.guards import AdminPage, admin_page_principal
from upscaler.admin.rendering import partial, render
from upscaler.db.tables import Worker
from upscaler.deps import SessionDep
from upscaler.health.endpoints import WORKER_STALE_AFTER

router = APIRouter(
    prefix="/admin", include_in_schema=False, dependencies=[Depends(admin_page_principal)]
)


async def _workers(session: SessionDep) -> list[object]:
    rows = (await session.exec(select(Worker).order_by(col(Worker.hostname), col(Worker.id)))).all()
    return [convert.worker_out(row) for row in rows]


@router.get("/workers")
async def workers_page(request: Request, principal: AdminPage, session: SessionDep) -> Response:
    return render(
        request,
        "admin/workers.html",
        principal,
        section="workers",
        title="Workers",
        workers=await _workers(session),
        stale_after=int(WORKER_STALE_AFTER.total_seconds()),
    )


@router.get("/workers/table")
async def workers_table(request: Request, session: SessionDep) -> Response:
    return partial(request, "admin/_workers_table.html", workers=await _workers(session))
