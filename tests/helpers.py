"""Test helpers shared by the suites (fixtures are in conftest.py)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import httpx
import numpy as np
import redis
import uvicorn
from fastapi import FastAPI

from upscaler.app import create_app
from upscaler.config import Settings
from upscaler.events.redis_bus import RedisEventBus
from upscaler.queueing.broker import build_broker

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED = (REPO_ROOT / ".." / "shared").resolve()
IMAGES = SHARED / "images"
#: The official model files (.pth, ncnn .param/.bin), as `make models` fetches them.
MIRROR = SHARED / "models"
MODEL_MIRROR = MIRROR.as_uri()
#: The official models in ncnn form (param + bin), as the releases ship them.
NCNN_DIR = MIRROR / "ncnn"
#: The one official model whose real weights are on the mirror.
ANIME = "realesr-animevideov3"
#: The model the service tests run.
TEST_MODEL = ANIME
#: Small tiles so that even small test images report progress several times.
TEST_TILE_SIZE = 64
#: A photo whose 4x run takes seconds on every engine path a worker may choose
#: (bf16 on AMX is 5-6x fp32): for tests that need a job still running, or
#: one that overruns a 1 s limit, whatever the machine.
SLOW_IMAGE = IMAGES / "faces" / "00.jpg"  # 1297 x 1920

POSTGRES_URL = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")


def imread(path: Path, flags: int = cv2.IMREAD_COLOR) -> np.ndarray:
    """cv2.imread, failing the test where OpenCV returns None (it never raises)."""
    image = cv2.imread(str(path), flags)
    assert image is not None, f"OpenCV cannot read {path}"
    return image


def imdecode(data: bytes, flags: int = cv2.IMREAD_COLOR) -> np.ndarray:
    image = cv2.imdecode(np.frombuffer(data, np.uint8), flags)
    assert image is not None, "OpenCV cannot decode the bytes"
    return image


def free_port() -> int:
    """A port free now (the caller binds it next; see refused_port to hold one)."""
    with refused_port() as port:
        return port


@contextlib.contextmanager
def refused_port() -> Iterator[int]:
    """A port where connections are refused for as long as the block runs:
    held bound but not listening, so nothing started meanwhile (a server
    under test asking for a free port) can be given it."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        yield port


def make_settings(data_dir: Path, model_dir: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "env": "test",
        "data_dir": data_dir,
        "model_dir": model_dir,
        "secret_key": "test-secret-" + "x" * 32,
        "rate_limit_per_minute": 0,
        "redis_url": None,
        # Tests upload the same images with the same options again and again
        # and mean them to run; tests/integration/test_instant_repeats.py
        # turns this on.
        "instant_repeats": False,
    }
    values.update(overrides)
    return Settings(**values)


