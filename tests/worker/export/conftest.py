"""Fixtures for the model pipeline: the manifest, the shared mirror, and
randomly initialised checkpoints of the exact official architectures (the
official weights other than realesr-animevideov3 are not available here)."""

from __future__ import annotations

from pathlib import Path

import pytest

torch = pytest.importorskip("torch", reason="the model pipeline needs the export extra")

from tests.helpers import ANIME, MIRROR  # noqa: E402
from upscaler_worker.export.manifest import Manifest, load_manifest  # noqa: E402


@pytest.fixture(scope="session")
def manifest() -> Manifest:
    return load_manifest()


@pytest.fixture(scope="session")
def anime_checkpoint() -> Path:
    path = MIRROR / f"{ANIME}.pth"
    if not path.is_file():
        pytest.skip(f"the shared model mirror is not at {MIRROR}")
    return path
