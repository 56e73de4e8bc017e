"""Tiling holds for RRDBNet (RealESRGAN_x4plus): the tile size follows its
measured activation memory, and tiled output matches a single untiled pass."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.helpers import MIRROR
from tests.worker.inference.support import psnr
from upscaler_worker.inference import ModelRunner, UpscaleOptions, split, upscale_array
from upscaler_worker.inference.runtime import (
    SPLIT_RRDB_BYTES_PER_INPUT_PIXEL,
    SPLIT_RRDB_FIXED_BYTES,
    SPLIT_RRDB_OPENVINO_BYTES_PER_INPUT_PIXEL,
    SPLIT_RRDB_OPENVINO_FIXED_BYTES,
    activation_bytes_per_input_pixel,
)
from upscaler_worker.inference.tiling import RRDB_OVERLAP, choose_tile_shape, overlap_for

X4PLUS = "RealESRGAN_x4plus"
#: Peak RSS growth of an x4plus tile run as one graph, measured by
#: bench.tile_memory: 11.4-15.8 KB per input pixel over 64-256 px tiles.
MEASURED_WORST_BYTES_PER_PIXEL = 15_800
#: The same run as body + banded tail (inference/split.py), bench.tile_memory
#: at 256, 384 and 512 px tiles: (bytes per pixel, fixed bytes), the least
#: squares line over the three, with ONNX Runtime fp32 (16k-pixel tail bands,
#: AMX Xeon) and OpenVINO bf16 (4k-pixel bands, Zen 4), and each measured point.
MEASURED_SPLIT = {"cpu": (2375, 107 << 20), "openvino": (2864, 18 << 20)}
MEASURED_SPLIT_POINTS = {
    "cpu": {256: 172 << 20, 384: 426 << 20, 512: 696 << 20},
    "openvino": {256: 181 << 20, 384: 450 << 20, 512: 723 << 20},
}
#: What the runner plans with on each runtime.
PLANNED_SPLIT = {
    "cpu": (SPLIT_RRDB_BYTES_PER_INPUT_PIXEL, SPLIT_RRDB_FIXED_BYTES),
    "openvino": (SPLIT_RRDB_OPENVINO_BYTES_PER_INPUT_PIXEL, SPLIT_RRDB_OPENVINO_FIXED_BYTES),
}


def _x4plus_tiles(
    height: int, width: int, bytes_per_pixel: float, fixed_bytes: int = 0
) -> tuple[int, int]:
    """As upscale.auto_tile_shape plans them on the CPU."""
    output_bytes = height * width * 16 * 3
    return choose_tile_shape(
        height,
        width,
        scale=4,
        memory_budget_bytes=UpscaleOptions().tile_memory_bytes - fixed_bytes,
        bytes_per_input_pixel=bytes_per_pixel,
        strip_budget_bytes=max(64 << 20, output_bytes // 2),
        strip_bytes_per_output_pixel=12,
        overlap=RRDB_OVERLAP,
    )


@pytest.mark.parametrize(("height", "width"), [(1500, 2000), (3000, 4000), (480, 640)])
def test_x4plus_tiles_fit_the_default_budget_at_the_measured_rate(height: int, width: int) -> None:
    """One graph (a GPU, or no ``onnx`` to split with): small tiles."""
    tile_h, tile_w = _x4plus_tiles(height, width, activation_bytes_per_input_pixel("RRDBNet", 4))
    read = (tile_h + 2 * RRDB_OVERLAP) * (tile_w + 2 * RRDB_OVERLAP)
    # Within budget even at the worst measured step...
    assert read * MEASURED_WORST_BYTES_PER_PIXEL <= UpscaleOptions().tile_memory_bytes
    # ...and nearly the largest that is (the strip may make it short and wide).
    assert read * MEASURED_WORST_BYTES_PER_PIXEL >= 0.8 * UpscaleOptions().tile_memory_bytes
    assert overlap_for("RRDBNet") == RRDB_OVERLAP == 32
    assert overlap_for("SRVGGNetCompact") == 16
    assert activation_bytes_per_input_pixel("RRDBNet", 4) >= MEASURED_WORST_BYTES_PER_PIXEL
    assert activation_bytes_per_input_pixel("SRVGGNetCompact", 4) == 1100


@pytest.mark.parametrize("runtime", ["cpu", "openvino"])
@pytest.mark.parametrize(("height", "width"), [(1500, 2000), (3000, 4000), (480, 640)])
def test_split_x4plus_tiles_are_five_times_larger(height: int, width: int, runtime: str) -> None:
    tile_h, tile_w = _x4plus_tiles(height, width, *PLANNED_SPLIT[runtime])
    whole = (tile_h, tile_w) == (height, width)  # one tile reads no context
    context = 0 if whole else 2 * RRDB_OVERLAP
    read = (tile_h + context) * (tile_w + context)
    per_pixel, fixed = MEASURED_SPLIT[runtime]
    assert read * per_pixel + fixed <= UpscaleOptions().tile_memory_bytes
    one_h, one_w = _x4plus_tiles(height, width, activation_bytes_per_input_pixel("RRDBNet", 4))
    assert tile_h * tile_w >= 5 * one_h * one_w
    # Context computed twice: at least a third less of it than with one graph.
    one_read = (one_h + 2 * RRDB_OVERLAP) * (one_w + 2 * RRDB_OVERLAP)
    assert read / (tile_h * tile_w) - 1 <= (one_read / (one_h * one_w) - 1) * 2 / 3


def test_a_512_image_runs_whole_through_the_split_body() -> None:
    """The end-to-end figure at 512² (bench.overhead) needs one untiled pass:
    it fits the default budget on both runtimes, and the plan counts what each
    measured tile took (within 0.5 %: the 384² points lie above both lines)."""
    for runtime in ("cpu", "openvino"):
        assert _x4plus_tiles(512, 512, *PLANNED_SPLIT[runtime]) == (512, 512), runtime
        per_pixel, fixed = PLANNED_SPLIT[runtime]
        for side, measured in MEASURED_SPLIT_POINTS[runtime].items():
            assert side * side * per_pixel + fixed >= measured * 0.995, (runtime, side)
    assert _x4plus_tiles(512, 512, activation_bytes_per_input_pixel("RRDBNet", 4)) != (512, 512)


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


@pytest.mark.slow
@pytest.mark.export
def test_x4plus_split_equals_one_graph(
    x4plus_runner: ModelRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Body + banded tail give what the whole graph gives: 150 feature rows
    run as ten bands of 16 rows, each with two rows of context, and as bands
    cut into columns with two columns of context."""
    monkeypatch.setattr(split, "TAIL_BAND_PIXELS", 16 * 70)
    assert len(split.tail_bands(150, 70)) == 10
    assert x4plus_runner.tail is not None, "the CPU runner splits RRDBNet"
    assert x4plus_runner.bytes_per_input_pixel == SPLIT_RRDB_BYTES_PER_INPUT_PIXEL
    whole = ModelRunner.load(x4plus_runner.path, split=False)
    assert whole.tail is None
    assert whole.bytes_per_input_pixel == activation_bytes_per_input_pixel("RRDBNet", 4)
    batch = np.random.default_rng(3).random((1, 3, 150, 70), dtype=np.float32)
    expected = whole.run(batch)
    got = x4plus_runner.run(batch)
    assert got.shape == expected.shape == (1, 3, 600, 280)
    assert float(np.abs(got - expected).max()) <= 1e-5
    assert float(expected.std()) > 0.05
    # Bands cut into columns too: three 24-column pieces, 10-row cores.
    monkeypatch.setattr(split, "TAIL_BAND_PIXELS", 8 * 32)
    bands = split.tail_bands(150, 70)
    assert len({band.columns for band in bands}) == 3 and len(bands) == 45
    got = x4plus_runner.run(batch)
    assert float(np.abs(got - expected).max()) <= 1e-5
