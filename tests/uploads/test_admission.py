"""Admission and routing over real tables: a preset takes its best model that
fits the time limit (recording why when it falls back), refuses with a 422
naming a lighter model when none fits, heavy models go to the GPU pool while
a GPU worker is online, and the queue ahead adds to the estimate."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping
from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import delete
from sqlmodel.ext.asyncio.session import AsyncSession

from tests.helpers import migrated_database
from upscaler.contracts import JobStatus, Preset, Queue
from upscaler.db.engine import make_engine, make_sessionmaker
from upscaler.db.tables import Job, Model, Upload, Worker
from upscaler.db.types import utcnow
from upscaler.errors import APIError
from upscaler.jobs.cost import FIXED_OVERHEAD_SECONDS
from upscaler.jobs.estimate import estimate_and_actual, job_eta, pool_speed, seconds_ahead
from upscaler.uploads.admission import place_upload

X4PLUS, FAST, ANIME = "RealESRGAN_x4plus", "realesrgan-x4fast", "realesr-animevideov3"
#: A CPU worker that ran animevideov3 at 1 Mpx/s: 619 GMAC/s, so x4plus at ~34.5 kpx/s.
CPU_SPEED = {ANIME: {"pixels_per_second": 1_000_000.0, "jobs": 5}}


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def admission_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A database of its own: these tests replace the models and workers."""
    with migrated_database(request.param, tmp_path_factory.mktemp("admission")) as url:
        yield url


