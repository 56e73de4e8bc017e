"""Per-process worker resources, made once on the worker's event loop.

Dramatiq runs async actors on one event-loop thread per worker process; the
database engine and the storage client belong to that loop, so they are made
lazily on it (and only there).
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dramatiq
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from upscaler.config import Settings
from upscaler.contracts import JobEvent, JobStatus, Queue
from upscaler.db.engine import make_engine, make_sessionmaker
from upscaler.db.types import utcnow
from upscaler.events.bus import EventBus
from upscaler.live_settings import LiveSettings
from upscaler.queueing.producer import JobProducer
from upscaler.storage.base import Storage
from upscaler.storage.factory import make_storage


def new_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{os.urandom(3).hex()}"


@dataclass
class WorkerContext:
    settings: Settings
    bus: EventBus
    queues: tuple[Queue, ...]
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    storage: Storage
    producer: JobProducer
    live: LiveSettings
    owns_bus: bool = True
    worker_id: str = field(default_factory=new_worker_id)
    current_job_id: str | None = None
    jobs_done: int = 0
    provider: str | None = None
    precision: str | None = None
    gpu: str | None = None
    # The engine path chosen per model and the trials behind it
    # (upscaler_worker.engines), published on the Worker row.
    engines: dict[str, Any] = field(default_factory=dict)
    # Measured speed per model (see upscaler_worker.throughput), published on
    # the Worker row with each heartbeat.
    throughput: dict[str, Any] = field(default_factory=dict)
    # Set when the process is asked to stop: a running job gives its tile a
    # chance to finish, then goes back to the queue.
    stopping: threading.Event = field(default_factory=threading.Event)

    @property
    def model_dir(self) -> Path:
        return self.settings.model_dir

    async def publish(
        self,
        job_id: str,
        status: JobStatus,
        progress: int,
        *,
        kind: str = "state",
        message: str | None = None,
    ) -> None:
        event = JobEvent(
            job_id=job_id,
            kind="progress" if kind == "progress" else "state",
            status=status,
            progress=progress,
            message=message,
            at=utcnow(),
        )
        try:
            await self.bus.publish(event)
        except Exception:  # events are best-effort; the row is the truth
            return

    async def close(self) -> None:
        await self.storage.close()
        if self.owns_bus:
            await self.bus.close()
        await self.engine.dispose()


class ContextHolder:
    """Builds the context on first use, on the loop that uses it.

    `bus` is either a shared bus (the embedded mode's in-process bus, which the
    API owns) or a factory for one this worker owns (Redis pub/sub).
    """

    def __init__(
        self,
        settings: Settings,
        queues: tuple[Queue, ...],
        broker: dramatiq.Broker,
        *,
        shared_bus: EventBus | None = None,
        bus_factory: Callable[[], EventBus] | None = None,
    ) -> None:
        if (shared_bus is None) == (bus_factory is None):
            raise ValueError("give exactly one of shared_bus and bus_factory")
        self.settings = settings
        self.queues = queues
        self.broker = broker
        self._shared_bus = shared_bus
        self._bus_factory = bus_factory
        self._context: WorkerContext | None = None

    async def get(self) -> WorkerContext:
        if self._context is None:
            engine = make_engine(self.settings.database_url)
            sessions = make_sessionmaker(engine)
            bus = self._shared_bus or self._bus_factory()  # type: ignore[misc]
            self._context = WorkerContext(
                settings=self.settings,
                bus=bus,
                owns_bus=self._shared_bus is None,
                queues=self.queues,
                engine=engine,
                sessions=sessions,
                live=LiveSettings(self.settings, sessions),
                storage=make_storage(self.settings),
                producer=JobProducer(self.broker),
            )
        return self._context

    @property
    def current(self) -> WorkerContext | None:
        return self._context

    async def close(self) -> None:
        if self._context is not None:
            await self._context.close()
            self._context = None
