"""Decide from the bytes, not the name or Content-Type, what an upload is.

415: not an image type we accept (sniffed from the magic bytes).
422: an image we recognise but will not process — too many pixels, animated,
     truncated or corrupt, or a pixel mode we cannot convert.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageFile, UnidentifiedImageError

from upscaler.errors import APIError, FieldError

# Pillow's own bomb guard would fire before ours with a less useful message.
Image.MAX_IMAGE_PIXELS = None
ImageFile.LOAD_TRUNCATED_IMAGES = False

MIME_BY_KIND = {
    "jpeg": "image/jpeg",
    "png": "image/png",
    "webp": "image/webp",
    "tiff": "image/tiff",
}
EXTENSION_BY_KIND = {"jpeg": "jpg", "png": "png", "webp": "webp", "tiff": "tif"}
# Pixel modes the engine converts faithfully (see upscaler_worker.inference.imageio).
SUPPORTED_MODES = {
    "1",
    "L",
    "LA",
    "La",
    "P",
    "PA",
    "RGB",
    "RGBA",
    "RGBa",
    "RGBX",
    "CMYK",
    "YCbCr",
    "I",
    "I;16",
    "I;16B",
    "I;16L",
    "I;16N",
    "F",
}


def sniff_kind(head: bytes) -> str | None:
    """The image kind from its first bytes, or None."""
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return "tiff"
    return None


@dataclass(frozen=True)
class ImageInfo:
    kind: str
    mime_type: str
    width: int
    height: int
    mode: str

    @property
    def pixels(self) -> int:
        return self.width * self.height


def _unprocessable(message: str) -> APIError:
    return APIError(422, "unprocessable_image", message, fields=[FieldError("file", message)])


def inspect_image(path: Path, *, allowed_mimes: frozenset[str], max_pixels: int) -> ImageInfo:
    """Blocking (it decodes the image once); run it in a worker thread."""
    with path.open("rb") as handle:
        head = handle.read(16)
    kind = sniff_kind(head)
    if kind is None or MIME_BY_KIND[kind] not in allowed_mimes:
        allowed = ", ".join(sorted(m.removeprefix("image/") for m in allowed_mimes))
        raise APIError(
            415,
            "unsupported_media_type",
            f"the file is not a supported image (accepted: {allowed})",
            fields=[FieldError("file", "is not a supported image type")],
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(path) as image:
                width, height = image.size
                mode = image.mode
                if getattr(image, "n_frames", 1) > 1:
                    raise _unprocessable(
                        "animated images are not supported yet: upload a single frame"
                    )
                if width * height > max_pixels:
                    raise _unprocessable(
                        f"the image is {width}x{height} ({width * height:,} pixels); "
                        f"the limit is {max_pixels:,} pixels"
                    )
                if mode not in SUPPORTED_MODES:
                    raise _unprocessable(f"pixel mode {mode!r} is not supported")
                if kind == "jpeg":
                    # Decode at reduced scale: still reads every byte (so it
                    # finds truncation) with a fraction of the memory.
                    image.draft(image.mode, (max(1, width // 8), max(1, height // 8)))
                image.load()
    except APIError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise _unprocessable(
            f"the image could not be decoded (truncated or corrupt): {error}"
        ) from error
    except Image.DecompressionBombError as error:  # pragma: no cover - guard disabled above
        raise _unprocessable(str(error)) from error
    if width < 1 or height < 1:
        raise _unprocessable("the image has no pixels")
    return ImageInfo(kind=kind, mime_type=MIME_BY_KIND[kind], width=width, height=height, mode=mode)
