"""Models an admin uploads: an ONNX file, or an ncnn .param + .bin judged at
once (upscaler.catalog.ncnn_upload), stored, registered as "validating" and
sent to a worker, which checks, probes (and for ncnn converts) them."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from upscaler.audit.service import Actor, add
from upscaler.catalog.ncnn_upload import BIN_FIELD, PARAM_FIELD, check_names, judge
from upscaler.catalog.registry import (
    NCNN,
    UPLOADED,
    check_name,
    check_presets,
    field_error,
    ncnn_sources,
    require,
)
from upscaler.catalog.service import get_model, queue_for
from upscaler.context import AppContext
from upscaler.contracts import VALIDATE_MODEL_ACTOR, ModelStatus
from upscaler.db.tables import Model
from upscaler.db.types import utcnow
from upscaler.errors import APIError
from upscaler.queueing.messages import send
from upscaler.queueing.producer import QueueUnavailableError
from upscaler.receive import ReceivedFile, ReceivedUpload
from upscaler.storage import new_key

log = logging.getLogger(__name__)


def _looks_like_onnx(head: bytes) -> bool:
    # An ONNX ModelProto starts with field 1 (ir_version, a varint): byte 0x08.
    return len(head) >= 16 and head[0] == 0x08


async def register_upload(
    context: AppContext,
    session: AsyncSession,
    received: ReceivedUpload,
    *,
    name: str,
    presets: Sequence[str],
    note: str | None,
    gpu_required: bool,
    quality_rank: int,
    expected_scale: int | None,
    actor: Actor,
) -> Model:
    """Store the file, add the row as "validating", ask a worker to check it."""
    name = check_name(name)
    if received.path is None or received.size_bytes == 0:
        raise field_error(400, "invalid_request", "no ONNX file was sent", "file")
    if received.filename.lower().endswith((".param", ".bin")):
        raise field_error(
            415,
            "unsupported_media_type",
            "an ncnn model is sent as its .param and .bin together "
            "(POST /api/v1/admin/models/ncnn, or the page's ncnn form)",
            "file",
        )
    if not received.filename.lower().endswith(".onnx"):
        raise field_error(415, "unsupported_media_type", "the file must be an .onnx model", "file")
    head = await asyncio.to_thread(
        lambda: received.path.read_bytes()[:64] if received.path else b""
    )
    if not _looks_like_onnx(head):
        raise field_error(415, "unsupported_media_type", "the file is not an ONNX model", "file")
    if expected_scale is not None and expected_scale not in (1, 2, 3, 4, 8):
        raise field_error(400, "invalid_request", "must be 1, 2, 3, 4 or 8", "expected_scale")
    wanted = check_presets(presets)
    if await get_model(session, name) is not None:
        raise field_error(409, "conflict", f"a model named {name!r} exists already", "name")
    key = new_key("models", "onnx")
    await context.storage.put_file(key, received.path, "application/octet-stream")
    model = Model(
        name=name,
        type="esrgan",
        arch="custom",
        artifact_path=f"registered/{name}.{received.sha256[:12]}.onnx",
        scale=expected_scale or 0,
        gpu_required=gpu_required,
        presets=wanted,
        quality_rank=quality_rank,
        status=ModelStatus.VALIDATING,
        sha256=received.sha256,
        size_bytes=received.size_bytes,
        note=note or None,
        source=UPLOADED,
        storage_key=key,
        details={"expected_scale": expected_scale, "original_filename": received.filename[:200]},
        registered_by=actor.user_id,
    )
    session.add(model)
    add(
        session,
        actor,
        "model.register",
        entity_type="model",
        entity_id=name,
        details={
            "size_bytes": received.size_bytes,
            "sha256": received.sha256,
            "presets": wanted,
            "gpu_required": gpu_required,
            "filename": received.filename[:200],
        },
    )
    try:
        await session.commit()
    except Exception:
        await context.storage.delete(key)
        raise
    await session.refresh(model)
    await request_validation(context, model)
    return model


def _source(received: ReceivedFile, key: str) -> dict[str, Any]:
    return {
        "storage_key": key,
        "filename": Path(received.filename).name[:200],
        "sha256": received.sha256,
        "size_bytes": received.size_bytes,
    }


async def register_ncnn_upload(
    context: AppContext,
    session: AsyncSession,
    files: Mapping[str, ReceivedFile],
    *,
    name: str,
    presets: Sequence[str],
    note: str | None,
    gpu_required: bool,
    quality_rank: int,
    expected_scale: int | None,
    actor: Actor,
) -> Model:
    """Read the .param and .bin at once (refusing what is not an RRDBNet or
    SRVGGNetCompact upscaler, with the reason), store both, add the row as
    "validating" and ask a worker to convert and check it."""
    name = check_name(name)
    param, weights = check_names(files)
    wanted = check_presets(presets)
    if not -1000 <= quality_rank <= 1000:
        raise field_error(400, "invalid_request", "must be between -1000 and 1000", "quality_rank")
    if await get_model(session, name) is not None:
        raise field_error(409, "conflict", f"a model named {name!r} exists already", "name")
    judged = await asyncio.to_thread(judge, param, weights)
    scale = judged.recognised.scale
    if expected_scale is not None and expected_scale != scale:
        raise field_error(
            422,
            "not_an_upscaler",
            f"the graph is a x{scale} {judged.recognised.arch}, not x{expected_scale}",
            "expected_scale",
        )
    param_key, bin_key = new_key("models", "param"), new_key("models", "bin")
    stored: list[str] = []
    try:
        await context.storage.put_file(param_key, param.path, "text/plain")
        stored.append(param_key)
        await context.storage.put_file(bin_key, weights.path, "application/octet-stream")
        stored.append(bin_key)
        sources = {PARAM_FIELD: _source(param, param_key), BIN_FIELD: _source(weights, bin_key)}
        model = Model(
            name=name,
            type="esrgan",
            arch=judged.recognised.arch,
            # Set by the worker to the exported ONNX file's place once it is proven.
            artifact_path=f"registered/{name}.pending.onnx",
            scale=scale,
            gpu_required=gpu_required,
            presets=wanted,
            quality_rank=quality_rank,
            status=ModelStatus.VALIDATING,
            size_bytes=param.size_bytes + weights.size_bytes,
            note=note.strip()[:5000] if note and note.strip() else None,
            source=UPLOADED,
            storage_key=None,  # the exported ONNX file's key, once a worker has made it
            details={"format": NCNN, NCNN: sources} | judged.as_details(),
            registered_by=actor.user_id,
        )
        session.add(model)
        add(
            session,
            actor,
            "model.register",
            entity_type="model",
            entity_id=name,
            details={
                "format": NCNN,
                "arch": judged.recognised.arch,
                "scale": scale,
                "size_bytes": param.size_bytes + weights.size_bytes,
                "param": {k: v for k, v in sources[PARAM_FIELD].items() if k != "storage_key"},
                "bin": {k: v for k, v in sources[BIN_FIELD].items() if k != "storage_key"},
                "presets": wanted,
                "gpu_required": gpu_required,
            },
        )
        await session.commit()
    except BaseException:
        for key in stored:
            await context.storage.delete(key)
        raise
    await session.refresh(model)
    await request_validation(context, model)
    return model


async def request_validation(context: AppContext, model: Model) -> bool:
    """Ask a worker of the model's pool to validate it; False if the broker is away."""
    try:
        await send(context.producer, VALIDATE_MODEL_ACTOR, queue_for(model), model.name)
    except QueueUnavailableError as error:
        log.warning("cannot ask a worker to validate %s yet: %s", model.name, error)
        return False
    return True


async def revalidate(context: AppContext, session: AsyncSession, name: str, actor: Actor) -> Model:
    model = await require(session, name)
    if model.source != UPLOADED or not (model.storage_key or ncnn_sources(model)):
        raise APIError(409, "conflict", "only uploaded models are validated by a worker")
    if model.status == ModelStatus.ACTIVE and model.is_default:
        raise APIError(409, "conflict", "make another model the default first")
    model.status = ModelStatus.VALIDATING
    model.status_reason = None
    model.is_default = False
    model.updated_at = utcnow()
    session.add(model)
    add(session, actor, "model.revalidate", entity_type="model", entity_id=name)
    await session.commit()
    await request_validation(context, model)
    return model
