"""The engine path each installed model runs on in this worker, chosen at start.

``inference.path_choice`` does the measuring; this module applies it to the
installed models with the worker's settings (a forced path, the quality
floor, the thread count) and keeps the choices next to the models so the
next start, and the other worker processes on this machine, skip it.

A worker with a GPU provider does not choose: it runs TensorRT or CUDA as
before. Denoise variants are the base network with other weights: they take
their base model's path (a variant has no int8 copy, so an int8 choice
leaves it on fp32).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from upscaler_worker.inference import InstalledModel, ModelRunner
from upscaler_worker.inference.engine_paths import EnginePath, candidate_paths
from upscaler_worker.inference.path_choice import PathChoice, choose_path
from upscaler_worker.inference.runtime import GPU_PROVIDERS, available_providers, physical_cores
from upscaler_worker.models_sync import cost_details

log = logging.getLogger(__name__)


def uses_gpu() -> bool:
    return available_providers()[0] in GPU_PROVIDERS


def choose_engines(
    installed: Sequence[InstalledModel],
    model_dir: Path,
    *,
    forced: str = "auto",
    floor_db: float = 45.0,
    threads: int | None = None,
    flags: frozenset[str] | None = None,
) -> dict[str, PathChoice]:
    """{model name: choice} for every installed base model (none on a GPU worker)."""
    if uses_gpu():
        return {}
    threads = threads or physical_cores()

    def load(path: Path, engine: EnginePath) -> ModelRunner:
        return ModelRunner.load(path, intra_op_threads=threads, engine=engine)

    choices: dict[str, PathChoice] = {}
    for item in installed:
        if item.variant_of is not None:
            continue
        path = model_dir / item.file
        cost = cost_details(item).get("macs_per_pixel")
        try:
            choices[item.name] = choose_path(
                path,
                load,
                threads=threads,
                macs_per_pixel=float(cost) if isinstance(cost, (int, float)) else None,
                input_multiple=item.input_multiple,
                forced=forced,
                floor_db=floor_db,
                candidates=candidate_paths(path, flags=flags),
                cache_dir=model_dir / "cache",
            )
        except Exception:  # the fp32 reference failed: the job will report why
            log.warning("choosing the engine path of %s failed", item.name, exc_info=True)
    for item in installed:
        if item.variant_of is not None and item.variant_of in choices:
            choices[item.name] = choices[item.variant_of]
    return choices
