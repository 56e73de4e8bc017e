"""The streaming PNG writer: every layout and depth round-trips exactly, across
many bands compressed in parallel, with metadata chunks in place."""

from __future__ import annotations

import zlib
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from tests.helpers import imread
from upscaler_worker.inference import png
from upscaler_worker.inference.containers import png_metadata_chunks


def pixels(shape: tuple[int, ...], dtype: type, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    top = 65535 if dtype == np.uint16 else 255
    smooth = cv2.resize(rng.integers(0, top, (9, 7, *shape[2:]), dtype=np.int64).astype(np.float32),
                        (shape[1], shape[0]), interpolation=cv2.INTER_CUBIC)  # fmt: skip
    noisy = smooth + rng.normal(0, top / 50, smooth.shape)
    image: np.ndarray = np.clip(noisy, 0, top).astype(dtype).reshape(shape)
    return image


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
@pytest.mark.parametrize(("colour", "with_alpha"), [(1, False), (1, True), (3, False), (3, True)])
def test_round_trip(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, dtype: type, colour: int, with_alpha: bool
) -> None:
    monkeypatch.setattr(png, "BAND_BYTES", 3000)  # many bands, several in flight
    shape = (101, 67) if colour == 1 else (101, 67, 3)
    color = pixels(shape, dtype)
    alpha = pixels((101, 67), dtype, seed=1) if with_alpha else None
    path = tmp_path / "out.png"
    png.write_png(path, color, alpha, threads=3)

    with Image.open(path) as image:
        image.verify()  # every chunk's CRC
    decoded = imread(path, cv2.IMREAD_UNCHANGED)
    expected = color if alpha is None else (
        np.dstack([color, alpha]) if colour == 3 else np.stack([color, alpha], -1)
    )  # fmt: skip
    if colour == 1 and with_alpha:  # OpenCV reads grey+alpha as BGRA
        decoded = decoded[..., [0, 3]]
    assert decoded.dtype == dtype
    assert np.array_equal(decoded, expected)


def test_one_valid_zlib_stream_and_metadata_first(tmp_path: Path) -> None:
    color = pixels((300, 200, 3), np.uint8)
    profile = b"not a real profile, but bytes" * 10
    path = tmp_path / "meta.png"
    png.BAND_BYTES, saved = 7000, png.BAND_BYTES
    try:
        png.write_png(path, color, metadata=png_metadata_chunks(profile, None, (300, 300)))
    finally:
        png.BAND_BYTES = saved
    data = path.read_bytes()
    kinds, idat = [], b""
    offset = 8
    while offset < len(data):
        length = int.from_bytes(data[offset : offset + 4], "big")
        kind = data[offset + 4 : offset + 8]
        kinds.append(kind)
        if kind == b"IDAT":
            idat += data[offset + 8 : offset + 8 + length]
        offset += 12 + length
    assert kinds[:3] == [b"IHDR", b"iCCP", b"pHYs"]
    assert kinds.count(b"IDAT") > 3
    assert kinds[-1] == b"IEND"
    raw = zlib.decompress(idat)  # checks the Adler-32 over the whole stream
    assert len(raw) == 300 * (1 + 200 * 3)
    with Image.open(path) as image:
        assert image.info["icc_profile"] == profile
        assert image.info["dpi"] == pytest.approx((300, 300), abs=0.1)


def test_refuses_other_types(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="uint8 or uint16"):
        png.write_png(tmp_path / "x.png", np.zeros((2, 2), np.float32))


def flat_shapes(height: int, width: int) -> np.ndarray:
    """Flat-colour art: filled shapes on white, as in a logo or a flat illustration."""
    image = np.full((height, width, 3), 255, np.uint8)
    rng = np.random.default_rng(3)
    for _ in range(12):
        x, y = (int(v) for v in rng.integers(0, width - 40, 2))
        colour = tuple(int(c) for c in rng.integers(0, 256, 3))
        cv2.rectangle(image, (x, y), (x + 60, y + 40), colour, -1)
    return image


def test_each_band_is_deflated_the_way_its_content_compresses_best(tmp_path: Path) -> None:
    """Flat colour (long runs after the Sub filter) takes the run-length
    strategy and noisy detail Huffman coding alone; one image holding both
    is still one valid stream, decoding to the same pixels, and its flat half
    is far smaller than Huffman coding alone would have made it."""
    flat, detail = flat_shapes(64, 300), pixels((64, 300, 3), np.uint8)
    strategies = [
        png.deflate_strategy(png._sub_filtered(png._png_band(part, None), 3))
        for part in (flat, detail)
    ]
    assert strategies == [zlib.Z_RLE, zlib.Z_HUFFMAN_ONLY]

    filtered = png._sub_filtered(png._png_band(flat, None), 3).tobytes()
    as_chosen = zlib.compressobj(1, zlib.DEFLATED, -15, 9, zlib.Z_RLE)
    huffman_only = zlib.compressobj(1, zlib.DEFLATED, -15, 9, zlib.Z_HUFFMAN_ONLY)
    chosen_size = len(as_chosen.compress(filtered) + as_chosen.flush())
    assert chosen_size < 0.5 * len(huffman_only.compress(filtered) + huffman_only.flush())

    both = np.vstack([flat, detail])
    path = tmp_path / "both.png"
    png.BAND_BYTES, saved = 64 * 901, png.BAND_BYTES  # one band for each half
    try:
        png.write_png(path, both, threads=2)
    finally:
        png.BAND_BYTES = saved
    with Image.open(path) as image:
        image.verify()
    assert np.array_equal(imread(path, cv2.IMREAD_UNCHANGED), both)
