"""Build the Dramatiq broker the settings ask for.

Without REDIS_URL the broker is Dramatiq's in-memory StubBroker, consumed by an
in-process worker; with it, the Redis broker tuned so that a killed worker's
unacknowledged messages come back within seconds rather than minutes.
"""

from __future__ import annotations

import dramatiq
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware import (
    AgeLimit,
    Callbacks,
    CurrentMessage,
    Pipelines,
    Retries,
    ShutdownNotifications,
)
from dramatiq.middleware.asyncio import AsyncIO

from upscaler.config import Settings
from upscaler.contracts import NOTIFICATIONS_QUEUE, PREVIEWS_QUEUE, Queue

# Redis broker recovery: a worker process heartbeats on every fetch (at least
# once a second while idle). When a heartbeat is older than this, any process's
# next command may run maintenance and requeue the dead one's messages.
REDIS_HEARTBEAT_TIMEOUT_MS = 10_000
# Out of a million commands; 1_000_000 = maintenance on every command. Cheap
# at our message rates, and it bounds redelivery by heartbeat timeout + ~1 s.
REDIS_MAINTENANCE_CHANCE = 1_000_000


def _middleware() -> list[dramatiq.Middleware]:
    # TimeLimit is deliberately absent: it cannot interrupt native inference
    # code; the job timeout is enforced by the engine through ONNX Runtime.
    return [
        AgeLimit(),
        ShutdownNotifications(),
        Callbacks(),
        Pipelines(),
        Retries(),
        CurrentMessage(),
        AsyncIO(),
    ]


def build_broker(settings: Settings) -> dramatiq.Broker:
    broker: dramatiq.Broker
    if settings.redis_url:
        from dramatiq.brokers.redis import RedisBroker

        broker = RedisBroker(  # type: ignore[no-untyped-call]
            url=settings.redis_url,
            middleware=_middleware(),
            namespace="upscaler",
            heartbeat_timeout=REDIS_HEARTBEAT_TIMEOUT_MS,
            maintenance_chance=REDIS_MAINTENANCE_CHANCE,
            # Fail fast when Redis is away: an upload then gets 503 at once.
            socket_connect_timeout=3,
            socket_timeout=10,
            health_check_interval=15,
        )
    else:
        broker = StubBroker(middleware=_middleware())
    for queue in Queue:
        for name in queue.broker_queues:
            broker.declare_queue(name)
    broker.declare_queue(NOTIFICATIONS_QUEUE)
    broker.declare_queue(PREVIEWS_QUEUE)
    return broker
