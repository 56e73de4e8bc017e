import io
from pathlib import Path

import pytest
from PIL import Image

from tests.helpers import IMAGES
from upscaler.errors import APIError
from upscaler.live_settings import KNOWN_MIMES
from upscaler.uploads.validation import MAX_FRAMES, inspect_image, sniff_kind
from upscaler_worker.inference import animation as animation_module

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
    bmp = tmp_path / "a.bmp"
    Image.new("RGB", (8, 8)).save(bmp, format="BMP")
    with pytest.raises(APIError) as caught:
        inspect(bmp)
    assert caught.value.status == 415
    gif = tmp_path / "a.gif"
    Image.new("RGB", (8, 8)).save(gif, format="GIF")
    with pytest.raises(APIError) as caught:
        inspect_image(gif, allowed_mimes=frozenset({"image/png"}), max_pixels=LIMIT)
    assert caught.value.status == 415  # an admin may turn GIF off


def test_a_still_gif_is_an_image_of_one_frame(tmp_path: Path) -> None:
    gif = tmp_path / "a.gif"
    Image.new("RGB", (8, 6), "teal").save(gif, format="GIF")
    info = inspect(gif)
    assert (info.kind, info.mime_type, info.frames, info.pixels) == ("gif", "image/gif", 1, 48)


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


def animation(path: Path, fmt: str, count: int = 3, size: tuple[int, int] = (16, 16)) -> Path:
    colours = ["red", "green", "blue"]
    frames = [Image.new("RGB", size, colours[i % 3]) for i in range(count)]
    frames[0].save(path, format=fmt, save_all=True, append_images=frames[1:], duration=100)
    return path


@pytest.mark.parametrize("fmt", ["GIF", "PNG", "WEBP"])
def test_animations_count_every_frame(tmp_path: Path, fmt: str) -> None:
    info = inspect(animation(tmp_path / "animated", fmt))
    assert (info.width, info.height, info.frames) == (16, 16, 3)
    assert info.pixels == 16 * 16 * 3
    with pytest.raises(APIError) as caught:
        inspect(tmp_path / "animated", max_pixels=16 * 16 * 3 - 1)
    assert caught.value.status == 422
    assert "3 frames" in caught.value.message and "every frame counts" in caught.value.message


def test_too_many_frames_and_multi_page_tiffs_are_422(tmp_path: Path) -> None:
    with pytest.raises(APIError) as caught:
        inspect(animation(tmp_path / "long.gif", "GIF", count=MAX_FRAMES + 1, size=(1, 1)))
    assert caught.value.status == 422
    assert f"{MAX_FRAMES + 1:,} frames" in caught.value.message
    assert inspect(animation(tmp_path / "ok.gif", "GIF", count=MAX_FRAMES, size=(1, 1))).frames == (
        MAX_FRAMES
    )
    with pytest.raises(APIError) as caught:
        inspect(animation(tmp_path / "pages.tif", "TIFF"))
    assert caught.value.status == 422
    assert "multi-page TIFF" in caught.value.message


def test_a_truncated_animation_is_422(tmp_path: Path) -> None:
    path = animation(tmp_path / "animated.gif", "GIF", count=20, size=(64, 64))
    data = path.read_bytes()
    path.write_bytes(data[: len(data) * 2 // 3])
    with pytest.raises(APIError) as caught:
        inspect(path)
    assert caught.value.status == 422


def test_the_api_and_the_worker_agree_on_the_frame_limit() -> None:
    assert MAX_FRAMES == animation_module.MAX_FRAMES


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
    assert sniff_kind(b"GIF89a") == "gif"
    assert sniff_kind(b"GIF87a") == "gif"
    assert sniff_kind(b"GIF90a") is None
    assert sniff_kind(b"") is None
