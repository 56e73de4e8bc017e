"""The public pages in Debian's Chromium: a server whose jobs report
progress often (small tiles), and a phone-sized page."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.support import PHONE
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
