"""Redis goes away: uploads are refused cleanly (503, nothing half-made), jobs
already accepted wait in the database, and run once Redis is back."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import aioboto3
import pytest
from sqlalchemy import text

from tests.helpers import (
    IMAGES,
    MotoS3,
    RedisServer,
    distributed_service,
    distributed_settings,
    upload,
    wait_for_job,
)
from upscaler.db.engine import make_engine

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.s3, pytest.mark.slow]

SAMPLE = IMAGES / "realesrgan" / "0014.jpg"


async def counts(database_url: str, s3: MotoS3, bucket: str) -> tuple[int, int, int]:
    engine = make_engine(database_url)
    try:
        async with engine.connect() as connection:
            uploads = (await connection.execute(text("SELECT count(*) FROM uploads"))).scalar_one()
            jobs = (await connection.execute(text("SELECT count(*) FROM jobs"))).scalar_one()
    finally:
        await engine.dispose()
    async with aioboto3.Session().client(
        "s3", endpoint_url=s3.endpoint, region_name="us-east-1"
    ) as client:
        listing = await client.list_objects_v2(Bucket=bucket, Prefix="originals/")
    return uploads, jobs, len(listing.get("Contents", []))


def test_redis_outage_refuses_uploads_and_loses_nothing(
    tmp_path: Path,
    model_dir: Path,
    scenario_database: str,
    private_redis: RedisServer,
    s3_server: MotoS3,
    bucket: str,
) -> None:
    settings = distributed_settings(
        tmp_path, model_dir, scenario_database, private_redis.url, s3_server, bucket=bucket,
        sweep_interval_seconds=1.0,
    )  # fmt: skip
    with distributed_service(settings) as service, service.client() as client:
        assert service.workers is not None
        first = upload(client, SAMPLE, factor="2x").json()["job_id"]
        assert wait_for_job(client, first)["status"] == "completed"

        # A job accepted while no worker runs: its message sits in Redis...
        service.workers.stop()
        accepted = upload(client, SAMPLE, factor="2x").json()["job_id"]
        # ...and Redis dies (it keeps nothing on disk: the message is gone).
        private_redis.stop()
        before = asyncio.run(counts(scenario_database, s3_server, bucket))

        refused = upload(client, SAMPLE, factor="2x")
        assert refused.status_code == 503, refused.text
        assert refused.json()["error"]["code"] == "unavailable"
        assert int(refused.headers["retry-after"]) > 0
        assert asyncio.run(counts(scenario_database, s3_server, bucket)) == before, (
            "a refused upload left rows or files behind"
        )
        health = client.get("/api/v1/health").json()
        assert health["status"] == "degraded"
        assert any("Redis" in problem for problem in health["problems"])
        assert client.get(f"/api/v1/jobs/{accepted}").json()["status"] == "queued"

        # Redis comes back empty; the database still knows the job.
        private_redis.start()
        service.workers.start()
        assert wait_for_job(client, accepted, timeout=120)["status"] == "completed"
        after = upload(client, SAMPLE, factor="4x")
        assert after.status_code == 202
        assert wait_for_job(client, after.json()["job_id"])["status"] == "completed"


def test_redis_down_at_upload_time_names_a_retry(
    tmp_path: Path, model_dir: Path, scenario_database: str, s3_server: MotoS3, bucket: str
) -> None:
    """No Redis at all behind the API: every upload is 503, and nothing is stored."""
    dead = RedisServer(tmp_path)  # never started: nothing listens on its port
    settings = distributed_settings(
        tmp_path, model_dir, scenario_database, dead.url, s3_server, bucket=bucket
    )
    from tests.helpers import LiveServer
    from upscaler.app import create_app
    from upscaler.events.redis_bus import RedisEventBus
    from upscaler.queueing.broker import build_broker

    app = create_app(settings, broker=build_broker(settings), bus=RedisEventBus(dead.url))
    with LiveServer(app) as live, live.client() as client:
        started = time.monotonic()
        responses = [upload(client, SAMPLE, factor="2x") for _ in range(3)]
        assert time.monotonic() - started < 30, "refusing should be quick"
    assert [r.status_code for r in responses] == [503, 503, 503]
    assert asyncio.run(counts(scenario_database, s3_server, bucket))[:2] == (0, 0)
