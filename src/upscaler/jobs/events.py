"""Server-sent events for one job.

The first event is the job as the database has it, so a late subscriber still
sees a finished job; then live events from the bus until a terminal state.
Each stream has a bounded lifetime (clients reconnect; EventSource does so by
itself) and notices a client that went away.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from fastapi import Request

from upscaler.contracts import JobEvent, JobStatus

HEARTBEAT_SECONDS = 15.0
MAX_STREAM_SECONDS = 300.0
RECONNECT_MILLISECONDS = 2000

POLL_SECONDS = 1.0

log = logging.getLogger(__name__)

Snapshot = Callable[[], Awaitable[dict[str, Any]]]


async def poll_events(
    snapshot: Snapshot, interval: float = POLL_SECONDS
) -> AsyncIterator[JobEvent]:
    """Events made by re-reading the job, for when the bus is unavailable."""
    last: tuple[str, int] | None = None
    while True:
        await asyncio.sleep(interval)
        state = await snapshot()
        key = (str(state["status"]), int(state["progress"]))
        if key != last:
            last = key
            yield JobEvent(
                job_id=str(state["job_id"]),
                status=JobStatus(key[0]),
                progress=key[1],
                at=datetime.now(UTC),
            )


def format_sse(event: str, data: dict[str, Any], event_id: int | None = None) -> str:
    lines = [f"event: {event}"]
    if event_id is not None:
        lines.append(f"id: {event_id}")
    lines.append("data: " + json.dumps(data, default=str, separators=(",", ":")))
    return "\n".join(lines) + "\n\n"


class _Reader:
    """Reads the next event with a timeout without losing the stream: the
    pending read survives the timeout (asyncio.wait_for would cancel it, and
    cancelling an async generator ends it)."""

    def __init__(self, events: AsyncIterator[JobEvent]) -> None:
        self._iterator = aiter(events)
        self._pending: asyncio.Future[JobEvent] | None = None

    async def next(self, wait_seconds: float) -> JobEvent:
        """The next event; TimeoutError after wait_seconds (the read stays pending)."""
        if self._pending is None:
            self._pending = asyncio.ensure_future(anext(self._iterator))
        done, _ = await asyncio.wait({self._pending}, timeout=wait_seconds)
        if not done:
            raise TimeoutError
        pending, self._pending = self._pending, None
        return pending.result()

    def close(self) -> None:
        if self._pending is not None:
            self._pending.cancel()


async def job_event_stream(
    request: Request,
    events: AsyncIterator[JobEvent],
    snapshot: Snapshot,
    *,
    max_seconds: float = MAX_STREAM_SECONDS,
    heartbeat_seconds: float = HEARTBEAT_SECONDS,
) -> AsyncIterator[str]:
    """`events` must already be subscribed, so nothing between the snapshot
    and the first live event is lost."""
    deadline = time.monotonic() + max_seconds
    sequence = 0
    yield f"retry: {RECONNECT_MILLISECONDS}\n\n"
    state = await snapshot()
    sequence += 1
    yield format_sse("state", state, sequence)
    if JobStatus(state["status"]).is_terminal:
        return
    last_progress = int(state["progress"])
    reader = _Reader(events)
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or await request.is_disconnected():
                return
            try:
                event = await reader.next(min(heartbeat_seconds, remaining))
            except TimeoutError:
                yield ": keep-alive\n\n"
                continue
            except Exception:  # the bus went away mid-stream: the client reconnects
                log.warning("event bus failed while streaming", exc_info=True)
                return
            sequence += 1
            if event.kind == "progress":
                if event.progress < last_progress:
                    continue  # stale: from before a retry, or delivered late
                last_progress = event.progress
                yield format_sse("progress", event.model_dump(mode="json"), sequence)
                continue
            # State changes are re-read from the database: a terminal one then
            # carries the freshly signed result URL and the final figures.
            state = await snapshot()
            last_progress = int(state["progress"])
            yield format_sse("state", state, sequence)
            if JobStatus(state["status"]).is_terminal:
                return
    finally:
        reader.close()
