"""The last lines this process logged, for the admin's System page: recent
warnings and errors, a live tail (each subscriber gets every new line), and
an incident export. In memory and per process: with several API processes
each keeps its own, and worker processes' lines are in their own logs (the
embedded worker's lines are here, it shares the process)."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from upscaler.logs import ContextFilter, record_entry

#: Lines kept per process.
CAPACITY = 2000
#: A slow subscriber misses lines past this many waiting (it is told so).
SUBSCRIBER_BACKLOG = 500


class RecentLogs(logging.Handler):
    def __init__(self, capacity: int = CAPACITY) -> None:
        super().__init__(logging.INFO)
        self.addFilter(ContextFilter())
        self.lines: deque[dict[str, Any]] = deque(maxlen=capacity)
        self._lock = threading.Lock()
        self._subscribers: list[
            tuple[asyncio.AbstractEventLoop, asyncio.Queue[dict[str, Any]]]
        ] = []
        self._sequence = 0

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = record_entry(record)
        except Exception:  # a bad format string must not break logging
            self.handleError(record)
            return
        with self._lock:
            self._sequence += 1
            line["seq"] = self._sequence
            self.lines.append(line)
            subscribers = list(self._subscribers)
        for loop, queue in subscribers:
            try:
                loop.call_soon_threadsafe(_offer, queue, line)
            except RuntimeError:  # that loop has closed
                continue

    def snapshot(
        self, *, min_level: int = logging.NOTSET, since: datetime | None = None
    ) -> list[dict[str, Any]]:
        """The kept lines at or above `min_level`, from `since` on, oldest first."""
        with self._lock:
            lines = list(self.lines)
        return [
            line
            for line in lines
            if logging.getLevelName(line["level"].upper()) >= min_level
            and (since is None or datetime.fromisoformat(line["ts"]) >= since)
        ]

    @contextmanager
    def subscribe(self) -> Iterator[asyncio.Queue[dict[str, Any]]]:
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(SUBSCRIBER_BACKLOG)
        entry = (asyncio.get_running_loop(), queue)
        with self._lock:
            self._subscribers.append(entry)
        try:
            yield queue
        finally:
            with self._lock:
                self._subscribers.remove(entry)


def _offer(queue: asyncio.Queue[dict[str, Any]], line: dict[str, Any]) -> None:
    if not queue.full():
        queue.put_nowait(line)


RECENT = RecentLogs()


def install() -> RecentLogs:
    """Keep this process's lines (once, however many apps it creates)."""
    root = logging.getLogger()
    if RECENT not in root.handlers:
        root.addHandler(RECENT)
    return RECENT
