"""Running a model over an image in tiles and assembling the result.

Pre- and post-processing follow the official Real-ESRGAN inference exactly:
BGR → RGB, divide by the maximum value (255 or 65535), run, clamp to 0..1,
(grey: BGR → grey with OpenCV's weights), multiply back, round to nearest.
So an untiled run gives the official result to the bit, and a tiled one
differs only where tiles blend.

Memory: the output array is allocated once at its final size and type. Tile
outputs are blended in a float32 *strip* covering one row of tiles (plus the
rows the next row of tiles also reads); when a row of tiles is done, the rows
no later tile touches are clamped, rounded and written into the output. So on
top of the output itself there is only the strip and one tile's working set.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np

from upscaler_worker.inference.runtime import ModelRunner
from upscaler_worker.inference.tiling import (
    Tile,
    TilePlan,
    axis_weights,
    finished_rows,
    strip_rows,
)

ProgressCallback = Callable[[int, int], None]

#: OpenCV's BGR → grey weights, applied to RGB planes.
_GRAY_FROM_RGB = (0.299, 0.587, 0.114)


@dataclass
class Progress:
    """Counts tiles across every pass of one job (colour, then alpha)."""

    total: int
    callback: ProgressCallback | None = None
    done: int = 0

    def start(self) -> None:
        if self.callback is not None:
            self.callback(0, self.total)

    def step(self) -> None:
        self.done += 1
        if self.callback is not None:
            self.callback(self.done, self.total)


def run_tiled(
    source: np.ndarray,
    runner: ModelRunner,
    plan: TilePlan,
    target: np.ndarray,
    *,
    max_value: int,
    progress: Progress,
    deadline: float | None = None,
) -> None:
    """Upscale ``source`` (BGR or grey, integer) into ``target``.

    ``target`` is a view of the output: ``(H*s, W*s, 3)`` BGR or ``(H*s, W*s)``
    grey, written in its own dtype. ``source`` may be larger than the target
    covers (padded to the model's input multiple); the excess is cropped.
    """
    scale = runner.scale
    convert = _Converter(target, max_value)
    if plan.count == 1:
        (tile,) = plan.tiles
        output = runner.run(_tile_input(source, tile, max_value), deadline=deadline)[0]
        convert.store_whole(output)
        progress.step()
        return
    strip = np.zeros((convert.channels, strip_rows(plan, scale), plan.width * scale), np.float32)
    origin = 0  # the output row strip[:, 0] holds
    for tile in plan.tiles:
        output = runner.run(_tile_input(source, tile, max_value), deadline=deadline)[0]
        planes = convert.planes(output)
        # Weigh in place (the tile's output is ours): no tile-sized temporaries.
        planes *= axis_weights(plan.rows, tile.row, plan.blend, scale)[:, None]
        planes *= axis_weights(plan.cols, tile.col, plan.blend, scale)[None, :]
        top = tile.y.read_start * scale - origin
        left = tile.x.read_start * scale
        strip[:, top : top + planes.shape[1], left : left + planes.shape[2]] += planes
        progress.step()
        if tile.col == len(plan.cols) - 1:
            done_to = finished_rows(plan, tile.row, scale)
            convert.store(origin, strip[:, : done_to - origin])
            carried = tile.y.read_stop * scale - done_to
            strip[:, :carried] = strip[:, done_to - origin : done_to - origin + carried].copy()
            strip[:, carried:] = 0.0
            origin = done_to


def _tile_input(source: np.ndarray, tile: Tile, max_value: int) -> np.ndarray:
    """The tile's read window as a 1x3xhxw float32 RGB batch in 0..1."""
    window = source[tile.y.read_start : tile.y.read_stop, tile.x.read_start : tile.x.read_stop]
    scaled = window.astype(np.float32) / np.float32(max_value)
    if scaled.ndim == 2:  # grey: the network sees it as three equal channels
        return np.ascontiguousarray(np.broadcast_to(scaled, (1, 3, *scaled.shape)))
    return np.ascontiguousarray(scaled[..., ::-1].transpose(2, 0, 1))[None]


class _Converter:
    """From network output (RGB planes) to the target's channels and type.

    Each tile's output is clamped (and made grey) before it is blended, so the
    strip holds only the channels the target has; blending is a convex
    combination, so the blended values stay within 0..1.
    """

    def __init__(self, target: np.ndarray, max_value: int) -> None:
        self.target = target
        self.max_value = np.float32(max_value)
        self.channels = 1 if target.ndim == 2 else 3

    def planes(self, rgb: np.ndarray) -> np.ndarray:
        """Clamped planes, (1, h, w) grey or (3, h, w) BGR, made from ``rgb``
        in place where possible."""
        clamped: np.ndarray = np.clip(rgb, 0.0, 1.0, out=rgb)
        if self.channels == 3:
            return clamped[::-1]
        red, green, blue = (np.float32(w) for w in _GRAY_FROM_RGB)
        gray: np.ndarray = clamped[0] * red + clamped[1] * green + clamped[2] * blue
        return gray[None]

    def store_whole(self, rgb: np.ndarray) -> None:
        """An untiled run's output (RGB planes, not yet clamped) into the target.

        8-bit colour skips the clamping pass: OpenCV's multiply into 8 bits
        saturates below 0 and above 255 and rounds half to even, so it gives
        clamp, x 255 and round in one pass per plane (bit for bit: the
        engine's tests hold it to the reference recipe)."""
        if self.channels == 3 and self.target.dtype == np.uint8:
            rows, cols = self.target.shape[:2]  # the padding is cropped
            scale = float(self.max_value)
            bgr = [cv2.multiply(rgb[2 - k, :rows, :cols], scale, dtype=cv2.CV_8U) for k in range(3)]
            self._write(0, bgr)
            return
        self.store(0, self.planes(rgb))

    def store(self, first_row: int, planes: np.ndarray) -> None:
        """Round finished rows (clamped planes) into the target, cropping any padding."""
        rows = min(planes.shape[1], self.target.shape[0] - first_row)
        if rows <= 0:
            return
        cols = self.target.shape[1]
        quantised = [self._quantise(plane[:rows, :cols]) for plane in planes]
        self._write(first_row, quantised)

    def _write(self, first_row: int, planes: list[np.ndarray]) -> None:
        """Quantised planes (grey, or B, G, R) into the target's rows from ``first_row``."""
        destination = self.target[first_row : first_row + planes[0].shape[0]]
        if self.channels == 1:
            destination[...] = planes[0]
        elif destination.flags.c_contiguous:
            # Interleaving in one pass, straight into the output (no alpha
            # beside the colour): numpy's per-channel strided writes took
            # twice as long.
            cv2.merge(planes, dst=destination)
        else:
            for channel in range(3):
                destination[..., channel] = planes[channel]

    def _quantise(self, plane: np.ndarray) -> np.ndarray:
        """x * max, rounded half to even (numpy's round, as official Real-ESRGAN)."""
        if self.target.dtype == np.uint8:
            # One pass instead of three; OpenCV rounds half to even too, and
            # the input is already clamped to 0..1, so its abs() is a no-op.
            return np.asarray(cv2.convertScaleAbs(plane, alpha=float(self.max_value)))
        return np.rint(plane * self.max_value).astype(self.target.dtype)
