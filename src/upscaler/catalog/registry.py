"""Managing the models table: register uploaded ONNX files and ncnn models
(validated by a worker), map presets, choose the default, promote and demote,
notes.

The API never opens a model with a runtime: an uploaded file is size-limited,
stored under `models/...`, and its row waits in status "validating" until a
worker has loaded it with ONNX Runtime and probed it
(`upscaler_worker.actors.models`). An ncnn model (.param + .bin) is read at once
with the pure-numpy reader, so a layer we cannot map, weights that do not fit
or a graph that is not an upscaler are refused before anything is stored; the
worker then converts it to ONNX, proves the conversion and stores the ONNX
file that every other worker fetches.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from upscaler.audit.service import Actor, add
from upscaler.catalog.ncnn_upload import BIN_FIELD, PARAM_FIELD, check_names, judge
from upscaler.catalog.service import all_models, get_model, is_variant, queue_for
from upscaler.context import AppContext
from upscaler.contracts import SYNC_MODELS_ACTOR, VALIDATE_MODEL_ACTOR, ModelStatus, Preset, Queue
from upscaler.db.tables import Model, ModelDefaultChange
from upscaler.db.types import utcnow
from upscaler.errors import APIError, FieldError
from upscaler.queueing.messages import send
from upscaler.queueing.producer import QueueUnavailableError
from upscaler.receive import ReceivedFile, ReceivedUpload
from upscaler.storage import new_key

log = logging.getLogger(__name__)

#: The largest ONNX file an admin may upload (Real-ESRGAN x4plus is ~67 MB).
MAX_MODEL_BYTES = 1024 * 1024 * 1024
NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
UPLOADED = "uploaded"
#: details["format"] of an uploaded ncnn model; details["ncnn"] holds its sources.
NCNN = "ncnn"
PRESETS = tuple(p.value for p in Preset)


@dataclass(frozen=True)
class ModelUpdate:
    presets: list[str] | None = None
    note: str | None = None
    quality_rank: int | None = None
    gpu_required: bool | None = None


def _field(status: int, code: str, message: str, field: str) -> APIError:
    return APIError(status, code, message, fields=[FieldError(field, message)])


async def _require(session: AsyncSession, name: str) -> Model:
    model = await get_model(session, name)
    if model is None:
        raise APIError(404, "not_found", f"no model {name!r}")
    return model


def check_name(name: str) -> str:
    name = name.strip()
    if not NAME_PATTERN.fullmatch(name):
        raise _field(
            400,
            "invalid_request",
            "use 2-64 lower-case letters, digits, '.', '_' or '-'",
            "name",
        )
    return name


def ncnn_sources(model: Model) -> dict[str, Any] | None:
    """The stored .param and .bin of an uploaded ncnn model, if it is one."""
    sources = model.details.get(NCNN) if model.details.get("format") == NCNN else None
    return sources if isinstance(sources, dict) else None


def check_presets(presets: Sequence[str]) -> list[str]:
    unknown = sorted(set(presets) - set(PRESETS))
    if unknown:
        raise _field(400, "invalid_request", f"unknown presets {unknown}", "presets")
    return [p for p in PRESETS if p in presets]


async def history(session: AsyncSession, limit: int = 20) -> list[ModelDefaultChange]:
    statement = select(ModelDefaultChange).order_by(col(ModelDefaultChange.id).desc()).limit(limit)
    return list((await session.exec(statement)).all())


async def list_models(session: AsyncSession) -> Sequence[Model]:
    return await all_models(session)


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
        raise _field(400, "invalid_request", "no ONNX file was sent", "file")
    if received.filename.lower().endswith((".param", ".bin")):
        raise _field(
            415,
            "unsupported_media_type",
            "an ncnn model is sent as its .param and .bin together "
            "(POST /api/v1/admin/models/ncnn, or the page's ncnn form)",
            "file",
        )
    if not received.filename.lower().endswith(".onnx"):
        raise _field(415, "unsupported_media_type", "the file must be an .onnx model", "file")
    head = await asyncio.to_thread(
        lambda: received.path.read_bytes()[:64] if received.path else b""
    )
    if not _looks_like_onnx(head):
        raise _field(415, "unsupported_media_type", "the file is not an ONNX model", "file")
    if expected_scale is not None and expected_scale not in (1, 2, 3, 4, 8):
        raise _field(400, "invalid_request", "must be 1, 2, 3, 4 or 8", "expected_scale")
    wanted = check_presets(presets)
    if await get_model(session, name) is not None:
        raise _field(409, "conflict", f"a model named {name!r} exists already", "name")
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
        raise _field(400, "invalid_request", "must be between -1000 and 1000", "quality_rank")
    if await get_model(session, name) is not None:
        raise _field(409, "conflict", f"a model named {name!r} exists already", "name")
    judged = await asyncio.to_thread(judge, param, weights)
    scale = judged.recognised.scale
    if expected_scale is not None and expected_scale != scale:
        raise _field(
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
    model = await _require(session, name)
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


async def _active_bases(session: AsyncSession) -> list[Model]:
    rows = (await session.exec(select(Model).where(Model.status == ModelStatus.ACTIVE))).all()
    return [m for m in rows if not is_variant(m)]


async def _make_default(
    session: AsyncSession, model: Model, actor: Actor | None, reason: str
) -> None:
    for other in (await session.exec(select(Model).where(col(Model.is_default)))).all():
        if other.id != model.id:
            other.is_default = False
            other.updated_at = utcnow()
            session.add(other)
    model.is_default = True
    model.updated_at = utcnow()
    session.add(model)
    session.add(
        ModelDefaultChange(
            model_name=model.name, set_by=actor.user_id if actor else None, reason=reason
        )
    )


async def set_default(session: AsyncSession, name: str, actor: Actor) -> Model:
    model = await _require(session, name)
    if model.status != ModelStatus.ACTIVE or is_variant(model):
        raise APIError(409, "conflict", f"{name!r} is {model.status}: promote it first")
    previous = next((m.name for m in await _active_bases(session) if m.is_default), None)
    if previous == name:
        return model
    await _make_default(session, model, actor, "set")
    add(
        session,
        actor,
        "model.default",
        entity_type="model",
        entity_id=name,
        details={"previous_default": previous},
    )
    await session.commit()
    return model


async def _previous_default(session: AsyncSession, leaving: str) -> Model | None:
    """The most recent earlier default that is still active."""
    changes = (
        await session.exec(select(ModelDefaultChange).order_by(col(ModelDefaultChange.id).desc()))
    ).all()
    seen: set[str] = {leaving}
    for change in changes:
        if change.model_name in seen:
            continue
        seen.add(change.model_name)
        candidate = await get_model(session, change.model_name)
        if (
            candidate is not None
            and candidate.status == ModelStatus.ACTIVE
            and not is_variant(candidate)
        ):
            return candidate
    return None


async def demote(session: AsyncSession, name: str, actor: Actor) -> tuple[Model, Model | None]:
    """Take a model out of service. Demoting the default brings back the
    previous default. Returns the model and the restored default, if any."""
    model = await _require(session, name)
    if model.status != ModelStatus.ACTIVE:
        raise APIError(409, "conflict", f"{name!r} is {model.status}, not active")
    bases = await _active_bases(session)
    if not is_variant(model) and [m.name for m in bases] == [name]:
        raise APIError(
            409,
            "conflict",
            "this is the last active model; promote another first (or pause the queue)",
        )
    restored = None
    if model.is_default:
        model.is_default = False
        restored = await _previous_default(session, name)
        if restored is not None:
            await _make_default(session, restored, actor, "restored")
    model.status = ModelStatus.DEMOTED
    model.updated_at = utcnow()
    session.add(model)
    add(
        session,
        actor,
        "model.demote",
        entity_type="model",
        entity_id=name,
        details={"restored_default": restored.name if restored else None},
    )
    await session.commit()
    return model, restored


async def promote(session: AsyncSession, name: str, actor: Actor) -> Model:
    model = await _require(session, name)
    if model.status != ModelStatus.DEMOTED:
        raise APIError(
            409, "conflict", f"{name!r} is {model.status}; only a demoted model can be promoted"
        )
    model.status = ModelStatus.ACTIVE
    model.updated_at = utcnow()
    session.add(model)
    add(session, actor, "model.promote", entity_type="model", entity_id=name)
    await session.commit()
    return model


async def update(session: AsyncSession, name: str, changes: ModelUpdate, actor: Actor) -> Model:
    model = await _require(session, name)
    diff: dict[str, Any] = {}
    if changes.presets is not None:
        presets = check_presets(changes.presets)
        if presets != list(model.presets):
            diff["presets"] = [list(model.presets), presets]
            model.presets = presets
    if changes.note is not None:
        note = changes.note.strip()[:5000] or None
        if note != model.note:
            diff["note"] = [model.note, note]
            model.note = note
    if changes.quality_rank is not None and changes.quality_rank != model.quality_rank:
        if not -1000 <= changes.quality_rank <= 1000:
            raise _field(400, "invalid_request", "must be between -1000 and 1000", "quality_rank")
        diff["quality_rank"] = [model.quality_rank, changes.quality_rank]
        model.quality_rank = changes.quality_rank
    if changes.gpu_required is not None and changes.gpu_required != model.gpu_required:
        diff["gpu_required"] = [model.gpu_required, changes.gpu_required]
        model.gpu_required = changes.gpu_required
    if diff:
        model.updated_at = utcnow()
        session.add(model)
        add(session, actor, "model.update", entity_type="model", entity_id=name, details=diff)
        await session.commit()
    return model


async def delete(context: AppContext, session: AsyncSession, name: str, actor: Actor) -> None:
    """Forget an uploaded model (installed ones belong to the workers' model_dir)."""
    model = await _require(session, name)
    if model.source != UPLOADED:
        raise APIError(409, "conflict", "installed models are removed from the workers, not here")
    if model.is_default:
        raise APIError(409, "conflict", "make another model the default first")
    if model.status == ModelStatus.ACTIVE and [m.name for m in await _active_bases(session)] == [
        name
    ]:
        raise APIError(409, "conflict", "this is the last active model")
    key = model.storage_key
    keys = [key] if key else []
    for source in (ncnn_sources(model) or {}).values():
        if isinstance(source, dict) and source.get("storage_key"):
            keys.append(str(source["storage_key"]))
    await session.delete(model)
    add(session, actor, "model.delete", entity_type="model", entity_id=name, details={"key": key})
    await session.commit()
    for stored in keys:
        await context.storage.delete(stored)


async def rescan(context: AppContext, session: AsyncSession, actor: Actor) -> bool:
    """Ask a worker to register the models installed in its model_dir from
    the manifest (`make models`); rows an admin changed keep those choices."""
    add(session, actor, "model.rescan", entity_type="model")
    await session.commit()
    try:
        await send(context.producer, SYNC_MODELS_ACTOR, Queue.CPU)
    except QueueUnavailableError as error:
        log.warning("cannot ask a worker to rescan models: %s", error)
        return False
    return True
