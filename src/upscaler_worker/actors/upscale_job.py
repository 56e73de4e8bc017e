"""Process one job: claim it, upscale it, store the result, record the outcome.

Runs on the worker's event loop; the inference itself runs in a thread (ONNX
Runtime releases the GIL), reporting per tile through a callback that can
stop it between tiles (cancel, shutdown) while a deadline stops a tile that
runs too long.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from upscaler.catalog import service as catalog
from upscaler.catalog.cost import macs_per_pixel
from upscaler.catalog.service import active_models
from upscaler.contracts import Denoise, JobParams, JobStatus, Queue
from upscaler.db.tables import Job, Model, Upload
from upscaler.db.types import utcnow
from upscaler.jobs import state_machine
from upscaler.jobs.cost import job_timeout_seconds
from upscaler.jobs.estimate import costs_of
from upscaler.storage import ObjectNotFoundError, new_key
from upscaler_worker import throughput
from upscaler_worker.actors import notifications
from upscaler_worker.context import WorkerContext
from upscaler_worker.errors import JobCanceledError, PermanentJobError, WorkerStoppingError
from upscaler_worker.inference import (
    ImageDecodeError,
    InferenceTimeout,
    UnsupportedImageError,
    UpscaleOptions,
    UpscaleResult,
    upscale_file,
)
from upscaler_worker.lifecycle import beat
from upscaler_worker.runners import RunnerCache

log = logging.getLogger(__name__)

#: A running job's lease; renewed every LEASE_RENEW_SECONDS while it runs, so
#: a dead worker's job can be taken over soon after its message comes back.
LEASE_SECONDS = 10.0
LEASE_RENEW_SECONDS = 2.0
#: Progress is written at most this often (plus at the last tile; a job that
#: runs as one tile reports only its end, and only past this long).
PROGRESS_INTERVAL_SECONDS = 0.5
#: Share of the progress bar the tiles take; the rest is decode and store.
TILES_FROM, TILES_TO = 3, 95
#: While the queue is paused, a job's message comes back this often.
PAUSED_RECHECK_MS = 5_000
#: A stopping worker leaves a job it is handed for the next worker, this much later.
STOPPING_REQUEUE_MS = 1_000


@dataclass(frozen=True)
class ModelChoice:
    model: Model
    denoise_path: str  # "dni" | "classical" | "none"


def choose_model(models: Sequence[Model], job: Job, params: JobParams) -> ModelChoice:
    """The network a job runs, among the active ``models`` (as active_models()
    orders them): the model the upload was placed on while it is still
    active, else the preset's best model now; then its denoise variant."""
    model = catalog.named(models, job.model) or catalog.choose_model(models, params.preset)
    if model is None:
        raise PermanentJobError("no upscaling model is installed")
    return denoise_choice(models, model, params.denoise)


def denoise_choice(models: Sequence[Model], model: Model, denoise: Denoise) -> ModelChoice:
    """The network that runs `model` at a denoise level, among the active
    ``models``. The official denoise: a network whose weights were
    interpolated between the model and its weak-denoise twin, exported per
    level ("none" too: the general model alone denoises at full strength);
    else a classical denoise before the model."""
    for candidate in models:
        if (
            candidate.default_params.get("variant_of") == model.name
            and candidate.default_params.get("denoise") == denoise.value
        ):
            return ModelChoice(candidate, "dni")
    if denoise == Denoise.NONE:
        return ModelChoice(model, "none")
    return ModelChoice(model, "classical")


def engine_options(ctx: WorkerContext, params: JobParams, choice: ModelChoice) -> UpscaleOptions:
    settings = ctx.settings
    target = params.target
    return UpscaleOptions(
        outscale=params.factor.scale,
        resize_to=(target.resize_width, target.resize_height) if target else None,
        crop_to=(target.width, target.height) if target else None,
        dpi=target.dpi if target else None,
        output_format=params.output_format.value,
        quality=params.quality,
        denoise=params.denoise.value if choice.denoise_path == "classical" else "none",
        tile_size=settings.tile_size or None,
        tile_memory_bytes=settings.tile_memory_mb * 1024 * 1024,
        watermark=params.watermark,
    )


