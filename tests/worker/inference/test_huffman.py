"""The Huffman-only deflate coder (the `_huffman` C extension): what it
writes is raw deflate that zlib decodes to the same bytes, band pieces join
into one stream, and it codes image data as tightly as zlib-ng's own
Huffman-only strategy."""

from __future__ import annotations

import itertools
import zlib
from pathlib import Path

import cv2
import numpy as np
import pytest
from zlib_ng import zlib_ng

from tests.helpers import IMAGES, imread
from upscaler_worker.inference import png
from upscaler_worker.inference._huffman import huffman_deflate

BABY = IMAGES / "set5" / "baby_GT.bmp"


def inflate(data: bytes) -> bytes:
    """Raw deflate decoded, and the stream must end where the data ends."""
    decoder = zlib.decompressobj(-15)
    out = decoder.decompress(data)
    assert decoder.eof and not decoder.unused_data
    return out


def skewed(size: int, seed: int = 0) -> bytes:
    """Byte frequencies that grow like Fibonacci numbers: an unlimited
    Huffman code for them is far deeper than deflate's 15 bits."""
    counts = [1, 1]
    while len(counts) < 40:
        counts.append(counts[-1] + counts[-2])
    values = np.concatenate(
        [np.full(min(count, size), value, np.uint8) for value, count in enumerate(counts)]
    )
    np.random.default_rng(seed).shuffle(values)
    return values[:size].tobytes()


def filtered_photo() -> bytes:
    """A real photo, 4x by cubic interpolation (smooth, as an upscaled
    result), as the PNG writer codes it: RGB rows, Sub-filtered."""
    photo = imread(BABY)
    large = cv2.resize(photo, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC)
    return png._sub_filtered(png._png_band(large, None), 3).tobytes()


CASES = {
    "empty": b"",
    "one byte": b"x",
    "one value": bytes(100_000),
    "two values": b"ab" * 40_000,
    "every value": bytes(range(256)) * 3,
    "noise": np.random.default_rng(1).integers(0, 256, 150_000, dtype=np.uint8).tobytes(),
    "geometric": np.random.default_rng(2)
    .geometric(0.3, 200_000)
    .clip(0, 255)
    .astype(np.uint8)
    .tobytes(),
    "skewed": skewed(400_000),
    "block edge": skewed(65_535 * 2 + 1, seed=3),
}


@pytest.mark.parametrize("name", CASES)
def test_round_trip_as_a_final_stream(name: str) -> None:
    data = CASES[name]
    assert inflate(huffman_deflate(data, True)) == data


@pytest.mark.parametrize("name", CASES)
def test_pieces_join_into_one_stream(name: str) -> None:
    """Each piece but the last ends on a sync flush, so the pieces, coded
    apart (as the PNG writer's bands are), decode as one stream."""
    data = CASES[name]
    size = len(data)
    # Empty pieces too (an empty band before the last), one byte, the rest.
    cuts = sorted([0, 0, size // 3, min(size, size // 3 + 1), 2 * size // 3, size])
    spans = list(itertools.pairwise(cuts))
    pieces = [
        huffman_deflate(data[start:end], index == len(spans) - 1)
        for index, (start, end) in enumerate(spans)
    ]
    assert inflate(b"".join(pieces)) == data


def test_noise_is_stored_not_inflated() -> None:
    """Bytes a Huffman code cannot shrink go into stored blocks: a few bytes
    per 64 KiB over the input, not a code's worth."""
    noise = CASES["noise"]
    assert len(huffman_deflate(noise, True)) <= len(noise) + 5 * (len(noise) // 65_535 + 2)


def test_codes_image_data_as_tightly_as_zlib_ng() -> None:
    data = filtered_photo()
    ours = huffman_deflate(data, True)
    theirs = zlib_ng.compressobj(1, zlib_ng.DEFLATED, -15, 9, zlib_ng.Z_HUFFMAN_ONLY)
    reference = theirs.compress(data) + theirs.flush()
    assert inflate(ours) == data
    assert len(ours) < 0.6 * len(data)
    assert len(ours) <= 1.005 * len(reference)


def test_the_writer_uses_it_and_falls_back_to_zlib_ng(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The install builds the extension (a silent fallback would lose its
    speed unnoticed); without it the writer's files are the same pixels."""
    assert png.HUFFMAN_CODER == "built-in"
    image = cv2.resize(imread(BABY), (300, 260))
    monkeypatch.setattr(png, "BAND_BYTES", 20_000)
    built_in, fallback = tmp_path / "built-in.png", tmp_path / "zlib-ng.png"
    png.write_png(built_in, image, threads=2)
    monkeypatch.setattr(png, "huffman_deflate", None)
    png.write_png(fallback, image, threads=2)
    for path in (built_in, fallback):
        assert np.array_equal(imread(path, cv2.IMREAD_UNCHANGED), image)
    assert built_in.read_bytes() != fallback.read_bytes()
