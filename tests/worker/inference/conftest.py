"""Fixtures for the inference engine: the real realesr-animevideov3 from the
shared mirror, exported by the project's own pipeline into a temporary
directory (never depending on `make models` having run)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import ANIME, MIRROR, SHARED
from upscaler_worker.inference import ModelRunner

IMAGES = SHARED / "images" / "realesrgan"


@pytest.fixture(scope="session")
def anime_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not (MIRROR / f"{ANIME}.pth").is_file():
        pytest.skip(f"the shared model mirror is not at {MIRROR}")
    pytest.importorskip("torch", reason="exporting the test model needs the export extra")
    from upscaler_worker.export.make_models import run
    from upscaler_worker.export.manifest import load_manifest

    directory = tmp_path_factory.mktemp("anime-model")
    report = run(
        model_dir=directory,
        mirror=MIRROR.as_uri(),
        manifest=load_manifest(),
        only=[ANIME],
        denoise_variants=False,
    )
    assert report.installed == [ANIME], report
    return directory


@pytest.fixture(scope="session")
def anime_onnx(anime_model_dir: Path) -> Path:
    return anime_model_dir / f"{ANIME}.onnx"


@pytest.fixture(scope="session")
def runner(anime_onnx: Path) -> ModelRunner:
    return ModelRunner.load(anime_onnx)


@pytest.fixture(scope="session")
def images() -> Path:
    if not IMAGES.is_dir():
        pytest.skip(f"the shared test images are not at {IMAGES}")
    return IMAGES
