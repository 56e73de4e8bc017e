"""The application context on a migrated database (both backends), for the
tests of the sweeper and of retention."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.helpers import make_settings
from upscaler.context import AppContext
from upscaler.events.bus import InProcessEventBus
from upscaler.queueing.broker import build_broker


@pytest.fixture
async def context(migrated_url: str, tmp_path: Path) -> AsyncIterator[AppContext]:
    settings = make_settings(tmp_path, tmp_path, database_url=migrated_url)
    built = AppContext.create(settings, build_broker(settings), InProcessEventBus())
    yield built
    await built.close()
