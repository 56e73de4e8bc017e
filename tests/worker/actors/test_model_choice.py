"""Which network a job runs: preset → model, then the denoise level → the
weight-interpolated variant when one is installed, else the classical path."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Sequence
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import delete
from sqlmodel.ext.asyncio.session import AsyncSession

from tests.helpers import migrated_database
from upscaler.catalog.service import active_models
from upscaler.contracts import Denoise, JobParams, Preset
from upscaler.db.engine import make_engine, make_sessionmaker
from upscaler.db.tables import Job, Model
from upscaler_worker.actors.upscale_job import choose_model

GENERAL = "realesr-general-x4v3"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def choice_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database of its own: these tests replace the whole models table."""
    with migrated_database(request.param, tmp_path) as url:
        yield url


@pytest.fixture
async def sessions(choice_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = make_engine(choice_url)
    yield make_sessionmaker(engine)
    await engine.dispose()


async def install(sessions: async_sessionmaker[AsyncSession], *, variants: bool) -> None:
    rows = [
        Model(name=GENERAL, artifact_path="g.onnx", presets=["photo"], quality_rank=80),
        Model(
            name="realesr-animevideov3", artifact_path="a.onnx", presets=["art"], quality_rank=60
        ),
    ]
    if variants:
        rows += [
            Model(
                name=f"{GENERAL}-denoise-{level}",
                artifact_path=f"{level}.onnx",
                default_params={"variant_of": GENERAL, "denoise": level},
            )
            for level in ("none", "low", "med", "high")
        ]
    async with sessions() as session:
        await session.exec(delete(Model))
        session.add_all(rows)
        await session.commit()


async def active(sessions: async_sessionmaker[AsyncSession]) -> Sequence[Model]:
    async with sessions() as session:
        return await active_models(session)


@pytest.mark.parametrize("level", list(Denoise))
async def test_denoise_runs_the_interpolated_network_for_its_level(
    sessions: async_sessionmaker[AsyncSession], level: Denoise
) -> None:
    await install(sessions, variants=True)
    params = JobParams(preset=Preset.PHOTO, denoise=level)
    models = await active(sessions)
    choice = choose_model(models, Job(job_id="j", upload_id="u", model=GENERAL), params)
    assert choice.model.name == f"{GENERAL}-denoise-{level.value}"
    assert choice.denoise_path == "dni"


async def test_without_variants_denoise_is_classical(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await install(sessions, variants=False)
    models = await active(sessions)
    job = Job(job_id="j", upload_id="u", model=None)
    plain = choose_model(models, job, JobParams(preset=Preset.ART))
    assert (plain.model.name, plain.denoise_path) == ("realesr-animevideov3", "none")
    denoised = choose_model(models, job, JobParams(preset=Preset.ART, denoise=Denoise.MED))
    assert (denoised.model.name, denoised.denoise_path) == ("realesr-animevideov3", "classical")
    # A preset no model lists falls back to the best model overall.
    face = choose_model(models, job, JobParams(preset=Preset.FACE))
    assert face.model.name == GENERAL
    # A job placed on a model that is no longer installed runs the preset's choice.
    retired = Job(job_id="j", upload_id="u", model="RealESRGAN_x4plus")
    assert choose_model(models, retired, JobParams(preset=Preset.ART)).model.name == (
        "realesr-animevideov3"
    )
