"""/api/v1/admin: workers and their heartbeats."""

from __future__ import annotations

from fastapi import APIRouter
from sqlmodel import col, select

from upscaler.admin import convert, schemas
from upscaler.db.tables import Worker
from upscaler.deps import SessionDep

router = APIRouter()


@router.get("/workers", response_model=list[schemas.WorkerOut])
async def get_workers(session: SessionDep) -> list[schemas.WorkerOut]:
    """Worker processes from their heartbeats (every 5 s): queues, provider,
    GPU, current job, jobs done, last heartbeat, online or stale."""
    rows = (await session.exec(select(Worker).order_by(col(Worker.id)))).all()
    return [convert.worker_out(row) for row in rows]