@pytest.fixture
async def sessions(admission_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = make_engine(admission_url)
    sessions = make_sessionmaker(engine)
    async with sessions() as session:
        for table in (Job, Upload, Worker, Model):
            await session.exec(delete(table))
        session.add_all(
            [
                Model(
                    name=X4PLUS,
                    artifact_path="x4plus.onnx",
                    presets=["photo", "face"],
                    quality_rank=100,
                    details={"macs_per_pixel": 17_926_848, "gpu_recommended": True},
                ),
                Model(
                    name=FAST,
                    artifact_path="fast.onnx",
                    presets=["photo", "standard"],
                    quality_rank=80,
                    details={"macs_per_pixel": 1_209_024},
                ),
                Model(
                    name=ANIME,
                    artifact_path="anime.onnx",
                    presets=["art"],
                    quality_rank=60,
                    details={"macs_per_pixel": 619_200},
                ),
            ]
        )
        await session.commit()
    yield sessions
    await engine.dispose()


async def add_worker(
    sessions: async_sessionmaker[AsyncSession],
    name: str,
    queues: list[str],
    *,
    provider: str = "CPUExecutionProvider",
    throughput: Mapping[str, object] | None = None,
    seen_ago: float = 0,
) -> None:
    async with sessions() as session:
        session.add(
            Worker(
                id=name,
                hostname="host",
                pid=1,
                queues=queues,
                provider=provider,
                throughput=dict(throughput or {}),
                last_seen_at=utcnow() - timedelta(seconds=seen_ago),
            )
        )
        await session.commit()


async def test_photo_takes_x4plus_when_it_fits(sessions: async_sessionmaker[AsyncSession]) -> None:
    await add_worker(sessions, "cpu-1", ["cpu"], throughput=CPU_SPEED)
    async with sessions() as session:
        placement = await place_upload(session, Preset.PHOTO, 1_000_000, 1800)
    assert placement is not None
    assert placement.model.name == X4PLUS and placement.reason is None
    assert placement.queue == Queue.CPU  # no GPU worker online
    # 1 Mpx x 17.9 M MAC/px at the 619 GMAC/s measured on animevideov3
    assert placement.run_seconds == pytest.approx(FIXED_OVERHEAD_SECONDS + 17.926848 / 0.6192)


async def test_photo_falls_back_to_the_fast_model_and_says_why(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await add_worker(sessions, "cpu-1", ["cpu"], throughput=CPU_SPEED)
    async with sessions() as session:
        # 64 Mpx: x4plus ~1850 s, x4fast ~125 s
        placement = await place_upload(session, Preset.PHOTO, 64_000_000, 1800)
    assert placement is not None
    assert placement.model.name == FAST
    assert placement.reason is not None
    assert X4PLUS in placement.reason and "over the 1800 s limit" in placement.reason


async def test_nothing_fits_is_a_422_naming_the_lighter_model(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await add_worker(sessions, "cpu-1", ["cpu"], throughput=CPU_SPEED)
    # 40 Mpx: x4plus ~1160 s, x4fast ~80 s, animevideov3 ~42 s against a 60 s limit
    async with sessions() as session:
        with pytest.raises(APIError) as raised:
            await place_upload(session, Preset.PHOTO, 40_000_000, 60)
    error = raised.value
    assert error.status == 422 and error.code == "over_time_limit"
    assert "over the 60 s limit" in error.message
    assert f"{ANIME} (preset 'art')" in error.message
    assert "at most" in error.message  # and the image size x4plus could do
    assert {f.field for f in error.fields} == {"preset", "file"}


async def test_heavy_models_go_to_the_gpu_pool_while_a_gpu_worker_is_online(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await add_worker(sessions, "cpu-1", ["cpu"], throughput=CPU_SPEED)
    # A stale GPU worker, and the embedded worker (every queue, on the CPU): neither counts.
    await add_worker(sessions, "gpu-old", ["gpu"], provider="CUDAExecutionProvider", seen_ago=600)
    await add_worker(sessions, "embedded", ["cpu", "gpu"])
    async with sessions() as session:
        placement = await place_upload(session, Preset.PHOTO, 1_000_000, 1800)
    assert placement is not None and placement.queue == Queue.CPU

    await add_worker(sessions, "gpu-1", ["gpu"], provider="CUDAExecutionProvider")
    async with sessions() as session:
        heavy = await place_upload(session, Preset.PHOTO, 1_000_000, 1800)
        light = await place_upload(session, Preset.ART, 1_000_000, 1800)
    assert heavy is not None and heavy.queue == Queue.GPU and heavy.model.name == X4PLUS
    assert light is not None and light.queue == Queue.CPU
    # gpu-1 has measured nothing: the GPU default; the embedded worker's CPU default
    # also serves "gpu", so the pool's typical speed is the median of the two.
    assert len(heavy.pool.workers) == 2


async def test_the_queue_ahead_adds_to_the_eta(sessions: async_sessionmaker[AsyncSession]) -> None:
    await add_worker(sessions, "cpu-1", ["cpu"], throughput=CPU_SPEED)
    await add_worker(sessions, "cpu-2", ["cpu"], throughput=CPU_SPEED)
    now = utcnow()
    async with sessions() as session:
        for index in range(3):
            session.add(
                Upload(
                    id=f"u{index}",
                    original_filename="a.png",
                    mime_type="image/png",
                    width=2000,
                    height=1000,
                    size_bytes=1,
                    sha256="0" * 64,
                    storage_key=f"k{index}",
                )
            )
        await session.flush()
        statuses = [JobStatus.RUNNING, JobStatus.QUEUED, JobStatus.QUEUED]
        for index, status in enumerate(statuses):
            session.add(
                Job(
                    job_id=f"j{index}",
                    upload_id=f"u{index}",
                    status=status.value,
                    progress=50 if status == JobStatus.RUNNING else 0,
                    model=ANIME,
                    queue="cpu",
                    created_at=now + timedelta(seconds=index),
                )
            )
        await session.commit()
    async with sessions() as session:
        pool = await pool_speed(session, Queue.CPU)
        own = pool.run_seconds(ANIME, 2_000_000)  # 2 s overhead + 2 s
        # Before j2: half of j0 and all of j1, shared by two workers.
        last = await session.get(Job, "j2")
        upload = await session.get(Upload, "u2")
        assert last is not None and upload is not None
        assert await seconds_ahead(session, pool, last) == pytest.approx(1.5 * own / 2)
        assert await job_eta(session, last, upload) == round(own + 1.5 * own / 2)
        # A new upload waits for all three.
        assert await seconds_ahead(session, pool) == pytest.approx(2.5 * own / 2)


def test_a_completed_job_gives_its_estimate_and_actual_time() -> None:
    created = utcnow()
    job = Job(
        job_id="j",
        upload_id="u",
        created_at=created,
        finished_at=created + timedelta(seconds=12),
        estimated_seconds=10,
    )
    assert estimate_and_actual(job) == (10, 12)
    assert estimate_and_actual(Job(job_id="k", upload_id="u")) is None
