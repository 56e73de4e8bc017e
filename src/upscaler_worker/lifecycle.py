"""Worker resources as Dramatiq middleware (Polar's pattern): made when the
worker boots, on its event loop; heartbeats while it lives; released when it
shuts down."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
import socket
import subprocess
import threading
from pathlib import Path
from typing import Any

import dramatiq
from dramatiq.asyncio import get_event_loop_thread
from dramatiq.common import dq_name
from sqlalchemy.exc import IntegrityError

from upscaler.db.tables import Worker
from upscaler.db.types import utcnow
from upscaler_worker.calibration import calibrate
from upscaler_worker.context import ContextHolder, WorkerContext
from upscaler_worker.engines import choose_engines
from upscaler_worker.inference.installed import InstalledModel, read_installed
from upscaler_worker.inference.runtime import available_providers
from upscaler_worker.models_sync import register_installed
from upscaler_worker.runners import RunnerCache

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 5.0
#: How long a stopping worker may spend closing its connections.
RELEASE_TIMEOUT_SECONDS = 10.0


async def register_models(ctx: WorkerContext) -> list[InstalledModel]:
    installed = await asyncio.to_thread(read_installed, ctx.model_dir)
    if not installed:
        log.warning("no model installed in %s: run `make models`", ctx.model_dir)
    for attempt in range(3):  # another worker may insert the same rows at once
        try:
            async with ctx.sessions() as session:
                await register_installed(session, installed)
            return installed
        except IntegrityError:
            if attempt == 2:
                raise
            await asyncio.sleep(0.2)
    return installed


def resident_bytes() -> int | None:
    """This process's resident memory (Linux), for the workers page."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return pages * os.sysconf("SC_PAGE_SIZE")


def gpu_name() -> str | None:
    """The GPU's name when NVIDIA's tool is there (CUDA/TensorRT workers)."""
    tool = shutil.which("nvidia-smi")
    if tool is None:
        return None
    try:
        names = subprocess.run(  # noqa: S603 - a fixed command, no user input
            [tool, "--query-gpu=name", "--format=csv,noheader"],
            capture_output=True, text=True, timeout=5, check=True,
        ).stdout.split("\n")  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return None
    return ", ".join(name.strip() for name in names if name.strip()) or None


async def beat(ctx: WorkerContext) -> None:
    async with ctx.sessions() as session:
        row = await session.get(Worker, ctx.worker_id)
        if row is None:
            row = Worker(id=ctx.worker_id, hostname=socket.gethostname(), pid=os.getpid())
        row.queues = [q.value for q in ctx.queues]
        row.provider = ctx.provider
        row.precision = ctx.precision
        row.engines = dict(ctx.engines)
        row.gpu = ctx.gpu
        row.load_per_core = round(os.getloadavg()[0] / (os.cpu_count() or 1), 2)
        row.rss_bytes = resident_bytes()
        row.current_job_id = ctx.current_job_id
        row.jobs_done = ctx.jobs_done
        row.throughput = dict(ctx.throughput)
        row.last_seen_at = utcnow()
        session.add(row)
        await session.commit()


async def heartbeat_loop(ctx: WorkerContext) -> None:
    while True:
        try:
            await beat(ctx)
        except Exception:
            log.exception("heartbeat failed; will try again")
        await asyncio.sleep(HEARTBEAT_SECONDS)


async def forget_worker(ctx: WorkerContext) -> None:
    async with ctx.sessions() as session:
        row = await session.get(Worker, ctx.worker_id)
        if row is not None:
            await session.delete(row)
            await session.commit()


