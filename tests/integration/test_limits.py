"""Run-time limits set in the settings table take effect in both modes
without a restart: the job timeout stops a running inference and refuses an
upload that could not finish within it, and the upload limit refuses a file."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Iterator
from typing import Any

from sqlmodel import select
from upscaler_client.models import JobStatus

from tests.api_client import accepted, create_upload, error_of, problems, typed, wait_for_job
from tests.helpers import IMAGES, SLOW_IMAGE, Service
from upscaler.catalog.service import get_model
from upscaler.db.engine import make_engine, make_sessionmaker
from upscaler.db.tables import Model, Worker
from upscaler.live_settings import TTL_SECONDS, LiveSettings


def set_live(service: Service, **changes: Any) -> None:
    async def apply() -> None:
        engine = make_engine(service.settings.database_url)
        try:
            async with make_sessionmaker(engine)() as session:
                live = LiveSettings(service.settings, make_sessionmaker(engine))
                await live.update(session, changes, user_id=None)
        finally:
            await engine.dispose()

    asyncio.run(apply())
    time.sleep(TTL_SECONDS + 0.5)  # every process's cache has expired


@contextlib.contextmanager
def live_settings(service: Service, **changes: Any) -> Iterator[None]:
    defaults = {
        "job_timeout_seconds": service.settings.job_timeout_seconds,
        "max_upload_size_bytes": service.settings.max_upload_size_bytes,
        "queue_paused": False,
    }
    set_live(service, **changes)
    try:
        yield
    finally:
        set_live(service, **{key: defaults[key] for key in changes})


def test_job_timeout_stops_a_running_inference(service: Service) -> None:
    # Admitted under the normal limit; the limit drops to 1 s before it runs
    # (admission would refuse it under a 1 s limit).
    with service.client() as client:
        api = typed(client)
        with live_settings(service, queue_paused=True):
            job_id = accepted(create_upload(api, SLOW_IMAGE, factor="4x")).job_id
            set_live(service, job_timeout_seconds=1)
        try:
            started = time.monotonic()
            job = wait_for_job(api, job_id, timeout=60)
        finally:
            set_live(service, job_timeout_seconds=service.settings.job_timeout_seconds)
    assert job.status == JobStatus.FAILED, job
    assert job.error is not None and "longer than the 1 s limit" in job.error
    assert time.monotonic() - started < 30
    assert job.attempts == 1  # a timeout is not retried


def test_an_upload_that_cannot_finish_in_time_is_refused(service: Service) -> None:
    with live_settings(service, job_timeout_seconds=1), service.client() as client:
        refused = create_upload(typed(client), IMAGES / "realesrgan" / "OST_009.png")
    error = error_of(refused, 422)
    assert error.code == "over_time_limit"
    assert "over the 1 s limit" in error.message


def test_upload_limit_changes_without_restart(service: Service) -> None:
    sample = IMAGES / "realesrgan" / "0014.jpg"  # 9605 bytes
    with live_settings(service, max_upload_size_bytes=5000), service.client() as client:
        refused = create_upload(typed(client), sample)
    assert "5000" in problems(error_of(refused, 413))[0].message
    with service.client() as client:
        accepted(create_upload(typed(client), sample))


def test_a_completed_job_teaches_the_worker_its_speed(service: Service) -> None:
    with service.client() as client:
        api = typed(client)
        upload = accepted(create_upload(api, IMAGES / "realesrgan" / "0014.jpg"))
        job = wait_for_job(api, upload.job_id)
    assert job.status == JobStatus.COMPLETED, job
    assert job.model is not None, job
    model_name = job.model
    assert job.estimated_seconds_at_upload == upload.estimated_seconds

    async def read() -> tuple[list[Worker], Model | None]:
        engine = make_engine(service.settings.database_url)
        try:
            async with make_sessionmaker(engine)() as session:
                workers = list((await session.exec(select(Worker))).all())
                return workers, await get_model(session, model_name)
        finally:
            await engine.dispose()

    workers, model = asyncio.run(read())
    assert model is not None and model.details["macs_per_pixel"] == 619_200
    speeds = [w.throughput[model_name] for w in workers if model_name in w.throughput]
    assert speeds and all(s["pixels_per_second"] > 0 and s["jobs"] >= 1 for s in speeds)
