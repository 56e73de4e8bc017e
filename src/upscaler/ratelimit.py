"""Counting requests per client, and refusing with 429 and Retry-After: the
one mechanism under the upload rate limit (`RateLimiter`, here) and the
login throttle (`upscaler.auth.throttle`).

Both run on the `limits` library (the engine inside slowapi). slowapi binds
its limits to one global limiter when endpoints are decorated at import; our
limits are run-time settings, so the engine is driven from the code instead.
Counters live in Redis when there is one (shared by all API replicas), in
memory otherwise.
"""

from __future__ import annotations

import math
import time

from limits import RateLimitItem, RateLimitItemPerMinute
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string

from upscaler.errors import APIError
from upscaler.telemetry import RATE_LIMITED

#: What a client is told to wait when the counters' store cannot be reached.
STORE_DOWN_RETRY_AFTER = 30


class Counters:
    """Moving-window counters keyed by (scope, key)."""

    def __init__(self, redis_url: str | None) -> None:
        if redis_url:
            self._storage = storage_from_string(
                f"async+{redis_url}", implementation="redispy", socket_connect_timeout=3
            )
        else:
            self._storage = storage_from_string("async+memory://")
        self._limiter = MovingWindowRateLimiter(self._storage)

    async def hit(self, item: RateLimitItem, scope: str, key: str) -> bool:
        """Count one; False (and nothing counted) when the window is already full."""
        return await self._limiter.hit(item, scope, key)

    async def has_room(self, item: RateLimitItem, scope: str, key: str) -> bool:
        """Whether one more would be allowed, counting nothing."""
        return await self._limiter.test(item, scope, key)

    async def retry_after(self, item: RateLimitItem, scope: str, key: str) -> int:
        """Whole seconds until the window has room again (at least 1)."""
        reset_at, _remaining = await self._limiter.get_window_stats(item, scope, key)
        return max(1, math.ceil(reset_at - time.time()))

    async def clear(self, item: RateLimitItem, scope: str, key: str) -> None:
        await self._limiter.clear(item, scope, key)

    async def reset(self) -> None:
        """Forget every counter (tests, and an admin clearing a lock-out)."""
        await self._storage.reset()  # type: ignore[misc]


def too_many(code: str, message: str, retry_after: int) -> APIError:
    """The refusal once a limit is reached: 429 with Retry-After."""
    RATE_LIMITED.labels(code).inc()
    return APIError(429, code, message, headers={"Retry-After": str(retry_after)})


def store_unavailable(message: str) -> APIError:
    """The counters' store (Redis) is unreachable: refuse (fail closed), 503."""
    return APIError(
        503, "unavailable", message, headers={"Retry-After": str(STORE_DOWN_RETRY_AFTER)}
    )


class RateLimiter:
    """Requests per client per minute (uploads)."""

    def __init__(self, redis_url: str | None) -> None:
        self._counters = Counters(redis_url)

    async def hit(
        self, scope: str, key: str, per_minute: int, *, whose: str = "this client"
    ) -> None:
        """Count one request; raise 429 with Retry-After once over the limit
        (the message says `whose` limit it is).

        per_minute = 0 turns the limit off.
        """
        if per_minute <= 0:
            return
        item = RateLimitItemPerMinute(per_minute)
        try:
            if await self._counters.hit(item, scope, key):
                return
            retry_after = await self._counters.retry_after(item, scope, key)
        except Exception as error:  # the counters' store (Redis) is unreachable
            raise store_unavailable(
                "the service cannot take requests right now; please retry shortly"
            ) from error
        raise too_many(
            "rate_limited",
            f"too many requests from {whose}: at most {per_minute} per minute; "
            f"try again in {retry_after} s",
            retry_after,
        )

    async def reset(self) -> None:
        await self._counters.reset()

    async def close(self) -> None:
        return None
