"""Animated GIF, WebP and PNG through the engine with a real model: every
frame upscaled exactly as a still would be, timing, loop and transparency
kept, identical frames run once, one progress over all frames."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageSequence

from upscaler_worker.inference import (
    ModelRunner,
    UnsupportedImageError,
    UpscaleOptions,
    upscale_array,
    upscale_file,
)
from upscaler_worker.inference.animation import decode_animation

DURATIONS = [100, 50, 80, 120, 60, 70, 90, 40, 30, 200]


def moving_ball(index: int, size: tuple[int, int] = (64, 48)) -> Image.Image:
    image = Image.new("RGB", size, (20 * index, 100, 200 - 15 * index))
    ImageDraw.Draw(image).ellipse(
        (index * 4, 5, index * 4 + 20, 25), fill=(255, 240 - 20 * index, 0)
    )
    return image


def save_animation(path: Path, frames: list[Image.Image], fmt: str, **options: object) -> Path:
    frames[0].save(path, fmt, save_all=True, append_images=frames[1:], **options)
    return path


def played(path: Path) -> tuple[str, list[int], int | None, list[np.ndarray]]:
    """What a viewer plays: format, durations, loop, and each frame's RGBA."""
    with Image.open(path) as image:
        durations, pixels = [], []
        for frame in ImageSequence.Iterator(image):
            frame.load()
            durations.append(round(float(frame.info.get("duration", 0))))
            pixels.append(np.asarray(frame.convert("RGBA")))
        return str(image.format), durations, image.info.get("loop"), pixels


@pytest.mark.parametrize(
    ("source_format", "output_format", "written"),
    [("GIF", "same", "GIF"), ("GIF", "webp", "WEBP"), ("WEBP", "same", "WEBP"),
     ("PNG", "same", "PNG"), ("GIF", "png", "PNG")],
)  # fmt: skip
def test_frames_timing_and_loop_are_kept(
    tmp_path: Path, runner: ModelRunner, source_format: str, output_format: str, written: str
) -> None:
    source = save_animation(
        tmp_path / "in", [moving_ball(i) for i in range(10)], source_format,
        duration=DURATIONS, loop=3,
    )  # fmt: skip
    output = tmp_path / "out"
    result = upscale_file(
        source, output, runner, UpscaleOptions(outscale=2, output_format=output_format, quality=100)
    )
    fmt, durations, loop, frames = played(output)
    assert (fmt, durations, loop) == (written, DURATIONS, 3)
    assert result.frames == 10 and result.frames_reused == 0
    assert (result.width, result.height) == (128, 96)
    assert all(frame.shape == (96, 128, 4) for frame in frames)
    if written == "GIF":
        return  # 256 colours a frame: compared below by PSNR
    # Lossless outputs: each frame is exactly what the still path makes of it.
    decoded = decode_animation(source)
    for got, frame in zip(frames, decoded.frames, strict=True):
        expected = upscale_array(frame.color, None, runner, outscale=2).color
        assert np.array_equal(got[..., 2::-1], expected)


def test_decoded_frames_are_the_pictures_in_bgr(tmp_path: Path) -> None:
    pictures = [moving_ball(i) for i in range(4)]
    source = save_animation(tmp_path / "in.png", pictures, "PNG", duration=DURATIONS[:4])
    decoded = decode_animation(source)
    assert len(decoded.frames) == 4
    for frame, picture in zip(decoded.frames, pictures, strict=True):
        assert frame.color.flags.c_contiguous and frame.alpha is None
        assert np.array_equal(frame.color, np.asarray(picture)[..., ::-1])


def test_gif_frames_stay_close_to_the_upscaled_frames(tmp_path: Path, runner: ModelRunner) -> None:
    source = save_animation(
        tmp_path / "in.gif", [moving_ball(i) for i in range(4)], "GIF", duration=100, loop=0
    )
    output = tmp_path / "out.gif"
    upscale_file(source, output, runner, UpscaleOptions(outscale=2, output_format="same"))
    _, _, _, frames = played(output)
    for got, frame in zip(frames, decode_animation(source).frames, strict=True):
        expected = upscale_array(frame.color, None, runner, outscale=2).color[..., ::-1]
        error = np.mean((got[..., :3].astype(np.float64) - expected) ** 2)
        assert 10 * np.log10(255**2 / max(error, 1e-9)) > 30  # dithered palette, still faithful


