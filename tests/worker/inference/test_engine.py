"""The tiled engine with the real realesr-animevideov3: seamless, bounded,
reporting progress, stoppable between tiles and within one."""

from __future__ import annotations

import threading
import time
import tracemalloc
from pathlib import Path

import cv2
import numpy as np
import pytest

from tests.worker.inference.support import psnr
from upscaler_worker.inference import (
    InferenceError,
    InferenceTimeout,
    ModelRunner,
    upscale_array,
)
from upscaler_worker.inference.imageio import decode_image

ALL_IMAGES = [
    "0014.jpg",
    "0030.jpg",
    "ADE_val_00000114.jpg",
    "children-alpha.png",
    "tree_alpha_16bit.png",
    "wolf_gray.jpg",
    "00017_gray.png",
    "00003.png",
    "OST_009.png",
    "tests_lq/baboon.png",
    "tests_lq/comic.png",
]


def test_every_sample_image_is_covered(images: Path) -> None:
    """The list below is the folder's content: a new sample image is not skipped silently."""
    present = {
        str(p.relative_to(images))
        for p in [*images.glob("*.*"), *(images / "tests_lq").glob("*.*")]
        if p.suffix.lower() in (".png", ".jpg")
    }
    assert present == set(ALL_IMAGES)


@pytest.mark.slow
@pytest.mark.parametrize("name", ALL_IMAGES)
def test_tiled_matches_untiled(name: str, images: Path, runner: ModelRunner) -> None:
    decoded = decode_image(images / name)
    peak = decoded.max_value
    whole = upscale_array(decoded.color, decoded.alpha, runner, tile_size=100_000)
    assert whole.tiles == 1
    # Small tiles so that even the smallest sample image is cut several times.
    tile = max(16, min(decoded.height, decoded.width) // 3)
    tiled = upscale_array(decoded.color, decoded.alpha, runner, tile_size=tile, tile_overlap=16)
    assert tiled.tiles >= 9
    color_psnr = psnr(whole.color, tiled.color, peak)
    print(f"{name}: {tiled.tiles} tiles of {tile}px, PSNR {color_psnr:.1f} dB")
    assert color_psnr >= 50.0
    if decoded.alpha is not None:
        assert whole.alpha is not None and tiled.alpha is not None
        assert psnr(whole.alpha, tiled.alpha, peak) >= 50.0


def test_untiled_output_has_the_exact_size_and_type(images: Path, runner: ModelRunner) -> None:
    decoded = decode_image(images / "0014.jpg")
    for outscale in (4, 2):
        result = upscale_array(decoded.color, None, runner, outscale=outscale)
        assert result.color.shape == (179 * outscale, 179 * outscale, 3)
        assert result.color.dtype == np.uint8


def _reference_recipe(runner: ModelRunner, color: np.ndarray) -> np.ndarray:
    """Official Real-ESRGAN's arithmetic around the same network: /255,
    BGR -> RGB, run, clamp, x255, round half to even, RGB -> BGR."""
    batch = np.ascontiguousarray((color.astype(np.float32) / 255.0)[..., ::-1].transpose(2, 0, 1))
    output = runner.run(batch[None])[0]
    rounded = np.rint(np.clip(output, 0.0, 1.0) * np.float32(255.0)).astype(np.uint8)
    return np.ascontiguousarray(rounded[::-1].transpose(1, 2, 0))


@pytest.mark.parametrize("with_alpha", [False, True], ids=["colour", "colour+alpha"])
def test_untiled_8_bit_colour_is_the_reference_recipe_to_the_bit(
    images: Path, runner: ModelRunner, with_alpha: bool
) -> None:
    """The one-pass conversion (saturating multiply, then interleaving straight
    into the output) and the per-channel one (colour beside alpha) both give
    exactly clamp, x255 and round; the network's output does leave 0..1 here."""
    color = decode_image(images / "0014.jpg").color
    expected = _reference_recipe(runner, color)
    raw = runner.run(
        np.ascontiguousarray((color.astype(np.float32) / 255)[..., ::-1].transpose(2, 0, 1))[None]
    )[0]
    assert raw.min() < 0.0 or raw.max() > 1.0  # the clamping is exercised
    alpha = np.full(color.shape[:2], 255, np.uint8) if with_alpha else None
    result = upscale_array(color, alpha, runner, alpha_mode="model")
    assert result.tiles == 1
    assert np.array_equal(result.color, expected)


def test_a_4x_model_asked_for_2x_resizes_its_output_with_lanczos(
    images: Path, runner: ModelRunner
) -> None:
    color = decode_image(images / "0014.jpg").color
    four = upscale_array(color, None, runner, outscale=4).color
    two = upscale_array(color, None, runner, outscale=2).color
    expected = cv2.resize(four, (358, 358), interpolation=cv2.INTER_LANCZOS4)
    assert np.array_equal(two, expected)


def test_progress_is_reported_from_zero_to_every_tile(images: Path, runner: ModelRunner) -> None:
    color = decode_image(images / "0030.jpg").color  # 220x220
    calls: list[tuple[int, int]] = []
    result = upscale_array(
        color, None, runner, tile_size=80, on_progress=lambda d, n: calls.append((d, n))
    )
    assert result.tiles == 9
    assert calls == [(i, 9) for i in range(10)]


def test_progress_counts_the_alpha_pass(images: Path, runner: ModelRunner) -> None:
    decoded = decode_image(images / "tree_alpha_16bit.png")
    calls: list[tuple[int, int]] = []
    result = upscale_array(
        decoded.color,
        decoded.alpha,
        runner,
        tile_size=200,
        on_progress=lambda d, n: calls.append((d, n)),
    )
    assert calls[-1] == (2 * result.tiles, 2 * result.tiles)


class StopRequestedError(Exception):
    pass


def test_cancellation_takes_effect_between_tiles(images: Path, runner: ModelRunner) -> None:
    color = decode_image(images / "0030.jpg").color
    seen: list[int] = []

    def cancel_after_two(done: int, total: int) -> None:
        seen.append(done)
        if done == 2:
            raise StopRequestedError

    with pytest.raises(StopRequestedError):
        upscale_array(color, None, runner, tile_size=80, on_progress=cancel_after_two)
    assert seen == [0, 1, 2], "no tile ran after the callback raised"


def test_deadline_terminates_a_running_tile(runner: ModelRunner) -> None:
    rng = np.random.default_rng(0)
    color = rng.integers(0, 256, (512, 512, 3), dtype=np.uint8)
    single = np.ascontiguousarray(color[None].transpose(0, 3, 1, 2), np.float32) / 255
    started = time.monotonic()
    runner.run(single)  # one 512x512 tile: over a second on two cores
    full_tile = time.monotonic() - started
    started = time.monotonic()
    with pytest.raises(InferenceTimeout):
        upscale_array(color, None, runner, tile_size=512, deadline=time.monotonic() + 0.2)
    stopped_after = time.monotonic() - started
    print(f"full tile {full_tile:.2f}s, stopped after {stopped_after:.2f}s")
    assert stopped_after < max(0.2 + 0.5, full_tile * 0.7)


def test_a_passed_deadline_stops_before_the_next_tile(images: Path, runner: ModelRunner) -> None:
    color = decode_image(images / "0030.jpg").color
    with pytest.raises(InferenceTimeout):
        upscale_array(color, None, runner, tile_size=80, deadline=time.monotonic() - 1)


def test_terminate_stops_a_run_from_another_thread(runner: ModelRunner) -> None:
    batch = np.random.default_rng(1).random((1, 3, 512, 512), dtype=np.float32)
    timer = threading.Timer(0.2, runner.terminate)
    timer.start()
    started = time.monotonic()
    with pytest.raises(InferenceError, match="terminated"):
        runner.run(batch)
    timer.cancel()
    assert time.monotonic() - started < 1.0
    assert runner.run(batch[:, :, :32, :32]).shape == (1, 3, 128, 128), "the runner still works"


def test_a_failing_tile_raises_a_clear_error(runner: ModelRunner) -> None:
    with pytest.raises(InferenceError, match="the model failed on a 8x8 tile"):
        runner.run(np.zeros((1, 4, 8, 8), np.float32))  # four channels: not an RGB tile


def test_a_model_is_loaded_once_per_process(anime_onnx: Path, runner: ModelRunner) -> None:
    assert ModelRunner.load(anime_onnx) is runner
    assert runner.name == "realesr-animevideov3"
    assert runner.scale == 4
    assert runner.provider == "CPUExecutionProvider"
    assert runner.arch == "SRVGGNetCompact"


def test_memory_stays_within_twice_the_output(runner: ModelRunner) -> None:
    """Python-side memory (numpy arrays: output, strip, tile buffers) at its
    peak is within twice the output's size; ONNX Runtime's own working set is
    bounded separately by the tile-memory budget."""
    rng = np.random.default_rng(2)
    color = cv2.GaussianBlur(rng.integers(0, 256, (400, 800, 3), dtype=np.uint8), (0, 0), 2)
    output_bytes = 1600 * 3200 * 3
    tracemalloc.start()
    try:
        result = upscale_array(
            color,
            None,
            runner,
            tile_overlap=8,
            tile_memory_bytes=16 << 20,
            strip_budget_bytes=output_bytes // 2,
        )
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.tiles > 1
    print(
        f"peak {peak / 2**20:.1f} MiB for a {output_bytes / 2**20:.1f} MiB output,"
        f" tiles {result.tile_shape}"
    )
    assert peak <= 2 * output_bytes
