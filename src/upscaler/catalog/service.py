"""Preset → model resolution over the models table.

A preset picks the best active model that lists it (the default model wins a
tie); when none lists it, the best active model overall is used (highest
quality rank, the default first). Variants (denoise-interpolated networks)
are never chosen directly: the worker picks them for a denoise level.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from upscaler.catalog.cost import is_heavy
from upscaler.contracts import ModelStatus, Preset, Queue
from upscaler.db.tables import Model


def is_variant(model: Model) -> bool:
    return bool(model.default_params.get("variant_of"))


async def active_models(session: AsyncSession) -> Sequence[Model]:
    statement = (
        select(Model)
        .where(Model.status == ModelStatus.ACTIVE)
        .order_by(col(Model.is_default).desc(), col(Model.quality_rank).desc(), col(Model.name))
    )
    return (await session.exec(statement)).all()


async def all_models(session: AsyncSession) -> Sequence[Model]:
    return (await session.exec(select(Model).order_by(col(Model.name)))).all()


def named(models: Sequence[Model], name: str | None) -> Model | None:
    """The model called ``name`` among ``models`` (rows already read), if any."""
    return next((m for m in models if m.name == name), None) if name else None


def choose_model(models: Sequence[Model], preset: Preset) -> Model | None:
    """`models` ordered as active_models() orders them."""
    candidates = [m for m in models if not is_variant(m)]
    for model in candidates:
        if preset.value in model.presets:
            return model
    return candidates[0] if candidates else None


def preset_candidates(models: Sequence[Model], preset: Preset) -> list[Model]:
    """What choose_model would try, best first: the models listing the
    preset, else every model. `models` ordered as active_models() orders them."""
    bases = [m for m in models if not is_variant(m)]
    return [m for m in bases if preset.value in m.presets] or bases


async def resolve_model(session: AsyncSession, preset: Preset) -> Model | None:
    return choose_model(await active_models(session), preset)


def queue_for(model: Model, *, gpu_online: bool = False) -> Queue:
    """The GPU pool for a model that needs it, and for a heavy one while a GPU
    worker is online (on a CPU it may not finish in time, or at all)."""
    if model.gpu_required or (gpu_online and is_heavy(model)):
        return Queue.GPU
    return Queue.CPU


async def get_model(session: AsyncSession, name: str) -> Model | None:
    return (await session.exec(select(Model).where(Model.name == name))).first()


#: Model type of face-restoration networks (GFPGAN and the like).
FACE_MODEL_TYPE = "face"


async def face_refinement_available(session: AsyncSession) -> bool:
    statement = select(Model).where(
        Model.status == ModelStatus.ACTIVE, Model.type == FACE_MODEL_TYPE
    )
    return (await session.exec(statement)).first() is not None