def test_transparency_is_kept_frame_by_frame(tmp_path: Path, runner: ModelRunner) -> None:
    frames = []
    for index in range(3):
        image = Image.new("RGBA", (32, 32), (0, 0, 0, 0))
        ImageDraw.Draw(image).rectangle((index * 8, 0, index * 8 + 7, 7), fill=(255, 0, 0, 255))
        frames.append(image)
    source = save_animation(tmp_path / "in.gif", frames, "GIF", duration=100, loop=0, disposal=2)
    for output_format in ("same", "webp"):
        output = tmp_path / f"out-{output_format}"
        result = upscale_file(
            source, output, runner, UpscaleOptions(outscale=2, output_format=output_format)
        )
        assert result.has_alpha
        _, _, _, played_frames = played(output)
        for index, frame in enumerate(played_frames):
            visible = frame[..., 3] >= 128
            # Only this frame's square shows (the earlier ones were disposed of).
            assert abs(int(visible.sum()) - 16 * 16) <= 16 * 4, (output_format, index)
            _, cols = np.nonzero(visible)
            assert cols.min() >= index * 16 - 2 and cols.max() <= index * 16 + 17


def test_identical_frames_run_once_and_progress_covers_every_frame(
    tmp_path: Path, runner: ModelRunner
) -> None:
    still, moving = moving_ball(0), moving_ball(5)
    source = save_animation(
        tmp_path / "in.webp", [still, moving, still, moving, still], "WEBP",
        duration=[10, 20, 30, 40, 50], lossless=True,
    )  # fmt: skip
    seen: list[tuple[int, int]] = []
    result = upscale_file(
        source,
        tmp_path / "out.png",
        runner,
        UpscaleOptions(outscale=2, output_format="png", tile_size=32),
        on_progress=lambda done, total: seen.append((done, total)),
    )
    assert (result.frames, result.frames_reused) == (5, 3)
    per_frame = result.tiles // 2
    assert {total for _, total in seen} == {5 * per_frame}
    assert seen[-1] == (5 * per_frame, 5 * per_frame)
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)
    _, durations, _, frames = played(tmp_path / "out.png")
    assert durations == [10, 20, 30, 40, 50]
    assert np.array_equal(frames[0], frames[2]) and np.array_equal(frames[1], frames[3])
    assert list(result.steps) == ["decode", "inference", "encode"]  # no preview asked for
    assert result.steps["inference"] == pytest.approx(result.inference_seconds, abs=0.002)


def test_a_gif_without_a_loop_block_still_plays_once(tmp_path: Path, runner: ModelRunner) -> None:
    source = save_animation(tmp_path / "in.gif", [moving_ball(i) for i in range(3)], "GIF")
    assert "loop" not in Image.open(source).info
    upscale_file(
        source, tmp_path / "out.gif", runner, UpscaleOptions(outscale=2, output_format="same")
    )
    assert "loop" not in Image.open(tmp_path / "out.gif").info


def test_what_an_animation_cannot_be_is_refused(tmp_path: Path, runner: ModelRunner) -> None:
    source = save_animation(tmp_path / "in.gif", [moving_ball(i) for i in range(3)], "GIF")
    with pytest.raises(UnsupportedImageError, match="cannot be written as JPG"):
        upscale_file(source, tmp_path / "out", runner, UpscaleOptions(output_format="jpg"))
    with pytest.raises(UnsupportedImageError, match="3 frames"):
        upscale_file(
            source,
            tmp_path / "out",
            runner,
            UpscaleOptions(output_format="same", max_input_pixels=64 * 48 * 3 - 1),
        )
