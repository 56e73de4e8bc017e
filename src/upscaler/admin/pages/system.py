"""/admin/system: what an operator looks at during an incident: the figures
Prometheus scrapes (queues, workers, durations), recent errors (failed jobs
and deliveries from the database, warnings and errors this process logged),
a live tail of this process's log, and an export of the last hours' job
records, audit entries and log lines for an incident report."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import zipfile
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse
from sqlmodel import col, or_, select
from starlette.responses import Response

from upscaler.admin import stats
from upscaler.admin.guards import AdminPage, admin_page_principal
from upscaler.admin.rendering import render
from upscaler.audit.service import add
from upscaler.db.tables import AuditLog, Job, NotificationDelivery, Upload
from upscaler.db.types import utcnow
from upscaler.deps import ContextDep, SessionDep
from upscaler.logbuffer import RECENT
from upscaler.metrics.snapshot import DURATION_BUCKETS, Histogram, read_snapshot

router = APIRouter(
    prefix="/admin", include_in_schema=False, dependencies=[Depends(admin_page_principal)]
)

#: The live tail starts with this many kept lines, then follows.
TAIL_BACKLOG = 100
#: A tail stream lives this long; the browser reconnects by itself.
TAIL_SECONDS = 300.0
HEARTBEAT_SECONDS = 15.0
MAX_EXPORT_HOURS = 24 * 14


def quantile(histogram: Histogram, q: float) -> float | None:
    """The bucket bound under which a `q` share of the observations fall (an
    upper estimate, as Prometheus's histogram_quantile gives)."""
    if not histogram.count:
        return None
    wanted = q * histogram.count
    for bound, cumulative in zip(DURATION_BUCKETS, histogram.buckets, strict=False):
        if cumulative >= wanted:
            return bound
    return None  # beyond the last bound


@router.get("/system")
async def system_page(
    request: Request, principal: AdminPage, context: ContextDep, session: SessionDep
) -> Response:
    snapshot = await read_snapshot(session, context.storage)
    durations = [
        {
            "model": model,
            "provider": provider or "—",
            "count": histogram.count,
            "mean": histogram.total / histogram.count if histogram.count else None,
            "p50": quantile(histogram, 0.5),
            "p95": quantile(histogram, 0.95),
        }
        for (model, provider), histogram in sorted(snapshot.durations.items())
    ]
    deliveries = (
        await session.exec(
            select(NotificationDelivery)
            .where(NotificationDelivery.status == "failed")
            .order_by(col(NotificationDelivery.updated_at).desc())
            .limit(10)
        )
    ).all()
    return render(
        request,
        "admin/system.html",
        principal,
        section="system",
        title="System",
        snapshot=snapshot,
        durations=durations,
        chart=await stats.jobs_per_hour(session),
        failures=await stats.recent_failures(session, limit=20),
        deliveries=deliveries,
        logged=list(reversed(RECENT.snapshot(min_level=logging.WARNING)))[:50],
    )


def _sse(line: dict[str, Any]) -> str:
    return f"id: {line['seq']}\nevent: log\ndata: {json.dumps(line)}\n\n"


@router.get("/system/logs/stream")
async def log_stream(request: Request) -> StreamingResponse:
    """This process's log lines as server-sent events: the last ones kept,
    then each new one as it is written."""

    async def body() -> AsyncIterator[str]:
        yield "retry: 3000\n\n"
        with RECENT.subscribe() as queue:
            for line in RECENT.snapshot()[-TAIL_BACKLOG:]:
                yield _sse(line)
            deadline = asyncio.get_running_loop().time() + TAIL_SECONDS
            while asyncio.get_running_loop().time() < deadline:
                if await request.is_disconnected():
                    return
                try:
                    line = await asyncio.wait_for(queue.get(), HEARTBEAT_SECONDS)
                except TimeoutError:
                    yield ": still here\n\n"
                    continue
                yield _sse(line)

    return StreamingResponse(
        body(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


def _row(row: Any) -> dict[str, Any]:
    return row.model_dump(mode="json")  # type: ignore[no-any-return]


@router.get("/system/export")
async def export_incident(
    principal: AdminPage,
    session: SessionDep,
    hours: int = Query(24, ge=1, le=MAX_EXPORT_HOURS),
) -> Response:
    """A ZIP of the last `hours`: jobs created or finished in them (with their
    uploads), audit entries, notification deliveries and this process's log
    lines. Audited."""
    since = utcnow() - timedelta(hours=hours)
    jobs = (
        await session.exec(
            select(Job, Upload)
            .join(Upload, col(Upload.id) == col(Job.upload_id))
            .where(or_(col(Job.created_at) >= since, col(Job.finished_at) >= since))
            .order_by(col(Job.created_at))
        )
    ).all()
    audit = (
        await session.exec(
            select(AuditLog).where(col(AuditLog.created_at) >= since).order_by(col(AuditLog.id))
        )
    ).all()
    deliveries = (
        await session.exec(
            select(NotificationDelivery).where(col(NotificationDelivery.updated_at) >= since)
        )
    ).all()
    logged = RECENT.snapshot(since=since)
    add(
        session,
        principal.actor,
        "system.exported",
        details={"hours": hours, "jobs": len(jobs), "log_lines": len(logged)},
    )
    await session.commit()

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "jobs.jsonl", "".join(json.dumps(_row(j) | {"upload": _row(u)}) + "\n" for j, u in jobs)
        )
        archive.writestr("audit.jsonl", "".join(json.dumps(_row(a)) + "\n" for a in audit))
        archive.writestr(
            "notifications.jsonl", "".join(json.dumps(_row(d)) + "\n" for d in deliveries)
        )
        archive.writestr("logs.jsonl", "".join(json.dumps(line) + "\n" for line in logged))
        archive.writestr(
            "README.txt",
            f"ImageUpscalerPro incident export: the {hours} hours up to "
            f"{utcnow():%Y-%m-%d %H:%M} UTC.\nlogs.jsonl holds the lines of the API process "
            "that answered (each keeps its last 2000); worker processes log on their own.\n",
        )
    name = f"upscaler-incident-{utcnow():%Y%m%d-%H%M}.zip"
    return Response(
        buffer.getvalue(),
        media_type="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )
