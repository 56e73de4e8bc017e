"""The admin in Debian's Chromium: an embedded service (in-process worker,
the real model) on a copy of the model directory, since the test registers
models into it."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import TEST_TILE_SIZE, LiveServer, embedded_server, make_settings


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