class WorkerLifecycle(dramatiq.Middleware):
    def __init__(self, holder: ContextHolder, runners: RunnerCache | None = None) -> None:
        self.holder = holder
        #: The jobs' runner cache: the start-up calibration warms its sessions.
        self.runners = runners
        self._heartbeat: asyncio.Task[None] | None = None

    def after_worker_boot(self, broker: dramatiq.Broker, worker: Any) -> None:
        thread = get_event_loop_thread()
        assert thread is not None, "the AsyncIO middleware must come first"
        thread.run_coroutine(self._start())

    async def _start(self) -> None:
        ctx = await self.holder.get()
        ctx.provider = available_providers()[0]  # updated by each job's runner
        if ctx.provider != "CPUExecutionProvider":
            ctx.gpu = await asyncio.to_thread(gpu_name)
        installed = await register_models(ctx)
        if self.runners is not None:
            await self._choose_engines(ctx, self.runners, installed)
            ctx.throughput = await calibrate(self.runners, installed) | dict(ctx.throughput)
        await beat(ctx)
        self._heartbeat = asyncio.create_task(heartbeat_loop(ctx), name="worker-heartbeat")
        log.info("worker %s ready on queues %s", ctx.worker_id, [q.value for q in ctx.queues])

    @staticmethod
    async def _choose_engines(
        ctx: WorkerContext, runners: RunnerCache, installed: list[InstalledModel]
    ) -> None:
        settings = ctx.settings
        choices = await asyncio.to_thread(
            choose_engines,
            installed,
            runners.model_dir,
            forced=settings.engine_path,
            floor_db=settings.engine_quality_floor_db,
            threads=runners.intra_op_threads,
        )
        runners.engines = {name: choice.engine for name, choice in choices.items()}
        ctx.engines = {name: choice.as_dict() for name, choice in choices.items()}
        if choices:
            ctx.precision = next(iter(choices.values())).engine.precision

    def before_worker_shutdown(self, broker: dramatiq.Broker, worker: Any) -> None:
        # Tell a running job to stop after its current tile (it is queued again).
        ctx = self.holder.current
        if ctx is not None:
            log.info("shutting down (running job: %s)", ctx.current_job_id)
            ctx.stopping.set()

    def after_worker_shutdown(self, broker: dramatiq.Broker, worker: Any) -> None:
        thread = get_event_loop_thread()
        if thread is not None:
            with contextlib.suppress(Exception):
                thread.run_coroutine(self._stop_within(RELEASE_TIMEOUT_SECONDS))

    async def _stop_within(self, seconds: float) -> None:
        """Release the resources, but never let a stuck connection keep a
        stopped worker alive: its heartbeat row goes stale on its own."""
        task = asyncio.create_task(self._stop(), name="worker-release")
        done, _ = await asyncio.wait({task}, timeout=seconds)
        if not done:
            log.warning("releasing the worker's resources took over %.0f s; leaving", seconds)
            task.cancel()

    async def _stop(self) -> None:
        if self._heartbeat is not None:
            self._heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._heartbeat
        ctx = self.holder.current
        if ctx is not None:
            with contextlib.suppress(Exception):
                await forget_worker(ctx)
        await self.holder.close()


class BrokerHeartbeat(dramatiq.Middleware):
    """Keep this process's Redis-broker heartbeat fresh while it is busy, and
    run the broker's dead-worker maintenance on our queues.

    Dramatiq's Redis consumer heartbeats only when it fetches, and it stops
    fetching once it holds as many messages as it may prefetch — which, with
    prefetch = threads, is the whole time a long job runs. Without this, a
    busy worker would look dead after the heartbeat timeout and its message
    would be handed to another worker; and if every worker is busy, nobody
    would run the maintenance that returns a dead worker's messages. The
    broker's own `qsize` command does both (it records the heartbeat and may
    run maintenance on the queue it names) and changes nothing. When the
    process dies the beats stop, and its messages come back.
    """

    INTERVAL_SECONDS = 2.0

    def __init__(self, queue_names: list[str]) -> None:
        # The delay queues too: a worker holds delayed messages in memory.
        self.queue_names = [name for q in queue_names for name in (q, dq_name(q))]
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def after_worker_boot(self, broker: dramatiq.Broker, worker: Any) -> None:
        self._thread = threading.Thread(
            target=self._beat, args=(broker,), name="broker-heartbeat", daemon=True
        )
        self._thread.start()

    def _beat(self, broker: Any) -> None:
        while not self._stop.wait(self.INTERVAL_SECONDS):
            for name in self.queue_names:
                try:
                    broker.do_qsize(name)
                except Exception:  # Redis away: the consumers will say so too
                    log.warning("broker heartbeat failed", exc_info=True)
                    break

    def before_worker_shutdown(self, broker: dramatiq.Broker, worker: Any) -> None:
        self._stop.set()
