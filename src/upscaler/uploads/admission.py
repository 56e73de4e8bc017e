"""Which model an upload runs and on which pool, and whether it can finish in time.

The preset's candidates are tried best first; the first whose expected run on
its pool fits the job time limit is taken, and when that is not the preset's
first choice the job records why. When none fits, the upload is refused (422)
with what would fit: a lighter model and the preset that picks it, or the
largest image the first choice can do in time. A smaller factor is never the
way out: a 4x network asked for 2x still runs at 4x, then the result is resized.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel.ext.asyncio.session import AsyncSession

from upscaler.catalog.cost import macs_per_pixel
from upscaler.catalog.service import (
    FACE_MODEL_TYPE,
    active_models,
    is_variant,
    named,
    preset_candidates,
    queue_for,
)
from upscaler.contracts import Preset, Queue
from upscaler.db.tables import Model, Worker
from upscaler.errors import APIError, FieldError
from upscaler.jobs.cost import PoolSpeed
from upscaler.jobs.estimate import has_gpu, online_workers, pool_of

CODE = "over_time_limit"


@dataclass(frozen=True)
class Placement:
    model: Model
    queue: Queue
    pool: PoolSpeed
    #: The job's own expected run, start to finish (no wait).
    run_seconds: float
    #: Set when the preset's first choice would not have fitted.
    reason: str | None = None


class Placer:
    """Places one image of `pixels` on the pools as they are now."""

    def __init__(self, models: Sequence[Model], workers: Sequence[Worker], pixels: int) -> None:
        self.models = models
        self.workers = workers
        self.pixels = pixels
        self.gpu_online = any(has_gpu(w) for w in workers)
        self.costs = {m.name: macs_per_pixel(m) for m in models if not is_variant(m)}

    def place(self, model: Model, reason: str | None = None) -> Placement:
        queue = queue_for(model, gpu_online=self.gpu_online)
        pool = pool_of(queue, self.workers, self.costs)
        return Placement(model, queue, pool, pool.run_seconds(model.name, self.pixels), reason)


async def place_upload(
    session: AsyncSession,
    preset: Preset,
    pixels: int,
    limit_seconds: int,
    chosen: str | None = None,
) -> Placement | None:
    """None when no model is installed; raises the 422 when nothing fits.
    `chosen`: a model the person picked (from a preview), instead of the preset's."""
    models = await active_models(session)
    candidates = preset_candidates(models, preset)
    if not candidates:
        return None
    placer = Placer(models, await online_workers(session), pixels)
    if chosen is not None:
        return place_chosen(placer, chosen, candidates[0], limit_seconds)
    first = placer.place(candidates[0])
    for model in candidates:
        placement = placer.place(model)
        if placement.run_seconds <= limit_seconds:
            if model is candidates[0]:
                return placement
            reason = (
                f"{first.model.name} would take about {round(first.run_seconds)} s, "
                f"over the {limit_seconds} s limit; {model.name} fits"
            )
            return placer.place(model, reason)
    raise too_slow(placer, first, limit_seconds)


def place_chosen(placer: Placer, name: str, preset_choice: Model, limit_seconds: int) -> Placement:
    """The model the person picked, when it is an active upscaler that fits."""
    upscalers = [m for m in placer.models if not is_variant(m) and m.type != FACE_MODEL_TYPE]
    model = named(upscalers, name)
    if model is None:
        names = ", ".join(m.name for m in upscalers)
        message = f"no active upscaling model {name!r}; choose from {names}"
        raise APIError(
            400, "invalid_request", "invalid upload form", fields=[FieldError("model", message)]
        )
    placement = placer.place(model)
    if placement.run_seconds > limit_seconds:
        raise too_slow(placer, placement, limit_seconds)
    if model is preset_choice:
        return placement
    return placer.place(model, f"chosen at upload; the preset would run {preset_choice.name}")


def too_slow(placer: Placer, first: Placement, limit_seconds: int) -> APIError:
    megapixels = placer.pixels / 1e6
    message = (
        f"this {megapixels:.1f}-megapixel image would take about {round(first.run_seconds)} s "
        f"with {first.model.name}, over the {limit_seconds} s limit"
    )
    fields = []
    lighter = lighter_model(placer, limit_seconds)
    if lighter is not None:
        message += (
            f"; {lighter.model.name} (preset {lighter.model.presets[0]!r}) "
            f"would take about {round(lighter.run_seconds)} s"
        )
        fields.append(
            FieldError("preset", f"{lighter.model.presets[0]!r} runs {lighter.model.name}, fits")
        )
    fitting = first.pool.pixels_within(first.model.name, limit_seconds)
    if fitting > 0:
        message += f"; or an image of at most {fitting / 1e6:.1f} megapixels"
        fields.append(FieldError("file", f"at most {fitting / 1e6:.1f} megapixels fit"))
    return APIError(422, CODE, message, fields=fields)


def lighter_model(placer: Placer, limit_seconds: int) -> Placement | None:
    """The best model a preset can pick that would fit."""
    for model in placer.models:  # best first
        if is_variant(model) or not model.presets:
            continue
        placement = placer.place(model)
        if placement.run_seconds <= limit_seconds:
            return placement
    return None
