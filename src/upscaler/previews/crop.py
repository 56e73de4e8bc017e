"""Where to crop: the most detailed square of an image, or the one asked for.

Pure arithmetic over a greyscale copy (numpy and Pillow): detail is the summed
gradient magnitude over the window, found for every window position at once
with an integral image. Large images are scored on a reduced copy, since the
choice only needs to be good to a few pixels.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

#: The crop's side by default, and the bounds a client may ask for.
DEFAULT_SIDE = 128
MIN_SIDE = 32
MAX_SIDE = 256
#: Images are scored at most this many pixels on the long side.
SCORING_SIDE = 1024
#: Window positions are tried this far apart (in scored pixels).
STRIDE = 4


@dataclass(frozen=True)
class CropBox:
    x: int
    y: int
    width: int
    height: int

    @property
    def box(self) -> tuple[int, int, int, int]:
        return (self.x, self.y, self.x + self.width, self.y + self.height)


def clamp_box(width: int, height: int, side: int, x: int, y: int) -> CropBox:
    """A side x side box at (x, y), moved inside the image (smaller when the
    image is)."""
    crop_w, crop_h = min(side, width), min(side, height)
    return CropBox(max(0, min(x, width - crop_w)), max(0, min(y, height - crop_h)), crop_w, crop_h)


def detail_map(grey: np.ndarray) -> np.ndarray:
    """Gradient magnitude per pixel (|dx| + |dy|), float32, same shape."""
    pixels = grey.astype(np.float32)
    detail = np.zeros_like(pixels)
    detail[:, 1:] += np.abs(np.diff(pixels, axis=1))
    detail[1:, :] += np.abs(np.diff(pixels, axis=0))
    return detail


def most_detailed(grey: np.ndarray, side: int) -> tuple[int, int]:
    """(x, y) of the side x side window with the most detail (ties: the first)."""
    height, width = grey.shape
    if side >= width and side >= height:
        return 0, 0
    win_w, win_h = min(side, width), min(side, height)
    integral = np.zeros((height + 1, width + 1), dtype=np.float64)
    integral[1:, 1:] = detail_map(grey).cumsum(axis=0).cumsum(axis=1)
    ys = np.arange(0, height - win_h + 1, STRIDE)
    xs = np.arange(0, width - win_w + 1, STRIDE)
    top, left = ys[:, None], xs[None, :]
    sums = (
        integral[top + win_h, left + win_w]
        - integral[top, left + win_w]
        - integral[top + win_h, left]
        + integral[top, left]
    )
    row, column = np.unravel_index(int(np.argmax(sums)), sums.shape)
    return int(xs[column]), int(ys[row])


def find_crop(image: Image.Image, side: int) -> CropBox:
    """The most detailed side x side square of `image` (full-size coordinates)."""
    width, height = image.size
    reduction = max(1, -(-max(width, height) // SCORING_SIDE))
    scored = image.reduce(reduction) if reduction > 1 else image
    grey = np.asarray(_to_grey(scored))
    x, y = most_detailed(grey, max(1, side // reduction))
    return clamp_box(width, height, side, x * reduction, y * reduction)


def _to_grey(image: Image.Image) -> Image.Image:
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        return image.point(lambda value: value / 256).convert("L")
    return image.convert("L")


def open_first_frame(path: Path) -> Image.Image:
    """The image as shown (EXIF orientation applied), its first frame, loaded."""
    with Image.open(path) as opened:
        opened.seek(0)
        image = ImageOps.exif_transpose(opened)
        image.load()
        return image


def save_crop(image: Image.Image, crop: CropBox, destination: Path) -> None:
    """The crop as PNG, 8-bit RGB(A), keeping the colour profile."""
    region = image.crop(crop.box)
    has_alpha = "A" in region.getbands() or "transparency" in region.info
    if region.mode.startswith("I"):
        region = _to_grey(region)
    region = region.convert("RGBA" if has_alpha else "RGB")
    icc = image.info.get("icc_profile")
    extra = {"icc_profile": icc} if icc else {}
    region.save(destination, format="PNG", **extra)
