"""What a model costs to run, from its row: multiply-accumulates per input
pixel (from its architecture, recorded by the worker that installed it), and
whether that makes it heavy (it prefers the GPU pool, see
`upscaler.catalog.service.queue_for`).

Pure arithmetic over the row; how that cost becomes seconds on the workers
online is `upscaler.jobs.cost`.
"""

from __future__ import annotations

from upscaler.db.tables import Model

#: The cost assumed for a model whose architecture is unknown: as heavy as
#: the heaviest official network (RealESRGAN_x4plus, ~17.9 M).
UNKNOWN_MACS_PER_PIXEL = 18e6
#: Above this a model is "heavy" and prefers the GPU pool when one is online:
#: the RRDBNet models (4.4-17.9 M at x4) are, the compact ones (0.6-1.2 M) are not.
HEAVY_MACS_PER_PIXEL = 3e6


def macs_per_pixel(model: Model) -> float:
    value = model.details.get("macs_per_pixel")
    if isinstance(value, (int, float)) and value > 0:
        return float(value)
    return UNKNOWN_MACS_PER_PIXEL


def is_heavy(model: Model) -> bool:
    if model.details.get("gpu_recommended"):
        return True
    return macs_per_pixel(model) > HEAVY_MACS_PER_PIXEL
