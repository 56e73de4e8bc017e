"""Accept an upload: store it, create the job, enqueue it — all or nothing."""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import AsyncIterator
from pathlib import PurePath

from upscaler.accounts import captcha
from upscaler.accounts.caller import Caller
from upscaler.accounts.limits import check_rate, check_room, wants_watermark
from upscaler.catalog.service import face_refinement_available
from upscaler.context import AppContext
from upscaler.contracts import Factor, JobParams, JobStatus, OutputFormat, TargetSize
from upscaler.db.tables import Job, Upload
from upscaler.errors import APIError, FieldError
from upscaler.jobs import repeats, state_machine
from upscaler.jobs.estimate import MIN_SECONDS, seconds_ahead
from upscaler.live_settings import RuntimeSettings
from upscaler.logs import bind_job
from upscaler.notifications.announce import announce
from upscaler.notifications.intake import check_notification_targets
from upscaler.queueing.producer import QueueUnavailableError
from upscaler.receive import ReceivedUpload, receive_upload
from upscaler.sizing import TargetTooLargeError, plan_target
from upscaler.storage import new_key
from upscaler.telemetry import UPLOAD_BYTES
from upscaler.uploads.admission import place_upload
from upscaler.uploads.schemas import UploadForm
from upscaler.uploads.validation import EXTENSION_BY_KIND, ImageInfo, inspect_image

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 30


def new_upload_id() -> str:
    return "upl_" + secrets.token_urlsafe(16)


def clean_filename(name: str) -> str:
    """Keep the base name only, printable and short; it is shown, never used as a path."""
    base = PurePath(name.replace("\\", "/")).name
    printable = "".join(ch for ch in base if ch.isprintable() and ch not in '"<>')
    return printable[-200:] or "image"


async def inspect(received: ReceivedUpload, live: RuntimeSettings) -> ImageInfo:
    if received.path is None or received.size_bytes == 0:
        raise APIError(
            400,
            "invalid_request",
            "no image file was sent",
            fields=[FieldError("file", "is required" if received.path is None else "is empty")],
        )
    return await asyncio.to_thread(
        inspect_image,
        received.path,
        allowed_mimes=frozenset(live.allowed_mimes),
        max_pixels=live.max_input_pixels,
    )


def sized_plan(form: UploadForm, info: ImageInfo) -> tuple[Factor | None, TargetSize | None]:
    """With a target size: the factor to run and the exact result (422 beyond 4x)."""
    if not form.size_request.asked:
        return None, None
    try:
        return plan_target(info.width, info.height, form.size_request)
    except TargetTooLargeError as error:
        raise APIError(422, "target_too_large", str(error)) from error


#: What an animation can be written as (the worker's animation module agrees).
ANIMATION_OUTPUTS = frozenset({OutputFormat.PNG, OutputFormat.WEBP, OutputFormat.SAME})


def check_animation_output(form: UploadForm, info: ImageInfo) -> None:
    if info.frames > 1 and form.output_format not in ANIMATION_OUTPUTS:
        message = (
            f"an animation cannot be written as {form.output_format.value.upper()}: "
            "choose png (animated PNG), webp or same"
        )
        raise APIError(
            422, "unprocessable_image", message, fields=[FieldError("output_format", message)]
        )


def upload_row(
    received: ReceivedUpload, info: ImageInfo, storage_key: str, owner_id: int | None
) -> Upload:
    """The upload's row: the file as received, the image as inspected."""
    return Upload(
        id=new_upload_id(),
        owner_id=owner_id,
        original_filename=clean_filename(received.filename),
        mime_type=info.mime_type,
        width=info.width,
        height=info.height,
        frames=info.frames,
        size_bytes=received.size_bytes,
        sha256=received.sha256,
        storage_key=storage_key,
    )


def unavailable(message: str) -> APIError:
    return APIError(503, "unavailable", message, headers={"Retry-After": str(RETRY_AFTER_SECONDS)})


