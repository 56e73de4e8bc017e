"""Messages to worker actors other than `process_job` (model validation,
model rescans), named through `upscaler.contracts` like every message the API
sends: the API never imports the worker."""

from __future__ import annotations

import asyncio
from typing import Any

import dramatiq

from upscaler.contracts import Queue
from upscaler.queueing.producer import JobProducer, QueueUnavailableError


def _send(broker: dramatiq.Broker, actor: str, queue: str, args: tuple[Any, ...]) -> str:
    message: dramatiq.Message[Any] = dramatiq.Message(
        queue_name=queue, actor_name=actor, args=args, kwargs={}, options={}
    )
    try:
        return broker.enqueue(message).message_id
    except Exception as error:  # the broker raises its client's errors
        raise QueueUnavailableError(str(error)) from error


async def send(producer: JobProducer, actor: str, queue: Queue | str, *args: Any) -> str:
    """`queue`: a pool (its main queue) or a broker queue's name."""
    name = queue.value if isinstance(queue, Queue) else queue
    return await asyncio.to_thread(_send, producer.broker, actor, name, args)
