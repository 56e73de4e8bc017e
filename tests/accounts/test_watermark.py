"""The free tier's watermark, end to end: with the setting on, an anonymous
result carries the mark in its bottom-right corner and is otherwise the same
picture as an admin's (admins and the pro plan never get it); with it off,
nobody does."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import numpy as np
import pytest

from tests.admin.support import admin_token, bearer
from tests.helpers import IMAGES, LiveServer, imdecode, upload, wait_for_job
from tests.web.live import live_settings

PHOTO = IMAGES / "realesrgan" / "00003.png"  # 512 x 256 -> 1024 x 512


@pytest.fixture
def client(server: LiveServer) -> Iterator[httpx.Client]:
    with server.client() as client:
        yield client


def result_of(client: httpx.Client, headers: dict[str, str] | None = None) -> np.ndarray:
    client.headers.update(headers or {})
    try:
        accepted = upload(client, PHOTO, factor="2x")
        assert accepted.status_code == 202, accepted.text
        job = wait_for_job(client, accepted.json()["job_id"])
        assert job["status"] == "completed", job
        return imdecode(client.get(job["result_url"]).content)
    finally:
        client.headers.pop("Authorization", None)


def test_the_free_tier_gets_the_mark_in_the_corner(
    server: LiveServer, client: httpx.Client
) -> None:
    admin = bearer(admin_token(client))
    with live_settings(server, watermark_free_tier=True):
        anonymous = result_of(client)
        unmarked = result_of(client, admin)
    assert anonymous.shape == unmarked.shape == (512, 1024, 3)
    changed = np.argwhere(np.any(anonymous != unmarked, axis=2))
    assert changed.size, "no mark on the free tier's result"
    top, left = changed.min(axis=0)
    assert top > 512 * 0.8 and left > 1024 * 0.6, (top, left)

    with live_settings(server, watermark_free_tier=False):
        plain = result_of(client)
    assert np.array_equal(plain, unmarked)