class TileMonitor:
    """The per-tile callback: reports progress, and stops the engine between
    tiles when the job is canceled or the worker is stopping."""

    def __init__(self, ctx: WorkerContext, job_id: str, loop: asyncio.AbstractEventLoop) -> None:
        self.ctx = ctx
        self.job_id = job_id
        self.loop = loop
        self.lost = threading.Event()
        # Made just after the claim's `running` event.
        self._started = time.monotonic()
        self._last_report = 0.0

    def __call__(self, done: int, total: int) -> None:
        if self.lost.is_set():
            raise JobCanceledError(self.job_id)
        if self.ctx.stopping.is_set():
            raise WorkerStoppingError(self.job_id)
        now = time.monotonic()
        if total == 1 and now - self._started < PROGRESS_INTERVAL_SECONDS:
            # An image that runs whole: its start says nothing the `running`
            # event has not, and its end within one interval of that comes
            # moments before the result. Either report would be a database
            # write and an event beside the model's first layers or the
            # encoder (a 512x512 job on a fast CPU takes 0.2-0.3 s).
            return
        if done < total and now - self._last_report < PROGRESS_INTERVAL_SECONDS:
            return
        self._last_report = now
        percent = TILES_FROM + (TILES_TO - TILES_FROM) * done // max(total, 1)
        asyncio.run_coroutine_threadsafe(self._report(percent), self.loop)

    async def _report(self, percent: int) -> None:
        ctx = self.ctx
        async with ctx.sessions() as session:
            held = await state_machine.set_progress(
                session, self.job_id, ctx.worker_id, percent, LEASE_SECONDS
            )
        if not held:
            self.lost.set()
            return
        await ctx.publish(self.job_id, JobStatus.RUNNING, percent, kind="progress")

    async def keep_lease(self) -> None:
        """Renew the lease while the job runs; notice when it is no longer ours."""
        while not self.lost.is_set():
            await asyncio.sleep(LEASE_RENEW_SECONDS)
            async with self.ctx.sessions() as session:
                if not await state_machine.renew_lease(
                    session, self.job_id, self.ctx.worker_id, LEASE_SECONDS
                ):
                    self.lost.set()


async def process(
    ctx: WorkerContext, runners: RunnerCache, job_id: str, *, can_retry: bool
) -> None:
    """Run one job end to end. Raises only for a transient error that should
    be retried (the job has then been handed back to the queue)."""
    if (await ctx.live.get()).queue_paused:
        # An admin paused the queue: leave the job queued and look again later.
        await _leave_queued(ctx, job_id, PAUSED_RECHECK_MS)
        return
    if ctx.stopping.is_set():
        # A stopping worker can still be handed a message (the one it just
        # requeued for the job it gave back, or a prefetched one): claiming it
        # would start a job only to hand it back again. Leave it queued for
        # the next worker, a moment later so this one does not take it again.
        await _leave_queued(ctx, job_id, STOPPING_REQUEUE_MS)
        return
    async with ctx.sessions() as session:
        job = await state_machine.claim(session, job_id, ctx.worker_id, LEASE_SECONDS)
        current = None if job is not None else await state_machine.get_job(session, job_id)
    if job is None:
        if current is not None and current.status == JobStatus.RUNNING and current.lease_expires_at:
            # Held by a worker whose lease is still live. This message may be
            # the broker's redelivery after that worker died: look again once
            # the lease has had time to run out, rather than dropping it.
            wait = (current.lease_expires_at - utcnow()).total_seconds() + 1
            await ctx.producer.enqueue(
                job_id, Queue(current.queue), delay_ms=int(max(1.0, wait) * 1000), priority=True
            )
            log.info(
                "job %s is held by %s; checking again in %.0f s", job_id, current.worker_id, wait
            )
        else:
            log.info("job %s is not claimable (finished, canceled or gone)", job_id)
        return
    log.info("job %s claimed by %s (attempt %d)", job_id, ctx.worker_id, job.attempts)
    ctx.current_job_id = job_id
    await ctx.publish(job_id, JobStatus.RUNNING, 0)
    try:
        await _run(ctx, runners, job)
    except JobCanceledError:
        log.info("job %s stopped: canceled or taken over", job_id)
        await ctx.publish(job_id, JobStatus.CANCELED, 0)
    except WorkerStoppingError:
        log.info("job %s stopped between tiles: the worker is stopping", job_id)
        await _hand_back(ctx, job_id, "the worker stopped; the job was queued again")
        await ctx.producer.enqueue(job_id, Queue(job.queue), priority=True)
    except (PermanentJobError, ImageDecodeError, UnsupportedImageError) as error:
        await _fail(ctx, job, str(error))
    except JobTimeoutError as error:
        await _fail(ctx, job, str(error))
    except Exception as error:
        log.exception("job %s failed", job_id)
        message = f"{type(error).__name__}: {error}"
        if can_retry:
            await _hand_back(ctx, job_id, f"retrying after: {message}")
            raise
        await _fail(ctx, job, message)
    finally:
        ctx.current_job_id = None
        ctx.jobs_done += 1


