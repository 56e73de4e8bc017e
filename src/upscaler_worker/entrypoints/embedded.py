"""`make run`: the API with an in-process worker, zero services.

This is the composition root of the embedded mode: it owns the broker (an
in-memory StubBroker) and the in-process event bus, and hands both to the API
and to the worker, which run in one process on different threads.
"""

from __future__ import annotations

import asyncio
import logging
import os

import dramatiq
import uvicorn
from fastapi import FastAPI

from upscaler.app import create_app
from upscaler.config import Settings, get_settings
from upscaler.context import AppContext
from upscaler.contracts import Queue
from upscaler.db.migrate import upgrade_to_head
from upscaler.events.bus import EventBus, InProcessEventBus
from upscaler.logs import configure_logging
from upscaler.queueing.broker import build_broker
from upscaler_worker.actors import JobSlots, register_actors
from upscaler_worker.context import ContextHolder
from upscaler_worker.lifecycle import WorkerLifecycle
from upscaler_worker.runners import RunnerCache

log = logging.getLogger(__name__)

#: How long a stopping worker waits for its current tile before giving up.
STOP_TIMEOUT_MS = 30_000
#: How often Dramatiq's idle threads wake to look for a message or a stop
#: (a message itself is taken at once). Every wake-up on a 2-core machine
#: takes a core from the model for a moment: at 100 ms the idle service woke
#: 329 times a second (11.4 CPU-ms/s); at 500, 93 (7.6 CPU-ms/s), stopping in
#: 0.7-1.0 s instead of 0.3; at Dramatiq's default 1000, 66 and 1.5 s.
POLL_MS = 500


class EmbeddedWorker:
    """A Dramatiq worker on the app's own broker, started and stopped with it."""

    def __init__(self, settings: Settings, broker: dramatiq.Broker, bus: EventBus) -> None:
        self.settings = settings
        self.broker = broker
        self.bus = bus
        self._worker: dramatiq.Worker | None = None

    async def start(self, context: AppContext) -> None:
        settings = self.settings
        holder = ContextHolder(settings, tuple(Queue), self.broker, shared_bus=self.bus)
        runners = RunnerCache(settings.model_dir, settings.inference_threads or None)
        jobs = settings.worker_concurrency
        register_actors(self.broker, holder, runners, jobs)
        self.broker.add_middleware(WorkerLifecycle(holder, runners))
        self._worker = dramatiq.Worker(
            self.broker, worker_threads=JobSlots.threads_for(jobs), worker_timeout=POLL_MS
        )
        # Fetch only as many jobs as can run (see the distributed worker).
        self._worker.queue_prefetch = jobs
        await asyncio.to_thread(self._worker.start)

    async def stop(self) -> None:
        if self._worker is not None:
            await asyncio.to_thread(self._worker.stop, STOP_TIMEOUT_MS)
            self._worker = None


def build_embedded_app(settings: Settings) -> FastAPI:
    broker = build_broker(settings)
    bus = InProcessEventBus()
    return create_app(
        settings, broker=broker, bus=bus, services=[EmbeddedWorker(settings, broker, bus)]
    )


def main() -> None:
    settings = get_settings()
    configure_logging(settings.log_level, settings.log_format or "text")
    if not settings.embedded_worker:
        raise SystemExit("upscaler-standalone runs the embedded mode: unset UPSCALER_REDIS_URL")
    upgrade_to_head(settings.database_url)
    app = build_embedded_app(settings)
    log.info("ImageUpscalerPro on http://%s:%d (pid %d)", settings.host, settings.port, os.getpid())
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_config=None,
        timeout_graceful_shutdown=10,
    )


if __name__ == "__main__":
    main()
