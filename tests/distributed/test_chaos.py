"""20 jobs, 2 worker processes, one SIGKILLed mid-inference: nothing is lost,
nothing is written twice, the job comes back within 30 s, and the killed
process is replaced."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from tests.distributed.support import object_count
from tests.helpers import (
    IMAGES,
    MotoS3,
    RedisServer,
    distributed_service,
    distributed_settings,
    upload,
)
from upscaler.db.engine import make_engine

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.s3, pytest.mark.slow]

JOBS = 20
IMAGE = IMAGES / "realesrgan" / "ADE_val_00000114.jpg"  # 256 x 256: 16 tiles of 64 px


async def worker_rows(database_url: str) -> list[tuple[str, int, int]]:
    engine = make_engine(database_url)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(text("SELECT id, pid, jobs_done FROM workers"))
            return [(r[0], r[1], r[2]) for r in rows]
    finally:
        await engine.dispose()


def test_sigkill_one_of_two_workers(
    tmp_path: Path,
    model_dir: Path,
    scenario_database: str,
    private_redis: RedisServer,
    s3_server: MotoS3,
    bucket: str,
) -> None:
    # The reference path (ONNX Runtime fp32) keeps each job about a second long
    # on every CPU: a bf16 path on AMX would end jobs between two polls.
    settings = distributed_settings(
        tmp_path,
        model_dir,
        scenario_database,
        private_redis.url,
        s3_server,
        bucket=bucket,
        engine_path="cpu-fp32",
    )
    with distributed_service(settings, workers=2) as service, service.client() as client:
        job_ids = [upload(client, IMAGE, factor="4x").json()["job_id"] for _ in range(JOBS)]

        # Catch a job in the middle of its tiles and kill the process running it.
        # Jobs run roughly in order, so only the oldest unfinished ones are
        # polled: a sweep over all 20 would be slower than one job.
        deadline = time.monotonic() + 120
        unfinished = list(job_ids)
        victim = None
        while victim is None:
            assert time.monotonic() < deadline, "no job was seen running"
            assert unfinished, "every job ended before one was seen running"
            for job_id in unfinished[:3]:
                job = client.get(f"/api/v1/jobs/{job_id}").json()
                if job["status"] == "running" and 15 <= job["progress"] <= 80:
                    victim = job
                    break
                if job["status"] in ("completed", "failed", "canceled"):
                    unfinished.remove(job_id)
            time.sleep(0.02)
        killed_worker = victim["worker_id"]
        killed_pid = int(killed_worker.split(":")[1])
        assert service.workers is not None
        first_pids = set(service.workers.worker_pids())  # the supervisor's two children
        assert len(first_pids) == 2 and killed_pid in first_pids, (first_pids, killed_pid)
        (survivor_pid,) = first_pids - {killed_pid}
        os.kill(killed_pid, signal.SIGKILL)
        killed_at = time.monotonic()

        # The killed job is taken up by another worker process.
        redelivered_after = None
        while redelivered_after is None:
            job = client.get(f"/api/v1/jobs/{victim['job_id']}").json()
            if job["worker_id"] not in (None, killed_worker) or job["status"] == "completed":
                redelivered_after = time.monotonic() - killed_at
            elif time.monotonic() - killed_at > 60:
                pytest.fail(f"job {victim['job_id']} not taken up again: {job}")
            time.sleep(0.1)
        print(f"redelivered {redelivered_after:.1f} s after SIGKILL")
        assert redelivered_after <= 30

        # Every job completes.
        finals = {}
        deadline = time.monotonic() + 300
        for job_id in job_ids:
            while True:
                job = client.get(f"/api/v1/jobs/{job_id}").json()
                if job["status"] in ("completed", "failed", "canceled"):
                    finals[job_id] = job
                    break
                assert time.monotonic() < deadline, f"{job_id} stuck in {job['status']}"
                time.sleep(0.2)
        assert {j["status"] for j in finals.values()} == {"completed"}
        assert finals[victim["job_id"]]["attempts"] == 2

        # Each result was written once: one object per job, no orphans.
        assert asyncio.run(object_count(s3_server, bucket, "results/")) == JOBS
        assert asyncio.run(object_count(s3_server, bucket, "previews/")) == JOBS
        result_keys = {j["result_url"].split("?")[0] for j in finals.values()}
        assert len(result_keys) == JOBS

        # The supervisor replaced the killed process, and the new one works.
        live_pids = set(service.workers.worker_pids())
        assert len(live_pids) == 2 and survivor_pid in live_pids, (first_pids, live_pids)
        (replacement_pid,) = live_pids - first_pids
        rows = asyncio.run(worker_rows(scenario_database))
        # One row per process that ever ran: the two first ones and the one
        # that replaced the killed one, no other.
        assert sorted(pid for _, pid, _ in rows) == sorted(first_pids | {replacement_pid}), rows
        worker_of = {pid: wid for wid, pid, _ in rows}
        assert worker_of[killed_pid] == killed_worker
        finished_by = {j["worker_id"] for j in finals.values()}
        assert finished_by <= set(worker_of.values()), (finished_by, rows)
        assert finals[victim["job_id"]]["worker_id"] in {
            worker_of[survivor_pid],
            worker_of[replacement_pid],
        }
        # The replacement takes work. The survivor may well have finished the
        # other 19 jobs before the replacement was up (a fast engine path does so
        # in seconds), so pause the survivor: the next job can only go to it.
        os.kill(survivor_pid, signal.SIGSTOP)
        try:
            extra_id = upload(client, IMAGE, factor="2x").json()["job_id"]
            deadline = time.monotonic() + 120
            while (extra := client.get(f"/api/v1/jobs/{extra_id}").json())["status"] not in (
                "completed",
                "failed",
                "canceled",
            ):
                assert time.monotonic() < deadline, f"the replacement never ran {extra}"
                time.sleep(0.2)
        finally:
            os.kill(survivor_pid, signal.SIGCONT)
        assert extra["status"] == "completed", extra
        assert extra["worker_id"] == worker_of[replacement_pid], (extra, rows)
        health = client.get("/api/v1/health").json()
        # The killed process's heartbeat row ages out after 30 s; until then it
        # still counts besides the two live ones.
        assert 2 <= health["workers_online"] <= 3, health
