"""Decide from the bytes, not the name or Content-Type, what an upload is.

415: not an image type we accept (sniffed from the magic bytes).
422: an image we recognise but will not process — too many pixels (an
     animation's frames all count), a multi-page TIFF, truncated or corrupt,
     or a pixel mode we cannot convert.
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
    "gif": "image/gif",
}
EXTENSION_BY_KIND = {"jpeg": "jpg", "png": "png", "webp": "webp", "tiff": "tif", "gif": "gif"}
#: Containers whose frames are an animation (an MPO's second picture is not).
ANIMATED_KINDS = frozenset({"gif", "png", "webp"})
#: The most frames an animation may have, however small (the worker's
#: upscaler_worker.inference.animation.MAX_FRAMES is the same number).
MAX_FRAMES = 1000
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
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    return None


@dataclass(frozen=True)
class ImageInfo:
    kind: str
    mime_type: str
    width: int
    height: int
    mode: str
    #: An animation's frames (1: a still).
    frames: int = 1

    @property
    def pixels(self) -> int:
        """What it costs to upscale: every frame counts."""
        return self.width * self.height * self.frames


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
                frames = _frames(image, kind)
                _check_pixels(width, height, frames, max_pixels)
                if mode not in SUPPORTED_MODES:
                    raise _unprocessable(f"pixel mode {mode!r} is not supported")
                if kind == "jpeg":
                    # Decode at reduced scale: still reads every byte (so it
                    # finds truncation) with a fraction of the memory.
                    image.draft(image.mode, (max(1, width // 8), max(1, height // 8)))
                image.load()
                for index in range(1, frames):  # every frame must decode
                    image.seek(index)
                    image.load()
    except APIError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as error:
        raise _unprocessable(
            f"the image could not be decoded (truncated or corrupt): {error}"
        ) from error
    except Image.DecompressionBombError as error:  # pragma: no cover - guard disabled above
        raise _unprocessable(str(error)) from error
    if width < 1 or height < 1:
        raise _unprocessable("the image has no pixels")
    return ImageInfo(
        kind=kind,
        mime_type=MIME_BY_KIND[kind],
        width=width,
        height=height,
        mode=mode,
        frames=frames,
    )


def _frames(image: Image.Image, kind: str) -> int:
    """How many frames are upscaled: an animation's all; a still's one."""
    count = int(getattr(image, "n_frames", 1))
    if count > 1 and kind == "tiff":
        raise _unprocessable("multi-page TIFF files are not supported: upload one page")
    if count <= 1 or kind not in ANIMATED_KINDS:
        return 1
    if count > MAX_FRAMES:
        raise _unprocessable(
            f"the animation has {count:,} frames; at most {MAX_FRAMES:,} are processed"
        )
    return count


def _check_pixels(width: int, height: int, frames: int, max_pixels: int) -> None:
    pixels = width * height * frames
    if pixels <= max_pixels:
        return
    if frames > 1:
        raise _unprocessable(
            f"the animation is {width}x{height} x {frames} frames ({pixels:,} pixels, "
            f"every frame counts); the limit is {max_pixels:,} pixels"
        )
    raise _unprocessable(
        f"the image is {width}x{height} ({pixels:,} pixels); the limit is {max_pixels:,} pixels"
    )
