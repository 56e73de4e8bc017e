"""The engine's entry point for the worker: ``upscale_file``, a still or an
animation, from a file to a file (``upscale_array`` does the pixels)."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path
from typing import Any

import numpy as np

from upscaler_worker.inference import animation, metadata, watermark
from upscaler_worker.inference.denoise import classical_denoise
from upscaler_worker.inference.encode import encode_image, resolve_format, write_thumbnail
from upscaler_worker.inference.engine import ProgressCallback
from upscaler_worker.inference.imageio import decode_image
from upscaler_worker.inference.runtime import ModelRunner
from upscaler_worker.inference.upscale import (
    Steps,
    UpscaledArrays,
    UpscaleOptions,
    UpscaleResult,
    fit_to,
    upscale_array,
)
from upscaler_worker.inference.writeback import start_file_writeback


def upscale_file(
    input_path: Path | str,
    output_path: Path | str,
    runner: ModelRunner,
    options: UpscaleOptions,
    *,
    on_progress: ProgressCallback | None = None,
    deadline: float | None = None,
    thumbnail_path: Path | str | None = None,
) -> UpscaleResult:
    """Decode, (denoise), upscale in tiles, encode with metadata, and preview.
    An animated GIF, WebP or PNG has every frame upscaled and is written
    again with its timing (progress counts the tiles of every frame).

    Raises ImageDecodeError / UnsupportedImageError (permanent; messages are
    for the user), InferenceTimeout (the deadline passed, the running tile was
    terminated), InferenceError (a tile failed), or whatever ``on_progress``
    raised (it is called with (0, n) and after each tile).
    """
    source = Path(input_path)
    thumbnail = None if thumbnail_path is None else Path(thumbnail_path)
    if animation.is_animation(source):
        return _upscale_animation(
            source, Path(output_path), runner, options, on_progress, deadline, thumbnail
        )
    return _upscale_still(
        source, Path(output_path), runner, options, on_progress, deadline, thumbnail
    )


def _denoise_plan(runner: ModelRunner, options: UpscaleOptions) -> tuple[str, str]:
    """(denoise path, level): the network's own (dni), classical, or none."""
    level = str(options.denoise)
    if runner.denoise is not None:
        return "dni", runner.denoise
    if level != "none":
        return "classical", level
    return "none", "none"


def _run_fields(
    runner: ModelRunner, options: UpscaleOptions, denoise_path: str, level: str
) -> dict[str, Any]:
    """What a still's and an animation's result say alike about the run."""
    return {
        "model": runner.name,
        "provider": runner.provider,
        "model_scale": runner.scale,
        "outscale": int(options.outscale),
        "denoise_path": denoise_path,
        "denoise_level": level,
    }


def _upscale(
    color: np.ndarray,
    alpha: np.ndarray | None,
    runner: ModelRunner,
    options: UpscaleOptions,
    on_progress: ProgressCallback | None,
    deadline: float | None,
) -> UpscaledArrays:
    return upscale_array(
        color,
        alpha,
        runner,
        outscale=int(options.outscale),
        tile_size=options.tile_size,
        tile_overlap=options.tile_overlap,
        tile_memory_bytes=options.tile_memory_bytes,
        alpha_mode=str(options.alpha_mode),
        on_progress=on_progress,
        deadline=deadline,
    )


def _upscale_still(
    source: Path,
    output: Path,
    runner: ModelRunner,
    options: UpscaleOptions,
    on_progress: ProgressCallback | None,
    deadline: float | None,
    thumbnail: Path | None,
) -> UpscaleResult:
    started = time.monotonic()
    steps = Steps()
    decoded = decode_image(source, to_srgb=options.to_srgb, max_pixels=options.max_input_pixels)
    steps.lap("decode")
    denoise_path, level = _denoise_plan(runner, options)
    color = decoded.color
    if denoise_path == "classical":
        color = classical_denoise(color, level)
        steps.lap("denoise")

    upscaled = _upscale(color, decoded.alpha, runner, options, on_progress, deadline)
    steps.lap("inference")
    color, alpha = upscaled.color, upscaled.alpha
    if options.resize_to is not None:
        color, alpha = fit_to(color, alpha, options.resize_to, options.crop_to)
        steps.lap("resize")
    if options.watermark:
        color = watermark.stamp(color)
        steps.lap("watermark")
    out_height, out_width = color.shape[:2]

    fmt = resolve_format(str(options.output_format), decoded.format)
    exif_block = None
    if options.keep_exif:
        exif_block = metadata.exif_for_output(
            decoded.exif, width=out_width, height=out_height, keep_gps=options.keep_gps
        )
    encoded = encode_image(
        output,
        color,
        alpha,
        fmt=fmt,
        quality=int(options.quality),
        icc_profile=decoded.icc_profile,
        exif_block=exif_block,
        dpi=(float(options.dpi), float(options.dpi)) if options.dpi else decoded.dpi,
    )
    # The disk writes the result while the preview is made: the store's fsync then waits less.
    start_file_writeback(output)
    steps.lap("encode")
    if thumbnail is not None:
        write_thumbnail(
            thumbnail,
            color,
            alpha,
            max_side=options.thumbnail_side,
            icc_profile=decoded.icc_profile,
        )
        steps.lap("preview")
    return UpscaleResult(
        **_run_fields(runner, options, denoise_path, level),
        width=out_width,
        height=out_height,
        mime_type=encoded.mime_type,
        extension=encoded.extension,
        size_bytes=encoded.size_bytes,
        bit_depth=encoded.bit_depth,
        has_alpha=alpha is not None and fmt not in ("jpg",),
        tiles=upscaled.tiles,
        tile_height=upscaled.tile_shape[0],
        tile_width=upscaled.tile_shape[1],
        input_width=decoded.width,
        input_height=decoded.height,
        input_format=decoded.format,
        output_format=fmt,
        color_mode="gray" if decoded.is_gray else "rgb",
        icc=decoded.icc_action
        if encoded.icc_written or decoded.icc_action == "none"
        else "dropped",
        exif_written=encoded.exif_written,
        alpha_mode=str(options.alpha_mode) if decoded.alpha is not None else None,
        inference_seconds=steps.seconds["inference"],
        total_seconds=round(time.monotonic() - started, 4),
        steps=steps.seconds,
    )


