"""Start a preview: receive the image, choose the crop, store it, list the
models with their estimates, and send the crop to the workers — or hand back
an identical request's preview (the cache)."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import secrets
import tempfile
from collections.abc import AsyncIterator, Sequence
from datetime import timedelta
from pathlib import Path

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from upscaler.accounts.caller import Caller
from upscaler.catalog.service import FACE_MODEL_TYPE, active_models, is_variant
from upscaler.context import AppContext
from upscaler.contracts import PREVIEW_ACTOR, PREVIEWS_QUEUE, PreviewStatus
from upscaler.db.tables import Model, Preview
from upscaler.db.types import utcnow
from upscaler.errors import APIError
from upscaler.jobs.estimate import MIN_SECONDS, online_workers
from upscaler.previews.crop import CropBox, clamp_box, find_crop, open_first_frame, save_crop
from upscaler.previews.schemas import PreviewForm
from upscaler.queueing.messages import send
from upscaler.queueing.producer import QueueUnavailableError
from upscaler.receive import ReceivedUpload, receive_upload
from upscaler.storage import new_key
from upscaler.uploads.admission import Placer
from upscaler.uploads.service import inspect, unavailable

log = logging.getLogger(__name__)

#: A preview (its row and files) is kept this long; an identical request
#: within it is answered from it.
PREVIEW_TTL = timedelta(hours=24)


def new_preview_id() -> str:
    return "prv_" + secrets.token_urlsafe(16)


def preview_models(models: Sequence[Model]) -> list[Model]:
    """The models a preview shows: every active upscaler, best first (the
    denoise variants are picked by the worker for the level)."""
    return [m for m in models if not is_variant(m) and m.type != FACE_MODEL_TYPE]


def cache_key(source_sha256: str, crop: CropBox, form: PreviewForm, models: Sequence[Model]) -> str:
    versions = ",".join(f"{m.name}:{m.sha256 or ''}" for m in models)
    text = f"{source_sha256}|{crop.box}|{form.factor.value}|{form.denoise.value}|{versions}"
    return hashlib.sha256(text.encode()).hexdigest()


async def find_cached(session: AsyncSession, key: str, owner_id: int | None) -> Preview | None:
    """Per owner, like instant repeats: an account's crops are its own."""
    owner = (
        col(Preview.owner_id).is_(None) if owner_id is None else col(Preview.owner_id) == owner_id
    )
    statement = (
        select(Preview)
        .where(
            owner,
            Preview.cache_key == key,
            Preview.status != PreviewStatus.FAILED.value,
            col(Preview.created_at) > utcnow() - PREVIEW_TTL,
        )
        .order_by(col(Preview.created_at).desc())
    )
    return (await session.exec(statement)).first()


def _crop_and_save(
    path: Path, form: PreviewForm, destination: Path
) -> tuple[CropBox, tuple[int, int]]:
    """The crop, and the image's size as shown (EXIF orientation applied)."""
    image = open_first_frame(path)
    width, height = image.size
    if form.x is not None and form.y is not None:
        crop = clamp_box(width, height, form.size, form.x, form.y)
    else:
        crop = find_crop(image, form.size)
    save_crop(image, crop, destination)
    return crop, (width, height)


async def start(
    context: AppContext,
    received: ReceivedUpload,
    form: PreviewForm,
    pixels: int,
    owner_id: int | None = None,
) -> tuple[Preview, bool]:
    """(the preview, whether it came from the cache)."""
    assert received.path is not None
    spool = context.settings.data_dir / "spool"
    spool.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=spool) as scratch:
        crop_file = Path(scratch) / "crop.png"
        crop, (width, height) = await asyncio.to_thread(
            _crop_and_save, received.path, form, crop_file
        )
        async with context.sessions() as session:
            active = await active_models(session)
            models = preview_models(active)
            if not models:
                raise unavailable(
                    "no upscaling model is installed yet; an operator must run `make models`"
                )
            key = cache_key(received.sha256, crop, form, models)
            cached = await find_cached(session, key, owner_id)
            if cached is not None:
                return cached, True
            placer = Placer(active, await online_workers(session), pixels)
            entries = [
                {
                    "model": model.name,
                    "presets": list(model.presets),
                    "status": PreviewStatus.QUEUED.value,
                    "estimated_seconds": max(MIN_SECONDS, round(placer.place(model).run_seconds)),
                }
                for model in models
            ]
        storage_key = new_key("previews", "png")
        await context.storage.put_file(storage_key, crop_file, "image/png")
    preview = Preview(
        id=new_preview_id(),
        owner_id=owner_id,
        cache_key=key,
        source_sha256=received.sha256,
        image_width=width,
        image_height=height,
        crop_x=crop.x,
        crop_y=crop.y,
        crop_width=crop.width,
        crop_height=crop.height,
        crop_origin="auto" if form.x is None else "chosen",
        factor=form.factor.value,
        denoise=form.denoise.value,
        crop_storage_key=storage_key,
        models=entries,
    )
    async with context.sessions() as session:
        session.add(preview)
        await session.commit()
        await session.refresh(preview)
    # Only after the commit: the worker must find the row it is sent.
    try:
        await send(context.producer, PREVIEW_ACTOR, PREVIEWS_QUEUE, preview.id)
    except QueueUnavailableError as error:
        async with context.sessions() as session:
            stored = await session.get(Preview, preview.id)
            if stored is not None:
                await session.delete(stored)
                await session.commit()
        await context.storage.delete(storage_key)
        raise unavailable("the queue is unavailable right now; please retry shortly") from error
    log.info("preview %s of %d model(s) queued", preview.id, len(entries))
    return preview, False


async def take_preview(
    context: AppContext,
    caller: Caller,
    content_type: str | None,
    content_length: str | None,
    body: AsyncIterator[bytes],
) -> tuple[Preview, bool]:
    """Maintenance, the preview rate limit, streaming receive with the upload
    size limit, the form, the image checks of an upload, then `start`."""
    live = await context.live.get()
    if live.maintenance_mode:
        raise unavailable(live.maintenance_message)
    await context.limiter.hit("previews", caller.ip, context.settings.preview_rate_limit_per_minute)
    received = await receive_upload(
        content_type,
        content_length,
        body,
        limit=live.max_upload_size_bytes,
        spool_dir=context.settings.data_dir / "spool",
    )
    try:
        form = PreviewForm.parse(received.fields)
        info = await inspect(received, live)
        return await start(context, received, form, info.pixels, caller.user_id)
    finally:
        received.discard()


async def load(session: AsyncSession, preview_id: str, caller: Caller) -> Preview:
    preview = await session.get(Preview, preview_id)
    expired = preview is None or preview.created_at < utcnow() - PREVIEW_TTL
    if preview is None or expired or not caller.may_see(preview.owner_id):
        raise APIError(404, "not_found", f"no preview {preview_id!r}")
    return preview
