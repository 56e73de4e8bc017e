"""One model at one input size: ONNX Runtime against the ncnn runtime and
PyTorch, tiled against untiled; and which sizes and how many runs a model
gets from the benchmark's MAC budget."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import cv2
import numpy as np

from bench.timing import best_of, best_of_each
from upscaler_worker.export.macs import architecture_macs
from upscaler_worker.inference import InstalledModel, ModelRunner, UpscaleOptions, upscale_array
from upscaler_worker.inference.tiling import TilePlan, plan_tiles

#: Largest input (pixels) run untiled: ONNX Runtime and PyTorch both keep
#: several 64-channel feature maps of it (~1 KB per pixel for SRVGGNetCompact).
UNTILED_LIMIT_PIXELS = 1_500_000
#: Timed runs of each tile shape of a large image (its tiles come in ~6 shapes).
LARGE_ROUNDS = 2

# How sizes and repeats follow from cost. The models differ 29x in cost per
# pixel (realesr-animevideov3 0.62 M MACs per input pixel, realesrgan-x4fast
# 1.21 M, RealESRGAN_x4plus_anime_6B 5.71 M, RealESRGAN_x4plus 17.9 M), and a
# 2-core CPU does ~0.05-0.08 T MACs/s: the same sizes and repeats for every
# model would take hours. So:
# - small sizes are timed as asked for models up to REFERENCE_MACS_PER_PIXEL
#   (the SRVGGNetCompact models); a costlier model times each side scaled by
#   sqrt(REFERENCE_MACS_PER_PIXEL / its cost), rounded to 16 px, at least
#   64 px, so each of its figures costs what x4fast's does (x4plus: 256 ->
#   64, 512 -> 128; anime_6B: 256 -> 112, 512 -> 240);
# - each contender spends at most FIGURE_MACS on a figure: 1 warm-up and
#   then as many timed runs as fit, between 1 and --repeats;
# - a large size (tiled) is timed only for models whose one full pass costs
#   at most LARGE_MACS (realesr-animevideov3 at 4000x3000: 7.4 T); for the
#   others a full pass takes 4 min (x4fast) to 45 min (x4plus) per contender
#   on 2 cores, and their 512 px (or scaled) figures already give their rate.
REFERENCE_MACS_PER_PIXEL = 1.25e6
FIGURE_MACS = 700e9
LARGE_MACS = 8e12


@dataclass
class SizeResult:
    model: str
    height: int
    width: int
    plan: str
    macs: int
    ort_seconds: float
    ncnn_seconds: float | None
    torch_eager_seconds: float | None
    torch_channels_last_seconds: float | None
    pipeline_untiled_seconds: float | None
    pipeline_tiled_seconds: float | None
    tiled_plan: str
    tiled_bound: float | None
    #: Timed runs per contender (after one warm-up for small sizes).
    repeats: int = 0
    #: The size asked for, when the MAC budget scaled it down ("512x512").
    requested: str | None = None
    gflops: float = 0.0
    peak_fraction: float = 0.0
    ncnn_peak_fraction: float | None = None
    eager_peak_fraction: float | None = None

    def set_peak(self, peak_gflops: float) -> None:
        """Each contender's achieved rate (exact MACs / its time) as a share of the peak."""
        self.peak_fraction = self.gflops / peak_gflops

        def share(seconds: float | None) -> float | None:
            return 2 * self.macs / seconds / 1e9 / peak_gflops if seconds else None

        self.ncnn_peak_fraction = share(self.ncnn_seconds)
        self.eager_peak_fraction = share(self.torch_eager_seconds)

    @property
    def ort_vs_ncnn(self) -> float | None:
        if not self.ncnn_seconds:
            return None
        return self.ort_seconds / self.ncnn_seconds

    @property
    def ort_vs_eager(self) -> float | None:
        if not self.torch_eager_seconds:
            return None
        return self.ort_seconds / self.torch_eager_seconds

    @property
    def tiled_ratio(self) -> float | None:
        if not self.pipeline_tiled_seconds or not self.pipeline_untiled_seconds:
            return None
        return self.pipeline_tiled_seconds / self.pipeline_untiled_seconds

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["ort_vs_eager"] = self.ort_vs_eager
        data["ort_vs_ncnn"] = self.ort_vs_ncnn
        data["tiled_ratio"] = self.tiled_ratio
        return data


