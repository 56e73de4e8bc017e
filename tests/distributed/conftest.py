"""Each distributed scenario gets its own database, Redis and S3 bucket."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest

from tests.helpers import fresh_postgres_database


@pytest.fixture
def scenario_database() -> Iterator[str]:
    with fresh_postgres_database() as url:
        yield url


@pytest.fixture
def bucket() -> str:
    return f"scenario-{secrets.token_hex(4)}"
