"""One worker process: a Dramatiq worker on the Redis broker, bound to queues.

Started by the supervisor (`upscaler-worker`, see cli.py). SIGTERM stops it
gracefully: the running job finishes its current tile, goes back to the
queue, and the process exits. SIGUSR1 writes every thread's stack to the log
(what a stuck worker is doing, without a debugger).
"""

from __future__ import annotations

import argparse
import faulthandler
import logging
import signal
import sys
import threading
import time
from types import FrameType

import dramatiq

from upscaler.config import Settings, get_settings
from upscaler.contracts import NOTIFICATIONS_QUEUE, PREVIEWS_QUEUE, Queue
from upscaler.events.redis_bus import RedisEventBus
from upscaler.logs import configure_logging
from upscaler.queueing.broker import build_broker
from upscaler_worker.actors import JobSlots, register_actors
from upscaler_worker.context import ContextHolder
from upscaler_worker.lifecycle import BrokerHeartbeat, WorkerLifecycle
from upscaler_worker.runners import RunnerCache

log = logging.getLogger(__name__)

STOP_TIMEOUT_MS = 60_000
STOP_SIGNALS = {signal.SIGTERM, signal.SIGINT}


def parse_queues(text: str) -> tuple[Queue, ...]:
    try:
        queues = tuple(
            dict.fromkeys(Queue(name.strip()) for name in text.split(",") if name.strip())
        )
    except ValueError as error:
        known = ", ".join(q.value for q in Queue)
        raise SystemExit(f"unknown queue in {text!r}; known queues: {known}") from error
    if not queues:
        raise SystemExit("name at least one queue")
    return queues


def run_worker(
    settings: Settings, queues: tuple[Queue, ...], threads: int, inference_threads: int | None
) -> None:
    if not settings.redis_url:
        raise SystemExit(
            "upscaler-worker needs UPSCALER_REDIS_URL (use `make run` for one process)"
        )
    redis_url = settings.redis_url
    broker = build_broker(settings)
    holder = ContextHolder(settings, queues, broker, bus_factory=lambda: RedisEventBus(redis_url))
    runners = RunnerCache(settings.model_dir, inference_threads)
    register_actors(broker, holder, runners, threads)
    broker.add_middleware(WorkerLifecycle(holder, runners))
    # Every worker also delivers completion notifications and runs previews,
    # on a thread of their own (JobSlots).
    broker_queues = [name for q in queues for name in q.broker_queues] + [
        NOTIFICATIONS_QUEUE,
        PREVIEWS_QUEUE,
    ]
    broker.add_middleware(BrokerHeartbeat(broker_queues))
    worker = dramatiq.Worker(
        broker,
        queues=set(broker_queues),
        worker_threads=JobSlots.threads_for(threads),
        worker_timeout=1000,
    )
    # Fetch only as many jobs as can run: a prefetched job would wait behind a
    # long one while another worker sits idle.
    worker.queue_prefetch = threads
    stop = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        log.info("signal %d: stopping after the current tile", signum)
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    worker.start()
    # Only now may the main thread take the stop signals (see main()).
    signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
    while not stop.wait(timeout=1.0):
        pass
    begun = time.monotonic()
    worker.stop(STOP_TIMEOUT_MS)
    log.info("worker stopped in %.1f s", time.monotonic() - begun)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--queues", default=None)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--inference-threads", type=int, default=None)
    args = parser.parse_args(argv)
    # A signal sent to the process goes to any one thread that does not block
    # it, and Python runs its handlers only on the main thread, when that
    # thread next runs Python code: a main thread asleep in an untimed wait()
    # would never see a stop another thread took. So the stop signals stay
    # blocked while threads are started (the supervisor starts us with them
    # blocked; every thread inherits the mask of the thread that starts it,
    # as with Dramatiq's own CLI), run_worker unblocks them on the main thread
    # alone, and waits in short steps in case some thread took one anyway.
    signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    settings = get_settings()
    configure_logging(settings.log_level, settings.log_format or "text")
    faulthandler.register(signal.SIGUSR1, file=sys.stderr, all_threads=True)
    run_worker(
        settings,
        parse_queues(args.queues or settings.worker_queues),
        args.threads or settings.worker_threads,
        args.inference_threads or settings.inference_threads or None,
    )


if __name__ == "__main__":
    main()
