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

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from upscaler.audit.service import Actor, add
from upscaler.catalog.service import all_models, get_model, is_variant
from upscaler.context import AppContext
from upscaler.contracts import SYNC_MODELS_ACTOR, ModelStatus, Preset, Queue
from upscaler.db.tables import Model, ModelDefaultChange
from upscaler.db.types import utcnow
from upscaler.errors import APIError, FieldError
from upscaler.queueing.messages import send
from upscaler.queueing.producer import QueueUnavailableError

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


def field_error(status: int, code: str, message: str, field: str) -> APIError:
    return APIError(status, code, message, fields=[FieldError(field, message)])


async def require(session: AsyncSession, name: str) -> Model:
    model = await get_model(session, name)
    if model is None:
        raise APIError(404, "not_found", f"no model {name!r}")
    return model


def check_name(name: str) -> str:
    name = name.strip()
    if not NAME_PATTERN.fullmatch(name):
        raise field_error(
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
        raise field_error(400, "invalid_request", f"unknown presets {unknown}", "presets")
    return [p for p in PRESETS if p in presets]


async def history(session: AsyncSession, limit: int = 20) -> list[ModelDefaultChange]:
    statement = select(ModelDefaultChange).order_by(col(ModelDefaultChange.id).desc()).limit(limit)
    return list((await session.exec(statement)).all())


async def list_models(session: AsyncSession) -> Sequence[Model]:
    return await all_models(session)


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
    model = await require(session, name)
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
    model = await require(session, name)
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
    model = await require(session, name)
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
    model = await require(session, name)
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
            raise field_error(
                400, "invalid_request", "must be between -1000 and 1000", "quality_rank"
            )
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
    model = await require(session, name)
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
