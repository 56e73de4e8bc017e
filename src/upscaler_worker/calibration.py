"""A first measure of this worker's speed per model, taken when it starts.

Until a worker has finished a job with a model, estimates and admission would
otherwise assume a fixed default speed (upscaler.jobs.cost), which on a fast
machine makes a heavy model look several times slower than it is and pushes
photos to a lighter model they did not need. So each installed base model runs
once on a synthetic probe sized to a fixed amount of arithmetic (0.1-0.3 s a
pass on a 2-core CPU), through the runner cache the jobs use: the sessions are
warm for the first job too. The first real job of a model replaces the figure.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from upscaler.db.tables import Model
from upscaler_worker.inference.installed import InstalledModel
from upscaler_worker.models_sync import cost_details
from upscaler_worker.runners import RunnerCache

log = logging.getLogger(__name__)

#: Arithmetic of one probe: big enough for ONNX Runtime to reach its working
#: speed on the light models, small enough that x4plus takes well under a second
#: (each probe runs twice: the first run only warms the session).
PROBE_MACS = 20e9
PROBE_SIDES = (32, 160)
#: A job does more than one network pass over its pixels: tiles overlap (the
#: benchmark measures tiled/untiled 1.27-1.42) and the image is decoded and
#: encoded (end-to-end/model-only 1.06). A probe's rate is scaled by this so the
#: seed errs slow rather than fast.
PROBE_TO_JOB = 0.7


def probe_side(macs_per_pixel: float, multiple: int) -> int:
    side = math.isqrt(int(PROBE_MACS / max(macs_per_pixel, 1.0)))
    side = min(max(side, PROBE_SIDES[0]), PROBE_SIDES[1])
    return max(multiple, side - side % multiple)


async def calibrate(runners: RunnerCache, installed: Sequence[InstalledModel]) -> dict[str, Any]:
    """{model: {"pixels_per_second", "jobs": 0, "calibrated": True}} for each base model."""
    measured: dict[str, Any] = {}
    for item in installed:
        if item.variant_of is not None:
            continue  # a denoise variant runs its base model's network
        cost = cost_details(item).get("macs_per_pixel")
        if not isinstance(cost, (int, float)):
            continue
        model = Model(name=item.name, artifact_path=item.file)
        try:
            runner = (await runners.get(model)).runner
            side = probe_side(float(cost), item.input_multiple)
            seconds = await _timed_pass(runner, side)
        except Exception:  # a model that cannot run is the job's problem to report
            log.warning("calibrating %s failed", item.name, exc_info=True)
            continue
        rate = side * side / seconds * PROBE_TO_JOB
        measured[item.name] = {"pixels_per_second": round(rate, 1), "jobs": 0, "calibrated": True}
        log.info("calibrated %s: %.0f px/s (%.0f GMAC/s)", item.name, rate, rate * cost / 1e9)
    return measured


async def _timed_pass(runner: Any, side: int) -> float:

    rng = np.random.default_rng(0)
    batch = rng.random((1, 3, side, side), dtype=np.float32).astype(runner.input_dtype)
    warm = np.ascontiguousarray(
        batch[:, :, : runner.input_multiple * 8, : runner.input_multiple * 8]
    )
    await asyncio.to_thread(runner.run, warm)  # first-run allocations are not speed
    started = time.perf_counter()
    await asyncio.to_thread(runner.run, batch)
    return max(time.perf_counter() - started, 1e-6)
