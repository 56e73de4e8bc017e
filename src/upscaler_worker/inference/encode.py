"""Encoding results (png, jpg, webp, tiff, bmp) with their metadata, and previews.

Pixels come in OpenCV's convention (BGR or grey, separate alpha). PNG is
written by our own streaming, multi-threaded writer (png.py) with its metadata
in place; JPEG and BMP by OpenCV straight from the array (no RGB copy of a
result that may be hundreds of megabytes), the JPEG's ICC profile and EXIF
spliced in afterwards; WebP goes through Pillow, TIFF through tifffile.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from upscaler_worker.inference import containers, metadata, png
from upscaler_worker.inference.errors import UnsupportedImageError

#: Output format → (MIME type, file extension).
FORMATS: dict[str, tuple[str, str]] = {
    "png": ("image/png", "png"),
    "jpg": ("image/jpeg", "jpg"),
    "webp": ("image/webp", "webp"),
    "tiff": ("image/tiff", "tiff"),
    "bmp": ("image/bmp", "bmp"),
}
#: "same" → the format that keeps the input's container.
SAME_AS_INPUT = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "TIFF": "tiff", "BMP": "bmp"}
WEBP_MAX_SIDE = 16383
_BAND = 512


@dataclass(frozen=True)
class Encoded:
    format: str
    mime_type: str
    extension: str
    size_bytes: int
    bit_depth: int
    icc_written: bool
    exif_written: bool


def resolve_format(requested: str, input_format: str) -> str:
    name = requested.lower()
    if name == "jpeg":
        name = "jpg"
    if name == "same":
        return SAME_AS_INPUT.get(input_format, "png")
    if name not in FORMATS:
        raise ValueError(f"unknown output format {requested!r}")
    return name


def encode_image(
    path: Path,
    color: np.ndarray,
    alpha: np.ndarray | None,
    *,
    fmt: str,
    quality: int = 92,
    icc_profile: bytes | None = None,
    exif_block: bytes | None = None,
    dpi: tuple[float, float] | None = None,
) -> Encoded:
    """Write ``path`` in ``fmt`` (a key of FORMATS). The ICC profile is written
    only where it describes the written pixels (an RGB profile on colour, a
    grey one on grey)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown output format {fmt!r}")
    channels = 1 if color.ndim == 2 else 3
    icc = icc_profile if metadata.icc_fits(icc_profile, channels) else None
    if fmt == "png":
        bit_depth, exif_written = _write_png(path, color, alpha, icc, exif_block, dpi)
    elif fmt == "jpg":
        bit_depth, exif_written = _write_jpeg(path, color, alpha, quality, icc, exif_block)
        if dpi is not None:
            containers.set_jfif_density(path, dpi)
    elif fmt == "webp":
        icc = icc if channels == 3 else None  # WebP stores grey as colour
        bit_depth, exif_written = _write_webp(path, color, alpha, quality, icc, exif_block)
    elif fmt == "tiff":
        bit_depth, exif_written = _write_tiff(path, color, alpha, icc, exif_block, dpi)
    else:
        bit_depth, exif_written, icc = _write_bmp(path, color, alpha), False, None
    mime_type, extension = FORMATS[fmt]
    return Encoded(
        fmt, mime_type, extension, path.stat().st_size, bit_depth, icc is not None, exif_written
    )


def _write_png(
    path: Path,
    color: np.ndarray,
    alpha: np.ndarray | None,
    icc: bytes | None,
    exif_block: bytes | None,
    dpi: tuple[float, float] | None,
) -> tuple[int, bool]:
    chunks = containers.png_metadata_chunks(icc, exif_block, dpi)
    if alpha is not None and alpha.dtype != color.dtype:
        alpha = alpha.astype(color.dtype) * (257 if color.dtype == np.uint16 else 1)
    png.write_png(path, color, alpha, metadata=chunks)
    return (16 if color.dtype == np.uint16 else 8), exif_block is not None


def _write_jpeg(
    path: Path,
    color: np.ndarray,
    alpha: np.ndarray | None,
    quality: int,
    icc: bytes | None,
    exif_block: bytes | None,
) -> tuple[int, bool]:
    pixels = to_8_bit(color)
    if alpha is not None:
        pixels = over_white(pixels, to_8_bit(alpha))
    # Chroma subsampling halves colour resolution: wrong for an upscaler's
    # output at high quality settings.
    sampling = (
        cv2.IMWRITE_JPEG_SAMPLING_FACTOR_444
        if quality >= 90
        else cv2.IMWRITE_JPEG_SAMPLING_FACTOR_420
    )
    params = [cv2.IMWRITE_JPEG_QUALITY, int(quality), cv2.IMWRITE_JPEG_SAMPLING_FACTOR, sampling]
    _cv2_write(path, ".jpg", pixels, params)
    segments = containers.jpeg_metadata_segments(icc, exif_block)
    containers.insert_jpeg_segments(path, segments)
    return 8, exif_block is not None and any(s.startswith(b"\xff\xe1") for s in segments)


