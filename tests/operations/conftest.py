"""A live embedded service with metrics on (its token), shared by the module."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import TEST_TILE_SIZE, LiveServer, embedded_server, make_settings
from tests.operations.support import TOKEN


@pytest.fixture(scope="module")
def metrics_server(
    tmp_path_factory: pytest.TempPathFactory, model_dir: Path
) -> Iterator[LiveServer]:
    settings = make_settings(
        tmp_path_factory.mktemp("metrics"), model_dir, tile_size=TEST_TILE_SIZE,
        metrics_token=TOKEN,
    )  # fmt: skip
    with embedded_server(settings) as live:
        yield live
