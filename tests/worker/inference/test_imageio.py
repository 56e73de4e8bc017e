"""Decoding: formats, modes, orientation, bad files. No model needed."""

from __future__ import annotations

import io
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image, ImageOps

from tests.helpers import imread
from upscaler_worker.inference import ImageDecodeError, UnsupportedImageError
from upscaler_worker.inference.alpha import bleed_into_transparent
from upscaler_worker.inference.imageio import decode_image
from upscaler_worker.inference.metadata import apply_orientation


def encoded(image: Image.Image, fmt: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def gradient(width: int = 48, height: int = 32) -> Image.Image:
    x = np.linspace(0, 255, width, dtype=np.float32)[None, :].repeat(height, 0)
    y = np.linspace(0, 255, height, dtype=np.float32)[:, None].repeat(width, 1)
    rgb = np.stack([x, y, 255 - x], axis=-1).astype(np.uint8)
    return Image.fromarray(rgb, "RGB")


@pytest.mark.parametrize("orientation", range(1, 9))
def test_orientation_matches_pillows_exif_transpose(orientation: int) -> None:
    image = gradient()
    exif = image.getexif()
    exif[0x0112] = orientation
    data = encoded(image, "PNG", exif=exif)
    decoded = decode_image(data)
    expected = np.asarray(ImageOps.exif_transpose(Image.open(io.BytesIO(data))).convert("RGB"))
    assert np.array_equal(decoded.color, expected[..., ::-1])
    if orientation >= 5:
        assert (decoded.width, decoded.height) == (32, 48)


def test_apply_orientation_is_the_identity_for_1() -> None:
    array = np.arange(12).reshape(3, 4)
    assert apply_orientation(array, 1) is array


def test_jpeg_png_webp_bmp_tiff_decode(tmp_path: Path) -> None:
    image = gradient()
    for fmt in ("JPEG", "PNG", "WEBP", "BMP", "TIFF"):
        decoded = decode_image(encoded(image, fmt))
        assert decoded.format == fmt
        assert decoded.color.shape == (32, 48, 3)
        assert decoded.color.dtype == np.uint8
        assert decoded.alpha is None
        # BGR order: the first channel is the falling blue ramp.
        assert int(decoded.color[0, 0, 0]) > 200 > int(decoded.color[0, 0, 2])


def test_grey_stays_grey(images: Path) -> None:
    for name in ("wolf_gray.jpg", "00017_gray.png"):
        decoded = decode_image(images / name)
        assert decoded.is_gray and decoded.color.ndim == 2


def test_sixteen_bit_png_keeps_every_bit(images: Path) -> None:
    decoded = decode_image(images / "tree_alpha_16bit.png")
    raw = imread(images / "tree_alpha_16bit.png", cv2.IMREAD_UNCHANGED)
    assert decoded.bit_depth == 16 and decoded.color.dtype == np.uint16
    assert np.array_equal(decoded.color, raw[..., :3])
    assert decoded.alpha is not None and np.array_equal(decoded.alpha, raw[..., 3])
    assert (decoded.color % 257 != 0).mean() > 0.5, "genuinely 16-bit values"


def test_sixteen_bit_tiff_and_grey_png() -> None:
    import tifffile

    rng = np.random.default_rng(0)
    rgb = rng.integers(0, 65536, (20, 30, 3), dtype=np.uint16)
    buffer = io.BytesIO()
    tifffile.imwrite(buffer, rgb, photometric="rgb")
    decoded = decode_image(buffer.getvalue())
    assert decoded.format == "TIFF" and decoded.bit_depth == 16
    assert np.array_equal(decoded.color, rgb[..., ::-1])

    grey = rng.integers(0, 65536, (20, 30), dtype=np.uint16)
    ok, png = cv2.imencode(".png", grey)
    assert ok
    decoded = decode_image(png.tobytes())
    assert decoded.is_gray and np.array_equal(decoded.color, grey)


def test_palette_images_convert_by_content() -> None:
    colourful = gradient().convert("P", palette=Image.Palette.ADAPTIVE)
    decoded = decode_image(encoded(colourful, "PNG"))
    assert decoded.color.shape == (32, 48, 3) and decoded.alpha is None

    transparent = colourful.copy()
    transparent.info["transparency"] = 0
    decoded = decode_image(encoded(transparent, "PNG", transparency=0))
    assert decoded.alpha is not None and (decoded.alpha == 0).any()

    greys = Image.fromarray(np.tile(np.arange(0, 256, 8, dtype=np.uint8), (8, 1)), "L").convert("P")
    decoded = decode_image(encoded(greys, "PNG"))
    assert decoded.is_gray


def test_colour_with_alpha_comes_out_bgr_and_a_separate_alpha() -> None:
    rgb = np.asarray(gradient())
    alpha = np.linspace(0, 255, 48, dtype=np.uint8)[None, :].repeat(32, 0)
    rgba = Image.fromarray(np.dstack([rgb, alpha]), "RGBA")
    for fmt in ("PNG", "WEBP", "TIFF"):
        options = {"lossless": True, "exact": True} if fmt == "WEBP" else {}
        decoded = decode_image(encoded(rgba, fmt, **options))
        assert decoded.color.shape == (32, 48, 3) and decoded.color.flags.c_contiguous
        assert np.array_equal(decoded.color, rgb[..., ::-1]), fmt
        assert decoded.alpha is not None and np.array_equal(decoded.alpha, alpha), fmt


def test_grey_alpha_stays_grey_with_alpha() -> None:
    la = Image.merge("LA", (gradient().convert("L"), Image.new("L", (48, 32), 128)))
    decoded = decode_image(encoded(la, "PNG"))
    assert decoded.is_gray
    assert decoded.alpha is not None and (decoded.alpha == 128).all()


def test_cmyk_becomes_rgb_with_the_right_colours() -> None:
    red = Image.new("CMYK", (16, 16), (0, 255, 255, 0))  # pure red ink mix
    decoded = decode_image(encoded(red, "JPEG", quality=95))
    assert not decoded.is_gray
    blue, green, red_channel = (int(v) for v in decoded.color[8, 8])
    assert red_channel > 230 and green < 30 and blue < 30
    assert decoded.icc_action == "converted-to-srgb"


def test_truncated_jpeg_is_a_decode_error(images: Path) -> None:
    data = (images / "0014.jpg").read_bytes()
    with pytest.raises(ImageDecodeError, match="truncated or corrupt"):
        decode_image(data[: len(data) // 2])


def test_truncated_sixteen_bit_png_is_a_decode_error(images: Path) -> None:
    data = (images / "tree_alpha_16bit.png").read_bytes()
    with pytest.raises(ImageDecodeError):
        decode_image(data[: len(data) // 2])


def test_garbage_is_a_decode_error() -> None:
    with pytest.raises(ImageDecodeError, match="not an image"):
        decode_image(b"this is a text file that says it is a PNG\n" * 20)
    with pytest.raises(ImageDecodeError):
        decode_image(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)


def frames() -> list[Image.Image]:
    return [Image.new("RGB", (16, 16), colour) for colour in ("red", "green", "blue")]


@pytest.mark.parametrize("fmt", ["GIF", "WEBP", "PNG"])
def test_animated_images_are_refused_clearly(fmt: str) -> None:
    first, *rest = frames()
    data = encoded(first, fmt, save_all=True, append_images=rest, duration=100, loop=0)
    with pytest.raises(UnsupportedImageError, match="animated images are not supported"):
        decode_image(data)


def test_multi_page_tiff_is_refused_and_a_still_gif_is_read() -> None:
    first, *rest = frames()
    with pytest.raises(UnsupportedImageError, match="multi-page TIFF"):
        decode_image(encoded(first, "TIFF", save_all=True, append_images=rest))
    gif = decode_image(encoded(first, "GIF"))
    assert gif.format == "GIF"
    assert gif.color.shape == (16, 16, 3)
    assert (gif.color == (0, 0, 255)).all()  # red, in BGR


def test_pixel_limit() -> None:
    with pytest.raises(UnsupportedImageError, match="the limit is 1,000"):
        decode_image(encoded(gradient(), "PNG"), max_pixels=1000)


def test_bleed_gives_transparent_pixels_the_nearest_visible_colour() -> None:
    color = np.zeros((5, 7, 3), np.uint8)
    alpha = np.zeros((5, 7), np.uint8)
    color[1, 1] = (10, 20, 30)
    alpha[1, 1] = 255
    color[3, 5] = (200, 100, 50)
    alpha[3, 5] = 40  # semi-transparent counts as visible
    filled = bleed_into_transparent(color, alpha)
    assert tuple(filled[0, 0]) == (10, 20, 30)
    assert tuple(filled[4, 6]) == (200, 100, 50)
    assert tuple(filled[1, 1]) == (10, 20, 30) and tuple(filled[3, 5]) == (200, 100, 50)
    assert color[0, 0].sum() == 0, "the input is not modified"
