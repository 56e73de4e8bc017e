"""Two stateless API replicas on one database and one Redis: a job uploaded
through one is watched live and downloaded through the other; S3 downloads
can also be presigned URLs straight to the bucket."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from tests.helpers import (
    IMAGES,
    LiveServer,
    MotoS3,
    RedisServer,
    distributed_service,
    distributed_settings,
    upload,
    wait_for_job,
)
from tests.web.live import set_live_settings
from upscaler.app import create_app
from upscaler.events.redis_bus import RedisEventBus
from upscaler.queueing.broker import build_broker
from upscaler_worker.actors.upscale_job import TILES_FROM, TILES_TO

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.s3, pytest.mark.slow]


def test_events_and_downloads_work_from_any_replica(
    tmp_path: Path,
    model_dir: Path,
    scenario_database: str,
    private_redis: RedisServer,
    s3_server: MotoS3,
    bucket: str,
) -> None:
    settings = distributed_settings(
        tmp_path, model_dir, scenario_database, private_redis.url, s3_server, bucket=bucket,
        s3_download_mode="presigned",
    )  # fmt: skip
    replica_b = create_app(
        settings, broker=build_broker(settings), bus=RedisEventBus(private_redis.url)
    )
    with distributed_service(settings) as service, LiveServer(replica_b) as other:
        # The job waits in the paused queue until B's stream is open, so every
        # event the worker publishes must reach B, however fast the machine
        # runs the job (its progress events are half a second apart).
        set_live_settings(other, workers=True, queue_paused=True)
        try:
            with service.client() as a:
                image = IMAGES / "realesrgan" / "OST_009.png"
                job_id = upload(a, image, factor="4x").json()["job_id"]
            events = []
            with (
                other.client() as b,
                b.stream("GET", f"/api/v1/jobs/{job_id}/events", timeout=180) as stream,
            ):
                name = None
                for line in stream.iter_lines():
                    if line.startswith("retry: "):  # the stream is open: let the job run
                        set_live_settings(other, queue_paused=False)
                    if line.startswith("event: "):
                        name = line[7:]
                    elif line.startswith("data: ") and name:
                        events.append((name, json.loads(line[6:])))
        finally:
            set_live_settings(other, queue_paused=False)
        states = [data["status"] for kind, data in events if kind == "state"]
        assert states == ["queued", "running", "completed"], events
        progress = [data["progress"] for kind, data in events if kind == "progress"]
        # The first tile's report and the last one's, anything between in order.
        assert progress[0] == TILES_FROM and progress[-1] == TILES_TO, events
        assert progress == sorted(progress), events
        with other.client() as b:
            job = wait_for_job(b, job_id)
        # Presigned: the link points at the bucket itself and works there.
        assert job["result_url"].startswith(s3_server.endpoint)
        assert "Signature=" in job["result_url"] or "X-Amz-Signature=" in job["result_url"]
        direct = httpx.get(job["result_url"], timeout=30)
        assert direct.status_code == 200
        assert direct.headers["content-type"] == "image/png"
        assert direct.content[:8] == b"\x89PNG\r\n\x1a\n"
        assert "attachment" in direct.headers["content-disposition"]
        # The job page may show those images: the bucket is an allowed image origin.
        with other.client() as b:
            csp = b.get(f"/jobs/{job_id}").headers["content-security-policy"]
        assert f"img-src 'self' data: blob: {s3_server.endpoint}" in csp
        # (moto does not check presigned signatures, so tampering is not tested here.)
