"""Fifty uploads at once against PostgreSQL: fifty jobs, fifty messages, no error."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest
import redis
from sqlalchemy import text

from tests.helpers import IMAGES, LiveServer, MotoS3, RedisServer, distributed_settings
from upscaler.app import create_app
from upscaler.db.engine import make_engine
from upscaler.events.redis_bus import RedisEventBus
from upscaler.queueing.broker import build_broker

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.s3]

UPLOADS = 50


async def upload_all(url: str, data: bytes) -> list[httpx.Response]:
    limits = httpx.Limits(max_connections=UPLOADS)
    async with httpx.AsyncClient(base_url=url, timeout=120, limits=limits) as client:
        return await asyncio.gather(
            *(
                client.post(
                    "/api/v1/uploads",
                    files={"file": (f"img-{i}.jpg", data)},
                    data={"factor": "2x", "preset": ["photo", "art"][i % 2]},
                )
                for i in range(UPLOADS)
            )
        )


async def table_facts(database_url: str) -> dict[str, int]:
    engine = make_engine(database_url)
    try:
        async with engine.connect() as connection:
            queries = {
                "jobs": "SELECT count(*) FROM jobs",
                "uploads": "SELECT count(*) FROM uploads",
                "queued": "SELECT count(*) FROM jobs WHERE status = 'queued'",
                "enqueued": "SELECT count(*) FROM jobs WHERE enqueued_at IS NOT NULL",
                "orphans": "SELECT count(*) FROM jobs j LEFT JOIN uploads u ON u.id = j.upload_id "
                "WHERE u.id IS NULL",
                "distinct_keys": "SELECT count(DISTINCT storage_key) FROM uploads",
            }
            return {
                name: (await connection.execute(text(sql))).scalar_one()
                for name, sql in queries.items()
            }
    finally:
        await engine.dispose()


def test_fifty_concurrent_uploads(
    tmp_path: Path,
    model_dir: Path,
    scenario_database: str,
    private_redis: RedisServer,
    s3_server: MotoS3,
    bucket: str,
) -> None:
    settings = distributed_settings(
        tmp_path, model_dir, scenario_database, private_redis.url, s3_server, bucket=bucket
    )
    # The models table is filled by workers; register the one model directly
    # through a worker's own code path so no worker needs to run.
    from upscaler_worker.inference.installed import read_installed
    from upscaler_worker.models_sync import register_installed

    async def register() -> None:
        from upscaler.db.engine import make_sessionmaker
        from upscaler.db.migrate import upgrade_to_head

        await asyncio.to_thread(upgrade_to_head, scenario_database)
        engine = make_engine(scenario_database)
        async with make_sessionmaker(engine)() as session:
            await register_installed(session, read_installed(model_dir))
        await engine.dispose()

    asyncio.run(register())
    app = create_app(settings, broker=build_broker(settings), bus=RedisEventBus(private_redis.url))
    data = (IMAGES / "realesrgan" / "0014.jpg").read_bytes()
    with LiveServer(app) as live:
        responses = asyncio.run(upload_all(live.url, data))
    statuses = [r.status_code for r in responses]
    assert statuses == [202] * UPLOADS, [r.text for r in responses if r.status_code != 202]
    job_ids = {r.json()["job_id"] for r in responses}
    assert len(job_ids) == UPLOADS

    facts = asyncio.run(table_facts(scenario_database))
    assert facts == {
        "jobs": UPLOADS,
        "uploads": UPLOADS,
        "queued": UPLOADS,
        "enqueued": UPLOADS,
        "orphans": 0,
        "distinct_keys": UPLOADS,
    }
    broker_redis = redis.Redis.from_url(private_redis.url)
    assert broker_redis.llen("upscaler:cpu") == UPLOADS
