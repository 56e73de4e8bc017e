"""End-to-end (upload → completed) versus model-only time for a 512x512 input.

The engine's benchmark measures model-only time; this starts the embedded
service (`make run`'s own process) with the same models, POSTs the image with
factor=4x and polls until the job completes (see bench/service.py). The
benchmark compares it with the model-only time it measured for the same model
at 512x512 against the target end-to-end <= 1.15 x model-only.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class EndToEnd:
    seconds: float
    model: str
    detail: str = ""


def measure_end_to_end(model_dir: Path, image: Path, repeats: int) -> EndToEnd | None:
    """Upload → completed wall time for ``image`` (512x512 PNG) on the embedded
    service (best of ``repeats``, after one warm-up job that loads the model)."""
    from bench.service import end_to_end

    figures = end_to_end(model_dir, image, repeats)
    return EndToEnd(
        seconds=figures.seconds,
        model="the service's default",
        detail=f"worker's own job time {figures.job_seconds:.3f} s; runs "
        + ", ".join(f"{run:.3f}" for run in figures.runs),
    )
