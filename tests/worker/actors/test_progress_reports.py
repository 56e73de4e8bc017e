"""When a running job writes its tile progress: its first tile's start, then
at most every interval, and the last tile; an image that runs as one tile
reports only its end, and nothing at all when it ends within one interval."""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import cast

import pytest

from upscaler_worker.actors import upscale_job
from upscaler_worker.actors.upscale_job import PROGRESS_INTERVAL_SECONDS, TileMonitor
from upscaler_worker.context import WorkerContext


@dataclass
class Ctx:
    """All of a WorkerContext the monitor reads."""

    stopping: threading.Event = field(default_factory=threading.Event)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class RecordingMonitor(TileMonitor):
    """The real decisions; the report itself only recorded."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__(cast(WorkerContext, Ctx()), "job_test", loop)
        self.reported: list[int] = []

    async def _report(self, percent: int) -> None:
        self.reported.append(percent)


async def run_tiles(clock: Clock, tiles: int, seconds_per_tile: float) -> list[int]:
    """Call the monitor as the engine does: (0, n), then after each tile."""
    monitor = RecordingMonitor(asyncio.get_running_loop())
    monitor(0, tiles)
    for done in range(1, tiles + 1):
        clock.now += seconds_per_tile
        monitor(done, tiles)
    await asyncio.sleep(0.01)  # the reports run on the loop
    return monitor.reported


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    # The module's own view of `time` only: the event loop keeps the real clock.
    monkeypatch.setattr(upscale_job, "time", SimpleNamespace(monotonic=fake))
    return fake


async def test_one_quick_tile_reports_nothing(clock: Clock) -> None:
    assert await run_tiles(clock, tiles=1, seconds_per_tile=0.2) == []


async def test_one_long_tile_reports_its_end_only(clock: Clock) -> None:
    # Nothing at the start (the claim's event has just said `running`), the
    # last tile's 95 % once it ends.
    assert await run_tiles(clock, tiles=1, seconds_per_tile=8.0) == [95]


async def test_one_tile_after_a_slow_decode_reports_its_start_and_end(clock: Clock) -> None:
    monitor = RecordingMonitor(asyncio.get_running_loop())
    clock.now += PROGRESS_INTERVAL_SECONDS * 3  # a long decode before the tile
    monitor(0, 1)
    clock.now += 0.1
    monitor(1, 1)
    await asyncio.sleep(0.01)
    assert monitor.reported == [3, 95]


async def test_many_tiles_report_the_start_every_interval_and_the_end(clock: Clock) -> None:
    assert await run_tiles(clock, tiles=4, seconds_per_tile=0.01) == [3, 95]
    # Tile 3 is the first an interval after the start's report (0.6 s), then
    # every third; the tenth comes 0.2 s after the ninth's and is still written.
    assert await run_tiles(clock, tiles=10, seconds_per_tile=0.2) == [3, 30, 58, 85, 95]
