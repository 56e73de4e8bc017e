"""Service-level figures: the queue, the workers and the API around the engine.

- end-to-end (upload → completed) time of one 512x512 job on the embedded
  service (`make run`'s own code), to compare with the engine's model-only time;
- jobs per minute with 1 and with 2 worker processes (`upscaler-worker`, Redis
  broker, PostgreSQL, local storage shared on this machine) and their ratio;
- p50/p99 latency of GET /api/v1/jobs/{id} under 200 concurrent pollers, against
  an API replica in its own process.

`python -m bench.service` runs them alone; `python -m bench` includes them.
PostgreSQL and Redis come from DATABASE_URL / REDIS_URL (the machine's own
servers by default), as in the tests.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import json
import os
import secrets
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[1]
POSTGRES_URL = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_BINARY = shutil.which("redis-server") or "/usr/bin/redis-server"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_http(url: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url, timeout=2).status_code in (200, 503):
                return
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer")


@contextlib.contextmanager
def process(args: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("ab") as out:
        proc = subprocess.Popen(args, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=REPO)
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def base_env(data_dir: Path, model_dir: Path, port: int, **extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "PYTHONUNBUFFERED": "1",
        "UPSCALER_ENV": "test",
        "UPSCALER_DATA_DIR": str(data_dir),
        "UPSCALER_MODEL_DIR": str(model_dir),
        "UPSCALER_PORT": str(port),
        "UPSCALER_SECRET_KEY": secrets.token_urlsafe(40),
        "UPSCALER_RATE_LIMIT_PER_MINUTE": "0",
        "UPSCALER_LOG_LEVEL": "WARNING",
        "UPSCALER_REDIS_URL": "",
        "UPSCALER_DATABASE_URL": "",
        # The benchmark sends the same image again and again to time it: an
        # instant repeat would time nothing.
        "UPSCALER_INSTANT_REPEATS": "0",
    }
    env.update(extra)
    return env


def upload(client: httpx.Client, image: Path) -> str:
    response = client.post(
        "/api/v1/uploads", files={"file": (image.name, image.read_bytes())}, data={"factor": "4x"}
    )
    response.raise_for_status()
    job_id: str = response.json()["job_id"]
    return job_id


def wait_done(
    client: httpx.Client, job_id: str, timeout: float = 600, poll: float = 0.02
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job: dict[str, Any] = client.get(f"/api/v1/jobs/{job_id}").json()
        if job["status"] in ("completed", "failed", "canceled"):
            if job["status"] != "completed":
                raise RuntimeError(f"job {job_id} {job['status']}: {job.get('error')}")
            return job
        time.sleep(poll)
    raise RuntimeError(f"job {job_id} did not finish")


def follow_to_the_end(client: httpx.Client, job_id: str) -> dict[str, Any]:
    """Wait as the job page does: on its server-sent events (polling fast
    enough to be precise would itself load the machine the job runs on)."""
    with client.stream("GET", f"/api/v1/jobs/{job_id}/events", timeout=600) as stream:
        event = None
        for line in stream.iter_lines():
            if line.startswith("event: "):
                event = line[7:]
            elif line.startswith("data: ") and event == "state":
                state: dict[str, Any] = json.loads(line[6:])
                if state["status"] == "completed":
                    return state
                if state["status"] in ("failed", "canceled"):
                    raise RuntimeError(f"job {job_id} {state['status']}: {state.get('error')}")
    raise RuntimeError(f"the event stream of {job_id} ended early")


# -- end to end ---------------------------------------------------------------


@dataclass(frozen=True)
class EndToEndFigures:
    seconds: float
    job_seconds: float  # the worker's own started → finished
    runs: list[float]
    #: The model the jobs ran, and its model-only time measured in turns with
    #: the jobs (None when no ``model_only`` was given).
    model: str | None = None
    model_only_seconds: float | None = None
    #: Per timed job: its worker-side duration and the steps the worker
    #: recorded (prepare, decode, inference, encode, preview, store).
    job_runs: list[float] = field(default_factory=list)
    steps: list[dict[str, float]] = field(default_factory=list)
    #: The model-only runs, each timed right after the job of the same index.
    model_runs: list[float] = field(default_factory=list)


def end_to_end(
    model_dir: Path,
    image: Path,
    repeats: int,
    model_only: Callable[[str], float | None] | None = None,
) -> EndToEndFigures:
    """Best wall time from the POST to seeing `completed`, on the embedded service.

    With ``model_only`` (model name -> seconds of one model-only run of the
    same image in this process, None if it cannot run that model), each job
    is followed by one such run while the service idles: the two take turns,
    so a slow spell of the machine hits both alike and their ratio measures
    the service, not the spell."""
    with tempfile.TemporaryDirectory(prefix="bench-e2e-") as tmp:
        port = free_port()
        env = base_env(Path(tmp), model_dir, port)
        args = [sys.executable, "-m", "upscaler_worker.entrypoints.embedded"]
        with (
            process(args, env, Path(tmp) / "server.log"),
            httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=120) as client,
        ):
            wait_http(f"http://127.0.0.1:{port}/api/v1/health")
            model = wait_done(client, upload(client, image)).get("model")  # warm: loads once
            turn = functools.partial(model_only, model) if model_only and model else None
            if turn is not None:
                turn()  # warm the benchmark's own session too
            runs, job_runs, model_runs, job_ids = [], [], [], []
            for _ in range(repeats):
                started = time.perf_counter()
                job = follow_to_the_end(client, upload(client, image))
                runs.append(time.perf_counter() - started)
                job_runs.append(float(job["duration_seconds"]))
                job_ids.append(str(job["job_id"]))
                seconds = turn() if turn is not None else None
                if seconds is not None:
                    model_runs.append(seconds)
            steps = recorded_steps(Path(tmp) / "upscaler.db", job_ids)
    return EndToEndFigures(
        min(runs),
        min(job_runs),
        runs,
        model,
        min(model_runs) if model_runs else None,
        job_runs,
        steps,
        model_runs,
    )


def recorded_steps(database: Path, job_ids: list[str]) -> list[dict[str, float]]:
    """The steps each job's worker recorded, read from the embedded service's
    SQLite file (WAL: a reader beside the running service), in ``job_ids`` order."""
    with contextlib.closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as db:
        rows = dict(db.execute(
            f"SELECT job_id, engine FROM jobs WHERE job_id IN ({','.join('?' * len(job_ids))})",
            job_ids,
        ).fetchall())  # fmt: skip
    return [dict(json.loads(rows[job_id]).get("steps", {})) for job_id in job_ids]


# -- distributed: workers and pollers ------------------------------------------


@contextlib.contextmanager
def distributed(
    model_dir: Path, workers: int | None, api_processes: int = 1
) -> Iterator[tuple[str, Path]]:
    """An API replica and (optionally) an `upscaler-worker` pool, each in its
    own process, on a fresh PostgreSQL database, a private Redis and local
    storage shared on this machine. Yields the API's URL."""
    import asyncpg

    name = f"upscaler_bench_{secrets.token_hex(4)}"
    admin = POSTGRES_URL.rsplit("/", 1)[0] + "/postgres"

    async def sql(statement: str) -> None:
        connection = await asyncpg.connect(admin)
        try:
            await connection.execute(statement)
        finally:
            await connection.close()

    asyncio.run(sql(f'CREATE DATABASE "{name}"'))
    redis_port, api_port = free_port(), free_port()
    try:
        with tempfile.TemporaryDirectory(prefix="bench-dist-") as tmp:
            data = Path(tmp)
            redis_args = [REDIS_BINARY, "--port", str(redis_port), "--bind", "127.0.0.1",
                          "--save", "", "--appendonly", "no", "--dir", tmp]  # fmt: skip
            env = base_env(
                data,
                model_dir,
                api_port,
                UPSCALER_DATABASE_URL=POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}",
                UPSCALER_REDIS_URL=f"redis://127.0.0.1:{redis_port}/0",
                UPSCALER_STORAGE_DIR=str(data / "storage"),
                UPSCALER_API_WORKERS=str(api_processes),
            )
            with process(redis_args, env, data / "redis.log"):
                time.sleep(0.5)
                api = [str(Path(sys.executable).with_name("upscaler-api"))]
                with process(api, env, data / "api.log"):
                    wait_http(f"http://127.0.0.1:{api_port}/api/v1/health")
                    pool = (
                        process(
                            [
                                sys.executable,
                                "-m",
                                "upscaler_worker.entrypoints.supervisor",
                                "--processes",
                                str(workers),
                                "--threads",
                                "1",
                            ],
                            env,
                            data / "workers.log",
                        )
                        if workers
                        else contextlib.nullcontext()
                    )
                    with pool:
                        url = f"http://127.0.0.1:{api_port}"
                        try:
                            if workers:
                                wait_workers(url, workers)
                            yield url, data
                        except Exception:
                            for log in ("api.log", "workers.log"):
                                if (data / log).exists():
                                    print(f"--- {log}:", (data / log).read_text()[-3000:])
                            raise
    finally:
        asyncio.run(sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def wait_workers(url: str, count: int, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        health = httpx.get(f"{url}/api/v1/health", timeout=5).json()
        if health.get("workers_online", 0) >= count and health.get("models"):
            return
        time.sleep(0.3)
    raise RuntimeError(f"{count} worker(s) did not come online")


@dataclass(frozen=True)
class Throughput:
    workers: int
    jobs: int
    seconds: float

    @property
    def per_minute(self) -> float:
        return 60.0 * self.jobs / self.seconds


def throughput(model_dir: Path, image: Path, workers: int, jobs: int) -> Throughput:
    with distributed(model_dir, workers) as (url, _), httpx.Client(base_url=url, timeout=120) as c:
        wait_done(c, upload(c, image), poll=0.1)  # every process loads its model before timing
        ids = []
        started = time.perf_counter()
        ids = [upload(c, image) for _ in range(jobs)]
        for job_id in ids:
            wait_done(c, job_id, poll=0.1)
        return Throughput(workers, jobs, time.perf_counter() - started)


@dataclass(frozen=True)
class PollLatency:
    api_processes: int
    pollers: int
    requests: int
    p50_ms: float
    p99_ms: float
    max_ms: float
    requests_per_second: float


async def _poller(host: str, port: int, path: str, stop_at: float, latencies: list[float]) -> int:
    """One client on one keep-alive connection, as lean as HTTP/1.1 allows:
    a Python HTTP client library would be slower than the server it measures."""
    reader, writer = await asyncio.open_connection(host, port)
    request = f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode()
    errors = 0
    try:
        while time.perf_counter() < stop_at:
            began = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - began)
            errors += not head.startswith(b"HTTP/1.1 200")
    finally:
        writer.close()
    return errors


async def _poll(
    url: str, job_id: str, pollers: int, seconds: float, api_processes: int = 1
) -> PollLatency:
    host, port = url.removeprefix("http://").split(":")
    latencies: list[float] = []
    started = time.perf_counter()
    stop_at = started + seconds
    errors = await asyncio.gather(
        *(_poller(host, int(port), f"/api/v1/jobs/{job_id}", stop_at, latencies)
          for _ in range(pollers))
    )  # fmt: skip
    elapsed = time.perf_counter() - started
    if sum(errors):
        raise RuntimeError(f"{sum(errors)} polls failed")
    ordered = sorted(latencies)
    return PollLatency(
        api_processes=api_processes,
        pollers=pollers,
        requests=len(ordered),
        p50_ms=1000 * statistics.median(ordered),
        p99_ms=1000 * ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))],
        max_ms=1000 * ordered[-1],
        requests_per_second=len(ordered) / elapsed,
    )


