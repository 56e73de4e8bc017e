"""upscale_file end to end with the real model: metadata, colour, bit depth,
alpha, output formats, previews, denoise path, and fidelity to PyTorch."""

from __future__ import annotations

import io
import json
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from tests.helpers import imread
from tests.worker.inference.support import psnr
from upscaler_worker.inference import (
    ModelRunner,
    UnsupportedImageError,
    UpscaleOptions,
    upscale_array,
    upscale_file,
)

DATE = "2021:06:05 14:03:22"


def small_photo(path: Path, *, orientation: int = 1, gps: bool = True) -> Path:
    """A 40x24 JPEG with a date, a GPS position and an orientation tag."""
    x = np.linspace(0, 255, 40, dtype=np.float32)[None, :].repeat(24, 0)
    rgb = np.stack([x, np.full_like(x, 90), 255 - x], axis=-1).astype(np.uint8)
    rgb[:4, :4] = (255, 255, 255)  # a marker in the stored top-left corner
    image = Image.fromarray(rgb, "RGB")
    exif = image.getexif()
    exif[0x0112] = orientation
    exif[0x010F] = "TestCam"
    exif.get_ifd(0x8769)[0x9003] = DATE
    if gps:
        gps_ifd = exif.get_ifd(0x8825)
        gps_ifd[1] = "N"
        gps_ifd[2] = (51.0, 30.0, 0.0)
    image.save(path, "JPEG", exif=exif, quality=95)
    return path


def test_exif_orientation_applied_date_kept_gps_removed(
    tmp_path: Path, runner: ModelRunner
) -> None:
    source = small_photo(tmp_path / "in.jpg", orientation=6)  # stored sideways: rotate 90 CW
    result = upscale_file(source, tmp_path / "out", runner, UpscaleOptions(outscale=4))
    assert (result.width, result.height) == (24 * 4, 40 * 4)
    out = Image.open(tmp_path / "out")
    assert out.size == (96, 160)
    exif = out.getexif()
    assert exif.get(0x0112, 1) == 1
    assert exif.get_ifd(0x8769).get(0x9003) == DATE
    assert exif.get(0x010F) == "TestCam"
    assert 0x8825 not in exif, "GPS position removed"
    # The white marker (stored top-left) is at the top-right once upright.
    pixels = np.asarray(out.convert("RGB"))
    assert pixels[:8, -8:].mean() > 230 and pixels[:8, :8].mean() < 200
    assert result.exif_written


def test_gps_kept_when_asked(tmp_path: Path, runner: ModelRunner) -> None:
    source = small_photo(tmp_path / "in.jpg")
    upscale_file(
        source, tmp_path / "out", runner, UpscaleOptions(keep_gps=True, output_format="jpg")
    )
    gps = Image.open(tmp_path / "out").getexif().get_ifd(0x8825)
    assert gps.get(1) == "N"


@pytest.mark.parametrize("fmt", ["png", "jpg", "webp", "tiff"])
def test_icc_profile_bytes_identical_in_and_out(
    fmt: str, tmp_path: Path, images: Path, runner: ModelRunner
) -> None:
    source = images / "tree_alpha_16bit.png"
    profile = Image.open(source).info["icc_profile"]
    small = tmp_path / "small.png"
    # Keep it quick: a 16-bit crop carrying the same profile.
    crop = imread(source, cv2.IMREAD_UNCHANGED)[:40, :56]
    from upscaler_worker.inference.containers import png_metadata_chunks
    from upscaler_worker.inference.png import write_png

    write_png(small, crop[..., :3], crop[..., 3], metadata=png_metadata_chunks(profile, None, None))
    result = upscale_file(small, tmp_path / "out", runner, UpscaleOptions(output_format=fmt))
    assert Image.open(tmp_path / "out").info.get("icc_profile") == profile
    assert result.icc == "kept"


def test_icc_converted_to_srgb_when_asked(tmp_path: Path, runner: ModelRunner) -> None:
    from PIL import ImageCms

    # A wide-gamut (Adobe-RGB-like) profile: sRGB primaries would change colours.
    wide = ImageCms.createProfile("LAB")
    del wide
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    source = tmp_path / "in.png"
    Image.new("RGB", (32, 32), (200, 40, 40)).save(source, icc_profile=profile)
    result = upscale_file(source, tmp_path / "out", runner, UpscaleOptions(to_srgb=True))
    assert result.icc == "converted-to-srgb"
    assert Image.open(tmp_path / "out").info.get("icc_profile")


