"""Debian's Chromium driven by Playwright (`make browser` installs it;
Playwright never downloads a browser of its own here): a page per test, a
phone-sized page; for the public pages a server whose jobs report progress
often (small tiles), for the admin flow an embedded service on a copy of the
model directory, since that test registers models into it."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.support import ARTIFACTS, DESKTOP, PHONE
from tests.helpers import (
    TEST_TILE_SIZE,
    LiveServer,
    embedded_server,
    make_settings,
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, model_dir: Path) -> Iterator[LiveServer]:
    """The embedded service, with small tiles so that a job reports its
    progress several times even for a small image."""
    settings = make_settings(tmp_path_factory.mktemp("data"), model_dir, tile_size=TEST_TILE_SIZE)
    with embedded_server(settings) as live:
        yield live


@pytest.fixture
def phone(chromium: Any) -> Iterator[Any]:
    """A phone-sized page with a touch screen."""
    context = chromium.new_context(
        viewport=PHONE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        accept_downloads=True,
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.console_errors = errors
    yield page
    context.close()


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


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """Debian's Chromium. Module-scoped on purpose: while Playwright's sync
    API is open it keeps an event loop registered as running in this thread,
    which would stop every asyncio test that follows; closing it with the
    module frees the thread."""
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
    context = chromium.new_context(viewport=DESKTOP, accept_downloads=True)
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


@pytest.fixture(scope="module")
def own_model_dir(tmp_path_factory: pytest.TempPathFactory, model_dir: Path) -> Path:
    copy = tmp_path_factory.mktemp("admin-models")
    for item in model_dir.iterdir():
        if item.is_file():
            shutil.copy2(item, copy / item.name)
    return copy


@pytest.fixture(scope="module")
def admin_live(
    tmp_path_factory: pytest.TempPathFactory, own_model_dir: Path
) -> Iterator[LiveServer]:
    settings = make_settings(
        tmp_path_factory.mktemp("admin-data"), own_model_dir, tile_size=TEST_TILE_SIZE
    )
    with embedded_server(settings) as live:
        yield live
