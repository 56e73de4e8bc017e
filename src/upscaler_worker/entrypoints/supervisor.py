"""`upscaler-worker`: a supervisor that keeps N worker processes alive.

Dramatiq's own CLI stops everything when one child dies; here a child that
dies (killed, out of memory) is started again after a short backoff, and the
rest keep working. SIGTERM/SIGINT stop the children gracefully (each finishes
its current tile and requeues its job) and then the supervisor. SIGUSR1 is
passed on: each child writes its threads' stacks to the log.
"""

from __future__ import annotations

import argparse
import logging
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from types import FrameType

from upscaler.config import get_settings
from upscaler.logs import configure_logging
from upscaler_worker.entrypoints.process import STOP_SIGNALS, parse_queues
from upscaler_worker.inference.runtime import physical_cores

log = logging.getLogger("upscaler_worker.supervisor")

MAX_RESTART_BACKOFF_SECONDS = 30.0
#: A child that lived this long resets its restart backoff.
HEALTHY_AFTER_SECONDS = 60.0
STOP_GRACE_SECONDS = 90.0


@dataclass
class Child:
    slot: int
    command: list[str]
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    restarts: int = 0
    backoff: float = 1.0
    restart_at: float = field(default=0.0)

    def start(self) -> None:
        # The child starts with the stop signals blocked (a mask survives fork
        # and exec), so the threads its imports start (OpenBLAS, OpenCV, ONNX
        # Runtime) never take them; it unblocks them on its main thread only.
        previous = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
        try:
            # Our own interpreter and module, with arguments we built: no shell, no user input.
            self.process = subprocess.Popen(self.command)  # noqa: S603
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, previous)
        self.started_at = time.monotonic()
        log.info("worker slot %d started (pid %d)", self.slot, self.process.pid)


def child_command(queues: str, threads: int, inference_threads: int) -> list[str]:
    return [
        sys.executable, "-m", "upscaler_worker.entrypoints.process",
        "--queues", queues, "--threads", str(threads),
        "--inference-threads", str(inference_threads),
    ]  # fmt: skip


def supervise(children: list[Child]) -> int:
    stopping = False

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    def pass_on(signum: int, _frame: FrameType | None) -> None:
        for child in children:
            if child.process is not None and child.process.poll() is None:
                child.process.send_signal(signum)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGUSR1, pass_on)
    for child in children:
        child.start()
    while not stopping:
        now = time.monotonic()
        for child in children:
            assert child.process is not None
            code = child.process.poll()
            if code is None:
                if now - child.started_at > HEALTHY_AFTER_SECONDS:
                    child.backoff = 1.0
                continue
            if child.restart_at == 0.0:
                child.restart_at = now + child.backoff
                log.warning(
                    "worker slot %d (pid %d) exited with %s; restarting in %.0f s",
                    child.slot, child.process.pid, code, child.backoff,
                )  # fmt: skip
                child.backoff = min(child.backoff * 2, MAX_RESTART_BACKOFF_SECONDS)
            elif now >= child.restart_at:
                child.restart_at = 0.0
                child.restarts += 1
                child.start()
        time.sleep(0.2)
    return stop_all(children)


def stop_all(children: list[Child]) -> int:
    log.info("stopping %d worker process(es)", len(children))
    running = [c.process for c in children if c.process is not None and c.process.poll() is None]
    for process in running:
        process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + STOP_GRACE_SECONDS
    for process in running:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
            log.info("worker pid %d exited with %s", process.pid, process.returncode)
        except subprocess.TimeoutExpired:
            log.error("worker pid %d did not stop in time; killing it", process.pid)
            process.kill()
            process.wait()
    return 0


def main(argv: list[str] | None = None) -> None:
    settings = get_settings()
    parser = argparse.ArgumentParser(
        prog="upscaler-worker", description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--queues", default=settings.worker_queues, help="e.g. cpu, gpu or cpu,gpu")
    parser.add_argument("--processes", type=int, default=settings.worker_concurrency)
    parser.add_argument("--threads", type=int, default=settings.worker_threads,
                        help="jobs at once per process")  # fmt: skip
    parser.add_argument("--inference-threads", type=int, default=settings.inference_threads,
                        help="ONNX Runtime threads per job (0: cores / processes)")  # fmt: skip
    args = parser.parse_args(argv)
    configure_logging(settings.log_level, settings.log_format or "text")
    if not settings.redis_url:
        raise SystemExit(
            "upscaler-worker needs UPSCALER_REDIS_URL (use `make run` for one process)"
        )
    parse_queues(args.queues)  # fail fast on a typo
    inference_threads = args.inference_threads or max(1, physical_cores() // max(1, args.processes))
    command = child_command(args.queues, args.threads, inference_threads)
    children = [Child(slot=i, command=command) for i in range(args.processes)]
    sys.exit(supervise(children))


if __name__ == "__main__":
    main()
