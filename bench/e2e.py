"""End-to-end (upload → completed) versus model-only time for a 512x512 input.

The engine's benchmark measures model-only time; this starts the embedded
service (`make run`'s own process) with the same models, POSTs the image with
factor=4x and follows the job until it completes (see bench/service.py). After
each job the benchmark runs the model the job ran on the same image itself, so
the two take turns and are judged against the target end-to-end <= 1.15 x
model-only under the same conditions (the size table's model-only figure,
measured minutes earlier, is the fallback).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class EndToEnd:
    seconds: float
    model: str
    detail: str = ""
    #: Model-only seconds measured in turns with the jobs, when it could be.
    model_only_seconds: float | None = None


def measure_end_to_end(
    model_dir: Path,
    image: Path,
    repeats: int,
    model_only: Callable[[str], float | None] | None = None,
) -> EndToEnd | None:
    """Upload → completed wall time for ``image`` (512x512 PNG) on the embedded
    service (best of ``repeats``, after one warm-up job that loads the model)."""
    from bench.service import end_to_end

    figures = end_to_end(model_dir, image, repeats, model_only)
    detail = f"worker's own job time {figures.job_seconds:.3f} s; runs " + ", ".join(
        f"{run:.3f}" for run in figures.runs
    )
    return EndToEnd(
        seconds=figures.seconds,
        model=figures.model or "the service's default",
        detail=detail,
        model_only_seconds=figures.model_only_seconds,
    )
