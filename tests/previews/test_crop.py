"""The crop finder: the most detailed square, wherever it is and whatever the
image's size and mode; a chosen square moved inside the image."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from upscaler.previews.crop import STRIDE, clamp_box, find_crop, open_first_frame, save_crop


def flat_with_patch(width: int, height: int, at: tuple[int, int], side: int) -> Image.Image:
    """Flat grey with one square of noise: the only detail there is."""
    rng = np.random.default_rng(7)
    pixels = np.full((height, width, 3), 128, dtype=np.uint8)
    x, y = at
    pixels[y : y + side, x : x + side] = rng.integers(0, 256, (side, side, 3), dtype=np.uint8)
    return Image.fromarray(pixels)


@pytest.mark.parametrize(
    ("size", "patch_at"),
    [((600, 400), (400, 200)), ((640, 480), (0, 0)), ((3000, 2000), (2500, 1700))],
)
def test_the_most_detailed_square_is_found(
    size: tuple[int, int], patch_at: tuple[int, int]
) -> None:
    image = flat_with_patch(*size, patch_at, 128)
    crop = find_crop(image, 128)
    # On a large image the search runs on a reduced copy: a few pixels off.
    reduction = max(1, -(-max(size) // 1024))
    tolerance = STRIDE * reduction
    assert (crop.width, crop.height) == (128, 128)
    assert abs(crop.x - patch_at[0]) <= tolerance, crop
    assert abs(crop.y - patch_at[1]) <= tolerance, crop


def test_an_image_smaller_than_the_crop_is_taken_whole() -> None:
    crop = find_crop(flat_with_patch(90, 60, (10, 10), 20), 128)
    assert (crop.x, crop.y, crop.width, crop.height) == (0, 0, 90, 60)


def test_a_chosen_square_is_moved_inside_the_image() -> None:
    assert clamp_box(500, 300, 128, 450, 290).box == (372, 172, 500, 300)
    assert clamp_box(500, 300, 128, 10, 20).box == (10, 20, 138, 148)


def test_the_crop_keeps_alpha_and_16_bit_becomes_8_bit(tmp_path: Path) -> None:
    rgba = Image.new("RGBA", (200, 200), (10, 20, 30, 0))
    rgba.putpixel((5, 5), (255, 0, 0, 255))
    save_crop(rgba, clamp_box(200, 200, 64, 0, 0), tmp_path / "a.png")
    with Image.open(tmp_path / "a.png") as saved:
        assert saved.mode == "RGBA" and saved.size == (64, 64)
        assert saved.getpixel((5, 5)) == (255, 0, 0, 255)

    deep = Image.fromarray(np.full((100, 100), 40000, dtype=np.uint16))
    save_crop(deep, clamp_box(100, 100, 32, 0, 0), tmp_path / "d.png")
    with Image.open(tmp_path / "d.png") as saved:
        assert saved.mode == "RGB" and saved.getpixel((0, 0)) == (156, 156, 156)


def test_the_image_is_read_as_shown(tmp_path: Path) -> None:
    """A photo stored sideways with an EXIF orientation is cropped upright,
    as the browser shows it (and as the person picks the crop)."""
    stored = Image.new("RGB", (300, 100), (0, 0, 0))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to show
    path = tmp_path / "sideways.jpg"
    stored.save(path, exif=exif.tobytes())
    assert open_first_frame(path).size == (100, 300)
