"""Shared fixtures: real services, a real model, real servers.

- PostgreSQL and Redis are the machine's own (DATABASE_URL / REDIS_URL, with
  the local defaults); each test run makes a fresh PostgreSQL database.
- The model is the official realesr-animevideov3 from the mirror, exported to
  ONNX by the project's own pipeline once per session.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import (
    MODEL_MIRROR,
    POSTGRES_URL,
    REDIS_URL,
    TEST_MODEL,
    LiveServer,
    MotoS3,
    embedded_server,
    flush_redis_namespace,
    make_settings,
)

# -- the model ---------------------------------------------------------------


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """realesr-animevideov3 installed through `make models`' own code path."""
    from upscaler_worker.export.make_models import run
    from upscaler_worker.export.manifest import load_manifest

    directory = tmp_path_factory.mktemp("models")
    report = run(
        model_dir=directory, mirror=MODEL_MIRROR, manifest=load_manifest(), only=[TEST_MODEL]
    )
    assert (directory / f"{TEST_MODEL}.onnx").is_file(), report
    return directory


# -- databases ---------------------------------------------------------------


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


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """One fresh PostgreSQL database for the session."""
    with fresh_postgres_database() as url:
        yield url


# -- services: S3 and Redis ---------------------------------------------------


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MotoS3]:
    """moto's S3 server; its test credentials are what every S3 client here uses."""
    server = MotoS3(tmp_path_factory.mktemp("moto")).start()
    with pytest.MonkeyPatch.context() as patch:
        for key, value in MotoS3.ENV.items():
            patch.setenv(key, value)
        yield server
    server.stop()


@pytest.fixture(scope="session")
def redis_url() -> str:
    flush_redis_namespace(REDIS_URL)
    return REDIS_URL


# -- servers -----------------------------------------------------------------


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, model_dir: Path) -> Iterator[LiveServer]:
    """The embedded service (SQLite, local storage, in-process worker)."""
    settings = make_settings(tmp_path_factory.mktemp("data"), model_dir)
    with embedded_server(settings) as live:
        yield live


# -- the browser ---------------------------------------------------------------

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright (`make browser` installs it;
    Playwright never downloads a browser of its own here).

    Module-scoped on purpose: while Playwright's sync API is open it keeps an
    event loop registered as running in this thread, which would stop every
    asyncio test that follows; closing it with the module frees the thread."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make browser`")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A fresh browser context per test; console errors are collected on
    `page.console_errors` and a screenshot is kept in test-artifacts/ on failure."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.console_errors = errors
    yield page
    if getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"failed-{request.node.name}.png"), full_page=True)
    context.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report
