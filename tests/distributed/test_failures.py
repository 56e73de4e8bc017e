"""Transient errors are retried with backoff, permanent ones are not, and a
job whose retries are used up fails with its last error. Graceful shutdown
hands the running job back."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aioboto3
import httpx
import pytest

from tests.helpers import (
    IMAGES,
    SLOW_IMAGE,
    FlakyProxy,
    MotoS3,
    RedisServer,
    distributed_service,
    distributed_settings,
    threads_blocking,
    upload,
    wait_for_job,
)

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.s3, pytest.mark.slow]

SAMPLE = IMAGES / "realesrgan" / "0014.jpg"


def wait_until(
    client: httpx.Client,
    job_id: str,
    predicate: Callable[[dict[str, Any]], bool],
    timeout: float = 60,
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        job: dict[str, Any] = client.get(f"/api/v1/jobs/{job_id}").json()
        if predicate(job):
            return job
        assert time.monotonic() < deadline, f"condition never met: {job}"
        time.sleep(0.1)


async def delete_object(s3: MotoS3, bucket: str, prefix: str) -> None:
    async with aioboto3.Session().client(
        "s3", endpoint_url=s3.endpoint, region_name="us-east-1"
    ) as client:
        listing = await client.list_objects_v2(Bucket=bucket, Prefix=prefix)
        for item in listing.get("Contents", []):
            await client.delete_object(Bucket=bucket, Key=item["Key"])


def test_retries_permanent_failures_and_exhaustion(
    tmp_path: Path,
    model_dir: Path,
    scenario_database: str,
    private_redis: RedisServer,
    s3_server: MotoS3,
    bucket: str,
) -> None:
    settings = distributed_settings(
        tmp_path, model_dir, scenario_database, private_redis.url, s3_server,
        bucket=bucket, job_max_retries=2,
    )  # fmt: skip
    proxy = FlakyProxy(s3_server.port)
    worker_env = {"UPSCALER_S3_ENDPOINT": proxy.endpoint}  # workers reach S3 through it
    try:
        with (
            distributed_service(settings, worker_env=worker_env) as service,
            service.client() as client,
        ):
            # Transient: storage unreachable for the first attempt, back for a retry.
            proxy.up.clear()
            job_id = upload(client, SAMPLE, factor="2x").json()["job_id"]
            job = wait_until(
                client, job_id, lambda j: j["attempts"] >= 1 and j["status"] == "queued"
            )
            proxy.up.set()
            job = wait_for_job(client, job_id)
            assert job["status"] == "completed", job
            assert job["attempts"] >= 2
            assert job["error"] is None

            # Retries used up: failed, with the last error in words.
            proxy.up.clear()
            job_id = upload(client, SAMPLE, factor="2x").json()["job_id"]
            started = time.monotonic()
            job = wait_for_job(client, job_id, timeout=120)
            elapsed = time.monotonic() - started
            proxy.up.set()
            assert job["status"] == "failed", job
            assert job["attempts"] == 3  # the first try and two retries
            assert "Connect" in job["error"] or "connect" in job["error"], job["error"]
            assert elapsed >= 2 + 4 * 0.5, "the retries came without backoff"

            # Permanent: the original vanished from storage. No retry.
            assert service.workers is not None
            service.workers.stop()
            job_id = upload(client, SAMPLE, factor="2x").json()["job_id"]
            asyncio.run(delete_object(s3_server, bucket, "originals/"))
            service.workers.start()
            job = wait_for_job(client, job_id, timeout=90)
            assert job["status"] == "failed"
            assert job["attempts"] == 1
            assert "no longer in storage" in job["error"]
    finally:
        proxy.close()


def test_sigterm_hands_the_running_job_back(
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
    with distributed_service(settings) as service, service.client() as client:
        assert service.workers is not None and service.workers.process is not None
        # Still running when the signal lands, however fast this machine's engine.
        job_id = upload(client, SLOW_IMAGE, factor="2x").json()["job_id"]
        wait_until(client, job_id, lambda j: j["status"] == "running" and j["progress"] >= 10)
        # SIGTERM to a process reaches any thread not blocking it; only the
        # main thread may take it, or the stop could go unnoticed.
        (worker_pid,) = service.workers.worker_pids()
        blocking = threads_blocking(worker_pid, signal.SIGTERM)
        assert len(blocking) > 3, blocking  # the event loop, Dramatiq's, ONNX Runtime's
        assert blocking.pop(worker_pid) is False
        assert all(blocking.values()), f"threads that would take SIGTERM: {blocking}"
        service.workers.process.send_signal(signal.SIGTERM)
        stopped_at = time.monotonic()
        try:
            service.workers.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            pytest.fail(f"the pool did not stop; its log:\n{service.workers.stacks()}")
        print(f"worker pool stopped {time.monotonic() - stopped_at:.1f} s after SIGTERM")
        job = client.get(f"/api/v1/jobs/{job_id}").json()
        assert job["status"] == "queued", job  # handed back, not failed
        assert job["error"] is None
        service.workers.start()
        job = wait_for_job(client, job_id, timeout=180)
        assert job["status"] == "completed"
        assert job["attempts"] == 2
