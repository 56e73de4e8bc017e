"""Helpers for the admin tests: a real server without a worker (jobs stay
where the tests put them), sign-in as browser or API client, rows seeded
straight into the database."""

from __future__ import annotations

import asyncio
import io
import re
import secrets
from collections.abc import Coroutine
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

import httpx
from PIL import Image

from tests.helpers import LiveServer, make_settings
from upscaler.config import DEFAULT_SEED_PASS, DEFAULT_SEED_USER, Settings
from upscaler.context import AppContext
from upscaler.db.engine import make_engine, make_sessionmaker
from upscaler.db.tables import Job, Model, Upload, Worker
from upscaler.db.types import utcnow
from upscaler.storage.factory import make_storage

T = TypeVar("T")
ADMIN_PASSWORD = "a long admin passphrase 42"
USER_PASSWORD = "an ordinary user passphrase"


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coroutine)


@dataclass
class AdminServer:
    live: LiveServer
    settings: Settings
    broker: Any

    @property
    def url(self) -> str:
        return self.live.url

    @property
    def context(self) -> AppContext:
        context: AppContext = self.live.app.state.context
        return context

    def client(self, **kwargs: Any) -> httpx.Client:
        return self.live.client(**kwargs)

    def queued_messages(self, queue: str = "cpu") -> list[Any]:
        """Messages waiting on the stub broker (no worker consumes them here)."""
        import dramatiq

        return [dramatiq.Message.decode(raw) for raw in list(self.broker.queues[queue].queue)]

    async def _exec(self, statement: Any) -> Any:
        engine = make_engine(self.settings.database_url)
        try:
            async with make_sessionmaker(engine)() as session:
                result = await session.exec(statement)
                await session.commit()
                return result
        finally:
            await engine.dispose()

    def sql(self, statement: Any) -> Any:
        return run(self._exec(statement))


def start_admin_server(data_dir: Path, **overrides: Any) -> tuple[AdminServer, LiveServer]:
    from upscaler.app import create_app
    from upscaler.events.bus import InProcessEventBus
    from upscaler.queueing.broker import build_broker

    settings = make_settings(data_dir, data_dir / "models", **overrides)
    broker = build_broker(settings)
    live = LiveServer(create_app(settings, broker=broker, bus=InProcessEventBus()))
    return AdminServer(live, settings, broker), live


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def api_login(client: httpx.Client, username: str, password: str) -> dict[str, Any]:
    response = client.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def ready_token(client: httpx.Client, username: str, first: str, chosen: str) -> str:
    """Sign in and, if required, change the password; returns a usable token."""
    response = client.post("/api/v1/auth/login", json={"username": username, "password": first})
    if response.status_code == 401:
        again: str = api_login(client, username, chosen)["access_token"]  # changed before
        return again
    body = response.json()
    token: str = body["access_token"]
    if body["password_change_required"]:
        changed = client.post(
            "/api/v1/auth/password",
            headers=bearer(token),
            json={"current_password": first, "new_password": chosen},
        )
        assert changed.status_code == 200, changed.text
    return token


def admin_token(client: httpx.Client) -> str:
    return ready_token(client, DEFAULT_SEED_USER, DEFAULT_SEED_PASS, ADMIN_PASSWORD)


def create_user(client: httpx.Client, token: str, role: str = "user") -> tuple[str, str]:
    """A new account with its password already changed: (username, password)."""
    username = f"{role}-{secrets.token_hex(3)}"
    response = client.post(
        "/api/v1/admin/users",
        headers=bearer(token),
        json={"username": username, "role": role, "password": "first password 123"},
    )
    assert response.status_code == 201, response.text
    ready_token(client, username, "first password 123", USER_PASSWORD)
    return username, USER_PASSWORD


CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]*)"')
FORM_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def browser_login(client: httpx.Client, username: str, password: str) -> str:
    """Sign in through the login form as a browser would; returns the page's CSRF token."""
    page = client.get("/admin/login")
    token = FORM_CSRF.search(page.text)
    assert token, page.text
    response = client.post(
        "/admin/login",
        data={
            "username": username,
            "password": password,
            "csrf_token": token.group(1),
            "next": "/admin/dashboard",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return page_csrf(client)


def page_csrf(client: httpx.Client, path: str = "/admin/password") -> str:
    match = CSRF_META.search(client.get(path).text)
    assert match is not None
    return match.group(1)


def png_bytes(width: int = 24, height: int = 16) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 80, 40)).save(buffer, format="PNG")
    return buffer.getvalue()


async def _seed(settings: Settings, rows: list[Any], blobs: dict[str, bytes]) -> None:
    storage = make_storage(settings)
    try:
        for key, data in blobs.items():
            await storage.put_bytes(key, data, "image/png")
    finally:
        await storage.close()
    engine = make_engine(settings.database_url)
    try:
        async with make_sessionmaker(engine)() as session:
            for row in rows:
                session.add(row)
                await session.flush()
            await session.commit()
    finally:
        await engine.dispose()


def seed_model(server: AdminServer, name: str, **values: Any) -> None:
    defaults: dict[str, Any] = {
        "arch": "SRVGGNetCompact",
        "artifact_path": f"{name}.onnx",
        "scale": 4,
        "presets": ["photo", "art", "standard"],
        "quality_rank": 10,
    }
    run(_seed(server.settings, [Model(name=name, **(defaults | values))], {}))


def seed_worker(server: AdminServer, worker_id: str, *, seen_ago: float = 0, **values: Any) -> None:
    """A worker's heartbeat row, last seen `seen_ago` seconds ago."""
    seen = utcnow() - timedelta(seconds=seen_ago)
    defaults: dict[str, Any] = {
        "hostname": "test-host",
        "pid": 4242,
        "queues": ["cpu"],
        "provider": "CPUExecutionProvider",
        "started_at": seen,
        "last_seen_at": seen,
    }
    run(_seed(server.settings, [Worker(id=worker_id, **(defaults | values))], {}))


def seed_job(
    server: AdminServer,
    *,
    status: str = "completed",
    model: str = "seeded-model",
    filename: str = "photo.png",
    params: dict[str, Any] | None = None,
    error: str | None = None,
    with_result: bool = True,
    owner_id: int | None = None,
    created_at: Any = None,
    **values: Any,
) -> str:
    """An upload and its job, with the original (and result) stored; `values`
    set further columns of the job (provider, precision, ...)."""
    token = secrets.token_urlsafe(12).replace("-", "a").replace("_", "b")
    original_key = f"originals/{token}.png"
    result_key = f"results/{token}.png" if with_result and status == "completed" else None
    upload = Upload(
        id=f"upl_{token}",
        original_filename=filename,
        mime_type="image/png",
        width=24,
        height=16,
        size_bytes=len(png_bytes()),
        sha256="0" * 64,
        storage_key=original_key,
        owner_id=owner_id,
    )
    now = utcnow()
    finished = status in ("completed", "failed", "canceled")
    job = Job(
        job_id=f"job_{token}",
        upload_id=upload.id,
        owner_id=owner_id,
        status=status,
        progress=100 if status == "completed" else 0,
        params=params or {"factor": "4x", "preset": "photo", "denoise": "none"},
        model=model,
        created_at=created_at or now,
        started_at=now if status != "queued" else None,
        finished_at=now if finished else None,
        duration_seconds=1.5 if finished else None,
        error_message=error,
        result_storage_key=result_key,
        result_mime_type="image/png" if result_key else None,
        result_width=96 if result_key else None,
        result_height=64 if result_key else None,
        result_size_bytes=len(png_bytes(96, 64)) if result_key else None,
        worker_id="test-worker" if status != "queued" else None,
        attempts=1 if status != "queued" else 0,
        **values,
    )
    blobs = {original_key: png_bytes()}
    if result_key:
        blobs[result_key] = png_bytes(96, 64)
    run(_seed(server.settings, [upload, job], blobs))
    return job.job_id