async def _leave_queued(ctx: WorkerContext, job_id: str, delay_ms: int) -> None:
    """Unclaimed: send a still-queued job's message again ``delay_ms`` later."""
    async with ctx.sessions() as session:
        job = await state_machine.get_job(session, job_id)
    if job is not None and job.status == JobStatus.QUEUED:
        await ctx.producer.enqueue(job_id, Queue(job.queue), delay_ms=delay_ms)


class JobTimeoutError(Exception):
    """The job ran past its deadline; the message says which and why."""


async def job_deadline(
    ctx: WorkerContext, models: Sequence[Model], model: Model, upload: Upload
) -> tuple[float, str]:
    """Seconds this job may run from now, and how that was decided: a few
    times what this worker expects of it, never past the configured limit (so
    a stuck job is stopped long before a heavy job's limit). ``models``: the
    active ones, whose costs relate this worker's measured speeds."""
    limit = (await ctx.live.get()).job_timeout_seconds
    costs = costs_of(models)
    costs[model.name] = macs_per_pixel(model)
    pixels = upload.width * upload.height * upload.frames
    expected = throughput.expected_seconds(ctx.throughput, ctx.provider, model, pixels, costs)
    seconds = job_timeout_seconds(expected, limit)
    if seconds >= limit:
        return seconds, f"the {limit} s limit"
    return seconds, f"its {seconds:.0f} s limit (about {expected:.0f} s were expected)"


async def _record_speed(ctx: WorkerContext, model: Model, result: UpscaleResult) -> None:
    pixels = result.input_width * result.input_height * (result.frames - result.frames_reused)
    ctx.throughput = throughput.with_measurement(
        ctx.throughput, model, pixels, result.total_seconds
    )
    try:  # publish now, not at the next heartbeat: the next upload's estimate uses it
        await beat(ctx)
    except Exception:
        log.warning("could not publish the measured speed; the heartbeat will", exc_info=True)


async def _fail(ctx: WorkerContext, job: Job, message: str) -> None:
    job_id = job.job_id
    log.warning("job %s failed: %s", job_id, message)
    async with ctx.sessions() as session:
        failed = await state_machine.fail(session, job_id, ctx.worker_id, message)
    if failed:
        await ctx.publish(job_id, JobStatus.FAILED, 0, message=message)
        await notifications.announce(ctx, job)  # never raises


async def _hand_back(ctx: WorkerContext, job_id: str, note: str) -> None:
    async with ctx.sessions() as session:
        if await state_machine.release(session, job_id, ctx.worker_id, note):
            await ctx.publish(job_id, JobStatus.QUEUED, 0, message=note)


