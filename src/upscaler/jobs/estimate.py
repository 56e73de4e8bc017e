"""How long a job will take, from the models table and the workers' measured speeds.

The arithmetic is `upscaler.jobs.cost`; this module reads what it needs: the
active models' costs, the online workers of a pool and their throughput, and
the work queued ahead of a job on its pool (shared among the pool's workers).
The upload's estimate, the job API's ETA and admission all come from here.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from upscaler.catalog.cost import macs_per_pixel
from upscaler.catalog.service import active_models, is_variant, queue_for
from upscaler.contracts import JobStatus, Queue
from upscaler.db.tables import Job, Model, Upload, Worker
from upscaler.db.types import utcnow
from upscaler.jobs.cost import (
    CPU_PROVIDERS,
    PoolSpeed,
    WorkerSpeed,
    default_macs_per_second,
    measured_rates,
)

#: A worker counts as online while its heartbeat is this fresh (as /health counts them).
WORKER_ONLINE_WITHIN = timedelta(seconds=30)
MIN_SECONDS = 2
#: The wait sums at most this many jobs ahead: a long backlog's ETA need not be exact.
AHEAD_LIMIT = 500


async def online_workers(session: AsyncSession) -> Sequence[Worker]:
    seen_after = utcnow() - WORKER_ONLINE_WITHIN
    statement = select(Worker).where(col(Worker.last_seen_at) >= seen_after)
    return (await session.exec(statement)).all()


def has_gpu(worker: Worker) -> bool:
    """Serves the GPU queue with a GPU execution provider (the embedded worker
    serves every queue on the CPU: it is no reason to route there)."""
    return (
        Queue.GPU.value in worker.queues
        and worker.provider is not None
        and worker.provider not in CPU_PROVIDERS
    )


async def gpu_online(session: AsyncSession) -> bool:
    return any(has_gpu(w) for w in await online_workers(session))


def worker_speed(worker: Worker) -> WorkerSpeed:
    return WorkerSpeed(measured_rates(worker.throughput), default_macs_per_second(worker.provider))


def costs_of(models: Sequence[Model]) -> dict[str, float]:
    """Multiply-accumulates per input pixel of each base model in ``models``."""
    return {m.name: macs_per_pixel(m) for m in models if not is_variant(m)}


async def model_costs(session: AsyncSession) -> dict[str, float]:
    return costs_of(await active_models(session))


def pool_of(queue: Queue, workers: Sequence[Worker], costs: dict[str, float]) -> PoolSpeed:
    serving = tuple(worker_speed(w) for w in workers if queue.value in w.queues)
    return PoolSpeed(queue, serving, costs)


async def pool_speed(session: AsyncSession, queue: Queue) -> PoolSpeed:
    return pool_of(queue, await online_workers(session), await model_costs(session))


async def seconds_ahead(session: AsyncSession, pool: PoolSpeed, job: Job | None = None) -> float:
    """The work before `job` (a new upload when None) on its pool: what is
    left of the running jobs and the queued jobs created before it, shared
    among the pool's workers."""
    statement = (
        select(
            Job.model,
            Job.progress,
            col(Upload.width) * col(Upload.height) * col(Upload.frames),  # every frame counts
        )
        .join(Upload, col(Upload.id) == col(Job.upload_id))
        .where(
            Job.queue == pool.queue.value,
            col(Job.status).in_([JobStatus.QUEUED.value, JobStatus.RUNNING.value]),
        )
        .order_by(col(Job.created_at))
        .limit(AHEAD_LIMIT)
    )
    if job is not None:
        statement = statement.where(
            col(Job.job_id) != job.job_id,
            (col(Job.status) == JobStatus.RUNNING.value) | (col(Job.created_at) < job.created_at),
        )
    total = 0.0
    for model, progress, pixels in (await session.exec(statement)).all():
        run = pool.run_seconds(model or "", pixels)
        total += run * (1 - progress / 100)
    return total / pool.parallelism


async def job_eta(session: AsyncSession, job: Job, upload: Upload) -> int:
    """Seconds until a queued or running job is done (the job API's figure)."""
    pool = await pool_speed(session, Queue(job.queue))
    own = pool.run_seconds(job.model or "", upload.width * upload.height * upload.frames)
    remaining = own * (1 - job.progress / 100)
    if job.status == JobStatus.QUEUED.value:
        remaining += await seconds_ahead(session, pool, job)
    return max(MIN_SECONDS, round(remaining))


async def seconds_per_megapixel(session: AsyncSession, model: Model | None) -> float:
    """A typical worker's time per input megapixel on `model` (service-info's figure)."""
    workers = await online_workers(session)
    queue = Queue.CPU
    if model is not None:
        queue = queue_for(model, gpu_online=any(has_gpu(w) for w in workers))
    pool = pool_of(queue, workers, await model_costs(session))
    return 1e6 / pool.pixels_per_second(model.name if model else "")


def estimate_and_actual(job: Job) -> tuple[float, float] | None:
    """A completed job's upload-time estimate and the seconds it really took
    from upload to result (what the estimate predicts, queue wait included),
    for a benchmark's ETA error ratio; None when either is unknown."""
    if job.estimated_seconds is None or job.finished_at is None:
        return None
    return job.estimated_seconds, (job.finished_at - job.created_at).total_seconds()
