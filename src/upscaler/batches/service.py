"""Accept a batch: every image checked and placed first, then stored, then
the batch, its uploads and jobs in one transaction, then enqueued.

Whole-request refusals (a dangerous archive, too many images, no model, a
bad form) create nothing. An image that cannot be taken (not an image,
corrupt, over the pixel limit, too slow for the time limit) is reported in
`rejected` while the rest proceed; a batch with no image left is a 422.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from upscaler.accounts import captcha
from upscaler.accounts.caller import Caller
from upscaler.accounts.limits import check_rate, check_room, wants_watermark
from upscaler.batches.intake import BatchLimits, Candidate, Intake, Rejection, bmp_to_png, collect
from upscaler.context import AppContext
from upscaler.contracts import JobStatus
from upscaler.db.tables import Batch, Job, Upload
from upscaler.errors import APIError, FieldError
from upscaler.jobs import state_machine
from upscaler.jobs.commands import enqueue_committed
from upscaler.jobs.estimate import MIN_SECONDS
from upscaler.live_settings import RuntimeSettings
from upscaler.receive import FILE_FIELD, PartRules, ReceivedUpload, receive_parts, too_large
from upscaler.storage import new_key
from upscaler.uploads.admission import Placement, place_upload
from upscaler.uploads.schemas import UploadForm
from upscaler.uploads.service import (
    check_animation_output,
    sized_plan,
    unavailable,
    upload_row,
)
from upscaler.uploads.validation import EXTENSION_BY_KIND, ImageInfo, inspect_image

log = logging.getLogger(__name__)


def new_batch_id() -> str:
    return "bat_" + secrets.token_urlsafe(16)


@dataclass(frozen=True)
class Planned:
    """An image that passed every check: what its job will be."""

    candidate: Candidate
    info: ImageInfo
    placement: Placement
    params: dict[str, object]


def _rules(limit: int, max_images: int) -> PartRules:
    def too_many(_name: str) -> APIError:
        message = f"a batch holds at most {max_images} files"
        return APIError(422, "too_many_entries", message, fields=[FieldError("file", message)])

    return PartRules(
        file_limits={FILE_FIELD: limit},
        spool_prefix="batch-",
        not_multipart="send the images as multipart/form-data (several `file` parts)",
        too_large=lambda _name, limit: too_large(limit),
        body_too_large=lambda: too_large(limit),
        duplicate=too_many,
        repeatable=FILE_FIELD,
        max_repeats=max_images,
    )


def parse_form(fields: dict[str, str]) -> UploadForm:
    form = UploadForm.parse(fields)
    for name in ("email", "callback_url"):
        if getattr(form, name):
            raise APIError(
                400,
                "invalid_request",
                "invalid batch form",
                fields=[FieldError(name, "is not available for batches yet")],
            )
    return form


async def _check(
    context: AppContext,
    candidate: Candidate,
    form: UploadForm,
    live: RuntimeSettings,
    watermark: bool,
) -> Planned | Rejection:
    """One image through the upload's checks; a refusal becomes a Rejection."""
    try:
        converted = await asyncio.to_thread(bmp_to_png, candidate.path)
        info = await asyncio.to_thread(
            inspect_image,
            candidate.path,
            allowed_mimes=frozenset(live.allowed_mimes) | ({"image/png"} if converted else set()),
            max_pixels=live.max_input_pixels,
        )
        check_animation_output(form, info)
        plan = sized_plan(form, info)
        params = form.job_params(*plan, watermark=watermark).model_dump(mode="json")
        async with context.sessions() as session:
            placement = await place_upload(
                session, form.preset, info.pixels, live.job_timeout_seconds, form.model
            )
    except APIError as refusal:
        if refusal.status in (400, 503):
            raise  # about the whole request (an unknown model, none installed)
        return Rejection(candidate.name, refusal.code, refusal.message)
    if placement is None:
        raise unavailable("no upscaling model is installed yet; an operator must run `make models`")
    return Planned(candidate, info, placement, params)


async def _store(context: AppContext, planned: list[Planned]) -> list[str]:
    keys: list[str] = []
    try:
        for item in planned:
            key = new_key("originals", EXTENSION_BY_KIND[item.info.kind])
            await context.storage.put_file(key, item.candidate.path, item.info.mime_type)
            keys.append(key)
    except Exception:
        await _forget(context, keys)
        raise
    return keys


