"""The SSE generator: database state first, live events after, bounded life,
and it notices a client that went away."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

from upscaler.contracts import JobEvent, JobStatus
from upscaler.jobs.events import job_event_stream


class Client:
    """What the stream asks of a request: whether the client is still there."""

    def __init__(self) -> None:
        self.gone = False

    async def is_disconnected(self) -> bool:
        return self.gone


def state(status: str, progress: int = 0) -> dict[str, Any]:
    return {"job_id": "job_x", "status": status, "progress": progress}


async def events(*items: JobEvent, then_wait: bool = True) -> AsyncIterator[JobEvent]:
    for item in items:
        yield item
    if then_wait:
        await asyncio.sleep(3600)


def event(status: JobStatus, progress: int, kind: str = "progress") -> JobEvent:
    return JobEvent(
        job_id="job_x", kind=kind, status=status, progress=progress, at=datetime.now(UTC)
    )


def parse(chunks: list[str]) -> list[tuple[str, dict[str, Any]]]:
    parsed = []
    for chunk in chunks:
        lines = dict(line.split(": ", 1) for line in chunk.strip().splitlines() if ": " in line)
        if "event" in lines:
            parsed.append((lines["event"], json.loads(lines["data"])))
    return parsed


async def collect(stream: AsyncIterator[str]) -> list[str]:
    return [chunk async for chunk in stream]


async def test_finished_job_gets_one_state_event_and_the_stream_ends() -> None:
    async def snapshot() -> dict[str, Any]:
        return state("completed", 100)

    chunks = await collect(job_event_stream(Client(), events(), snapshot))  # type: ignore[arg-type]
    assert parse(chunks) == [("state", state("completed", 100))]
    assert chunks[0].startswith("retry: ")


async def test_live_progress_then_terminal_state_from_the_database() -> None:
    current = {"value": state("running", 10)}

    async def snapshot() -> dict[str, Any]:
        return current["value"]

    async def live() -> AsyncIterator[JobEvent]:
        yield event(JobStatus.RUNNING, 30)
        yield event(JobStatus.RUNNING, 20)  # late and stale: dropped
        yield event(JobStatus.RUNNING, 60)
        current["value"] = state("completed", 100)
        yield event(JobStatus.COMPLETED, 100, kind="state")

    parsed = parse(await collect(job_event_stream(Client(), live(), snapshot)))  # type: ignore[arg-type]
    assert [(kind, data["progress"]) for kind, data in parsed] == [
        ("state", 10), ("progress", 30), ("progress", 60), ("state", 100),
    ]  # fmt: skip


async def test_stream_has_a_bounded_life_and_sends_keep_alives() -> None:
    async def snapshot() -> dict[str, Any]:
        return state("queued")

    started = time.monotonic()
    chunks = await collect(
        job_event_stream(Client(), events(), snapshot, max_seconds=0.5, heartbeat_seconds=0.1)  # type: ignore[arg-type]
    )
    assert time.monotonic() - started < 2
    assert sum(chunk.startswith(": keep-alive") for chunk in chunks) >= 3


async def test_a_client_that_left_ends_the_stream() -> None:
    client = Client()

    async def snapshot() -> dict[str, Any]:
        client.gone = True  # the client leaves right after the first event
        return state("running", 5)

    started = time.monotonic()
    chunks = await collect(
        job_event_stream(client, events(), snapshot, max_seconds=60, heartbeat_seconds=0.1)  # type: ignore[arg-type]
    )
    assert time.monotonic() - started < 2
    assert len(parse(chunks)) == 1
