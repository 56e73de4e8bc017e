"""Per-client rate limits on the `limits` library (the engine inside slowapi).

slowapi binds its limits to one global limiter when endpoints are decorated
at import; our limits are run-time settings, so the same engine is driven from
a dependency instead. Counters live in Redis when there is one (shared by all
API replicas), in memory otherwise.
"""

from __future__ import annotations

import math
import time

from limits import RateLimitItemPerMinute
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string

from upscaler.errors import APIError


class RateLimiter:
    def __init__(self, redis_url: str | None) -> None:
        if redis_url:
            self._storage = storage_from_string(
                f"async+{redis_url}", implementation="redispy", socket_connect_timeout=3
            )
        else:
            self._storage = storage_from_string("async+memory://")
        self._limiter = MovingWindowRateLimiter(self._storage)

    async def hit(self, scope: str, key: str, per_minute: int) -> None:
        """Count one request; raise 429 with Retry-After once over the limit.

        per_minute = 0 turns the limit off.
        """
        if per_minute <= 0:
            return
        item = RateLimitItemPerMinute(per_minute)
        try:
            if await self._limiter.hit(item, scope, key):
                return
        except Exception as error:  # the counters' store (Redis) is unreachable
            raise APIError(
                503,
                "unavailable",
                "the service cannot take requests right now; please retry shortly",
                headers={"Retry-After": "30"},
            ) from error
        reset_at, _remaining = await self._limiter.get_window_stats(item, scope, key)
        retry_after = max(1, math.ceil(reset_at - time.time()))
        raise APIError(
            429,
            "rate_limited",
            f"too many requests: at most {per_minute} per minute; try again in {retry_after} s",
            headers={"Retry-After": str(retry_after)},
        )

    async def reset(self) -> None:
        """Forget every counter (tests, and an admin clearing a lock-out)."""
        await self._storage.reset()  # type: ignore[misc]

    async def close(self) -> None:
        return None
