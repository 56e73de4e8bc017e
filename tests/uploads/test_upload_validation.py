import io
from pathlib import Path

import pytest
from PIL import Image

from tests.helpers import IMAGES
from upscaler.errors import APIError
from upscaler.live_settings import KNOWN_MIMES
from upscaler.uploads.validation import inspect_image, sniff_kind

LIMIT = 50_000_000


def inspect(path: Path, max_pixels: int = LIMIT):  # type: ignore[no-untyped-def]
    return inspect_image(path, allowed_mimes=frozenset(KNOWN_MIMES), max_pixels=max_pixels)


@pytest.mark.parametrize(
    ("name", "kind", "size"),
    [
        ("realesrgan/0014.jpg", "jpeg", (179, 179)),
        ("realesrgan/children-alpha.png", "png", (566, 350)),
        ("realesrgan/tree_alpha_16bit.png", "png", (342, 256)),
        ("realesrgan/wolf_gray.jpg", "jpeg", (236, 236)),
    ],
)
def test_real_images_are_accepted(name: str, kind: str, size: tuple[int, int]) -> None:
    info = inspect(IMAGES / name)
    assert (info.kind, (info.width, info.height)) == (kind, size)


@pytest.mark.parametrize("fmt", ["WEBP", "TIFF"])
def test_webp_and_tiff_are_accepted(tmp_path: Path, fmt: str) -> None:
    path = tmp_path / "image"
    Image.new("RGB", (40, 30), "teal").save(path, format=fmt)
    info = inspect(path)
    assert info.mime_type == f"image/{fmt.lower()}"
    assert (info.width, info.height) == (40, 30)


def test_type_comes_from_bytes_not_name(tmp_path: Path) -> None:
    text = tmp_path / "photo.png"
    text.write_text("this is not an image at all\n" * 10)
    with pytest.raises(APIError) as caught:
        inspect(text)
    assert caught.value.status == 415
    jpeg_named_png = tmp_path / "actually.png"
    jpeg_named_png.write_bytes((IMAGES / "realesrgan/0014.jpg").read_bytes())
    assert inspect(jpeg_named_png).kind == "jpeg"


def test_unaccepted_image_kinds_are_415(tmp_path: Path) -> None:
    gif = tmp_path / "a.gif"
    Image.new("RGB", (8, 8)).save(gif, format="GIF")
    bmp = tmp_path / "a.bmp"
    Image.new("RGB", (8, 8)).save(bmp, format="BMP")
    for path in (gif, bmp):
        with pytest.raises(APIError) as caught:
            inspect(path)
        assert caught.value.status == 415


def test_truncated_jpeg_is_422(tmp_path: Path) -> None:
    data = (IMAGES / "faces/Blake_Lively.jpg").read_bytes()
    truncated = tmp_path / "truncated.jpg"
    truncated.write_bytes(data[: len(data) // 2])
    with pytest.raises(APIError) as caught:
        inspect(truncated)
    assert caught.value.status == 422
    assert "truncated or corrupt" in caught.value.message


def test_truncated_png_is_422(tmp_path: Path) -> None:
    data = (IMAGES / "realesrgan/OST_009.png").read_bytes()
    truncated = tmp_path / "truncated.png"
    truncated.write_bytes(data[: len(data) // 3])
    with pytest.raises(APIError) as caught:
        inspect(truncated)
    assert caught.value.status == 422


@pytest.mark.parametrize("fmt", ["PNG", "WEBP"])
def test_animated_images_are_422(tmp_path: Path, fmt: str) -> None:
    frames = [Image.new("RGB", (16, 16), colour) for colour in ("red", "green", "blue")]
    path = tmp_path / "animated"
    frames[0].save(path, format=fmt, save_all=True, append_images=frames[1:], duration=100)
    with pytest.raises(APIError) as caught:
        inspect(path)
    assert caught.value.status == 422
    assert "animated" in caught.value.message


def test_pixel_limit_is_422() -> None:
    with pytest.raises(APIError) as caught:
        inspect(IMAGES / "realesrgan/0014.jpg", max_pixels=179 * 179 - 1)
    assert caught.value.status == 422
    assert "limit" in caught.value.message


def test_sniffing() -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4)).save(buffer, format="WEBP")
    assert sniff_kind(buffer.getvalue()[:16]) == "webp"
    assert sniff_kind(b"II*\x00rest") == "tiff"
    assert sniff_kind(b"MM\x00*rest") == "tiff"
    assert sniff_kind(b"GIF89a") is None
    assert sniff_kind(b"") is None
