"""Redis pub/sub event bus: any API replica can stream any job's events."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator

import redis.asyncio as aioredis

from upscaler.contracts import ALL_JOBS_PATTERN, JobEvent, job_channel

log = logging.getLogger(__name__)


class RedisEventBus:
    def __init__(self, url: str) -> None:
        self._redis = aioredis.Redis.from_url(url, socket_connect_timeout=3)

    async def publish(self, event: JobEvent) -> None:
        await self._redis.publish(job_channel(event.job_id), event.model_dump_json())

    @contextlib.asynccontextmanager
    async def subscribe(self, job_id: str | None) -> AsyncIterator[AsyncIterator[JobEvent]]:
        pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
        if job_id is None:
            await pubsub.psubscribe(ALL_JOBS_PATTERN)
        else:
            await pubsub.subscribe(job_channel(job_id))

        async def events() -> AsyncIterator[JobEvent]:
            while True:
                message = await pubsub.get_message(timeout=1.0)
                if message is None or message.get("type") not in ("message", "pmessage"):
                    continue
                try:
                    yield JobEvent.model_validate_json(message["data"])
                except ValueError:
                    log.warning("ignoring a malformed event on %s", message.get("channel"))

        try:
            yield events()
        finally:
            with contextlib.suppress(Exception):
                await pubsub.aclose()

    async def close(self) -> None:
        await self._redis.aclose()
