"""Tile arithmetic: where tiles go, how their outputs blend, how big they may be.

Pure functions, no I/O. The image is cut into a grid of *cores* that partition
it. Each tile reads its core plus ``overlap`` context pixels on every side
(clamped to the image): the network sees real neighbours there instead of zero
padding. Outputs of neighbouring tiles are blended across each core boundary
with a cosine ramp ``blend`` pixels wide, centred on the boundary; outside the
ramps a tile's weight is 1 on its own core and 0 elsewhere. At a boundary the
two ramps are ``r(t)`` and ``1 - r(t)`` of the same ``t``, and weights are
separable (row weight times column weight), so the weights of all tiles sum
to exactly 1 at every output pixel: no seam, and no weight image to divide by.

The ramp stays ``overlap - blend/2`` pixels away from the edge of each tile's
context, so the pixels that zero padding at a tile's border disturbs most
carry no weight at all.
"""

from __future__ import annotations

import functools
import itertools
import math
from dataclasses import dataclass

import numpy as np

#: Context pixels read on each side of a tile's core (input pixels).
DEFAULT_OVERLAP = 16
#: RRDBNet's context: its 351 convolutions carry the zero padding at a tile's
#: edge much further in than SRVGGNetCompact's 18. RealESRGAN_x4plus, 96x80
#: image, 32 px cores, tiled against one untiled pass: overlap 16 gives
#: 44.8 dB (max error 24 levels), 24 gives 48.4 dB, 32 gives 51.2 dB (48 px
#: cores: 43.9 dB at 16, 53.9 dB at 32). A narrower blend at overlap 24 was
#: worse (47.1 dB with an 8 px ramp), so the overlap itself is raised.
RRDB_OVERLAP = 32


def overlap_for(arch: str | None) -> int:
    """The default context for an architecture (see RRDB_OVERLAP)."""
    return RRDB_OVERLAP if arch == "RRDBNet" else DEFAULT_OVERLAP


#: Smallest core side the planner will make (input pixels).
MIN_TILE = 32


@dataclass(frozen=True)
class Span:
    """One tile's extent along one axis, in input pixels (half-open)."""

    core_start: int
    core_stop: int
    read_start: int
    read_stop: int

    @property
    def read_length(self) -> int:
        return self.read_stop - self.read_start


@dataclass(frozen=True)
class Tile:
    index: int
    row: int
    col: int
    y: Span
    x: Span


@dataclass(frozen=True)
class TilePlan:
    height: int
    width: int
    tile_height: int
    tile_width: int
    overlap: int
    blend: int
    rows: tuple[Span, ...]
    cols: tuple[Span, ...]

    @property
    def tiles(self) -> list[Tile]:
        """Row-major order: a row of tiles finishes before the next starts, so
        finished output rows can be written out early."""
        return [
            Tile(index=r * len(self.cols) + c, row=r, col=c, y=y, x=x)
            for r, y in enumerate(self.rows)
            for c, x in enumerate(self.cols)
        ]

    @property
    def count(self) -> int:
        return len(self.rows) * len(self.cols)


def plan_axis(length: int, tile: int, overlap: int, multiple: int = 1) -> tuple[Span, ...]:
    """Cut ``length`` into cores of at most ``tile`` pixels, as equal as the
    ``multiple`` allows (every boundary is a multiple of it, so every read
    window is too when ``length`` is), each with ``overlap`` context per side."""
    if length <= 0 or tile <= 0 or overlap < 0 or multiple <= 0:
        raise ValueError("length, tile and multiple must be positive, overlap non-negative")
    if length % multiple:
        raise ValueError(f"length {length} is not a multiple of {multiple}: pad the image first")
    units = length // multiple
    count = math.ceil(length / tile)
    bounds = [round(i * units / count) * multiple for i in range(count + 1)]
    context = _round_up(overlap, multiple)
    return tuple(
        Span(
            core_start=start,
            core_stop=stop,
            read_start=max(0, start - context),
            read_stop=min(length, stop + context),
        )
        for start, stop in itertools.pairwise(bounds)
    )


def plan_tiles(
    height: int,
    width: int,
    tile_height: int,
    tile_width: int | None = None,
    overlap: int = DEFAULT_OVERLAP,
    multiple: int = 1,
) -> TilePlan:
    """The tile grid for an image (square tiles unless ``tile_width`` is given).
    ``blend`` is the overlap, but never more than the smallest core, so two
    ramps never meet."""
    tile_width = tile_height if tile_width is None else tile_width
    rows = plan_axis(height, tile_height, overlap, multiple)
    cols = plan_axis(width, tile_width, overlap, multiple)
    smallest_core = min(span.core_stop - span.core_start for span in rows + cols)
    blend = min(overlap, smallest_core)
    return TilePlan(height, width, tile_height, tile_width, overlap, blend, rows, cols)


def ramp(t: np.ndarray) -> np.ndarray:
    """Cosine ramp 0 → 1 on t in [0, 1]; ramp(t) + ramp(1 - t) == 1."""
    clipped = np.clip(t, 0.0, 1.0)
    ramped: np.ndarray = (0.5 - 0.5 * np.cos(np.pi * clipped)).astype(np.float32)
    return ramped


