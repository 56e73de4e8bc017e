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

from tests.helpers import IMAGES, Service, upload, wait_for_job
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
        with live_settings(service, queue_paused=True):
            job_id = upload(client, IMAGES / "realesrgan" / "OST_009.png").json()["job_id"]
            set_live(service, job_timeout_seconds=1)
        try:
            started = time.monotonic()
            job = wait_for_job(client, job_id, timeout=60)
        finally:
            set_live(service, job_timeout_seconds=service.settings.job_timeout_seconds)
    assert job["status"] == "failed", job
    assert "longer than the 1 s limit" in job["error"]
    assert time.monotonic() - started < 30
    assert job["attempts"] == 1  # a timeout is not retried


def test_an_upload_that_cannot_finish_in_time_is_refused(service: Service) -> None:
    with live_settings(service, job_timeout_seconds=1), service.client() as client:
        refused = upload(client, IMAGES / "realesrgan" / "OST_009.png")
    assert refused.status_code == 422, refused.text
    error = refused.json()["error"]
    assert error["code"] == "over_time_limit"
    assert "over the 1 s limit" in error["message"]


def test_upload_limit_changes_without_restart(service: Service) -> None:
    sample = IMAGES / "realesrgan" / "0014.jpg"  # 9605 bytes
    with live_settings(service, max_upload_size_bytes=5000), service.client() as client:
        refused = upload(client, sample)
    assert refused.status_code == 413
    assert "5000" in refused.json()["error"]["fields"][0]["message"]
    with service.client() as client:
        assert upload(client, sample).status_code == 202


def test_a_completed_job_teaches_the_worker_its_speed(service: Service) -> None:
    with service.client() as client:
        accepted = upload(client, IMAGES / "realesrgan" / "0014.jpg").json()
        job = wait_for_job(client, accepted["job_id"])
    assert job["status"] == "completed", job
    assert job["estimated_seconds_at_upload"] == accepted["estimated_seconds"]

    async def read() -> tuple[list[Worker], Model | None]:
        engine = make_engine(service.settings.database_url)
        try:
            async with make_sessionmaker(engine)() as session:
                workers = list((await session.exec(select(Worker))).all())
                return workers, await get_model(session, job["model"])
        finally:
            await engine.dispose()

    workers, model = asyncio.run(read())
    assert model is not None and model.details["macs_per_pixel"] == 619_200
    speeds = [w.throughput[job["model"]] for w in workers if job["model"] in w.throughput]
    assert speeds and all(s["pixels_per_second"] > 0 and s["jobs"] >= 1 for s in speeds)
