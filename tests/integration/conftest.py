"""The integration suite runs twice: embedded (SQLite, local files, in-process
worker) and distributed (PostgreSQL, Redis broker and pub/sub, S3 on moto's
server, `upscaler-worker` processes)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import (
    TEST_TILE_SIZE,
    Service,
    distributed_service,
    distributed_settings,
    embedded_server,
    make_settings,
)


@pytest.fixture(
    scope="module",
    params=[
        "embedded",
        pytest.param(
            "distributed", marks=[pytest.mark.postgres, pytest.mark.redis, pytest.mark.s3]
        ),
    ],
)
def service(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, model_dir: Path
) -> Iterator[Service]:
    data_dir = tmp_path_factory.mktemp(f"data-{request.param}")
    # A module may set SERVICE_SETTINGS to start its service with other settings.
    overrides = getattr(request.module, "SERVICE_SETTINGS", {})
    if request.param == "embedded":
        settings = make_settings(data_dir, model_dir, tile_size=TEST_TILE_SIZE, **overrides)
        with embedded_server(settings) as live:
            yield Service("embedded", live.url, settings)
        return
    settings = distributed_settings(
        data_dir,
        model_dir,
        request.getfixturevalue("postgres_url"),
        request.getfixturevalue("redis_url"),
        request.getfixturevalue("s3_server"),
        **overrides,
    )
    with distributed_service(settings) as live_service:
        yield live_service