async def _run(ctx: WorkerContext, runners: RunnerCache, job: Job) -> None:
    started = time.monotonic()
    params = JobParams.model_validate(job.params)
    # One read for what the job needs to start: its upload and the models.
    async with ctx.sessions() as session:
        upload = await session.get(Upload, job.upload_id)
        models = await active_models(session)
    if upload is None:
        raise PermanentJobError("the uploaded image no longer exists")
    choice = choose_model(models, job, params)
    runner = await runners.get(choice.model)
    ctx.provider, ctx.precision = runner.provider, runner.runner.precision
    async with ctx.sessions() as session:
        await state_machine.record_run_details(
            session,
            job.job_id,
            ctx.worker_id,
            model=choice.model.name,
            provider=runner.provider,
            precision=runner.runner.precision,
        )

    loop = asyncio.get_running_loop()
    monitor = TileMonitor(ctx, job.job_id, loop)
    lease_keeper = asyncio.create_task(monitor.keep_lease())
    with tempfile.TemporaryDirectory(prefix="upscale-", dir=ctx.settings.data_dir) as tmp:
        workdir = Path(tmp)
        source = workdir / "original"
        output = workdir / "result"
        preview = workdir / "preview.jpg"
        try:
            try:
                await ctx.storage.download_to(upload.storage_key, source)
            except ObjectNotFoundError as error:
                raise PermanentJobError("the uploaded image is no longer in storage") from error
            # From now, not from the claim: a first model load (a TensorRT
            # engine build) is no part of what the estimate measures.
            seconds, limit = await job_deadline(ctx, models, choice.model, upload)
            prepared = time.monotonic()
            try:
                result: UpscaleResult = await asyncio.to_thread(
                    upscale_file,
                    source,
                    output,
                    runner.runner,
                    engine_options(ctx, params, choice),
                    on_progress=monitor,
                    deadline=time.monotonic() + seconds,
                    thumbnail_path=preview,
                )
            except InferenceTimeout as error:
                message = f"the job took longer than {limit} and was stopped"
                raise JobTimeoutError(message) from error
        finally:
            lease_keeper.cancel()
        if monitor.lost.is_set():
            raise JobCanceledError(job.job_id)
        # After the claim: the upload's row, choosing and loading the model,
        # recording the run, fetching the original, the deadline.
        prepare = round(prepared - started, 4)
        await _store_and_complete(
            ctx, job, result, output, preview, choice, started, prepare_seconds=prepare
        )


async def _store_and_complete(
    ctx: WorkerContext,
    job: Job,
    result: UpscaleResult,
    output: Path,
    preview: Path,
    choice: ModelChoice,
    started: float,
    *,
    prepare_seconds: float,
) -> None:
    storing = time.monotonic()
    result_key = new_key("results", result.extension)
    preview_key = new_key("previews", "jpg") if await asyncio.to_thread(preview.is_file) else None
    # Both at once, and moved rather than copied where the storage is local:
    # the work folder is thrown away next.
    stores = [ctx.storage.put_file(result_key, output, result.mime_type, move=True)]
    if preview_key:
        stores.append(ctx.storage.put_file(preview_key, preview, "image/jpeg", move=True))
    # Both finish before either failure is handled: a store still running
    # could otherwise write its object after the clean-up.
    outcomes = await asyncio.gather(*stores, return_exceptions=True)
    failed = next((item for item in outcomes if isinstance(item, BaseException)), None)
    if failed is not None:
        with contextlib.suppress(Exception):  # the store's own error is the one to report
            await _discard(ctx, result_key, preview_key)
        raise failed
    stored = time.monotonic()
    engine_details = result.details() | {
        "denoise_path": choice.denoise_path,
        "model": choice.model.name,
        "seconds": round(stored - started, 3),
        # Where the job's time went, step by step (the admin's job page shows it).
        "steps": {
            "prepare": prepare_seconds,
            **result.steps,
            "store": round(stored - storing, 4),
        },
    }
    async with ctx.sessions() as session:
        completed = await state_machine.complete(
            session,
            job.job_id,
            ctx.worker_id,
            started_at=job.started_at,
            result_storage_key=result_key,
            result_mime_type=result.mime_type,
            result_width=result.width,
            result_height=result.height,
            result_size_bytes=result.size_bytes,
            thumbnail_storage_key=preview_key,
            engine=engine_details,
        )
    if not completed:
        # Canceled (or taken over) while the result was stored: the job's
        # record is not ours to write, and the files must not linger.
        await _discard(ctx, result_key, preview_key)
        raise JobCanceledError(job.job_id)
    log.info("job %s completed in %.1f s", job.job_id, time.monotonic() - started)
    # The speed before the event: a client that uploads again on seeing
    # `completed` gets its estimate from the speed just measured.
    await _record_speed(ctx, choice.model, result)
    await ctx.publish(job.job_id, JobStatus.COMPLETED, 100)
    await notifications.announce(ctx, job)  # never raises


async def _discard(ctx: WorkerContext, result_key: str, preview_key: str | None) -> None:
    """Remove what a job stored but may not keep (deleting a missing key is a no-op)."""
    await ctx.storage.delete(result_key)
    if preview_key:
        await ctx.storage.delete(preview_key)
