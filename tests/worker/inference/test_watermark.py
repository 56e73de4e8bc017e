"""The free tier's mark: in the bottom-right corner only, visible on light
and dark pictures, small next to the picture, and for every pixel type."""

from __future__ import annotations

import numpy as np
import pytest

from upscaler_worker.inference.watermark import stamp


@pytest.mark.parametrize("level", [0, 255])
def test_the_mark_is_in_the_corner_and_nowhere_else(level: int) -> None:
    picture = np.full((800, 1200, 3), level, np.uint8)
    marked = stamp(picture)
    changed = np.argwhere(np.any(marked != picture, axis=2))
    assert changed.size, "no mark"
    (top, left), (bottom, right) = changed.min(axis=0), changed.max(axis=0)
    assert top > 800 * 0.8 and left > 1200 * 0.6, (top, left)
    assert bottom < 800 and right < 1200
    # Small: the marked box is a sliver of the picture.
    assert (bottom - top) * (right - left) < 0.03 * 800 * 1200
    # Readable on either: on black the letters are light, on white the edge is dark.
    box = marked[top : bottom + 1, left : right + 1].astype(int)
    assert (box.max() > 100) if level == 0 else (box.min() < 180)
    assert picture.max() == level  # the input is left alone


def test_grey_sixteen_bit_and_tiny_pictures() -> None:
    grey = np.full((300, 400), 30000, np.uint16)
    marked = stamp(grey)
    assert marked.dtype == np.uint16 and marked.shape == grey.shape
    assert marked.max() > 40000
    tiny = stamp(np.zeros((24, 40, 3), np.uint8))
    assert tiny.shape == (24, 40, 3)
