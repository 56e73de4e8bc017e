"""Tile arithmetic: coverage, blend weights, alignment and the memory bound."""

from __future__ import annotations

import math

import numpy as np
import pytest

from upscaler_worker.inference.tiling import (
    MIN_TILE,
    TilePlan,
    axis_weights,
    choose_tile_shape,
    computed_pixels,
    finished_rows,
    plan_axis,
    plan_tiles,
    ramp,
    strip_rows,
)

SHAPES = [
    # (height, width, tile_h, tile_w, overlap, multiple, scale)
    (179, 179, 64, 64, 16, 1, 4),
    (256, 512, 100, 77, 8, 1, 4),
    (351, 500, 32, 32, 16, 1, 4),
    (90, 60, 48, 48, 12, 2, 2),
    (1000, 37, 128, 512, 32, 1, 4),
    (64, 64, 512, 512, 16, 1, 4),  # one tile
    (300, 200, 40, 40, 0, 1, 4),  # no overlap: hard cuts
]


@pytest.mark.parametrize(
    ("height", "width", "tile_h", "tile_w", "overlap", "multiple", "scale"), SHAPES
)
def test_cores_partition_the_image_and_windows_hold_their_cores(
    height: int, width: int, tile_h: int, tile_w: int, overlap: int, multiple: int, scale: int
) -> None:
    plan = plan_tiles(height, width, tile_h, tile_w, overlap, multiple)
    owners = np.zeros((height, width), np.int32)
    for tile in plan.tiles:
        owners[tile.y.core_start : tile.y.core_stop, tile.x.core_start : tile.x.core_stop] += 1
        for span, length, limit in ((tile.y, height, tile_h), (tile.x, width, tile_w)):
            assert (
                0 <= span.read_start <= span.core_start < span.core_stop <= span.read_stop <= length
            )
            assert span.core_stop - span.core_start <= limit
            # Context on every side that is not the image border.
            assert span.read_start == 0 or span.core_start - span.read_start >= overlap
            assert span.read_stop == length or span.read_stop - span.core_stop >= overlap
            assert span.read_start % multiple == 0
            assert span.read_length % multiple == 0
    assert (owners == 1).all(), "every pixel belongs to exactly one core"
    assert [t.index for t in plan.tiles] == list(range(plan.count))


@pytest.mark.parametrize(
    ("height", "width", "tile_h", "tile_w", "overlap", "multiple", "scale"), SHAPES
)
def test_blend_weights_sum_to_one_at_every_output_pixel(
    height: int, width: int, tile_h: int, tile_w: int, overlap: int, multiple: int, scale: int
) -> None:
    plan = plan_tiles(height, width, tile_h, tile_w, overlap, multiple)
    total = np.zeros((height * scale, width * scale), np.float64)
    for tile in plan.tiles:
        wy = axis_weights(plan.rows, tile.row, plan.blend, scale)
        wx = axis_weights(plan.cols, tile.col, plan.blend, scale)
        assert wy.shape == (tile.y.read_length * scale,)
        assert wx.shape == (tile.x.read_length * scale,)
        assert (wy >= 0).all() and (wy <= 1).all()
        total[
            tile.y.read_start * scale : tile.y.read_stop * scale,
            tile.x.read_start * scale : tile.x.read_stop * scale,
        ] += np.outer(wy, wx)
    np.testing.assert_allclose(total, 1.0, atol=1e-6)


