"""Login throttling per account and per client address, on the counters of
`upscaler.ratelimit` (the same engine and the same 429 as the upload limit).

The upload limit counts every request in one-minute windows; a login
throttle counts *failures* only, over a longer window, checks before the
password is even looked at, and forgets an account's failures after a
successful login. Counters live in Redis when there is one (every replica
sees them).
"""

from __future__ import annotations

import math

from limits import RateLimitItem, RateLimitItemPerMinute

from upscaler.auth.policy import AuthPolicy
from upscaler.errors import APIError
from upscaler.ratelimit import Counters, store_unavailable, too_many

_ACCOUNT = "login-failures-account"
_ADDRESS = "login-failures-ip"


class LoginThrottle:
    def __init__(self, redis_url: str | None, policy: AuthPolicy) -> None:
        self._counters = Counters(redis_url)
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
        if await self._counters.has_room(item, scope, key):
            return
        retry_after = await self._counters.retry_after(item, scope, key)
        minutes = math.ceil(retry_after / 60)
        raise too_many(
            "login_throttled",
            f"too many failed sign-in attempts {what}; try again in "
            f"{minutes} minute{'s' if minutes != 1 else ''}",
            retry_after,
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
            raise store_unavailable(
                "sign-in is unavailable right now; please retry shortly"
            ) from error

    async def failed(self, username: str, ip: str) -> None:
        await self._counters.hit(self._address, _ADDRESS, ip)
        await self._counters.hit(self._account, _ACCOUNT, self._key(username))

    async def succeeded(self, username: str) -> None:
        await self._counters.clear(self._account, _ACCOUNT, self._key(username))

    async def reset(self) -> None:
        await self._counters.reset()
