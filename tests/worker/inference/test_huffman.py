"""The Huffman-only deflate coder (the `_huffman` C extension): what it
writes is raw deflate that zlib decodes to the same bytes, band pieces join
into one stream, and it codes image data as tightly as zlib-ng's own
Huffman-only strategy."""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
import sys
import sysconfig
import zlib
from pathlib import Path

import cv2
import numpy as np
import pytest
from zlib_ng import zlib_ng

from tests.helpers import IMAGES, imread
from upscaler_worker import inference
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
    assert png.huffman_deflate is huffman_deflate
    image = cv2.resize(imread(BABY), (300, 260))
    monkeypatch.setattr(png, "BAND_BYTES", 20_000)
    built_in, fallback = tmp_path / "built-in.png", tmp_path / "zlib-ng.png"
    png.write_png(built_in, image, threads=2)
    monkeypatch.setattr(png, "huffman_deflate", None)
    png.write_png(fallback, image, threads=2)
    for path in (built_in, fallback):
        assert np.array_equal(imread(path, cv2.IMREAD_UNCHANGED), image)
    assert built_in.read_bytes() != fallback.read_bytes()


ASAN_CHECK = """
import sys, zlib
import numpy as np
sys.path.insert(0, sys.argv[1])
import _huffman
rng = np.random.default_rng(5)
for size in (0, 1, 2, 7, 8, 9, 17, 65534, 65535, 65536, 131071, 200000):
    for data in (
        rng.integers(0, 256, size, dtype=np.uint8).tobytes(),  # stored blocks
        bytes(size),  # one symbol
        (rng.geometric(0.001, size) % 256).astype(np.uint8).tobytes(),
        rng.integers(0, 2, size, dtype=np.uint8).tobytes(),
    ):
        assert zlib.decompress(_huffman.huffman_deflate(data, True), -15) == data
        _huffman.huffman_deflate(data, False)
print("clean")
"""


def test_no_write_outside_its_buffers_under_address_sanitizer(tmp_path: Path) -> None:
    """The coder's 8-byte stores run ahead of the bytes they finish: built
    with AddressSanitizer, no case may touch memory past the output buffer
    (or anywhere else it does not own)."""
    compiler, source = shutil.which("gcc"), Path(inference.__file__).parent / "_huffman.c"
    assert compiler is not None, "the extension's build needs gcc on this machine too"
    runtime = subprocess.run(
        [compiler, "-print-file-name=libasan.so"], capture_output=True, text=True, check=True
    ).stdout.strip()
    build = tmp_path / "asan"
    build.mkdir()
    include = sysconfig.get_paths()["include"]
    subprocess.run(
        [compiler, "-O1", "-g", "-fsanitize=address", "-shared", "-fPIC", f"-I{include}",
         str(source), "-o", str(build / "_huffman.abi3.so")],
        check=True,
    )  # fmt: skip
    checked = subprocess.run(
        [sys.executable, "-c", ASAN_CHECK, str(build)],
        capture_output=True,
        text=True,
        env={**os.environ, "LD_PRELOAD": runtime, "ASAN_OPTIONS": "detect_leaks=0"},
        timeout=300,
    )
    assert checked.returncode == 0, checked.stderr[-3000:]
    assert checked.stdout.strip() == "clean"