def poll_latency(
    model_dir: Path, image: Path, pollers: int, seconds: float, api_processes: int
) -> PollLatency:
    """A completed job (its reply mints signed links: the heaviest poll)
    polled by `pollers` clients at once while nothing else runs."""
    with (
        distributed(model_dir, workers=1, api_processes=api_processes) as (url, _),
        httpx.Client(base_url=url) as client,
    ):
        job_id = upload(client, image)
        wait_done(client, job_id, poll=0.1)
        return asyncio.run(_poll(url, job_id, pollers, seconds, api_processes))


def sample_png(directory: Path, side: int) -> Path:
    """A photo-like square PNG (the engine benchmark's own sample pixels)."""
    import cv2

    from bench.measure import sample_image

    path = directory / f"sample-{side}.png"
    cv2.imwrite(str(path), sample_image(side, side))
    return path


# -- report -------------------------------------------------------------------


@dataclass(frozen=True)
class ServiceFigures:
    end_to_end: EndToEndFigures | None
    throughput: list[Throughput]
    polling: list[PollLatency]


def run_all(model_dir: Path, image_512: Path, small_image: Path, *, quick: bool) -> ServiceFigures:
    e2e = end_to_end(model_dir, image_512, repeats=2 if quick else 3)
    jobs = 6 if quick else 12
    scaling = [throughput(model_dir, small_image, workers, jobs) for workers in (1, 2)]
    polling = [
        poll_latency(model_dir, small_image, 200, 5 if quick else 15, processes)
        for processes in (1, 2)
    ]
    return ServiceFigures(e2e, scaling, polling)


