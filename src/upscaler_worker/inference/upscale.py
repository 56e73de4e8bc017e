"""Upscaling pixels: ``upscale_array`` (tiles, alpha, outscale) and the
options and result records of a file's run (``upscaler_worker.inference.files``
runs files, stills and animations)."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Any

import cv2
import numpy as np

from upscaler_worker.inference.alpha import bleed_into_transparent, is_opaque
from upscaler_worker.inference.denoise import CLASSICAL_STRENGTH
from upscaler_worker.inference.encode import FORMATS
from upscaler_worker.inference.engine import Progress, ProgressCallback, run_tiled
from upscaler_worker.inference.runtime import GPU_PROVIDERS, ModelRunner
from upscaler_worker.inference.tiling import choose_tile_shape, plan_tiles

MIB = 1024 * 1024
#: The largest tile side (context included) the TensorRT profile covers.
GPU_LARGEST_TILE = 1024
#: The blending strip may always use this much, however small the output; on
#: large outputs it is held to half the output's size.
STRIP_FLOOR = 64 * MIB
DENOISE_LEVELS = ("none", *CLASSICAL_STRENGTH)
ALPHA_MODES = ("model", "fast")


@dataclass(frozen=True)
class UpscaleOptions:
    """How to upscale one image. String fields accept the contracts' StrEnums."""

    #: Result size as a multiple of the input: 2 or 4.
    outscale: int = 4
    #: An exact result size instead: the outscale result is resized to
    #: `resize_to` (width, height; Lanczos up, area down), then cropped at the
    #: centre to `crop_to` (the fit-to-cover case).
    resize_to: tuple[int, int] | None = None
    crop_to: tuple[int, int] | None = None
    #: Dots per inch to write into the result; None keeps the input's.
    dpi: int | None = None
    #: png | jpg | webp | tiff | bmp | same (the input's own format). An
    #: animation is written as png (APNG), webp or, with same, its own container.
    output_format: str = "png"
    #: JPEG/WebP quality 1-100 (WebP 100 is lossless).
    quality: int = 92
    #: none | low | med | high. With a dni variant as the runner, the network
    #: itself denoises and this is ignored; otherwise the classical denoiser runs.
    denoise: str = "none"
    #: Tile core side in input pixels; None = the largest the memory budget allows.
    tile_size: int | None = None
    #: Context pixels around each tile; None = the model's own (16, RRDBNet 32).
    tile_overlap: int | None = None
    #: What one tile may use in the inference runtime. 768 MiB runs a 512²
    #: image through RRDBNet whole (ONNX Runtime fp32 and OpenVINO bf16, with
    #: its tail in small bands) and keeps a 4000x3000 photo at 4x within 2x its
    #: output size + 1 GiB of RSS (x4plus on OpenVINO: 2.00 GiB of 2.07 at 768
    #: MiB, 2.11 at 896 MiB).
    tile_memory_bytes: int = 768 * MIB
    #: model: alpha goes through the network (as official Real-ESRGAN does);
    #: fast: bilinear resize of alpha (no extra model pass).
    alpha_mode: str = "model"
    keep_exif: bool = True
    keep_gps: bool = False
    #: Convert colours from the embedded profile to sRGB (8-bit images) instead
    #: of carrying the profile over.
    to_srgb: bool = False
    thumbnail_side: int = 512
    max_input_pixels: int | None = None
    #: The free tier's mark in the result's corner (upscaler_worker.inference.watermark).
    watermark: bool = False

    def __post_init__(self) -> None:
        if int(self.outscale) not in (2, 4):
            raise ValueError(f"outscale must be 2 or 4, not {self.outscale}")
        if str(self.denoise) not in DENOISE_LEVELS:
            raise ValueError(f"denoise must be one of {', '.join(DENOISE_LEVELS)}")
        if str(self.alpha_mode) not in ALPHA_MODES:
            raise ValueError(f"alpha_mode must be one of {', '.join(ALPHA_MODES)}")
        if str(self.output_format) not in (*FORMATS, "same", "jpeg"):
            raise ValueError(f"unknown output format {self.output_format!r}")
        if not 1 <= int(self.quality) <= 100:
            raise ValueError("quality must be within 1..100")


