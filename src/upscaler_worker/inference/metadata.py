"""EXIF and ICC: orientation, what is copied to the result, colour conversion."""

from __future__ import annotations

import io
import logging
from typing import Any

import numpy as np
from PIL import Image, ImageCms

log = logging.getLogger(__name__)

ORIENTATION = 0x0112
EXIF_IFD = 0x8769
GPS_IFD = 0x8825
PIXEL_X_DIMENSION = 0xA002
PIXEL_Y_DIMENSION = 0xA003
#: IFD0 tags that describe how the old pixels were stored (a TIFF input's own
#: structure: size, sample layout, strips, tiles, colour map, its ICC copy) and
#: would lie about the result.
_STALE_IFD0 = (
    *(254, 256, 257, 258, 259, 262, 273, 277, 278, 279, 284, 317, 320),
    *(322, 323, 324, 325, 338, 339, 340, 341, 530, 34675),
)


def apply_orientation(pixels: np.ndarray, orientation: int) -> np.ndarray:
    """Turn stored pixels upright according to the EXIF orientation (1-8),
    exactly as Pillow's ``ImageOps.exif_transpose`` does."""
    if orientation == 2:
        return pixels[:, ::-1]
    if orientation == 3:
        return pixels[::-1, ::-1]
    if orientation == 4:
        return pixels[::-1]
    if orientation == 5:
        return pixels.swapaxes(0, 1)
    if orientation == 6:
        return np.rot90(pixels, k=-1)
    if orientation == 7:
        return pixels[::-1, ::-1].swapaxes(0, 1)
    if orientation == 8:
        return np.rot90(pixels, k=1)
    return pixels


def read_exif(image: Image.Image) -> Image.Exif:
    try:
        return image.getexif()
    except Exception:  # a broken EXIF block must not make the image unreadable
        log.warning("ignoring unreadable EXIF data")
        return Image.Exif()


def orientation_of(exif: Image.Exif) -> int:
    value = exif.get(ORIENTATION, 1)
    try:
        orientation = int(value)
    except (TypeError, ValueError):
        return 1
    return orientation if 1 <= orientation <= 8 else 1


def exif_for_output(exif: Image.Exif, *, width: int, height: int, keep_gps: bool) -> bytes | None:
    """The EXIF block for the result, as ``Exif\\0\\0``-prefixed bytes.

    Pixels are written upright, so orientation becomes 1; GPS position is
    dropped unless asked to keep it (a photo's location is personal data);
    the recorded pixel dimensions become the new ones. Everything else (dates,
    camera, exposure, copyright) is kept.
    """
    if not len(exif):
        return None
    try:
        sub_ifd = exif.get_ifd(EXIF_IFD)
        if ORIENTATION in exif:
            exif[ORIENTATION] = 1
        if not keep_gps and GPS_IFD in exif:
            del exif[GPS_IFD]
        for tag in _STALE_IFD0:
            exif.pop(tag, None)
        if PIXEL_X_DIMENSION in sub_ifd:
            sub_ifd[PIXEL_X_DIMENSION] = width
        if PIXEL_Y_DIMENSION in sub_ifd:
            sub_ifd[PIXEL_Y_DIMENSION] = height
        data = exif.tobytes()
    except Exception:
        log.warning("EXIF could not be rewritten; the result carries none")
        return None
    return data if data.startswith(b"Exif\x00\x00") else b"Exif\x00\x00" + data


def exif_ifd0_text(exif_block: bytes | None) -> dict[int, str]:
    """IFD0 text tags (date, camera, author) for containers such as TIFF that
    take tags but not a whole EXIF block. DateTimeOriginal stands in for DateTime."""
    if not exif_block:
        return {}
    exif = Image.Exif()
    exif.load(exif_block[6:] if exif_block.startswith(b"Exif") else exif_block)
    wanted = {0x010E: "ImageDescription", 0x010F: "Make", 0x0110: "Model", 0x0132: "DateTime"}
    wanted |= {0x013B: "Artist", 0x8298: "Copyright"}
    tags = {tag: str(exif[tag]) for tag in wanted if isinstance(exif.get(tag), str)}
    original = exif.get_ifd(EXIF_IFD).get(0x9003)
    if 0x0132 not in tags and isinstance(original, str):
        tags[0x0132] = original
    return tags


def icc_colour_space(profile: bytes | None) -> str | None:
    """The data colour space of an ICC profile: 'RGB', 'GRAY', 'CMYK', ..."""
    if not profile or len(profile) < 20:
        return None
    return profile[16:20].decode("ascii", "replace").strip()


def icc_fits(profile: bytes | None, channels: int) -> bool:
    """Whether the profile describes pixels with this many colour channels."""
    space = icc_colour_space(profile)
    return (space == "RGB" and channels == 3) or (space == "GRAY" and channels == 1)


def srgb_profile() -> bytes:
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
    data: bytes = profile.tobytes()
    return data


def convert_to_srgb(image: Image.Image, profile: bytes) -> Image.Image:
    """Pixels converted from their embedded profile to sRGB (perceptual intent)."""
    source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
    target = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
    mode = "RGBA" if image.mode in ("RGBA", "LA", "PA") else "RGB"
    if image.mode == "LA":
        image = image.convert("RGBA")
    converted: Any = ImageCms.profileToProfile(image, source, target, outputMode=mode)
    assert isinstance(converted, Image.Image)
    return converted