def test_sixteen_bit_in_sixteen_bit_out(tmp_path: Path, images: Path, runner: ModelRunner) -> None:
    source = images / "tree_alpha_16bit.png"
    result = upscale_file(source, tmp_path / "out", runner, UpscaleOptions(alpha_mode="fast"))
    out = imread(tmp_path / "out", cv2.IMREAD_UNCHANGED)
    assert result.bit_depth == 16 and out.dtype == np.uint16
    assert out.shape == (256 * 4, 342 * 4, 4)
    # No 8-bit step anywhere: values off the 8-bit grid (multiples of 257),
    # other than the clamped extremes, are the rule (1 in 257 by chance).
    inside = out[..., :3][(out[..., :3] > 0) & (out[..., :3] < 65535)]
    assert (inside % 257 != 0).mean() > 0.98


def test_sixteen_bit_tiff_same_format(tmp_path: Path, runner: ModelRunner) -> None:
    import tifffile

    rng = np.random.default_rng(3)
    rgb = cv2.GaussianBlur(rng.integers(0, 65536, (24, 32, 3), dtype=np.uint16), (0, 0), 1.5)
    tifffile.imwrite(tmp_path / "in.tif", rgb, photometric="rgb")
    result = upscale_file(
        tmp_path / "in.tif", tmp_path / "out", runner, UpscaleOptions(output_format="same")
    )
    assert (result.extension, result.mime_type, result.bit_depth) == ("tiff", "image/tiff", 16)
    out = tifffile.imread(tmp_path / "out")
    assert out.dtype == np.uint16 and out.shape == (96, 128, 3)


def test_grey_in_grey_out(tmp_path: Path, images: Path, runner: ModelRunner) -> None:
    result = upscale_file(images / "wolf_gray.jpg", tmp_path / "out", runner, UpscaleOptions())
    assert result.color_mode == "gray"
    assert Image.open(tmp_path / "out").mode == "L"


def test_grey_alpha_in_grey_alpha_out(tmp_path: Path, runner: ModelRunner) -> None:
    grey = Image.fromarray(np.tile(np.arange(0, 240, 8, dtype=np.uint8), (20, 1)), "L")
    alpha = Image.new("L", grey.size, 255)
    alpha.paste(0, (0, 0, 10, 20))
    Image.merge("LA", (grey, alpha)).save(tmp_path / "in.png")
    upscale_file(tmp_path / "in.png", tmp_path / "out", runner, UpscaleOptions())
    out = Image.open(tmp_path / "out")
    assert out.mode == "LA" and out.size == (120, 80)


