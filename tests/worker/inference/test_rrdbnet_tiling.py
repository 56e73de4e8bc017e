"""Tiling holds for RRDBNet (RealESRGAN_x4plus): the tile size follows its
measured activation memory, and tiled output matches a single untiled pass."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.helpers import MIRROR
from tests.worker.inference.support import psnr
from upscaler_worker.inference import ModelRunner, UpscaleOptions, upscale_array
from upscaler_worker.inference.runtime import activation_bytes_per_input_pixel
from upscaler_worker.inference.tiling import RRDB_OVERLAP, choose_tile_shape, overlap_for

X4PLUS = "RealESRGAN_x4plus"
#: Peak RSS growth of an x4plus tile measured by bench.tile_memory: 11.4-15.8
#: KB per input pixel over 64-256 px tiles (the arena grows in steps).
MEASURED_WORST_BYTES_PER_PIXEL = 15_800


def _x4plus_tiles(height: int, width: int) -> tuple[int, int]:
    output_bytes = height * width * 16 * 3
    return choose_tile_shape(
        height,
        width,
        scale=4,
        memory_budget_bytes=UpscaleOptions().tile_memory_bytes,
        bytes_per_input_pixel=activation_bytes_per_input_pixel("RRDBNet", 4),
        strip_budget_bytes=max(64 << 20, output_bytes // 2),
        strip_bytes_per_output_pixel=12,
        overlap=RRDB_OVERLAP,
    )


@pytest.mark.parametrize(("height", "width"), [(1500, 2000), (3000, 4000), (480, 640)])
def test_x4plus_tiles_fit_the_default_budget_at_the_measured_rate(height: int, width: int) -> None:
    tile_h, tile_w = _x4plus_tiles(height, width)
    read = (tile_h + 2 * RRDB_OVERLAP) * (tile_w + 2 * RRDB_OVERLAP)
    # Within budget even at the worst measured step...
    assert read * MEASURED_WORST_BYTES_PER_PIXEL <= UpscaleOptions().tile_memory_bytes
    # ...and the largest that is: 183 px windows, 119 px cores.
    assert (tile_h, tile_w) == (119, 119)
    assert overlap_for("RRDBNet") == RRDB_OVERLAP == 32
    assert overlap_for("SRVGGNetCompact") == 16
    assert activation_bytes_per_input_pixel("RRDBNet", 4) >= MEASURED_WORST_BYTES_PER_PIXEL
    assert activation_bytes_per_input_pixel("SRVGGNetCompact", 4) == 1100


@pytest.fixture(scope="module")
def x4plus_runner(tmp_path_factory: pytest.TempPathFactory) -> ModelRunner:
    """The real RealESRGAN_x4plus from the mirror's ncnn files, exported and
    checked against the ncnn runtime by the project's own pipeline."""
    if not (MIRROR / "ncnn" / "realesrgan-x4plus.bin").is_file():
        pytest.skip(f"the shared model mirror is not at {MIRROR}")
    pytest.importorskip("torch", reason="exporting the test model needs the export extra")
    pytest.importorskip("ncnn", reason="installing an ncnn model checks it against ncnn")
    from upscaler_worker.export.make_models import run
    from upscaler_worker.export.manifest import load_manifest

    directory = tmp_path_factory.mktemp("x4plus-model")
    report = run(
        model_dir=directory,
        mirror=MIRROR.as_uri(),
        manifest=load_manifest(),
        only=[X4PLUS],
        denoise_variants=False,
    )
    assert report.installed == [X4PLUS], report
    return ModelRunner.load(directory / f"{X4PLUS}.onnx")


def _sample(height: int, width: int) -> np.ndarray:
    """Gradients, a hard-edged disc, stripes and noise (BGR uint8)."""
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    disc = ((x - 0.6 * width) ** 2 + (y - 0.4 * height) ** 2 < (0.3 * height) ** 2) * 120.0
    stripes = 60.0 * np.sin(0.7 * x + 0.2 * y)
    noise = np.random.default_rng(0).normal(0.0, 8.0, (height, width, 3))
    base = np.stack([2.0 * x, 100.0 + stripes, 250.0 - 2.5 * y], axis=-1)
    image: np.ndarray = np.clip(base + disc[..., None] + noise, 0, 255).astype(np.uint8)
    return image


@pytest.mark.slow
@pytest.mark.export
def test_x4plus_tiled_matches_untiled(x4plus_runner: ModelRunner) -> None:
    image = _sample(80, 96)
    whole = upscale_array(image, None, x4plus_runner, tile_size=100_000)
    assert whole.tiles == 1
    # The model's own overlap (32 px for RRDBNet; 16 px gives 44.8 dB here).
    assert x4plus_runner.tile_overlap == RRDB_OVERLAP
    tiled = upscale_array(image, None, x4plus_runner, tile_size=32)
    assert tiled.tiles == 9
    assert tiled.color.shape == whole.color.shape == (320, 384, 3)
    value = psnr(whole.color, tiled.color)
    print(f"{X4PLUS}: {tiled.tiles} tiles of 32 px, PSNR {value:.1f} dB against untiled")
    assert value >= 50.0


@pytest.mark.slow
@pytest.mark.export
def test_x4plus_untiled_output_is_not_trivial(x4plus_runner: ModelRunner) -> None:
    """The comparison above would pass for a network that outputs a constant."""
    image = _sample(80, 96)
    result = upscale_array(image, None, x4plus_runner, tile_size=100_000).color
    assert float(result.std()) > 20.0
    assert Path(x4plus_runner.path).name == f"{X4PLUS}.onnx"