class FrameProgress:
    """One progress over every frame's tiles: frame i's tile k of n is
    i·n + k of frames·n (every frame has the same size, so the same tiles)."""

    def __init__(self, frames: int, callback: ProgressCallback | None) -> None:
        self.frames = frames
        self.callback = callback
        self.per_frame = 0

    def of_frame(self, index: int) -> ProgressCallback:
        def report(done: int, total: int) -> None:
            self.per_frame = total
            if self.callback is not None:
                self.callback(index * total + done, self.frames * total)

        return report

    def skipped(self, index: int) -> None:
        """Frame `index` reused an earlier frame's result: all its tiles are done."""
        if self.callback is not None and self.per_frame:
            self.callback((index + 1) * self.per_frame, self.frames * self.per_frame)


def _frame_key(frame: animation.Frame) -> bytes:
    digest = hashlib.sha256(frame.color.tobytes())
    if frame.alpha is not None:
        digest.update(frame.alpha.tobytes())
    return digest.digest()


def _upscale_animation(
    source: Path,
    output: Path,
    runner: ModelRunner,
    options: UpscaleOptions,
    on_progress: ProgressCallback | None,
    deadline: float | None,
    thumbnail: Path | None,
) -> UpscaleResult:
    started = time.monotonic()
    steps = Steps()
    decoded = animation.decode_animation(source, max_pixels=options.max_input_pixels)
    steps.lap("decode")
    fmt = animation.output_format(str(options.output_format), decoded.format)
    denoise_path, level = _denoise_plan(runner, options)
    progress = FrameProgress(len(decoded.frames), on_progress)

    done: dict[bytes, animation.Frame] = {}  # identical frames run once
    results: list[animation.Frame] = []
    tiles, tile_shape = 0, (0, 0)
    for index, frame in enumerate(decoded.frames):
        key = _frame_key(frame)
        if key in done:
            twin = done[key]
            results.append(
                animation.Frame(twin.color, twin.alpha, frame.duration_ms, frame.disposal)
            )
            progress.skipped(index)
            continue
        color = (
            classical_denoise(frame.color, level) if denoise_path == "classical" else frame.color
        )
        upscaled = _upscale(color, frame.alpha, runner, options, progress.of_frame(index), deadline)
        tiles, tile_shape = tiles + upscaled.tiles, upscaled.tile_shape
        color, alpha = upscaled.color, upscaled.alpha
        if options.resize_to is not None:
            color, alpha = fit_to(color, alpha, options.resize_to, options.crop_to)
        if options.watermark:
            color = watermark.stamp(color)
        done[key] = animation.Frame(color, alpha, frame.duration_ms, frame.disposal)
        results.append(done[key])
    # Each frame's denoise and resize run between its tiles: all one step.
    steps.lap("inference")

    encoded = animation.encode_animation(
        output, decoded, results, fmt=fmt, quality=int(options.quality)
    )
    start_file_writeback(output)
    steps.lap("encode")
    first = results[0]
    if thumbnail is not None:
        write_thumbnail(thumbnail, first.color, first.alpha, max_side=options.thumbnail_side)
        steps.lap("preview")
    out_height, out_width = first.color.shape[:2]
    return UpscaleResult(
        **_run_fields(runner, options, denoise_path, level),
        width=out_width,
        height=out_height,
        mime_type=encoded.mime_type,
        extension=encoded.extension,
        size_bytes=encoded.size_bytes,
        bit_depth=8,
        has_alpha=decoded.has_alpha,
        tiles=tiles,
        tile_height=tile_shape[0],
        tile_width=tile_shape[1],
        input_width=decoded.width,
        input_height=decoded.height,
        input_format=decoded.format,
        output_format=fmt,
        color_mode="rgb",
        icc="kept" if encoded.icc_written else ("dropped" if decoded.icc_profile else "none"),
        exif_written=False,
        alpha_mode=str(options.alpha_mode) if decoded.has_alpha else None,
        inference_seconds=steps.seconds["inference"],
        total_seconds=round(time.monotonic() - started, 4),
        frames=len(decoded.frames),
        frames_reused=len(decoded.frames) - len(done),
        steps=steps.seconds,
    )
