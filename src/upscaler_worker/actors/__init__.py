"""The Dramatiq actor. The broker is set up by the caller before this
registers the actor on it (Dramatiq's rule); the message carries only the
job id, everything else is read from the database."""

from __future__ import annotations

import asyncio
from typing import Any

import dramatiq
from dramatiq.middleware import CurrentMessage

from upscaler.contracts import PROCESS_JOB_ACTOR, Queue
from upscaler.logs import log_context
from upscaler.queueing.producer import REQUEST_ID_OPTION
from upscaler_worker.actors import models as model_actors
from upscaler_worker.actors import notifications, previews, upscale_job
from upscaler_worker.context import ContextHolder
from upscaler_worker.runners import RunnerCache

#: Backoff between retries of a transient failure (Dramatiq doubles it each time).
MIN_BACKOFF_MS = 2_000
MAX_BACKOFF_MS = 120_000
MAX_RETRIES_CEILING = 20


def retries_so_far() -> int:
    message = CurrentMessage.get_current_message()
    return int(message.options.get("retries", 0)) if message is not None else 0


def message_request_id() -> str | None:
    """The id of the request that enqueued the message being processed."""
    message = CurrentMessage.get_current_message()
    value = message.options.get(REQUEST_ID_OPTION) if message is not None else None
    return value if isinstance(value, str) else None


class JobSlots:
    """At most `size` jobs run at once in this process. The Dramatiq worker
    has one thread more than that (`threads_for`), so a preview or a
    notification never waits behind a long job. Made on first use, on the
    worker's event loop, which the semaphore belongs to."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._semaphore: asyncio.Semaphore | None = None

    @property
    def semaphore(self) -> asyncio.Semaphore:
        if self._semaphore is None:
            self._semaphore = asyncio.Semaphore(self.size)
        return self._semaphore

    @staticmethod
    def threads_for(jobs: int) -> int:
        """Dramatiq threads for `jobs` concurrent jobs: one more, for the rest."""
        return jobs + 1


def register_actors(
    broker: dramatiq.Broker, holder: ContextHolder, runners: RunnerCache, jobs_at_once: int = 1
) -> dramatiq.Actor[Any, Any]:
    slots = JobSlots(jobs_at_once)
    model_actors.register(broker, holder, runners)  # validate_model, sync_models
    notifications.register(broker, holder)  # notify_job, on the notifications queue
    previews.register(broker, holder, runners)  # run_preview, on the previews queue

    # One actor serves every queue: the message's queue picks the pool, its
    # actor name picks this function.
    @dramatiq.actor(
        broker=broker,
        actor_name=PROCESS_JOB_ACTOR,
        queue_name=Queue.CPU.value,
        # A ceiling only: whether to retry is decided per job from the live setting.
        max_retries=MAX_RETRIES_CEILING,
        min_backoff=MIN_BACKOFF_MS,
        max_backoff=MAX_BACKOFF_MS,
    )
    async def process_job(job_id: str) -> None:
        async with slots.semaphore:
            await _process(job_id)

    async def _process(job_id: str) -> None:
        with log_context(request_id=message_request_id(), job_id=job_id):
            ctx = await holder.get()
            allowed = (await ctx.live.get()).job_max_retries  # an admin may change it at run time
            await upscale_job.process(ctx, runners, job_id, can_retry=retries_so_far() < allowed)

    return process_job
