"""This worker's measured speed per model, and the deadline it gives a job from it.

After each completed job the worker folds the job's input pixels per second
into a smoothed figure for the model (denoise variants count as their base:
same network, same cost) and publishes it on its Worker row, where the API
reads it for estimates and admission (`upscaler.jobs.cost`).

The time measured is the engine's whole run (decode, network pass, encode),
not the fixed per-job overhead (claim, download, model load, store), which
the estimate adds on its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from upscaler.db.tables import Model
from upscaler.jobs.cost import (
    FIXED_OVERHEAD_SECONDS,
    WorkerSpeed,
    base_name,
    default_macs_per_second,
    measured_rates,
)

#: Weight of the newest job in the smoothed speed: a few jobs follow a change
#: (another host load, a new provider), one odd image does not swing it.
SMOOTHING = 0.3


def with_measurement(
    throughput: Mapping[str, Any], model: Model, pixels: int, seconds: float
) -> dict[str, Any]:
    """`throughput` (a Worker row's JSON) with one more job of `model` folded in."""
    updated = dict(throughput)
    if pixels <= 0 or seconds <= 0:
        return updated
    name = base_name(model)
    sample = pixels / seconds
    jobs = int(throughput.get(name, {}).get("jobs", 0))
    # The start-up calibration (jobs == 0) is a guess: the first real job replaces it.
    previous = measured_rates(throughput).get(name) if jobs else None
    rate = sample if previous is None else previous + SMOOTHING * (sample - previous)
    updated[name] = {"pixels_per_second": round(rate, 1), "jobs": jobs + 1}
    return updated


def expected_seconds(
    throughput: Mapping[str, Any],
    provider: str | None,
    model: Model,
    pixels: int,
    costs: Mapping[str, float],
) -> float:
    """How long this worker expects `model` to take on `pixels`, start to finish."""
    speed = WorkerSpeed(measured_rates(throughput), default_macs_per_second(provider))
    name = base_name(model)
    return FIXED_OVERHEAD_SECONDS + pixels / speed.for_model(name, costs)
