"""Timing helpers: the machine is shared, so every figure is the best of a few runs."""

from __future__ import annotations

import os
import time
from collections.abc import Callable


def seconds_of(run: Callable[[], object]) -> float:
    """Wall time of one call."""
    started = time.perf_counter()
    run()
    return time.perf_counter() - started


def best_of(run: Callable[[], object], repeats: int, warmup: int = 1) -> float:
    """Fastest wall time of ``repeats`` calls after ``warmup`` untimed ones.
    The minimum is the figure least disturbed by other work on the machine."""
    for _ in range(warmup):
        run()
    return min((seconds_of(run) for _ in range(repeats)), default=float("inf"))


def load_average() -> float:
    try:
        return os.getloadavg()[0]
    except OSError:
        return float("nan")


def best_of_each(
    runs: dict[str, Callable[[], object]], repeats: int, warmup: int = 1
) -> dict[str, float]:
    """Like best_of for several contenders, taking turns: each round runs every
    contender once, so a burst of other work on the machine hits them alike and
    their ratios stay meaningful."""
    for _ in range(warmup):
        for run in runs.values():
            run()
    best = dict.fromkeys(runs, float("inf"))
    for _ in range(repeats):
        for name, run in runs.items():
            best[name] = min(best[name], seconds_of(run))
    return best