async def accept(
    context: AppContext,
    received: ReceivedUpload,
    form: UploadForm,
    info: ImageInfo,
    owner_id: int | None = None,
    *,
    watermark: bool = False,
) -> tuple[Job, int]:
    """Returns the queued job and its time estimate; `owner_id`: the account's."""
    assert received.path is not None
    check_animation_output(form, info)
    params = form.job_params(*sized_plan(form, info), watermark=watermark)
    live = await context.live.get()
    limit = live.job_timeout_seconds
    async with context.sessions() as session:
        if form.refine_faces and not await face_refinement_available(session):
            raise APIError(
                400,
                "invalid_request",
                "face refinement is not available on this server",
                fields=[FieldError("refine_faces", "no face-restoration model is installed")],
            )
        # Refused here (422) before anything is stored when it cannot finish in time.
        placement = await place_upload(session, form.preset, info.pixels, limit, form.model)
        if placement is None:
            raise unavailable(
                "no upscaling model is installed yet; an operator must run `make models`"
            )
        key = repeats.repeat_key(received.sha256, params, placement.model)
        donor = (
            await repeats.find_donor(session, key, owner_id, retention_days=live.retention_days)
            if live.instant_repeats
            else None
        )
        wait = await seconds_ahead(session, placement.pool)
    if donor is not None:
        return await _repeat(context, received, info, key, params, *donor, owner_id), 0
    estimate = max(MIN_SECONDS, round(placement.run_seconds + wait))

    storage_key = new_key("originals", EXTENSION_BY_KIND[info.kind])
    await context.storage.put_file(storage_key, received.path, info.mime_type)
    upload = upload_row(received, info, storage_key, owner_id)
    queue = placement.queue
    job = Job(
        job_id=state_machine.new_job_id(),
        upload_id=upload.id,
        owner_id=owner_id,
        status=JobStatus.QUEUED.value,
        params=params.model_dump(mode="json"),
        queue=queue.value,
        model=placement.model.name,
        estimated_seconds=estimate,
        model_reason=placement.reason,
        repeat_key=key,
    )
    try:
        async with context.sessions() as session:
            session.add(upload)
            await session.flush()
            session.add(job)
            await session.commit()
    except Exception:
        await context.storage.delete(storage_key)
        raise

    # Only after the commit: a worker must always find the row it is sent.
    try:
        await context.producer.enqueue(job.job_id, queue)
    except QueueUnavailableError as error:
        log.warning("queue unavailable, refusing upload: %s", error)
        async with context.sessions() as session:
            stored_job = await session.get(Job, job.job_id)
            stored_upload = await session.get(Upload, upload.id)
            if stored_job is not None:
                await session.delete(stored_job)
                await session.flush()
            if stored_upload is not None:
                await session.delete(stored_upload)
            await session.commit()
        await context.storage.delete(storage_key)
        raise unavailable("the job queue is unavailable right now; please retry shortly") from error
    async with context.sessions() as session:
        await state_machine.mark_enqueued(session, job.job_id)
    _accepted(
        job, received, f"{params.factor.value} on the {queue.value} queue, about {estimate} s"
    )
    return job, estimate


def _accepted(job: Job, received: ReceivedUpload, how: str) -> None:
    """Count and log an accepted upload; the request's later lines are about its job."""
    bind_job(job.job_id)
    UPLOAD_BYTES.inc(received.size_bytes)
    log.info("job %s accepted (%s): %s", job.job_id, job.model, how)


async def _repeat(
    context: AppContext,
    received: ReceivedUpload,
    info: ImageInfo,
    key: str,
    params: JobParams,
    donor: Job,
    donor_upload: Upload,
    owner_id: int | None,
) -> Job:
    """An instant repeat: the rows only; the original, result and preview are
    the donor's stored objects (the bytes are the same, by the key)."""
    upload = upload_row(received, info, donor_upload.storage_key, owner_id)
    job = repeats.repeated(
        donor, upload, state_machine.new_job_id(), key, params.model_dump(mode="json")
    )
    async with context.sessions() as session:
        session.add(upload)
        await session.flush()
        session.add(job)
        await session.commit()
    _accepted(job, received, f"repeats job {job.repeat_of}, completed at once")
    await announce(context.sessions, context.settings, context.producer, job)
    return job


async def take_upload(
    context: AppContext,
    caller: Caller,
    content_type: str | None,
    content_length: str | None,
    body: AsyncIterator[bytes],
    *,
    fields_seen: dict[str, str] | None = None,
) -> tuple[Job, int]:
    """Everything an upload goes through, for the API and the no-JavaScript
    form alike: maintenance, rate limit, streaming receive with the size limit,
    form, image checks, then store + rows + enqueue. `fields_seen` receives the
    form's text fields as soon as they are read (a page shows them again).
    The job is the caller's account's, and meets its limits (accounts.limits)."""
    live = await context.live.get()
    if live.maintenance_mode:
        raise unavailable(live.maintenance_message)
    await check_rate(context, caller, live)
    received = await receive_upload(
        content_type,
        content_length,
        body,
        limit=live.max_upload_size_bytes,
        spool_dir=context.settings.data_dir / "spool",
    )
    token = captcha.pop_token(received.fields)
    if fields_seen is not None:
        fields_seen.update(received.fields)
    try:
        if caller.user is None:
            await captcha.verify(context.settings, token, caller.ip)
        form = UploadForm.parse(received.fields)
        await check_notification_targets(
            context.settings, email=form.email, callback_url=form.callback_url
        )
        info = await inspect(received, live)
        await check_room(context, caller, live, pixels=info.pixels)
        return await accept(
            context,
            received,
            form,
            info,
            caller.user_id,
            watermark=wants_watermark(caller, live),
        )
    finally:
        received.discard()