def markdown(figures: ServiceFigures, model_only_512: float | None) -> str:
    lines = ["## Service", ""]
    if figures.end_to_end is not None:
        e = figures.end_to_end
        ratio = f"{e.seconds / model_only_512:.2f}" if model_only_512 else "-"
        verdict = ""
        if model_only_512:
            verdict = "PASS" if e.seconds <= 1.15 * model_only_512 else "FAIL"
        lines += [
            "| end-to-end 512x512 at 4x | upload → completed s | worker's job s | model-only s "
            "| e2e / model-only | target ≤ 1.15 |",
            "|---|---|---|---|---|---|",
            f"| embedded service | {e.seconds:.3f} | {e.job_seconds:.3f} | "
            f"{model_only_512 or float('nan'):.3f} | {ratio} | {verdict} |",
            "",
        ]
    if figures.throughput:
        base = figures.throughput[0].per_minute
        lines += ["| worker processes | jobs | seconds | jobs/minute | vs 1 process |",
                  "|---|---|---|---|---|"]  # fmt: skip
        for t in figures.throughput:
            lines.append(
                f"| {t.workers} | {t.jobs} | {t.seconds:.1f} | {t.per_minute:.1f} | "
                f"{t.per_minute / base:.2f} |"
            )
        lines.append("")
    if figures.polling:
        lines += [
            "| GET /api/v1/jobs/{id} | pollers | requests | p50 ms | p99 ms | max ms | req/s |",
            "|---|---|---|---|---|---|---|",
        ]
        for p in figures.polling:
            lines.append(
                f"| {p.api_processes} API process(es) | {p.pollers} | {p.requests} | "
                f"{p.p50_ms:.1f} | {p.p99_ms:.1f} | {p.max_ms:.1f} | {p.requests_per_second:.0f} |"
            )
        lines.append("")
    return "\n".join(lines)


def as_json(figures: ServiceFigures) -> dict[str, Any]:
    return {
        "end_to_end": asdict(figures.end_to_end) if figures.end_to_end else None,
        "throughput": [asdict(t) | {"per_minute": t.per_minute} for t in figures.throughput],
        "polling": [asdict(p) for p in figures.polling],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.service", description=__doc__)
    parser.add_argument(
        "--model-dir", type=Path, default=Path(os.environ.get("UPSCALER_MODEL_DIR", "onnx_models"))
    )
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--model-only-512", type=float, default=None)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        image_512, small = sample_png(Path(tmp), 512), sample_png(Path(tmp), 256)
        figures = run_all(args.model_dir.resolve(), image_512, small, quick=args.quick)
    print(markdown(figures, args.model_only_512))
    print(json.dumps(as_json(figures), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