class LiveServer:
    """A real uvicorn server on a free port, in a thread of this process."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, log_config=None, lifespan="on"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 60
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the test server did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=60)

    def client(self, **kwargs: Any) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=60, **kwargs)


@contextlib.contextmanager
def embedded_server(settings: Settings) -> Iterator[LiveServer]:
    from upscaler_worker.entrypoints.embedded import build_embedded_app

    with LiveServer(build_embedded_app(settings)) as server:
        yield server


class StandaloneProcess:
    """`upscaler-standalone` as its own process, exactly as `make run` starts it."""

    def __init__(self, data_dir: Path, model_dir: Path, **env: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "UPSCALER_DATA_DIR": str(data_dir),
            "UPSCALER_MODEL_DIR": str(model_dir),
            "UPSCALER_PORT": str(self.port),
            "UPSCALER_RATE_LIMIT_PER_MINUTE": "0",
            "UPSCALER_REDIS_URL": "",
            "UPSCALER_DATABASE_URL": "",
            "UPSCALER_INSTANT_REPEATS": "0",
            "PYTHONUNBUFFERED": "1",
            **env,
        }
        self.log = data_dir / f"server-{self.port}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 90) -> StandaloneProcess:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "upscaler_worker.entrypoints.embedded"],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=REPO_ROOT,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {self.log.read_text()[-3000:]}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.url}/api/v1/health", timeout=2).status_code in (200, 503):
                    return self
            time.sleep(0.2)
        raise RuntimeError(f"server did not answer: {self.log.read_text()[-3000:]}")

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=30)


def wait_for_job(
    client: httpx.Client, job_id: str, *, until: set[str] | None = None, timeout: float = 180
) -> dict[str, Any]:
    until = until or {"completed", "failed", "canceled"}
    deadline = time.monotonic() + timeout
    while True:
        body: dict[str, Any] = client.get(f"/api/v1/jobs/{job_id}").json()
        if body["status"] in until:
            return body
        if time.monotonic() > deadline:
            raise AssertionError(f"job {job_id} still {body['status']} after {timeout} s")
        time.sleep(0.2)


def upload(
    client: httpx.Client, path: Path, *, filename: str | None = None, **fields: str
) -> httpx.Response:
    fields.setdefault("factor", "4x")
    with path.open("rb") as handle:
        return client.post(
            "/api/v1/uploads", files={"file": (filename or path.name, handle)}, data=fields
        )


class MotoS3:
    """moto's standalone S3-compatible server on loopback (a real HTTP server)."""

    ENV = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
           "AWS_DEFAULT_REGION": "us-east-1"}  # fmt: skip

    def __init__(self, log_dir: Path) -> None:
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.log = log_dir / "moto.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> MotoS3:
        binary = Path(sys.executable).with_name("moto_server")
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [str(binary), "-H", "127.0.0.1", "-p", str(self.port)],
                stdout=log, stderr=subprocess.STDOUT, env={**os.environ, **self.ENV},
            )  # fmt: skip
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.HTTPError):
                httpx.get(self.endpoint, timeout=1)
                return self
            time.sleep(0.1)
        raise RuntimeError(f"moto did not start: {self.log.read_text()[-2000:]}")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)


class WorkerPool:
    """`upscaler-worker` (the supervisor and its children) as its own process."""

    def __init__(self, env: dict[str, str], log: Path, *args: str) -> None:
        self.env = env
        self.log = log
        self.args = list(args)
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> WorkerPool:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "upscaler_worker.entrypoints.supervisor", *self.args],
                env=self.env, stdout=log, stderr=subprocess.STDOUT, cwd=REPO_ROOT,
            )  # fmt: skip
        return self

    def worker_pids(self) -> list[int]:
        """The supervisor's children: the worker processes themselves."""
        assert self.process is not None
        children = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            with contextlib.suppress(OSError, IndexError, ValueError):
                # "pid (comm) state ppid ...": comm may hold spaces, so split after it.
                if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == self.process.pid:
                    children.append(int(stat.parent.name))
        return children

    def stacks(self) -> str:
        """Ask every worker process for its threads' stacks (SIGUSR1, passed
        on by the supervisor) and return the end of the log: what to show
        when a test finds the pool stuck."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGUSR1)
            time.sleep(2)
        return self.log.read_text(errors="replace")[-12_000:]

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def settings_env(settings: Settings, **extra: str) -> dict[str, str]:
    """The environment that gives a child process these settings."""
    env = {**os.environ, **MotoS3.ENV, "PYTHONUNBUFFERED": "1"}
    for name, value in settings.model_dump().items():
        if value is None:
            env[f"UPSCALER_{name.upper()}"] = ""
        elif hasattr(value, "get_secret_value"):
            env[f"UPSCALER_{name.upper()}"] = value.get_secret_value()
        else:
            env[f"UPSCALER_{name.upper()}"] = str(value)
    env.update(extra)
    return env


def flush_redis_namespace(url: str) -> None:
    """Forget the broker's keys from earlier runs (only ours: the upscaler namespace)."""
    client = redis.Redis.from_url(url)
    try:
        keys = list(client.scan_iter("upscaler*")) + list(client.scan_iter("LIMITS*"))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


@dataclass
class Service:
    mode: str
    url: str
    settings: Settings
    workers: WorkerPool | None = None

    def client(self, **kwargs: Any) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=60, **kwargs)


