"""The dashboard's figures: KPI cards, the jobs-per-hour chart, recent failures."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from upscaler.context import AppContext
from upscaler.contracts import JobStatus
from upscaler.db.tables import Job, Worker
from upscaler.db.types import utcnow
from upscaler.health.endpoints import WORKER_STALE_AFTER
from upscaler.jobs import state_machine

#: Walking the storage to measure it is not free; once per this many seconds.
STORAGE_USAGE_TTL = 10.0
CHART_HOURS = 24


@dataclass(frozen=True)
class Kpis:
    queued: int
    running: int
    completed_today: int
    failed_today: int
    average_seconds: float | None
    storage_bytes: int | None
    workers_online: int
    workers_known: int
    queue_paused: bool
    maintenance_mode: bool
    maintenance_message: str
    generated_at: datetime


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    css: str
    title: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bars: list[Bar]
    labels: list[tuple[float, str]]
    peak: int
    total_completed: int
    total_failed: int
    summary: str


def start_of_day(now: datetime) -> datetime:
    return now.replace(hour=0, minute=0, second=0, microsecond=0)


async def _count_finished(session: AsyncSession, status: JobStatus, since: datetime) -> int:
    statement = (
        select(func.count())
        .select_from(Job)
        .where(Job.status == status.value, col(Job.finished_at) >= since)
    )
    return int((await session.exec(statement)).one())


async def storage_usage(context: AppContext) -> int | None:
    cached = context.state.get("admin.storage_usage")
    if cached is not None and time.monotonic() - cached[0] < STORAGE_USAGE_TTL:
        return int(cached[1])
    try:
        used = await context.storage.usage_bytes()
    except Exception:
        return None
    context.state["admin.storage_usage"] = (time.monotonic(), used)
    return used


async def kpis(context: AppContext) -> Kpis:
    now = utcnow()
    today = start_of_day(now)
    live = await context.live.get()
    async with context.sessions() as session:
        queued = await state_machine.count_with_status(session, JobStatus.QUEUED)
        running = await state_machine.count_with_status(session, JobStatus.RUNNING)
        completed = await _count_finished(session, JobStatus.COMPLETED, today)
        failed = await _count_finished(session, JobStatus.FAILED, today)
        average = (
            await session.exec(
                select(func.avg(Job.duration_seconds)).where(
                    Job.status == JobStatus.COMPLETED.value,
                    col(Job.finished_at) >= now - timedelta(hours=24),
                )
            )
        ).one()
        workers = (await session.exec(select(Worker.last_seen_at))).all()
    online = sum(1 for seen in workers if seen >= now - WORKER_STALE_AFTER)
    return Kpis(
        queued=queued,
        running=running,
        completed_today=completed,
        failed_today=failed,
        average_seconds=float(average) if average is not None else None,
        storage_bytes=await storage_usage(context),
        workers_online=online,
        workers_known=len(workers),
        queue_paused=live.queue_paused,
        maintenance_mode=live.maintenance_mode,
        maintenance_message=live.maintenance_message,
        generated_at=now,
    )


async def jobs_per_hour(session: AsyncSession, *, hours: int = CHART_HOURS) -> Chart:
    """Completed and failed jobs per hour over the last `hours`, as SVG bars."""
    now = utcnow()
    first_hour = now.replace(minute=0, second=0, microsecond=0) - timedelta(hours=hours - 1)
    rows = (
        await session.exec(
            select(Job.finished_at, Job.status).where(
                col(Job.finished_at) >= first_hour,
                col(Job.status).in_([JobStatus.COMPLETED.value, JobStatus.FAILED.value]),
            )
        )
    ).all()
    completed = [0] * hours
    failed = [0] * hours
    for finished_at, status in rows:
        if finished_at is None:
            continue
        index = int((finished_at - first_hour).total_seconds() // 3600)
        if 0 <= index < hours:
            (completed if status == JobStatus.COMPLETED.value else failed)[index] += 1
    width, height, top, bottom, left = 720, 200, 10, 24, 32
    plot_height = height - top - bottom
    peak = max([c + f for c, f in zip(completed, failed, strict=True)] + [1])
    slot = (width - left) / hours
    bars: list[Bar] = []
    labels: list[tuple[float, str]] = []
    for index in range(hours):
        hour = first_hour + timedelta(hours=index)
        x = left + index * slot + 1
        base = float(top + plot_height)
        for count, css, word in (
            (completed[index], "bar-completed", "completed"),
            (failed[index], "bar-failed", "failed"),
        ):
            if not count:
                continue
            bar_height = plot_height * count / peak
            base -= bar_height
            bars.append(
                Bar(
                    x=round(x, 1),
                    y=round(base, 1),
                    width=round(slot - 2, 1),
                    height=round(bar_height, 1),
                    css=css,
                    title=f"{hour:%H}:00 UTC: {count} {word}",
                )
            )
        if index % 3 == 0:
            labels.append((round(x + (slot - 2) / 2, 1), f"{hour:%H}:00"))
    total_completed, total_failed = sum(completed), sum(failed)
    return Chart(
        width=width,
        height=height,
        bars=bars,
        labels=labels,
        peak=peak,
        total_completed=total_completed,
        total_failed=total_failed,
        summary=(
            f"Last {hours} hours: {total_completed} completed and {total_failed} failed jobs; "
            f"busiest hour {peak if rows else 0}."
        ),
    )


async def recent_failures(session: AsyncSession, limit: int = 5) -> list[Job]:
    statement = (
        select(Job)
        .where(Job.status == JobStatus.FAILED.value)
        .order_by(col(Job.finished_at).desc())
        .limit(limit)
    )
    return list((await session.exec(statement)).all())
