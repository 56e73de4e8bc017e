"""What the database knows, read once per scrape: jobs by status, model and
provider; job durations and queue waits as cumulative histograms over every
job on record (rows are kept, so the counts only grow, as Prometheus
expects); queue lengths; workers and their heartbeats; measured speed per
model; notification deliveries. Every API replica answers the same, so any
one of them may be scraped."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import case, func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from upscaler.contracts import JobStatus
from upscaler.db.tables import Job, NotificationDelivery, Worker
from upscaler.db.types import utcnow
from upscaler.jobs.estimate import WORKER_ONLINE_WITHIN
from upscaler.storage.base import Storage

#: Upper bounds (seconds) of the histogram buckets.
DURATION_BUCKETS = (1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0)
WAIT_BUCKETS = (0.1, 0.5, 1.0, 5.0, 15.0, 60.0, 300.0, 900.0, 3600.0)


@dataclass
class Histogram:
    """Cumulative bucket counts (one per bound, then +Inf), count and sum."""

    buckets: list[int]
    count: int
    total: float


@dataclass
class WorkerState:
    worker_id: str
    hostname: str
    provider: str | None
    online: bool
    heartbeat_age_seconds: float
    current_job: bool
    #: model name -> input megapixels per second (the worker's measurement).
    megapixels_per_second: dict[str, float]


@dataclass
class Snapshot:
    jobs: dict[tuple[str, str, str], int] = field(default_factory=dict)
    durations: dict[tuple[str, str], Histogram] = field(default_factory=dict)
    waits: dict[str, Histogram] = field(default_factory=dict)
    queued: dict[str, int] = field(default_factory=dict)
    workers: list[WorkerState] = field(default_factory=list)
    notifications: dict[tuple[str, str], int] = field(default_factory=dict)
    #: Of the disk the service keeps its files on (None: S3 storage).
    free_disk_percent: float | None = None


def _seconds_between(session: AsyncSession, start: Any, end: Any) -> Any:
    """end - start in seconds, in this database's own terms."""
    if session.bind is not None and session.bind.dialect.name == "sqlite":
        return (func.julianday(end) - func.julianday(start)) * 86400.0
    return func.extract("epoch", end - start)


def _histogram_columns(value: Any, bounds: tuple[float, ...]) -> list[Any]:
    """Per bound, how many values are at most it; then the count and the sum."""
    columns: list[Any] = [func.sum(case((value <= bound, 1), else_=0)) for bound in bounds]
    return [*columns, func.count(), func.coalesce(func.sum(value), 0.0)]


def _histogram(row: Sequence[Any], bounds: tuple[float, ...]) -> Histogram:
    counts = [int(value or 0) for value in row[: len(bounds)]]
    count, total = int(row[len(bounds)] or 0), float(row[len(bounds) + 1] or 0.0)
    return Histogram([*counts, count], count, total)


async def read_snapshot(session: AsyncSession, storage: Storage) -> Snapshot:
    snapshot = Snapshot(free_disk_percent=await storage.free_space_percent())
    statement = select(col(Job.status), col(Job.model), col(Job.provider), func.count()).group_by(
        col(Job.status), col(Job.model), col(Job.provider)
    )
    for status, model, provider, count in (await session.exec(statement)).all():
        snapshot.jobs[(status, model or "", provider or "")] = int(count)

    duration = col(Job.duration_seconds)
    finished: Any = (
        select(col(Job.model), col(Job.provider), *_histogram_columns(duration, DURATION_BUCKETS))
        .where(col(Job.status) == JobStatus.COMPLETED.value, duration.is_not(None))
        .group_by(col(Job.model), col(Job.provider))
    )
    for row in (await session.exec(finished)).all():
        snapshot.durations[(row[0] or "", row[1] or "")] = _histogram(row[2:], DURATION_BUCKETS)

    wait = _seconds_between(session, col(Job.enqueued_at), col(Job.started_at))
    waited: Any = (
        select(col(Job.queue), *_histogram_columns(wait, WAIT_BUCKETS))
        .where(col(Job.started_at).is_not(None), col(Job.enqueued_at).is_not(None))
        .group_by(col(Job.queue))
    )
    for row in (await session.exec(waited)).all():
        snapshot.waits[str(row[0])] = _histogram(row[1:], WAIT_BUCKETS)

    queued = (
        select(col(Job.queue), func.count())
        .where(col(Job.status) == JobStatus.QUEUED.value)
        .group_by(col(Job.queue))
    )
    snapshot.queued = {queue: int(count) for queue, count in (await session.exec(queued)).all()}

    now = utcnow()
    for worker in (await session.exec(select(Worker))).all():
        age = max(0.0, (now - worker.last_seen_at).total_seconds())
        speeds = {
            model: float(entry.get("pixels_per_second", 0.0)) / 1e6
            for model, entry in (worker.throughput or {}).items()
            if isinstance(entry, dict)
        }
        snapshot.workers.append(
            WorkerState(
                worker_id=worker.id,
                hostname=worker.hostname,
                provider=worker.provider,
                online=age <= WORKER_ONLINE_WITHIN.total_seconds(),
                heartbeat_age_seconds=age,
                current_job=worker.current_job_id is not None,
                megapixels_per_second=speeds,
            )
        )

    deliveries = select(
        col(NotificationDelivery.kind), col(NotificationDelivery.status), func.count()
    ).group_by(col(NotificationDelivery.kind), col(NotificationDelivery.status))
    for kind, status, count in (await session.exec(deliveries)).all():
        snapshot.notifications[(kind, status)] = int(count)
    return snapshot
