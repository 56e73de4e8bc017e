"""Enqueue jobs without importing the worker: a message names the actor."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import dramatiq

from upscaler.contracts import NOTIFICATIONS_QUEUE, NOTIFY_JOB_ACTOR, PROCESS_JOB_ACTOR, Queue
from upscaler.logs import current_request_id

#: The message option that carries the id of the request that caused it, so
#: the worker's log lines about the job carry it too.
REQUEST_ID_OPTION = "request_id"


class QueueUnavailableError(RuntimeError):
    """The broker could not take the message (Redis down, say)."""


#: A marker the broker's Redis keeps while it keeps our messages. Redis here
#: may run without persistence: if it restarts or is flushed, the marker is
#: gone with the messages, and the sweeper re-enqueues every queued job.
EPOCH_KEY = "upscaler:broker-epoch"


class JobProducer:
    def __init__(self, broker: dramatiq.Broker) -> None:
        self.broker = broker

    def _messages_lost(self) -> bool:
        client = getattr(self.broker, "client", None)  # RedisBroker's redis client
        if client is None:
            return False  # in-memory broker: lost only with this process
        try:
            return bool(client.set(EPOCH_KEY, uuid.uuid4().hex, nx=True))
        except Exception as error:
            raise QueueUnavailableError(str(error)) from error

    def _ping(self) -> bool:
        client = getattr(self.broker, "client", None)
        if client is None:
            return True
        try:
            return bool(client.ping())
        except Exception:
            return False

    async def reachable(self) -> bool:
        return await asyncio.to_thread(self._ping)

    def _forget_epoch(self) -> None:
        client = getattr(self.broker, "client", None)
        if client is not None:
            client.delete(EPOCH_KEY)

    async def forget_epoch(self) -> None:
        """Undo `messages_lost` when the re-enqueue it called for did not finish."""
        try:
            await asyncio.to_thread(self._forget_epoch)
        except Exception:
            return

    async def messages_lost(self) -> bool:
        """True once after the broker lost its messages (and on first use)."""
        return await asyncio.to_thread(self._messages_lost)

    def _send(
        self, queue_name: str, actor_name: str, args: tuple[str, ...], delay_ms: int | None
    ) -> str:
        request_id = current_request_id()  # a thread of the caller's task: its context
        options = {REQUEST_ID_OPTION: request_id} if request_id else {}
        message: dramatiq.Message[Any] = dramatiq.Message(
            queue_name=queue_name, actor_name=actor_name, args=args, kwargs={}, options=options
        )
        try:
            return self.broker.enqueue(message, delay=delay_ms).message_id
        except Exception as error:  # the broker raises its client's errors
            raise QueueUnavailableError(str(error)) from error

    def _enqueue(self, job_id: str, queue: Queue, delay_ms: int | None, priority: bool) -> str:
        queue_name = queue.priority if priority else queue.value
        return self._send(queue_name, PROCESS_JOB_ACTOR, (job_id,), delay_ms)

    async def enqueue_notification(
        self, job_id: str, kind: str, *, delay_ms: int | None = None
    ) -> str:
        """One delivery attempt of a job's webhook or e-mail (see notifications)."""
        return await asyncio.to_thread(
            self._send, NOTIFICATIONS_QUEUE, NOTIFY_JOB_ACTOR, (job_id, kind), delay_ms
        )

    async def enqueue(
        self, job_id: str, queue: Queue, *, delay_ms: int | None = None, priority: bool = False
    ) -> str:
        """priority: the job was already running once (recovered, handed back):
        it goes ahead of the backlog."""
        # Broker clients block (redis-py), so keep them off the event loop.
        return await asyncio.to_thread(self._enqueue, job_id, queue, delay_ms, priority)
