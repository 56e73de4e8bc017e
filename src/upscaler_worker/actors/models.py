"""Worker side of model registration by admins.

- `validate_model(name)`: an admin uploaded an ONNX file (the API stored it
  and left the row "validating"; it never opens model files). Fetch it,
  check its digest, load it with ONNX Runtime, require one image input
  (N, 3, H, W) and one output, run a small probe image through it to
  measure the scale, then install it in this worker's model_dir and mark the
  row active — or mark it invalid with the reason.
- An ncnn upload (`details["format"] == "ncnn"`: a .param and a .bin the API
  has already read and recognised): fetch both, convert them to ONNX with the
  export tools (PyTorch + the ncnn runtime, the `export` extra; checked
  against PyTorch and the ncnn runtime), probe the ONNX file as above, store
  it and point the row at it, so that other workers fetch a ready ONNX file
  and need no PyTorch (`ncnn_models.py`; the file checks and the ONNX probe
  are `model_files.py`).
- `sync_models()`: register the models installed in this worker's model_dir
  (exported from the manifest by `make models`).
- `fetch_missing`: a worker lacking an uploaded model's file fetches it from
  storage on first use (installed as RunnerCache's fetcher).
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

import dramatiq

from upscaler.catalog.service import get_model
from upscaler.contracts import SYNC_MODELS_ACTOR, VALIDATE_MODEL_ACTOR, ModelStatus, Queue
from upscaler.db.tables import Model
from upscaler.db.types import utcnow
from upscaler_worker.actors.model_files import (
    ModelRejectedError,
    download_verified,
    inspect_onnx,
    set_fields,
)
from upscaler_worker.actors.ncnn_models import NCNN, validate_ncnn
from upscaler_worker.context import ContextHolder, WorkerContext
from upscaler_worker.errors import PermanentJobError
from upscaler_worker.lifecycle import register_models
from upscaler_worker.runners import RunnerCache

log = logging.getLogger(__name__)


async def validate(ctx: WorkerContext, runners: RunnerCache, name: str) -> str:
    """Validate one uploaded model; returns its new status."""
    async with ctx.sessions() as session:
        model = await get_model(session, name)
    if model is None or model.status != ModelStatus.VALIDATING:
        log.info("model %s is not waiting for validation; nothing to do", name)
        return model.status if model else ModelStatus.MISSING
    if model.details.get("format") == NCNN:
        return await validate_ncnn(ctx, runners, model)
    path = runners.path_of(model)
    try:
        await download_verified(ctx, model, path)
        inspection = await asyncio.to_thread(inspect_onnx, path)
        expected = model.details.get("expected_scale")
        if expected and int(expected) != inspection.scale:
            raise ModelRejectedError(
                f"it scales by {inspection.scale}, but {expected} was expected"
            )
    except ModelRejectedError as error:
        path.unlink(missing_ok=True)
        log.warning("model %s is invalid: %s", name, error)
        await set_fields(ctx, name, status=ModelStatus.INVALID, status_reason=str(error))
        return ModelStatus.INVALID
    except Exception as error:  # storage or database trouble: say so, do not guess
        path.unlink(missing_ok=True)
        log.exception("validating model %s failed", name)
        await set_fields(
            ctx,
            name,
            status=ModelStatus.INVALID,
            status_reason=f"validation could not finish ({type(error).__name__}: {error})"[:500],
        )
        return ModelStatus.INVALID
    details = dict(model.details) | inspection.as_details() | {"validated_at": utcnow().isoformat()}
    await set_fields(
        ctx,
        name,
        status=ModelStatus.ACTIVE,
        scale=inspection.scale,
        status_reason=f"validated by {ctx.worker_id}",
        details=details,
    )
    log.info("model %s validated: x%d", name, inspection.scale)
    return ModelStatus.ACTIVE


def make_fetcher(holder: ContextHolder) -> Any:
    """RunnerCache's hook: fetch an uploaded model this worker lacks."""
    locks: dict[str, asyncio.Lock] = {}

    async def fetch(model: Model, path: Path) -> None:
        lock = locks.setdefault(model.name, asyncio.Lock())
        async with lock:
            if await asyncio.to_thread(path.is_file):
                return
            ctx = await holder.get()
            log.info("fetching uploaded model %s from storage", model.name)
            try:
                await download_verified(ctx, model, path)
            except ModelRejectedError as error:
                raise PermanentJobError(f"model {model.name!r}: {error}") from error

    return fetch


def register(broker: dramatiq.Broker, holder: ContextHolder, runners: RunnerCache) -> None:
    """Register the model actors on the broker and let the runner cache
    fetch uploaded models it lacks."""
    runners.fetcher = make_fetcher(holder)

    async def validate_model(name: str) -> None:
        await validate(await holder.get(), runners, name)

    async def sync_models() -> None:
        await register_models(await holder.get())

    dramatiq.actor(
        broker=broker, actor_name=VALIDATE_MODEL_ACTOR, queue_name=Queue.CPU.value, max_retries=0
    )(validate_model)
    dramatiq.actor(
        broker=broker, actor_name=SYNC_MODELS_ACTOR, queue_name=Queue.CPU.value, max_retries=0
    )(sync_models)