def red_disc(size: int = 48, hidden: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A cut-out red disc on transparency; ``hidden`` is the grey value stored
    under alpha 0 (black is what most editors leave there)."""
    yy, xx = np.mgrid[:size, :size]
    radius = np.hypot(yy - size / 2 + 0.5, xx - size / 2 + 0.5)
    alpha8 = np.where(radius < size / 3, 255, 0).astype(np.uint8)
    color = np.zeros((size, size, 3), np.uint8)
    color[...] = (30, 30, 220)  # BGR red
    color[alpha8 == 0] = hidden
    return color, alpha8


def test_alpha_edge_has_no_dark_fringe(runner: ModelRunner) -> None:
    color, alpha = red_disc(hidden=0)
    out = upscale_array(color, alpha, runner)
    assert out.alpha is not None
    edge = (out.alpha > 25) & (out.alpha < 230)
    assert edge.sum() > 100
    red = out.color[..., 2][edge].astype(np.float32)
    print(f"edge red channel: mean {red.mean():.1f}, min {red.min():.0f}")
    assert red.mean() > 200 and red.min() > 150, "edge pixels keep the object's colour"

    # Without bleeding (what naive upscalers do), the same edge goes dark:
    # proof that this test can fail.
    naive = upscale_array(color, None, runner).color[..., 2][edge].astype(np.float32)
    assert naive.mean() < red.mean() - 40


def test_hidden_colour_under_transparency_has_no_influence(
    images: Path, runner: ModelRunner
) -> None:
    """children-alpha.png: whatever is stored under alpha 0 (black or white),
    every visible pixel of the result is the same, so no fringe of either."""
    from upscaler_worker.inference.imageio import decode_image

    decoded = decode_image(images / "children-alpha.png")
    assert decoded.alpha is not None
    crop = (slice(40, 200), slice(150, 400))  # a region with plenty of edge
    color, alpha = decoded.color[crop], decoded.alpha[crop]
    results = []
    for hidden in (0, 255):
        variant = color.copy()
        variant[alpha == 0] = hidden
        results.append(upscale_array(variant, alpha, runner, alpha_mode="fast"))
    assert results[0].alpha is not None
    visible = results[0].alpha > 0
    assert visible.any() and (~visible).any()
    assert np.array_equal(results[0].color[visible], results[1].color[visible])


@pytest.mark.parametrize(
    ("fmt", "extension", "mime", "magic"),
    [
        ("png", "png", "image/png", b"\x89PNG"),
        ("jpg", "jpg", "image/jpeg", b"\xff\xd8\xff"),
        ("webp", "webp", "image/webp", b"RIFF"),
        ("same", "jpg", "image/jpeg", b"\xff\xd8\xff"),
    ],
)
def test_output_formats(
    fmt: str, extension: str, mime: str, magic: bytes, tmp_path: Path, runner: ModelRunner
) -> None:
    source = small_photo(tmp_path / "in.jpg", gps=False)
    output = tmp_path / "result"
    result = upscale_file(source, output, runner, UpscaleOptions(output_format=fmt, quality=80))
    data = output.read_bytes()
    assert (result.extension, result.mime_type) == (extension, mime)
    assert data.startswith(magic) and result.size_bytes == len(data)
    assert Image.open(io.BytesIO(data)).size == (160, 96)


def test_quality_changes_jpeg_size(tmp_path: Path, images: Path, runner: ModelRunner) -> None:
    sizes = []
    for quality in (30, 95):
        result = upscale_file(
            images / "0014.jpg",
            tmp_path / f"q{quality}",
            runner,
            UpscaleOptions(output_format="jpg", quality=quality),
        )
        sizes.append(result.size_bytes)
    assert sizes[0] < sizes[1] / 2


def test_bmp_same_as_input_and_alpha_over_white_in_jpeg(
    tmp_path: Path, runner: ModelRunner
) -> None:
    color, alpha = red_disc(32)
    cv2.imwrite(str(tmp_path / "in.png"), np.dstack([color, alpha]))
    result = upscale_file(
        tmp_path / "in.png", tmp_path / "out", runner, UpscaleOptions(output_format="jpg")
    )
    assert not result.has_alpha
    corner = np.asarray(Image.open(tmp_path / "out"))[:4, :4]
    assert corner.min() > 240, "transparent areas become white, not black"

    Image.fromarray(color[..., ::-1]).save(tmp_path / "in.bmp")
    result = upscale_file(
        tmp_path / "in.bmp", tmp_path / "out.bmp", runner, UpscaleOptions(output_format="same")
    )
    assert (result.extension, result.mime_type) == ("bmp", "image/bmp")
    assert Image.open(tmp_path / "out.bmp").size == (128, 128)


def test_webp_size_limit_is_a_clear_error(tmp_path: Path, runner: ModelRunner) -> None:
    Image.new("RGB", (4100, 8), "white").save(tmp_path / "wide.png")
    with pytest.raises(UnsupportedImageError, match="WebP cannot hold"):
        upscale_file(
            tmp_path / "wide.png", tmp_path / "out", runner, UpscaleOptions(output_format="webp")
        )


def test_thumbnail_is_a_small_jpeg(tmp_path: Path, images: Path, runner: ModelRunner) -> None:
    preview = tmp_path / "preview.jpg"
    upscale_file(
        images / "0014.jpg", tmp_path / "out", runner, UpscaleOptions(), thumbnail_path=preview
    )
    with Image.open(preview) as image:
        assert image.format == "JPEG" and max(image.size) == 512

    upscale_file(
        images / "tests_lq" / "comic.png",
        tmp_path / "out2",
        runner,
        UpscaleOptions(),
        thumbnail_path=tmp_path / "preview.webp",
    )
    with Image.open(tmp_path / "preview.webp") as image:
        assert image.format == "WEBP" and image.size == (240, 360)


def test_classical_denoise_runs_when_no_dni_model_is_used(
    tmp_path: Path, images: Path, runner: ModelRunner
) -> None:
    rng = np.random.default_rng(4)
    flat = np.full((48, 48, 3), 128, np.float32) + rng.normal(0, 12, (48, 48, 3))
    cv2.imwrite(str(tmp_path / "noisy.png"), np.clip(flat, 0, 255).astype(np.uint8))
    plain = upscale_file(tmp_path / "noisy.png", tmp_path / "a.png", runner, UpscaleOptions())
    cleaned = upscale_file(
        tmp_path / "noisy.png", tmp_path / "b.png", runner, UpscaleOptions(denoise="high")
    )
    assert (plain.denoise_path, cleaned.denoise_path, cleaned.denoise_level) == (
        "none",
        "classical",
        "high",
    )
    assert plain.model == cleaned.model == "realesr-animevideov3"
    noise_plain = imread(tmp_path / "a.png").astype(np.float32).std()
    noise_cleaned = imread(tmp_path / "b.png").astype(np.float32).std()
    assert noise_cleaned < noise_plain / 2


def test_each_step_of_a_run_is_timed_in_the_order_it_ran(
    tmp_path: Path, images: Path, runner: ModelRunner
) -> None:
    plain = upscale_file(
        images / "0014.jpg", tmp_path / "a.png", runner, UpscaleOptions(),
        thumbnail_path=tmp_path / "a.jpg",
    )  # fmt: skip
    assert list(plain.steps) == ["decode", "inference", "encode", "preview"]
    assert plain.steps["inference"] == pytest.approx(plain.inference_seconds, abs=0.002)
    assert sum(plain.steps.values()) <= plain.total_seconds + 0.001
    assert plain.steps["encode"] > 0 and plain.steps["decode"] > 0
    every = upscale_file(
        images / "0014.jpg",
        tmp_path / "b.jpg",
        runner,
        UpscaleOptions(denoise="low", resize_to=(300, 300), crop_to=(300, 200), watermark=True),
    )
    assert list(every.steps) == [
        "decode", "denoise", "inference", "resize", "watermark", "encode",
    ]  # fmt: skip
    assert json.loads(json.dumps(every.details()))["steps"] == every.steps


def test_result_details_are_json_ready(tmp_path: Path, images: Path, runner: ModelRunner) -> None:
    import json

    result = upscale_file(images / "0014.jpg", tmp_path / "out", runner, UpscaleOptions(outscale=2))
    details = json.loads(json.dumps(result.details()))
    assert details["model"] == "realesr-animevideov3"
    assert details["provider"] == "CPUExecutionProvider"
    assert (details["width"], details["height"], details["outscale"]) == (358, 358, 2)


def test_options_are_validated() -> None:
    with pytest.raises(ValueError, match="outscale"):
        UpscaleOptions(outscale=3)
    with pytest.raises(ValueError, match="denoise"):
        UpscaleOptions(denoise="extreme")
    with pytest.raises(ValueError, match="format"):
        UpscaleOptions(output_format="gif")


@pytest.mark.export
def test_matches_a_plain_pytorch_run_of_the_official_weights(
    tmp_path: Path, images: Path, runner: ModelRunner
) -> None:
    """The engine's PNG against the reference recipe written out in PyTorch
    (cv2.imread, /255, BGR→RGB, network, clamp, *255, round) on 0014.jpg."""
    import torch

    from tests.helpers import MIRROR, imread
    from upscaler_worker.export.manifest import load_manifest
    from upscaler_worker.export.weights import load_network, read_state_dict

    spec = load_manifest().get("realesr-animevideov3")
    network = load_network(spec, read_state_dict(MIRROR / "realesr-animevideov3.pth"))
    image = imread(images / "0014.jpg", cv2.IMREAD_COLOR).astype(np.float32) / 255.0
    tensor = torch.from_numpy(np.transpose(image[:, :, ::-1].copy(), (2, 0, 1)))[None]
    with torch.no_grad():
        output = network(tensor)[0].clamp(0, 1).numpy()
    reference = (np.transpose(output[::-1], (1, 2, 0)) * 255.0).round().astype(np.uint8)

    upscale_file(images / "0014.jpg", tmp_path / "out.png", runner, UpscaleOptions())
    ours = imread(tmp_path / "out.png", cv2.IMREAD_COLOR)
    value = psnr(ours, reference)
    worst = int(np.abs(ours.astype(int) - reference.astype(int)).max())
    print(f"ONNX Runtime vs PyTorch on 0014.jpg: PSNR {value:.1f} dB, max abs diff {worst}/255")
    assert value >= 50.0