def test_weights_vanish_near_the_edge_of_a_tiles_context() -> None:
    """Pixels next to a tile's cut edge (where the network saw zero padding)
    carry no weight: the ramp ends overlap - blend/2 pixels inside."""
    spans = plan_axis(300, 100, 16)
    scale = 4
    middle = axis_weights(spans, 1, 16, scale)
    margin = (16 - 16 // 2) * scale
    assert (middle[:margin] == 0).all()
    assert (middle[-margin:] == 0).all()
    core = slice((spans[1].core_start - spans[1].read_start + 8) * scale, -(16 + 8) * scale)
    assert (middle[core] == 1).all()


def test_ramp_is_symmetric() -> None:
    t = np.linspace(0, 1, 101)
    np.testing.assert_allclose(ramp(t) + ramp(1 - t), 1.0, atol=1e-6)
    assert ramp(np.array([0.0]))[0] == 0 and ramp(np.array([1.0]))[0] == 1


def test_cores_are_balanced_and_aligned() -> None:
    spans = plan_axis(1000, 300, 10, multiple=2)
    sizes = [s.core_stop - s.core_start for s in spans]
    assert len(spans) == 4 and max(sizes) - min(sizes) <= 2
    assert all(s.core_start % 2 == 0 for s in spans)
    with pytest.raises(ValueError, match="multiple"):
        plan_axis(999, 300, 10, multiple=2)


def test_finished_rows_never_precede_a_later_tiles_window() -> None:
    plan = plan_tiles(700, 300, 100, 100, 16)
    for row in range(len(plan.rows)):
        done = finished_rows(plan, row, 4)
        later = [span.read_start * 4 for span in plan.rows[row + 1 :]]
        assert all(done <= start for start in later)
    assert finished_rows(plan, len(plan.rows) - 1, 4) == 700 * 4


def _largest_read(plan: TilePlan) -> int:
    """Pixels of the largest read window (context included) of ``plan``."""
    return max(span.read_length for span in plan.rows) * max(span.read_length for span in plan.cols)


def test_tile_shape_fits_the_runtime_budget() -> None:
    height, width = 3000, 4000
    budget = 1 << 30
    tile_h, tile_w = choose_tile_shape(
        height,
        width,
        scale=4,
        memory_budget_bytes=budget,
        bytes_per_input_pixel=1100,
        strip_budget_bytes=1 << 40,  # no strip limit here
        strip_bytes_per_output_pixel=12,
        overlap=16,
    )
    plan = plan_tiles(height, width, tile_h, tile_w, 16)
    assert _largest_read(plan) * 1100 <= budget
    assert _largest_read(plan) * 1100 > budget * 0.8, "and uses most of it"
    # No more work than the square tiles of the same budget.
    side = math.isqrt(budget // 1100) - 32
    assert computed_pixels(plan) <= computed_pixels(plan_tiles(height, width, side, side, 16))


def test_an_image_a_little_over_the_budget_is_cut_into_full_width_bands() -> None:
    """A 512² RRDBNet input on OpenVINO's planned rate: two bands read 64 rows
    of context in all; four near-square tiles would read 1.27x the image."""
    kwargs = {
        "scale": 4,
        "memory_budget_bytes": (768 - 176) << 20,
        "bytes_per_input_pixel": 2800,
        "strip_budget_bytes": 64 << 20,
        "strip_bytes_per_output_pixel": 12,
        "overlap": 32,
    }
    tile_h, tile_w = choose_tile_shape(512, 512, **kwargs)
    plan = plan_tiles(512, 512, tile_h, tile_w, 32)
    assert (len(plan.rows), len(plan.cols)) == (2, 1)
    assert computed_pixels(plan) == 512 * (512 + 2 * 32)
    assert _largest_read(plan) * 2800 <= (768 - 176) << 20


@pytest.mark.parametrize(
    ("height", "width", "per_pixel", "overlap", "multiple"),
    [(1500, 2000, 2800, 32, 1), (2160, 3840, 1100, 16, 1), (600, 8000, 1100, 16, 2)],
)
def test_tiles_stay_within_both_budgets_and_cover_the_image(
    height: int, width: int, per_pixel: int, overlap: int, multiple: int
) -> None:
    budget, strip_budget = 768 << 20, max(64 << 20, height * width * 16 * 3 // 2)
    tile_h, tile_w = choose_tile_shape(
        height,
        width,
        scale=4,
        memory_budget_bytes=budget,
        bytes_per_input_pixel=per_pixel,
        strip_budget_bytes=strip_budget,
        strip_bytes_per_output_pixel=12,
        overlap=overlap,
        multiple=multiple,
    )
    assert tile_h % multiple == 0 and tile_w % multiple == 0
    plan = plan_tiles(height, width, tile_h, tile_w, overlap, multiple)
    assert _largest_read(plan) * per_pixel <= budget
    assert strip_rows(plan, 4) * width * 4 * 12 <= strip_budget
    assert plan.rows[-1].core_stop == height and plan.cols[-1].core_stop == width


def test_small_images_are_one_tile() -> None:
    shape = choose_tile_shape(
        179,
        150,
        scale=4,
        memory_budget_bytes=1 << 30,
        bytes_per_input_pixel=1100,
        strip_budget_bytes=64 << 20,
        strip_bytes_per_output_pixel=12,
    )
    assert shape == (179, 150)


@pytest.mark.parametrize(("channels", "itemsize"), [(3, 1), (4, 1), (1, 1), (3, 2)])
def test_a_photo_sized_result_needs_at_most_twice_its_own_size(
    channels: int, itemsize: int
) -> None:
    """4000x3000 at 4x: the output array plus the float blending strip stay
    within 2x the output's bytes (the engine holds nothing else of that size)."""
    height, width, scale = 3000, 4000, 4
    output_bytes = height * width * scale**2 * channels * itemsize
    color_channels = 1 if channels == 1 else 3
    tile_h, tile_w = choose_tile_shape(
        height,
        width,
        scale=scale,
        memory_budget_bytes=1 << 30,
        bytes_per_input_pixel=1100,
        strip_budget_bytes=output_bytes // 2,
        strip_bytes_per_output_pixel=4 * color_channels,
        overlap=16,
    )
    plan = plan_tiles(height, width, tile_h, tile_w, 16)
    strip_bytes = strip_rows(plan, scale) * width * scale * 4 * color_channels
    assert strip_bytes <= output_bytes // 2
    assert output_bytes + strip_bytes <= 2 * output_bytes
    # The tiles keep their area (runtime efficiency), only their shape changes.
    assert tile_h >= MIN_TILE
    assert (tile_h + 32) * (tile_w + 32) * 1100 <= 1 << 30
