"""Animated GIF, WebP and PNG (APNG): read every frame, write them again.

Pillow composes each frame onto the canvas as the format says (a GIF's
disposal, an APNG's dispose and blend operations, WebP's own), so every frame
read here is the full picture a viewer shows at that moment. Frames are
upscaled as full pictures (a frame's sub-rectangle alone would show seams
where it meets the frame under it) and written back as full frames with the
source's durations and loop count. Disposal: full opaque frames render the
same under any disposal, so the source's values are kept; frames with
transparency are written with "restore to background" (2), the one value
under which full frames with holes render as the source did.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, UnidentifiedImageError

from upscaler_worker.inference.encode import WEBP_MAX_SIDE, Encoded, to_pil
from upscaler_worker.inference.errors import ImageDecodeError, UnsupportedImageError

#: Containers that can animate (Pillow's format names).
ANIMATED_FORMATS = frozenset({"GIF", "WEBP", "PNG"})
#: What an animation is written as: output format → (MIME type, extension).
ANIMATION_OUTPUTS = {
    "gif": ("image/gif", "gif"),
    "webp": ("image/webp", "webp"),
    "png": ("image/png", "png"),  # APNG: plain PNG viewers show the first frame
}
SAME_CONTAINER = {"GIF": "gif", "WEBP": "webp", "PNG": "png"}
#: However small the frames, more than this many is refused.
MAX_FRAMES = 1000
#: GIF has no partial transparency: pixels under this alpha become transparent.
GIF_ALPHA_THRESHOLD = 128
#: A GIF's (and APNG's) disposal: 2 = restore the frame's area to background.
RESTORE_TO_BACKGROUND = 2


@dataclass
class Frame:
    color: np.ndarray  # (H, W, 3) BGR uint8
    alpha: np.ndarray | None  # (H, W) uint8, None when the animation is opaque
    duration_ms: int
    disposal: int


@dataclass
class Animation:
    format: str  # GIF | WEBP | PNG
    frames: list[Frame]
    #: Times to play it (0 = for ever); None = once (a GIF without a loop block).
    loop: int | None
    icc_profile: bytes | None

    @property
    def width(self) -> int:
        return int(self.frames[0].color.shape[1])

    @property
    def height(self) -> int:
        return int(self.frames[0].color.shape[0])

    @property
    def has_alpha(self) -> bool:
        return self.frames[0].alpha is not None


def count_frames(path: Path) -> tuple[str | None, int]:
    """The container's format and how many frames it has (1 for a still, or
    for what Pillow cannot open: the still path reports that properly)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(path) as image:
                return image.format, int(getattr(image, "n_frames", 1))
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError):
        return None, 1


def is_animation(path: Path) -> bool:
    fmt, frames = count_frames(path)
    return fmt in ANIMATED_FORMATS and frames > 1


def output_format(requested: str, source_format: str) -> str:
    """The animation output a job's output_format means ("same": the source's)."""
    name = requested.lower()
    if name == "same":
        return SAME_CONTAINER[source_format]
    if name not in ANIMATION_OUTPUTS:
        raise UnsupportedImageError(
            f"an animation cannot be written as {name.upper()}: choose PNG (animated), "
            "WebP or the same format as the upload"
        )
    return name


def check_frames(width: int, height: int, frames: int, max_pixels: int | None) -> None:
    if frames > MAX_FRAMES:
        raise UnsupportedImageError(
            f"the animation has {frames} frames; at most {MAX_FRAMES} are processed"
        )
    if max_pixels is not None and width * height * frames > max_pixels:
        raise UnsupportedImageError(
            f"the animation is {width}x{height} x {frames} frames "
            f"({width * height * frames:,} pixels); the limit is {max_pixels:,}"
        )


