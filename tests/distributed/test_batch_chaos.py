"""A batch of 8 images on 2 worker processes, one SIGKILLed in the middle of
a batch job: the batch still completes every job, each exactly once (one
result object per image), and its ZIP holds all eight."""

from __future__ import annotations

import asyncio
import io
import os
import signal
import time
import zipfile
from pathlib import Path

import pytest

from tests.distributed.support import object_count
from tests.helpers import IMAGES, MotoS3, RedisServer, distributed_service, distributed_settings

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.s3, pytest.mark.slow]

IMAGES_IN_BATCH = 8
IMAGE = IMAGES / "realesrgan" / "ADE_val_00000114.jpg"  # 256 x 256: 16 tiles of 64 px


def test_a_batch_survives_a_killed_worker(
    tmp_path: Path,
    model_dir: Path,
    scenario_database: str,
    private_redis: RedisServer,
    s3_server: MotoS3,
    bucket: str,
) -> None:
    settings = distributed_settings(
        tmp_path,
        model_dir,
        scenario_database,
        private_redis.url,
        s3_server,
        bucket=bucket,
        engine_path="cpu-fp32",  # about a second a job on any CPU: one can be caught running
    )
    data = IMAGE.read_bytes()
    parts = [("file", (f"street-{i}.jpg", data)) for i in range(IMAGES_IN_BATCH)]
    with distributed_service(settings, workers=2) as service, service.client() as client:
        response = client.post("/api/v1/batches", files=parts, data={"factor": "4x"})
        assert response.status_code == 202, response.text
        batch_url = response.json()["status_url"]

        victim = None
        deadline = time.monotonic() + 120
        while victim is None:
            assert time.monotonic() < deadline, "no batch job was seen running"
            batch = client.get(batch_url).json()
            assert batch["status"] in ("queued", "running"), "the batch ended first"
            for job in batch["jobs"]:
                if job["status"] == "running" and 15 <= job["progress"] <= 80:
                    victim = client.get(job["status_url"]).json()
                    break
            time.sleep(0.02)
        killed_pid = int(victim["worker_id"].split(":")[1])
        os.kill(killed_pid, signal.SIGKILL)

        deadline = time.monotonic() + 300
        while (batch := client.get(batch_url).json())["status"] in ("queued", "running"):
            assert time.monotonic() < deadline, f"batch stuck: {batch['counts']}"
            time.sleep(0.3)
        assert batch["status"] == "completed", batch["counts"]
        assert batch["counts"]["completed"] == IMAGES_IN_BATCH
        again = client.get(f"/api/v1/jobs/{victim['job_id']}").json()
        assert again["attempts"] == 2, again

        # Each image's result was written once: no second copy, no orphan.
        assert asyncio.run(object_count(s3_server, bucket, "results/")) == IMAGES_IN_BATCH
        download = client.get(batch["download_url"])
        with zipfile.ZipFile(io.BytesIO(download.content)) as results:
            names = set(results.namelist()) - {"manifest.json"}
        assert names == {f"street-{i}.png" for i in range(IMAGES_IN_BATCH)}
