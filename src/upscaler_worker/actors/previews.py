"""Run one preview: the crop through every model it lists, one after the
other, each result stored as soon as it is done (the page shows it then).

A preview is small (at most 256² input pixels) and is never retried: a model
that fails is reported as failed beside the others. A redelivered message
skips the models already done.
"""

from __future__ import annotations

import asyncio
import logging
import tempfile
import time
from pathlib import Path
from typing import Any

import dramatiq

from upscaler.catalog.service import active_models, named
from upscaler.contracts import (
    PREVIEW_ACTOR,
    PREVIEWS_QUEUE,
    Denoise,
    Factor,
    JobParams,
    PreviewStatus,
)
from upscaler.db.tables import Preview
from upscaler.db.types import utcnow
from upscaler.storage import ObjectNotFoundError, new_key
from upscaler_worker.actors.upscale_job import denoise_choice, engine_options
from upscaler_worker.context import ContextHolder, WorkerContext
from upscaler_worker.inference import upscale_file
from upscaler_worker.runners import RunnerCache

log = logging.getLogger(__name__)

#: One model's run on the crop; far more than a 256² crop takes on a CPU.
MODEL_TIME_LIMIT_SECONDS = 120.0


async def _update(ctx: WorkerContext, preview_id: str, name: str | None, **changes: Any) -> None:
    """Change one model's entry (name) or, with name None, the preview itself."""
    async with ctx.sessions() as session:
        preview = await session.get(Preview, preview_id)
        if preview is None:
            return
        if name is None:
            for field, value in changes.items():
                setattr(preview, field, value)
        else:
            # A new list, so that the JSON column is seen as changed.
            preview.models = [
                {**entry, **changes} if entry["model"] == name else entry
                for entry in preview.models
            ]
        session.add(preview)
        await session.commit()


async def _run_model(
    ctx: WorkerContext, runners: RunnerCache, name: str, params: JobParams, crop: Path
) -> tuple[str, float]:
    """(storage key of the result, seconds); raises with a message for the page."""
    async with ctx.sessions() as session:
        models = await active_models(session)
    model = named(models, name)
    if model is None:
        raise RuntimeError(f"{name} is no longer installed")
    choice = denoise_choice(models, model, params.denoise)
    loaded = await runners.get(choice.model)
    options = engine_options(ctx, params, choice)
    output = crop.with_name(f"{choice.model.name}.png")
    started = time.monotonic()
    await asyncio.to_thread(
        upscale_file,
        crop,
        output,
        loaded.runner,
        options,
        deadline=started + MODEL_TIME_LIMIT_SECONDS,
    )
    seconds = round(time.monotonic() - started, 3)
    key = new_key("previews", "png")
    await ctx.storage.put_file(key, output, "image/png")
    return key, seconds


async def run_preview(ctx: WorkerContext, runners: RunnerCache, preview_id: str) -> None:
    async with ctx.sessions() as session:
        preview = await session.get(Preview, preview_id)
    if preview is None or preview.status in (PreviewStatus.COMPLETED, PreviewStatus.FAILED):
        return
    await _update(ctx, preview_id, None, status=PreviewStatus.RUNNING.value)
    params = JobParams(factor=Factor(preview.factor), denoise=Denoise(preview.denoise))
    done = 0
    with tempfile.TemporaryDirectory(prefix="preview-") as scratch:
        crop = Path(scratch) / "crop.png"
        try:
            await ctx.storage.download_to(preview.crop_storage_key, crop)
        except ObjectNotFoundError:
            await _update(
                ctx, preview_id, None, status=PreviewStatus.FAILED.value, finished_at=utcnow()
            )
            return
        for entry in preview.models:
            name = entry["model"]
            if entry["status"] == PreviewStatus.COMPLETED.value:
                done += 1
                continue
            await _update(ctx, preview_id, name, status=PreviewStatus.RUNNING.value)
            try:
                key, seconds = await _run_model(ctx, runners, name, params, crop)
            except Exception as error:  # one model's failure is shown beside the others
                log.warning("preview %s: %s failed: %s", preview_id, name, error)
                await _update(
                    ctx, preview_id, name, status=PreviewStatus.FAILED.value, error=str(error)
                )
                continue
            done += 1
            await _update(
                ctx,
                preview_id,
                name,
                status=PreviewStatus.COMPLETED.value,
                storage_key=key,
                seconds=seconds,
            )
    final = PreviewStatus.COMPLETED if done else PreviewStatus.FAILED
    await _update(ctx, preview_id, None, status=final.value, finished_at=utcnow())
    log.info("preview %s: %d of %d model(s) done", preview_id, done, len(preview.models))


def register(broker: dramatiq.Broker, holder: ContextHolder, runners: RunnerCache) -> None:
    @dramatiq.actor(
        broker=broker, actor_name=PREVIEW_ACTOR, queue_name=PREVIEWS_QUEUE, max_retries=0
    )
    async def run_preview_actor(preview_id: str) -> None:
        await run_preview(await holder.get(), runners, preview_id)