def decode_animation(path: Path, *, max_pixels: int | None = None) -> Animation:
    """Every frame, composed, as BGR (+ alpha when any frame has transparency)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(path) as image:
                fmt = str(image.format)
                count = int(getattr(image, "n_frames", 1))
                check_frames(image.width, image.height, count, max_pixels)
                loop = image.info.get("loop")
                icc = image.info.get("icc_profile") or None
                rgba: list[np.ndarray] = []
                timing: list[tuple[int, int]] = []
                for index in range(count):
                    image.seek(index)
                    image.load()  # WebP sets a frame's duration on load
                    rgba.append(np.asarray(image.convert("RGBA")))
                    timing.append((_duration(image), _disposal(image)))
    except UnsupportedImageError:
        raise
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError) as error:
        raise ImageDecodeError("the animation is truncated or corrupt") from error
    opaque = all(bool((pixels[..., 3] == 255).all()) for pixels in rgba)
    frames = [
        Frame(
            color=cv2.cvtColor(pixels, cv2.COLOR_RGBA2BGR),
            alpha=None if opaque else np.ascontiguousarray(pixels[..., 3]),
            duration_ms=duration,
            disposal=disposal,
        )
        for pixels, (duration, disposal) in zip(rgba, timing, strict=True)
    ]
    return Animation(fmt, frames, None if loop is None else int(loop), icc)


def _duration(image: Image.Image) -> int:
    value = image.info.get("duration", 0) or 0
    return max(0, round(float(value)))


def _disposal(image: Image.Image) -> int:
    if image.format == "GIF":
        return int(getattr(image, "disposal_method", 0) or 0)
    if image.format == "PNG":
        return int(image.info.get("disposal", 0) or 0)
    return 0


def encode_animation(
    path: Path, animation: Animation, frames: list[Frame], *, fmt: str, quality: int
) -> Encoded:
    """Write `frames` (upscaled, in order) with `animation`'s timing and loop."""
    pictures = [_picture(frame, fmt) for frame in frames]
    durations = [frame.duration_ms for frame in frames]
    options: dict[str, object] = {"save_all": True, "append_images": pictures[1:]}
    options["duration"] = durations
    if fmt == "gif":
        if animation.loop is not None:
            options["loop"] = animation.loop
        options["disposal"] = _disposals(animation, frames)
        if animation.has_alpha:
            options["transparency"] = 255
        options["optimize"] = False
        container = "GIF"
    elif fmt == "webp":
        if max(pictures[0].size) > WEBP_MAX_SIDE:
            raise UnsupportedImageError(
                f"WebP cannot hold frames over {WEBP_MAX_SIDE} pixels on a side; choose PNG"
            )
        options |= {"loop": animation.loop or 0, "quality": quality, "method": 4}
        options["lossless"] = quality >= 100
        if animation.icc_profile:
            options["icc_profile"] = animation.icc_profile
        container = "WEBP"
    else:
        # Full frames replace the canvas (blend "source"): no disposal needed.
        options |= {"loop": animation.loop or 0, "disposal": 0, "blend": 0}
        if animation.icc_profile:
            options["icc_profile"] = animation.icc_profile
        container = "PNG"
    with path.open("wb") as out:
        pictures[0].save(out, container, **options)
    mime_type, extension = ANIMATION_OUTPUTS[fmt]
    return Encoded(
        fmt,
        mime_type,
        extension,
        path.stat().st_size,
        8,
        icc_written=fmt != "gif" and animation.icc_profile is not None,
        exif_written=False,
    )


def _disposals(animation: Animation, frames: list[Frame]) -> list[int]:
    if animation.has_alpha:
        return [RESTORE_TO_BACKGROUND] * len(frames)
    return [frame.disposal if frame.disposal in (0, 1, 2, 3) else 0 for frame in frames]


def _picture(frame: Frame, fmt: str) -> Image.Image:
    if fmt != "gif":
        return to_pil(frame.color, frame.alpha)
    # GIF: 256 colours per frame (a palette of its own), one of them kept for
    # transparency when there is any; Floyd-Steinberg dithering hides banding.
    alpha = frame.alpha
    colours = 255 if alpha is not None else 256
    picture = to_pil(frame.color, None).quantize(
        colours, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.FLOYDSTEINBERG
    )
    if alpha is None:
        return picture
    indices = np.array(picture)
    indices[alpha < GIF_ALPHA_THRESHOLD] = 255
    transparent = Image.fromarray(indices, "P")
    palette = picture.getpalette() or []
    transparent.putpalette([*palette[: 255 * 3], 0, 0, 0])
    transparent.info["transparency"] = 255
    return transparent
