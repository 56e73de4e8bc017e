"""Messages to worker actors other than `process_job` (model validation,
model rescans), named through `upscaler.contracts` like every message the API
sends: the API never imports the worker."""

from __future__ import annotations

import asyncio
from typing import Any

import dramatiq

from upscaler.contracts import Queue
from upscaler.queueing.producer import JobProducer, QueueUnavailableError


def _send(broker: dramatiq.Broker, actor: str, queue: Queue, args: tuple[Any, ...]) -> str:
    message: dramatiq.Message[Any] = dramatiq.Message(
        queue_name=queue.value, actor_name=actor, args=args, kwargs={}, options={}
    )
    try:
        return broker.enqueue(message).message_id
    except Exception as error:  # the broker raises its client's errors
        raise QueueUnavailableError(str(error)) from error


async def send(producer: JobProducer, actor: str, queue: Queue, *args: Any) -> str:
    return await asyncio.to_thread(_send, producer.broker, actor, queue, args)