async def _forget(context: AppContext, keys: list[str]) -> None:
    for key in keys:
        await context.storage.delete(key)


def _rows(batch_id: str, item: Planned, key: str, owner_id: int | None) -> tuple[Upload, Job]:
    candidate = item.candidate
    received = ReceivedUpload(
        path=candidate.path,
        filename=candidate.name,  # the row keeps the base name; the path goes beside it
        size_bytes=candidate.size_bytes,
        sha256=candidate.sha256,
    )
    upload = upload_row(received, item.info, key, owner_id)
    upload.batch_path = candidate.name
    placement = item.placement
    job = Job(
        job_id=state_machine.new_job_id(),
        upload_id=upload.id,
        owner_id=owner_id,
        batch_id=batch_id,
        status=JobStatus.QUEUED.value,
        params=item.params,
        queue=placement.queue.value,
        model=placement.model.name,
        estimated_seconds=max(MIN_SECONDS, round(placement.run_seconds)),
        model_reason=placement.reason,
    )
    return upload, job


async def accept(
    context: AppContext, intake: Intake, form: UploadForm, live: RuntimeSettings, caller: Caller
) -> tuple[Batch, list[tuple[Job, Upload]]]:
    rejected = list(intake.rejected)
    planned: list[Planned] = []
    for candidate in intake.candidates:
        outcome = await _check(context, candidate, form, live, wants_watermark(caller, live))
        if isinstance(outcome, Rejection):
            rejected.append(outcome)
        else:
            planned.append(outcome)
    if not planned:
        raise APIError(
            422,
            "no_images",
            "no image in the batch can be upscaled",
            fields=[FieldError("file", f"{r.name}: {r.message}") for r in rejected[:20]],
        )
    # The quotas count every image.
    await check_room(context, caller, live, len(planned), sum(p.info.pixels for p in planned))
    keys = await _store(context, planned)
    batch = Batch(
        id=new_batch_id(),
        owner_id=caller.user_id,
        params=form.model_dump(mode="json", exclude_none=True),
        accepted=len(planned),
        rejected=[r.as_dict() for r in rejected],
    )
    pairs = [
        _rows(batch.id, item, key, caller.user_id) for item, key in zip(planned, keys, strict=True)
    ]
    try:
        async with context.sessions() as session:
            session.add(batch)
            await session.flush()
            for upload, _job in pairs:
                session.add(upload)
            await session.flush()
            for _upload, job in pairs:
                session.add(job)
            await session.commit()
    except Exception:
        await _forget(context, keys)
        raise
    await enqueue_committed(context, [job for _upload, job in pairs])
    log.info("batch %s accepted: %d job(s), %d refused", batch.id, len(pairs), len(rejected))
    return batch, [(job, upload) for upload, job in pairs]


def limits_of(context: AppContext, live: RuntimeSettings) -> BatchLimits:
    settings = context.settings
    return BatchLimits(
        max_images=settings.batch_max_images,
        max_total_bytes=settings.batch_max_bytes,
        max_image_bytes=live.max_upload_size_bytes,
    )


async def take_batch(
    context: AppContext,
    caller: Caller,
    content_type: str | None,
    content_length: str | None,
    body: AsyncIterator[bytes],
) -> tuple[Batch, list[tuple[Job, Upload]]]:
    """Maintenance, the upload rate limit (a batch is one request), the
    streaming receive within the batch limits, the form, the archives, then
    `accept`."""
    live = await context.live.get()
    if live.maintenance_mode:
        raise unavailable(live.maintenance_message)
    await check_rate(context, caller, live)
    await check_room(context, caller, live)  # before the bytes: an account with no room left
    limits = limits_of(context, live)
    spool = context.settings.data_dir / "spool"
    parts = await receive_parts(
        content_type,
        content_length,
        body,
        rules=_rules(limits.max_total_bytes, limits.max_images),
        spool_dir=spool,
    )
    try:
        token = captcha.pop_token(parts.fields)
        if caller.user is None:
            await captcha.verify(context.settings, token, caller.ip)
        form = parse_form(parts.fields)
        if not parts.repeated:
            raise APIError(
                400,
                "invalid_request",
                "no files were sent",
                fields=[FieldError("file", "is required")],
            )
        with tempfile.TemporaryDirectory(dir=spool, prefix="batch-") as scratch:
            intake = await asyncio.to_thread(collect, parts.repeated, Path(scratch), limits)
            return await accept(context, intake, form, live, caller)
    finally:
        parts.discard()