def _write_webp(
    path: Path,
    color: np.ndarray,
    alpha: np.ndarray | None,
    quality: int,
    icc: bytes | None,
    exif_block: bytes | None,
) -> tuple[int, bool]:
    if max(color.shape[:2]) > WEBP_MAX_SIDE:
        raise UnsupportedImageError(
            f"WebP cannot hold an image over {WEBP_MAX_SIDE} pixels on a side; choose PNG or JPEG"
        )
    image = to_pil(color, alpha)
    if image.mode == "LA":
        image = image.convert("RGBA")
    options: dict[str, object] = {"quality": int(quality), "method": 4, "lossless": quality >= 100}
    if icc:
        options["icc_profile"] = icc
    if exif_block:
        options["exif"] = exif_block
    with path.open("wb") as out:
        image.save(out, "WEBP", **options)
    return 8, exif_block is not None


def _write_tiff(
    path: Path,
    color: np.ndarray,
    alpha: np.ndarray | None,
    icc: bytes | None,
    exif_block: bytes | None,
    dpi: tuple[float, float] | None,
) -> tuple[int, bool]:
    import tifffile

    gray = color.ndim == 2
    planes = [color] if gray else [color[..., 2::-1]]
    if alpha is not None:
        planes.append(alpha)
    pixels = planes[0] if len(planes) == 1 else np.dstack(planes)
    text = metadata.exif_ifd0_text(exif_block)
    # tifffile writes DateTime itself from ``datetime``; the rest go as ASCII tags.
    date = text.pop(0x0132, None)
    extratags = [(tag, "s", 0, value, True) for tag, value in sorted(text.items())]
    with path.open("wb") as out:
        tifffile.imwrite(
            out,
            pixels,
            photometric="minisblack" if gray else "rgb",
            extrasamples=["unassalpha"] if alpha is not None else None,
            compression="zlib",
            predictor=True,
            iccprofile=icc,
            datetime=date,
            resolution=dpi,
            resolutionunit="INCH" if dpi else None,
            extratags=extratags,
            metadata=None,
        )
    return (16 if color.dtype == np.uint16 else 8), bool(text) or date is not None


def _write_bmp(path: Path, color: np.ndarray, alpha: np.ndarray | None) -> int:
    pixels = to_8_bit(color)
    if alpha is not None:
        pixels = _with_alpha(pixels, to_8_bit(alpha))
    _cv2_write(path, ".bmp", pixels, [])
    return 8


def _cv2_write(path: Path, suffix: str, pixels: np.ndarray, params: list[int]) -> None:
    """OpenCV picks the codec from the file name; write under a name with the
    right suffix, then move it to ``path`` (which may have none)."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}{suffix}")
    try:
        if not cv2.imwrite(str(temporary), pixels, params):
            raise OSError(f"could not write {suffix[1:].upper()} to {path}")
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def _with_alpha(color: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    if color.ndim == 2:
        color = cv2.cvtColor(color, cv2.COLOR_GRAY2BGR)
    return np.dstack([color, alpha])


def to_8_bit(pixels: np.ndarray) -> np.ndarray:
    if pixels.dtype == np.uint8:
        return pixels
    # Rounded, saturated x / 257: 65535 → 255, 128 → 0, 129 → 1.
    return cv2.convertScaleAbs(pixels, alpha=1.0 / 257.0)


def over_white(color: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """Composite 8-bit pixels over white, a band of rows at a time so the float
    temporaries stay small on a large result."""
    out = np.empty_like(color)
    for top in range(0, color.shape[0], _BAND):
        rows = slice(top, top + _BAND)
        weight = alpha[rows].astype(np.float32) / 255.0
        if color.ndim == 3:
            weight = weight[..., None]
        blended = color[rows].astype(np.float32) * weight + 255.0 * (1.0 - weight)
        out[rows] = np.clip(np.rint(blended), 0, 255).astype(np.uint8)
    return out


def to_pil(color: np.ndarray, alpha: np.ndarray | None) -> Image.Image:
    """An 8-bit Pillow image (RGB, RGBA, L or LA) of BGR/grey pixels."""
    color, alpha = to_8_bit(color), (None if alpha is None else to_8_bit(alpha))
    if color.ndim == 2:
        if alpha is None:
            return Image.fromarray(color, "L")
        return Image.fromarray(np.dstack([color, alpha]), "LA")
    rgb = color[..., ::-1]
    if alpha is None:
        return Image.fromarray(np.ascontiguousarray(rgb), "RGB")
    return Image.fromarray(np.dstack([rgb, alpha]), "RGBA")


def write_thumbnail(
    path: Path,
    color: np.ndarray,
    alpha: np.ndarray | None,
    *,
    max_side: int = 512,
    icc_profile: bytes | None = None,
) -> Encoded:
    """A small preview: at most ``max_side`` pixels on its longer side, in the
    format the file name asks for (.jpg/.jpeg, .webp or .png; JPEG otherwise)."""
    height, width = color.shape[:2]
    factor = min(1.0, max_side / max(height, width))
    size = (max(1, round(width * factor)), max(1, round(height * factor)))
    small = cv2.resize(color, size, interpolation=cv2.INTER_AREA) if factor < 1 else color
    small_alpha = None
    if alpha is not None:
        small_alpha = cv2.resize(alpha, size, interpolation=cv2.INTER_AREA) if factor < 1 else alpha
    suffix = path.suffix.lower()
    fmt = {".webp": "webp", ".png": "png"}.get(suffix, "jpg")
    return encode_image(
        path,
        to_8_bit(small),
        None if small_alpha is None else to_8_bit(small_alpha),
        fmt=fmt,
        quality=85,
        icc_profile=icc_profile,
    )