def axis_weights(spans: tuple[Span, ...], index: int, blend: int, scale: int) -> np.ndarray:
    """Blend weight of tile ``index`` along one axis, for each output pixel of its
    read window (``read_length * scale`` values)."""
    span = spans[index]
    centres = np.arange(span.read_start * scale, span.read_stop * scale, dtype=np.float64) + 0.5
    weights = np.ones(centres.shape, dtype=np.float32)
    if blend == 0:
        # No overlap: hard cut at the core boundary.
        inside = (centres >= span.core_start * scale) & (centres < span.core_stop * scale)
        return inside.astype(np.float32)
    width = blend * scale
    if index > 0:
        weights *= ramp((centres - (span.core_start * scale - width / 2)) / width)
    if index < len(spans) - 1:
        rising = ramp((centres - (span.core_stop * scale - width / 2)) / width)
        weights *= np.float32(1.0) - rising
    return weights


def finished_rows(plan: TilePlan, row: int, scale: int) -> int:
    """Output rows above this index are final once tile row ``row`` is done:
    no later tile reads them."""
    if row + 1 < len(plan.rows):
        return plan.rows[row + 1].read_start * scale
    return plan.height * scale


def strip_rows(plan: TilePlan, scale: int) -> int:
    """Output rows the blending strip holds: one row of tiles, context included."""
    return max(span.read_length for span in plan.rows) * scale


#: Column counts tried from the widest allowed tile on (see choose_tile_shape).
_COLUMN_CANDIDATES = 64


@functools.lru_cache(maxsize=256)  # an animation asks once per frame
def choose_tile_shape(
    height: int,
    width: int,
    *,
    scale: int,
    memory_budget_bytes: int,
    bytes_per_input_pixel: float,
    strip_budget_bytes: int,
    strip_bytes_per_output_pixel: int,
    overlap: int = DEFAULT_OVERLAP,
    multiple: int = 1,
    largest: int = 4096,
) -> tuple[int, int]:
    """(tile_height, tile_width) of the cores, in input pixels.

    An image that fits the budget whole is one tile. Otherwise every tile's
    read window (core plus the context it really reads: none at the image's
    edges) stays within the runtime's memory budget, its height within what
    the blending strip (one row of tiles at output resolution, in float32)
    may hold, and of the grids that allow, the one that computes the fewest
    pixels wins (fewest tiles on a tie). Context is computed twice, so that
    is usually a grid of near-square tiles; but an image a little over the
    budget is better cut into full-width bands (a 512² RRDBNet input on a
    budget of 221k pixels: 2 bands compute 1.12x its pixels, 4 squares 1.27x).
    """
    fits = height * width * bytes_per_input_pixel <= memory_budget_bytes
    if fits and max(height, width) <= largest:
        # One tile needs no context and no blending strip: the whole image.
        return height, width
    area = max(1, int(memory_budget_bytes / bytes_per_input_pixel))  # read pixels per tile
    context = 2 * _round_up(overlap, multiple)
    strip_rows = strip_budget_bytes // max(1, width * scale * strip_bytes_per_output_pixel)
    # A strip too small for even the smallest tiles is overrun rather than
    # cutting tiles thinner than MIN_TILE (all context).
    tallest = min(largest, height, max(MIN_TILE, strip_rows // scale - context))
    best: tuple[tuple[int, int], tuple[int, int]] | None = None
    # From the widest tile the budget allows at the smallest height, one more
    # column at a time: the tiles grow taller until the strip (or the image)
    # caps them; from there, more columns only add context.
    first = max(1, math.ceil(width / max(1, area // (MIN_TILE + context))))
    square = max(MIN_TILE, math.isqrt(area) - context)
    candidates = sorted({*range(first, first + _COLUMN_CANDIDATES), math.ceil(width / square)})
    for columns in candidates:
        tile_width = min(width, _round_up(math.ceil(width / columns), multiple))
        if tile_width < min(MIN_TILE, width):
            break
        read_width = tile_width + (context if columns > 1 else 0)
        tile_height = _round_down(min(area // read_width - context, tallest), multiple)
        if tile_width > largest or tile_height < min(MIN_TILE, height):
            continue
        plan = plan_tiles(height, width, tile_height, tile_width, overlap, multiple)
        rank = (computed_pixels(plan), plan.count)
        if best is None or rank < best[0]:
            best = (rank, (tile_height, tile_width))
    if best is not None:
        return best[1]
    # The budget allows no tile of the smallest side: the smallest.
    return _round_down(min(MIN_TILE, height), multiple), _round_down(min(MIN_TILE, width), multiple)


def computed_pixels(plan: TilePlan) -> int:
    """Input pixels the network runs over for ``plan``, context included."""
    return sum(span.read_length for span in plan.rows) * sum(span.read_length for span in plan.cols)


def _round_down(value: int, multiple: int) -> int:
    return max(multiple, value // multiple * multiple)


def _round_up(value: int, multiple: int) -> int:
    return -(-value // multiple) * multiple