def wait_for_workers(client: httpx.Client, count: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if client.get("/api/v1/health").json().get("workers_online", 0) >= count:
            return
        time.sleep(0.3)
    raise AssertionError(f"{count} worker(s) did not come online")


def distributed_settings(
    data_dir: Path,
    model_dir: Path,
    postgres_url: str,
    redis_url: str,
    s3: MotoS3,
    *,
    bucket: str = "upscaler-test",
    **extra: Any,
) -> Settings:
    values: dict[str, Any] = {"tile_size": TEST_TILE_SIZE} | extra
    return make_settings(
        data_dir,
        model_dir,
        database_url=postgres_url,
        redis_url=redis_url,
        storage_backend="s3",
        s3_bucket=bucket,
        s3_endpoint=s3.endpoint,
        **values,
    )


@contextlib.contextmanager
def distributed_service(
    settings: Settings,
    *worker_args: str,
    workers: int = 1,
    worker_env: dict[str, str] | None = None,
) -> Iterator[Service]:
    """The API in this process, `upscaler-worker` in its own; worker_env
    overrides the workers' environment (to route them through a proxy, say)."""
    assert settings.redis_url is not None
    app = create_app(settings, broker=build_broker(settings), bus=RedisEventBus(settings.redis_url))
    log = settings.data_dir / "workers.log"
    env = settings_env(settings, **(worker_env or {}))
    pool = WorkerPool(env, log, "--processes", str(workers), *worker_args)
    with LiveServer(app) as live:
        pool.start()
        try:
            with live.client() as client:
                wait_for_workers(client, workers)
            yield Service("distributed", live.url, settings, pool)
        finally:
            pool.stop()


class FlakyProxy:
    """A TCP proxy that a test can switch off and on: a network fault between
    workers and a server, without the server losing its state."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = free_port()
        self.up = threading.Event()
        self.up.set()
        self._listener = socket.create_server(("127.0.0.1", self.port))
        self._listener.settimeout(0.2)
        self._closing = False
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _accept(self) -> None:
        while not self._closing:
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            if not self.up.is_set():
                client.close()  # the connection is refused as good as at once
                continue
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=5)
            except OSError:
                client.close()
                continue
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while self.up.is_set() and (data := source.recv(65536)):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                with contextlib.suppress(OSError):
                    sock.close()

    def close(self) -> None:
        self._closing = True
        self._listener.close()


def threads_blocking(pid: int, signum: int) -> dict[int, bool]:
    """For each thread of a process: does it block the signal? (from /proc)"""
    blocking = {}
    for status in Path(f"/proc/{pid}/task").glob("*/status"):
        with contextlib.suppress(OSError):
            for line in status.read_text().splitlines():
                if line.startswith("SigBlk:"):
                    mask = int(line.split()[1], 16)
                    blocking[int(status.parent.name)] = bool(mask >> (signum - 1) & 1)
    return blocking


def _admin_url(url: str) -> str:
    return url.rsplit("/", 1)[0] + "/postgres"


@contextlib.contextmanager
def fresh_postgres_database() -> Iterator[str]:
    """A new, empty database on the machine's PostgreSQL server, dropped after."""
    import asyncpg

    name = f"upscaler_test_{secrets.token_hex(4)}"
    admin = _admin_url(POSTGRES_URL)

    async def execute(sql: str) -> None:
        connection = await asyncpg.connect(admin)
        try:
            await connection.execute(sql)
        finally:
            await connection.close()

    asyncio.run(execute(f'CREATE DATABASE "{name}"'))
    try:
        yield POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        asyncio.run(execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@contextlib.contextmanager
def migrated_database(kind: str, directory: Path) -> Iterator[str]:
    """A database of its own at the latest schema: a SQLite file in
    ``directory``, or (``kind == "postgres"``) a fresh PostgreSQL database."""
    from upscaler.db.migrate import upgrade_to_head

    if kind == "sqlite":
        url = f"sqlite:///{directory / 'own.db'}"
        upgrade_to_head(url)
        yield url
        return
    with fresh_postgres_database() as url:
        upgrade_to_head(url)
        yield url


class RedisServer:
    """A private redis-server (Debian's, already on the machine), so a test can
    stop and restart it without disturbing anything else."""

    def __init__(self, directory: Path) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.directory = directory
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> RedisServer:
        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.directory)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with contextlib.suppress(redis.ConnectionError):
                if redis.Redis.from_url(self.url).ping():
                    return self
            time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
