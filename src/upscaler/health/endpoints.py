"""GET /api/v1/health: for load balancers, monitors and the admin dashboard."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlmodel import col, select

from upscaler.catalog.service import all_models
from upscaler.contracts import JobStatus
from upscaler.db.tables import Worker
from upscaler.db.types import utcnow
from upscaler.deps import ContextDep
from upscaler.jobs import state_machine

router = APIRouter(prefix="/api/v1", tags=["health"])

#: A worker that has not been heard from for this long is not counted online.
WORKER_STALE_AFTER = timedelta(seconds=30)


class ModelHealth(BaseModel):
    name: str
    arch: str
    scale: int
    status: str
    is_default: bool
    presets: list[str]


class Health(BaseModel):
    status: str  # ok | degraded | error
    mode: str
    queue_length: int
    running: int
    workers_online: int
    free_disk_percent: float | None
    providers: list[str]
    engine_paths: list[str] = Field(
        description="the engine paths (provider-precision, e.g. openvino-bf16) the online "
        "workers chose for their models",
    )
    precisions: list[str] = Field(description="the precisions the online workers run at")
    models: list[ModelHealth]
    problems: list[str]


def chosen_engine_paths(workers: Sequence[Worker]) -> list[str]:
    """The distinct paths the workers chose, one per model in each worker's
    `engines` (a malformed entry is skipped: the worker writes them)."""
    paths = {
        choice.get("path")
        for worker in workers
        for choice in (worker.engines or {}).values()
        if isinstance(choice, dict)
    }
    return sorted(path for path in paths if isinstance(path, str) and path)


@router.get("/health", response_model=Health, responses={503: {"model": Health}})
async def get_health(context: ContextDep) -> JSONResponse:
    """Liveness and capacity: queue length, live workers, disk, installed models."""
    problems: list[str] = []
    mode = "embedded" if context.settings.embedded_worker else "distributed"
    try:
        async with context.sessions() as session:
            queued = await state_machine.count_with_status(session, JobStatus.QUEUED)
            running = await state_machine.count_with_status(session, JobStatus.RUNNING)
            seen_after = utcnow() - WORKER_STALE_AFTER
            online = (
                await session.exec(select(Worker).where(col(Worker.last_seen_at) >= seen_after))
            ).all()
            models = await all_models(session)
    except Exception as error:  # the database is down: say so, don't 500
        body = Health(
            status="error",
            mode=mode,
            queue_length=0,
            running=0,
            workers_online=0,
            free_disk_percent=None,
            providers=[],
            engine_paths=[],
            precisions=[],
            models=[],
            problems=[f"database unavailable: {type(error).__name__}"],
        )
        return JSONResponse(body.model_dump(mode="json"), status_code=503)
    free = await context.storage.free_space_percent()
    if not await context.producer.reachable():
        problems.append("the queue broker (Redis) is unreachable: uploads are refused")
    if not models:
        problems.append("no model installed: run `make models`")
    if not online:
        problems.append("no worker online")
    if free is not None and free < 5:
        problems.append(f"storage disk almost full ({free}% free)")
    body = Health(
        status="degraded" if problems else "ok",
        mode=mode,
        queue_length=queued,
        running=running,
        workers_online=len(online),
        free_disk_percent=free,
        providers=sorted({w.provider for w in online if w.provider}),
        engine_paths=chosen_engine_paths(online),
        precisions=sorted({w.precision for w in online if w.precision}),
        models=[
            ModelHealth(
                name=m.name,
                arch=m.arch,
                scale=m.scale,
                status=m.status,
                is_default=m.is_default,
                presets=list(m.presets),
            )
            for m in models
        ],
        problems=problems,
    )
    return JSONResponse(body.model_dump(mode="json"))
