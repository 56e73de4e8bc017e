"""Event buses. Publishing is best-effort: the database stays the source of
truth, and every subscriber starts from the database state."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator
from typing import Protocol

from upscaler.contracts import JobEvent

# A slow subscriber loses the oldest progress events rather than holding
# memory without bound; state changes are re-read from the database anyway.
SUBSCRIBER_BUFFER = 256


class EventBus(Protocol):
    async def publish(self, event: JobEvent) -> None: ...

    def subscribe(
        self, job_id: str | None
    ) -> contextlib.AbstractAsyncContextManager[AsyncIterator[JobEvent]]:
        """Events for one job (or every job with None), until the context exits."""
        ...

    async def close(self) -> None: ...


class _Subscriber:
    def __init__(self, job_id: str | None) -> None:
        self.job_id = job_id
        self.loop = asyncio.get_running_loop()
        self.queue: asyncio.Queue[JobEvent] = asyncio.Queue(SUBSCRIBER_BUFFER)

    def offer(self, event: JobEvent) -> None:
        # Runs on the subscriber's own loop (see publish).
        if self.queue.full():
            self.queue.get_nowait()
        self.queue.put_nowait(event)

    async def events(self) -> AsyncIterator[JobEvent]:
        while True:
            yield await self.queue.get()


class InProcessEventBus:
    """For the embedded mode: the API and the in-process worker run on
    different event loops (threads), so delivery hops loops thread-safely."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscribers: set[_Subscriber] = set()

    async def publish(self, event: JobEvent) -> None:
        with self._lock:
            targets = [s for s in self._subscribers if s.job_id in (None, event.job_id)]
        for subscriber in targets:
            with contextlib.suppress(RuntimeError):  # that loop has closed
                subscriber.loop.call_soon_threadsafe(subscriber.offer, event)

    @contextlib.asynccontextmanager
    async def subscribe(self, job_id: str | None) -> AsyncIterator[AsyncIterator[JobEvent]]:
        subscriber = _Subscriber(job_id)
        with self._lock:
            self._subscribers.add(subscriber)
        try:
            yield subscriber.events()
        finally:
            with self._lock:
                self._subscribers.discard(subscriber)

    async def close(self) -> None:
        with self._lock:
            self._subscribers.clear()
