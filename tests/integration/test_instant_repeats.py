"""Instant repeats in both modes: an upload identical to a finished job (same
bytes, parameters and model version) completes at once from that job's files,
storing nothing new; anything that changes the result runs; the admin setting
turns it off; the admin sees which job a repeat shares its files with."""

from __future__ import annotations

import asyncio
import io
import secrets
import time
from collections.abc import Iterator

import aioboto3
import httpx
import pytest
import upscaler_client
from PIL import Image
from sqlmodel import col, delete
from upscaler_client.models import Denoise, JobOut, JobStatus, OutputFormat, ResultInfo

from tests.admin.support import admin_token, bearer
from tests.api_client import accepted, create_upload, typed, wait_for_job
from tests.helpers import IMAGES, Service
from upscaler.db.engine import make_engine, make_sessionmaker
from upscaler.db.tables import Setting
from upscaler.live_settings import TTL_SECONDS

SERVICE_SETTINGS = {"instant_repeats": True}
SAMPLE = IMAGES / "realesrgan" / "0014.jpg"  # 179 x 179


def unique_png() -> bytes:
    """The sample with one pixel of its own: no earlier job (of any test
    sharing this database) has these bytes."""
    with Image.open(SAMPLE) as opened:
        image = opened.convert("RGB")
    image.putpixel((0, 0), tuple(secrets.randbelow(256) for _ in range(3)))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def stored_objects(service: Service) -> set[str]:
    """Every object in the service's storage (local files or the S3 bucket)."""
    settings = service.settings
    if settings.storage_backend != "s3":
        root = settings.local_storage_dir
        return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}

    async def listing() -> set[str]:
        async with aioboto3.Session().client(
            "s3", endpoint_url=settings.s3_endpoint, region_name="us-east-1"
        ) as client:
            paginator = client.get_paginator("list_objects_v2")
            keys: set[str] = set()
            async for page in paginator.paginate(Bucket=settings.s3_bucket):
                keys.update(item["Key"] for item in page.get("Contents", []))
            return keys

    return asyncio.run(listing())


def result_bytes(api: upscaler_client.Client, job_id: str) -> bytes:
    response = api.get_httpx_client().get(f"/api/v1/jobs/{job_id}/result", follow_redirects=True)
    assert response.status_code == 200, response.text
    return response.content


def finished(api: upscaler_client.Client, data: bytes, **fields: object) -> JobOut:
    response = create_upload(api, data, factor="2x", filename="mine.png", **fields)
    job = wait_for_job(api, accepted(response).job_id, timeout=120)
    assert job.status == JobStatus.COMPLETED, job.error
    return job


def set_instant_repeats(service: Service, client: httpx.Client, token: str, on: bool) -> None:
    """As an admin does it, through the settings API; every process sees it
    once its cache (TTL_SECONDS) has expired."""
    response = client.post(
        "/api/v1/admin/settings", headers=bearer(token), json={"instant_repeats": on}
    )
    assert response.status_code == 200, response.text
    assert response.json()["settings"]["instant_repeats"] is on
    time.sleep(TTL_SECONDS + 0.5)


def forget_setting(service: Service, key: str) -> None:
    """Back to the process's own default (other modules share this database)."""

    async def forget() -> None:
        engine = make_engine(service.settings.database_url)
        try:
            async with make_sessionmaker(engine)() as session:
                await session.exec(delete(Setting).where(col(Setting.key) == key))
                await session.commit()
        finally:
            await engine.dispose()

    asyncio.run(forget())
    time.sleep(TTL_SECONDS + 0.5)


@pytest.fixture(scope="module")
def client(service: Service) -> Iterator[httpx.Client]:
    with service.client() as client:
        yield client


@pytest.fixture(scope="module")
def token(client: httpx.Client) -> str:
    return admin_token(client)


def test_identical_upload_completes_at_once_from_the_same_files(
    service: Service, client: httpx.Client, token: str
) -> None:
    api = typed(client)
    data = unique_png()
    first = finished(api, data, output_format=OutputFormat.PNG)
    assert first.instant_repeat is False
    first_bytes = result_bytes(api, first.job_id)
    objects = stored_objects(service)

    started = time.monotonic()
    response = create_upload(
        api, data, factor="2x", filename="again.png", output_format=OutputFormat.PNG
    )
    again = accepted(response)
    job = wait_for_job(api, again.job_id, timeout=5)
    elapsed = time.monotonic() - started

    assert elapsed < 1.0, elapsed
    assert again.status == JobStatus.COMPLETED  # already in the 202
    assert again.estimated_seconds == 0
    assert job.job_id != first.job_id
    assert job.status == JobStatus.COMPLETED
    assert job.instant_repeat is True
    assert job.progress == 100
    assert isinstance(job.result, ResultInfo) and isinstance(first.result, ResultInfo)
    assert (job.result.width, job.result.height) == (first.result.width, first.result.height)
    assert job.model == first.model
    assert result_bytes(api, job.job_id) == first_bytes
    assert stored_objects(service) == objects  # nothing stored twice

    detail = client.get(f"/api/v1/admin/jobs/{job.job_id}", headers=bearer(token))
    assert detail.status_code == 200, detail.text
    assert detail.json()["repeat_of"] == first.job_id


def test_whatever_changes_the_result_runs(service: Service, client: httpx.Client) -> None:
    api = typed(client)
    data = unique_png()
    first = finished(api, data)
    changed = [
        finished(api, data, output_format=OutputFormat.WEBP),
        finished(api, data, denoise=Denoise.HIGH),
        finished(api, unique_png()),  # other bytes
    ]
    for job in changed:
        assert job.instant_repeat is False, job
    # A 4x of the same bytes is another job too.
    four = wait_for_job(
        api, accepted(create_upload(api, data, factor="4x", filename="a.png")).job_id
    )
    assert four.status == JobStatus.COMPLETED and four.instant_repeat is False
    # The first is still what an identical upload repeats.
    assert finished(api, data).instant_repeat is True
    assert first.instant_repeat is False


def test_the_admin_setting_turns_it_off(service: Service, client: httpx.Client, token: str) -> None:
    api = typed(client)
    data = unique_png()
    finished(api, data)
    set_instant_repeats(service, client, token, on=False)
    try:
        assert finished(api, data).instant_repeat is False
    finally:
        forget_setting(service, "instant_repeats")
    assert finished(api, data).instant_repeat is True


def test_deleting_one_jobs_files_keeps_what_its_repeat_shares(
    service: Service, client: httpx.Client, token: str
) -> None:
    api = typed(client)
    data = unique_png()
    first = finished(api, data)
    expected = result_bytes(api, first.job_id)
    repeat = finished(api, data)
    assert repeat.instant_repeat is True

    gone = client.delete(
        f"/api/v1/admin/jobs/{first.job_id}/artifacts",
        params={"include_original": "true"},
        headers=bearer(token),
    )
    assert gone.status_code == 200, gone.text
    assert gone.json()["deleted_keys"] == 0  # all three are the repeat's too
    assert client.get(f"/api/v1/jobs/{first.job_id}/result").status_code == 409
    assert result_bytes(api, repeat.job_id) == expected

    # With its donor's files let go, the repeat is the last holder: they go.
    objects = stored_objects(service)
    gone = client.delete(
        f"/api/v1/admin/jobs/{repeat.job_id}/artifacts",
        params={"include_original": "true"},
        headers=bearer(token),
    )
    assert gone.json()["deleted_keys"] == 3
    assert len(objects - stored_objects(service)) == 3
    # A new identical upload has nothing to repeat: it runs.
    assert finished(api, data).instant_repeat is False
