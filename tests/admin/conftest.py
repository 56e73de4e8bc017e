"""Fixtures of the admin tests: one server per module, without a worker."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.admin.support import AdminServer, admin_token, start_admin_server


@pytest.fixture(scope="module")
def admin_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AdminServer]:
    server, live = start_admin_server(tmp_path_factory.mktemp("admin"))
    with live:
        yield server


@pytest.fixture(scope="module")
def admin_client(admin_server: AdminServer) -> Iterator[httpx.Client]:
    with admin_server.client() as client:
        yield client


@pytest.fixture(scope="module")
def token(admin_server: AdminServer, admin_client: httpx.Client) -> str:
    """A bearer token of the seeded admin, its password changed."""
    return admin_token(admin_client)
