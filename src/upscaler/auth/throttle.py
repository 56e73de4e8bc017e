"""Login throttling per account and per client address, on the `limits`
library (the engine under `upscaler.ratelimit`).

`upscaler.ratelimit.RateLimiter` counts every request in one-minute windows;
a login throttle must count *failures* only, over a longer window, check
before the password is even looked at, and forget an account's failures
after a successful login. So it drives the same engine with those rules.
Counters live in Redis when there is one (every replica sees them).
"""

from __future__ import annotations

import math
import time

from limits import RateLimitItem, RateLimitItemPerMinute
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string

from upscaler.auth.policy import AuthPolicy
from upscaler.errors import APIError

_ACCOUNT = "login-failures-account"
_ADDRESS = "login-failures-ip"


class LoginThrottle:
    def __init__(self, redis_url: str | None, policy: AuthPolicy) -> None:
        if redis_url:
            storage = storage_from_string(
                f"async+{redis_url}", implementation="redispy", socket_connect_timeout=3
            )
        else:
            storage = storage_from_string("async+memory://")
        self._storage = storage
        self._limiter = MovingWindowRateLimiter(storage)
        self._account = RateLimitItemPerMinute(
            policy.failures_per_account, policy.failure_window_minutes
        )
        self._address = RateLimitItemPerMinute(
            policy.failures_per_ip, policy.failure_window_minutes
        )

    @staticmethod
    def _key(username: str) -> str:
        return username.strip().casefold()[:64]

    async def _refuse_if_full(self, item: RateLimitItem, scope: str, key: str, what: str) -> None:
        if await self._limiter.test(item, scope, key):
            return
        reset_at, _remaining = await self._limiter.get_window_stats(item, scope, key)
        retry_after = max(1, math.ceil(reset_at - time.time()))
        minutes = math.ceil(retry_after / 60)
        raise APIError(
            429,
            "login_throttled",
            f"too many failed sign-in attempts {what}; try again in "
            f"{minutes} minute{'s' if minutes != 1 else ''}",
            headers={"Retry-After": str(retry_after)},
        )

    async def check(self, username: str, ip: str) -> None:
        """Raise 429 (with Retry-After) when the account or the address is locked."""
        try:
            await self._refuse_if_full(self._address, _ADDRESS, ip, "from this address")
            await self._refuse_if_full(
                self._account, _ACCOUNT, self._key(username), "for this account"
            )
        except APIError:
            raise
        except Exception as error:  # the counters' store (Redis) is unreachable: fail closed
            raise APIError(
                503,
                "unavailable",
                "sign-in is unavailable right now; please retry shortly",
                headers={"Retry-After": "30"},
            ) from error

    async def failed(self, username: str, ip: str) -> None:
        await self._limiter.hit(self._address, _ADDRESS, ip)
        await self._limiter.hit(self._account, _ACCOUNT, self._key(username))

    async def succeeded(self, username: str) -> None:
        await self._limiter.clear(self._account, _ACCOUNT, self._key(username))

    async def reset(self) -> None:
        await self._storage.reset()  # type: ignore[misc]