def size_scale(arch: str, params: dict[str, Any]) -> float:
    """Side factor (<= 1) for a model's small sizes: see REFERENCE_MACS_PER_PIXEL."""
    per_pixel = architecture_macs(arch, params, 64, 64) / 64**2
    return min(1.0, math.sqrt(REFERENCE_MACS_PER_PIXEL / per_pixel))


def planned_size(arch: str, params: dict[str, Any], height: int, width: int) -> tuple[int, int]:
    """The (height, width) the benchmark times for a requested size."""
    if height * width > UNTILED_LIMIT_PIXELS:
        return height, width
    factor = size_scale(arch, params)
    if factor >= 1.0:
        return height, width
    return tuple(max(64, round(side * factor / 16) * 16) for side in (height, width))  # type: ignore[return-value]


def planned_repeats(macs: int, repeats: int) -> int:
    """Timed runs per contender within FIGURE_MACS (one more is the warm-up)."""
    return max(1, min(repeats, int(FIGURE_MACS // max(1, macs)) - 1))


def large_size_allowed(arch: str, params: dict[str, Any], height: int, width: int) -> bool:
    return architecture_macs(arch, params, height, width) <= LARGE_MACS


def sample_image(height: int, width: int, seed: int = 0) -> np.ndarray:
    """Smooth colour fields with some texture: timing does not depend on
    content, but a realistic image keeps float paths (denormals) realistic."""
    rng = np.random.default_rng(seed)
    small = rng.integers(0, 256, (height // 32 + 2, width // 32 + 2, 3), dtype=np.uint8)
    image = cv2.resize(small, (width, height), interpolation=cv2.INTER_CUBIC).astype(np.float32)
    image += rng.normal(0.0, 6.0, size=image.shape)
    return np.clip(image, 0, 255).astype(np.uint8)


def as_batch(pixels: np.ndarray) -> np.ndarray:
    """BGR uint8 pixels as the 1x3xHxW RGB float batch the model takes."""
    return np.ascontiguousarray(
        pixels[..., ::-1].transpose(2, 0, 1)[None], np.float32
    ) / np.float32(255)


def model_plan(runner: ModelRunner, height: int, width: int) -> TilePlan:
    """The tiles model-only timings run: the whole image when it is small enough
    to run untiled, else the engine's own automatic tiles."""
    if height * width <= UNTILED_LIMIT_PIXELS:
        return plan_tiles(height, width, max(height, width), overlap=0)
    from upscaler_worker.inference.upscale import auto_tile_shape

    probe = np.empty((height, width, 3), np.uint8)
    output_bytes = height * width * runner.scale**2 * 3
    budget = UpscaleOptions().tile_memory_bytes
    overlap = runner.tile_overlap
    tile_h, tile_w = auto_tile_shape(runner, probe, overlap, budget, output_bytes // 2)
    return plan_tiles(height, width, tile_h, tile_w, overlap)


def measure_size(
    model: InstalledModel,
    runner: ModelRunner,
    network: Any | None,
    height: int,
    width: int,
    *,
    repeats: int,
    tile: int,
    ncnn: Any | None = None,
    full_pass: bool = True,
    channels_last: bool | None = None,
) -> SizeResult:
    """``ncnn``: a bench.ncnn_runtime.NcnnRunner or None. ``full_pass``: for a
    large (tiled) size, also time one whole upscale_array run (the RSS run
    times the same in its own process, so the caller may skip this).
    ``channels_last``: also time PyTorch channels-last; by default only where
    it is cheap (small sizes of models at most REFERENCE_MACS_PER_PIXEL: for
    RRDBNet it runs at ~7% of peak, 4-8x ORT's time, and judges nothing)."""
    image = sample_image(height, width)
    plan = model_plan(runner, height, width)
    windows = [
        image[t.y.read_start : t.y.read_stop, t.x.read_start : t.x.read_stop] for t in plan.tiles
    ]
    batches = [as_batch(window) for window in windows]
    macs = sum(
        architecture_macs(model.arch, model.arch_params, b.shape[2], b.shape[3]) for b in batches
    )
    large = plan.count > 1
    if channels_last is None:
        channels_last = not large and size_scale(model.arch, model.arch_params) >= 1.0
    # A tile's arithmetic depends only on its shape, and a large image's tiles
    # come in a few shapes: each shape is timed (best of a few runs, as every
    # other figure) and counted as often as the plan has tiles of it. One pass
    # over all tiles would be a single ~100 s sample, slowed by whatever else
    # the machine did meanwhile, against a best-of peak.
    by_shape: dict[tuple[int, ...], list[np.ndarray]] = {}
    for batch in batches:
        by_shape.setdefault(batch.shape, []).append(batch)
    rounds, warmup = (min(repeats, LARGE_ROUNDS), 0) if large else (repeats, 1)
    model_times: dict[str, float] = {}
    for same_shape in by_shape.values():
        sample = same_shape[0]
        contenders: dict[str, Callable[[], object]] = {"ort": functools.partial(runner.run, sample)}
        if ncnn is not None:
            contenders["ncnn"] = functools.partial(ncnn.run, sample)
        if network is not None:
            contenders |= _torch_contenders(network, [sample], channels_last=channels_last)
        for name, seconds in best_of_each(contenders, rounds, warmup).items():
            model_times[name] = model_times.get(name, 0.0) + seconds * len(same_shape)

    untiled = tiled = bound = None
    overlap = runner.tile_overlap
    if not large:
        # Tiles smaller than the image, so the tiled run really is tiled.
        tile = min(tile, max(16, min(height, width) // 2))
        pipeline = best_of_each(
            {
                "untiled": lambda: upscale_array(image, None, runner, tile_size=max(height, width)),
                "tiled": lambda: upscale_array(image, None, runner, tile_size=tile),
            },
            rounds,
        )
        untiled, tiled = pipeline["untiled"], pipeline["tiled"]
        tiled_plan = f"{tile}px tiles, {overlap}px overlap"
        bound = 1.05 * (1 + 2 * overlap / tile) ** 2
    elif full_pass:
        tiled = best_of(lambda: upscale_array(image, None, runner), 1, warmup=0)
        tiled_plan = f"auto {plan.tile_height}x{plan.tile_width} tiles (untiled not run: too large)"
    else:
        tiled_plan = f"auto {plan.tile_height}x{plan.tile_width} tiles (full pass: see peak RSS)"
    result = SizeResult(
        model=model.name,
        height=height,
        width=width,
        plan="untiled" if not large else f"{plan.count} tiles {plan.tile_height}x{plan.tile_width}",
        macs=macs,
        ort_seconds=model_times["ort"],
        ncnn_seconds=model_times.get("ncnn"),
        torch_eager_seconds=model_times.get("eager"),
        torch_channels_last_seconds=model_times.get("channels_last"),
        pipeline_untiled_seconds=untiled,
        pipeline_tiled_seconds=tiled,
        tiled_plan=tiled_plan,
        tiled_bound=bound,
        repeats=rounds,
    )
    result.gflops = 2 * macs / result.ort_seconds / 1e9
    return result


def _torch_contenders(
    network: Any, batches: list[np.ndarray], *, channels_last: bool = True
) -> dict[str, Callable[[], object]]:
    """PyTorch eager (NCHW) and channels-last runs of the same tiles. Two
    copies of the network, as converting one back and forth between rounds
    would be timed too."""
    import copy

    import torch

    tensors = [torch.from_numpy(batch) for batch in batches]

    def eager() -> None:
        with torch.inference_mode():
            for tensor in tensors:
                network(tensor)

    if not channels_last:
        return {"eager": eager}
    last_network = copy.deepcopy(network).to(memory_format=torch.channels_last)
    last_tensors = [t.contiguous(memory_format=torch.channels_last) for t in tensors]

    def last() -> None:
        with torch.inference_mode():
            for tensor in last_tensors:
                last_network(tensor)

    return {"eager": eager, "channels_last": last}