@dataclass(frozen=True)
class UpscaleResult:
    width: int
    height: int
    mime_type: str
    extension: str
    size_bytes: int
    bit_depth: int
    has_alpha: bool
    tiles: int
    tile_height: int
    tile_width: int
    model: str
    provider: str
    model_scale: int
    outscale: int
    input_width: int
    input_height: int
    input_format: str
    output_format: str
    #: "rgb" or "gray".
    color_mode: str
    #: "dni" (a weight-interpolated network ran), "classical", or "none".
    denoise_path: str
    denoise_level: str
    #: How the result's colour was handled: "kept", "converted-to-srgb" or "none".
    icc: str
    exif_written: bool
    alpha_mode: str | None
    inference_seconds: float
    total_seconds: float
    #: Frames of an animation (1: a still); each was upscaled like a still.
    frames: int = 1
    #: Frames that repeated an earlier one exactly and reused its result.
    frames_reused: int = 0
    #: Wall seconds per step, in the order they ran (decode, denoise,
    #: inference, resize, watermark, encode, preview; the ones this run had).
    steps: dict[str, float] = field(default_factory=dict)

    def details(self) -> dict[str, Any]:
        """Everything, JSON-ready, for the job record."""
        return asdict(self)


class Steps:
    """Wall time per step of one run: each ``lap`` closes the step that ran
    since the last one (a step named again adds up)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._mark = time.monotonic()

    def lap(self, name: str) -> None:
        now = time.monotonic()
        self.seconds[name] = round(self.seconds.get(name, 0.0) + now - self._mark, 4)
        self._mark = now


@dataclass
class UpscaledArrays:
    color: np.ndarray
    alpha: np.ndarray | None
    tiles: int
    #: (height, width) of the tile cores, in input pixels.
    tile_shape: tuple[int, int]


def upscale_array(
    color: np.ndarray,
    alpha: np.ndarray | None,
    runner: ModelRunner,
    *,
    outscale: int = 4,
    tile_size: int | None = None,
    tile_overlap: int | None = None,
    tile_memory_bytes: int = 768 * MIB,
    alpha_mode: str = "model",
    on_progress: ProgressCallback | None = None,
    deadline: float | None = None,
    strip_budget_bytes: int | None = None,
) -> UpscaledArrays:
    """Upscale BGR or grey pixels (uint8/uint16) and an optional alpha plane.

    Transparent colour is bled from visible neighbours first (no dark fringe).
    A 4x model asked for 2x is run at 4x and its output resized with Lanczos,
    as official Real-ESRGAN does for ``--outscale``; a 2x model asked for 4x
    likewise has its 2x output enlarged 2x with Lanczos (one model pass: running
    a 2x model twice sharpens its own artefacts).

    Tiles: ``tile_size`` forces square cores of that side; by default the tile
    area is the largest ``tile_memory_bytes`` allows and the tile height keeps
    the blending strip within ``strip_budget_bytes`` (default: half the
    output's size, at least STRIP_FLOOR).
    """
    if color.dtype not in (np.uint8, np.uint16):
        raise ValueError("pixels must be uint8 or uint16")
    max_value = 65535 if color.dtype == np.uint16 else 255
    height, width = color.shape[:2]
    if alpha is not None and is_opaque(alpha, max_value):
        alpha_through_model = False
    else:
        alpha_through_model = alpha is not None and alpha_mode == "model"
    if alpha is not None:
        color = bleed_into_transparent(color, alpha)

    if tile_overlap is None:
        tile_overlap = runner.tile_overlap
    multiple = runner.input_multiple
    padded = _pad_to_multiple(color, multiple)
    scale = runner.scale
    channels = (1 if color.ndim == 2 else 3) + (1 if alpha is not None else 0)
    if tile_size:
        tile_shape = (tile_size, tile_size)
    else:
        output_bytes = height * width * scale**2 * channels * color.itemsize
        strip_budget = strip_budget_bytes or max(STRIP_FLOOR, output_bytes // 2)
        tile_shape = auto_tile_shape(runner, padded, tile_overlap, tile_memory_bytes, strip_budget)
    plan = plan_tiles(padded.shape[0], padded.shape[1], *tile_shape, tile_overlap, multiple)
    progress = Progress(plan.count * (2 if alpha_through_model else 1), on_progress)
    progress.start()

    shape = (
        (height * scale, width * scale)
        if channels == 1
        else (height * scale, width * scale, channels)
    )
    output = np.empty(shape, dtype=color.dtype)
    color_view = (
        output if channels == 1 else (output[..., 0] if color.ndim == 2 else output[..., :3])
    )
    run_tiled(
        padded, runner, plan, color_view, max_value=max_value, progress=progress, deadline=deadline
    )
    if alpha is not None:
        alpha_view = output[..., -1]
        if alpha_through_model:
            source = _pad_to_multiple(alpha, multiple)
            run_tiled(
                source,
                runner,
                plan,
                alpha_view,
                max_value=max_value,
                progress=progress,
                deadline=deadline,
            )
        else:
            alpha_view[...] = cv2.resize(
                alpha, (width * scale, height * scale), interpolation=cv2.INTER_LINEAR
            )

    if outscale != scale:
        output = cv2.resize(
            output, (width * outscale, height * outscale), interpolation=cv2.INTER_LANCZOS4
        )
    if alpha is None:
        return UpscaledArrays(output, None, plan.count, tile_shape)
    result_color = output[..., 0] if color.ndim == 2 else output[..., :3]
    return UpscaledArrays(result_color, output[..., -1], plan.count, tile_shape)


def auto_tile_shape(
    runner: ModelRunner, source: np.ndarray, overlap: int, budget: int, strip_budget: int
) -> tuple[int, int]:
    largest = GPU_LARGEST_TILE - 2 * overlap if runner.provider in GPU_PROVIDERS else 4096
    return choose_tile_shape(
        source.shape[0],
        source.shape[1],
        scale=runner.scale,
        # What a tile costs whatever its size comes off the budget first.
        memory_budget_bytes=max(budget - runner.tile_fixed_bytes, budget // 4),
        bytes_per_input_pixel=runner.bytes_per_input_pixel,
        strip_budget_bytes=strip_budget,
        strip_bytes_per_output_pixel=4 * (1 if source.ndim == 2 else 3),
        overlap=overlap,
        multiple=runner.input_multiple,
        largest=largest,
    )


def fit_to(
    color: np.ndarray,
    alpha: np.ndarray | None,
    size: tuple[int, int],
    crop: tuple[int, int] | None,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Resize to `size` (width, height), then crop `crop` out of its centre."""
    height, width = color.shape[:2]
    enlarging = size[0] * size[1] > width * height
    method = cv2.INTER_LANCZOS4 if enlarging else cv2.INTER_AREA
    color = cv2.resize(color, size, interpolation=method)
    if alpha is not None:
        alpha = cv2.resize(alpha, size, interpolation=method)
    if crop is not None and crop != size:
        left, top = (size[0] - crop[0]) // 2, (size[1] - crop[1]) // 2
        color = color[top : top + crop[1], left : left + crop[0]]
        if alpha is not None:
            alpha = alpha[top : top + crop[1], left : left + crop[0]]
    return np.ascontiguousarray(color), None if alpha is None else np.ascontiguousarray(alpha)


def _pad_to_multiple(pixels: np.ndarray, multiple: int) -> np.ndarray:
    """Reflect-pad bottom/right to a multiple (as the official x2 inference does)."""
    pad_h, pad_w = -pixels.shape[0] % multiple, -pixels.shape[1] % multiple
    if not pad_h and not pad_w:
        return pixels
    return cv2.copyMakeBorder(pixels, 0, pad_h, 0, pad_w, cv2.BORDER_REFLECT_101)
