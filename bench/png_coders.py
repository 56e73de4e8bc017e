"""The PNG writer's two coders side by side: the built-in Huffman coder
(inference/_huffman.c) and zlib-ng, which codes the Huffman-only bands where
the extension was not built.

The image is what a 512x512 job at 4x writes: the benchmark's 512x512 photo-
like sample, 4x by cubic interpolation (as smooth as a network's output),
2048x2048 RGB. Both write it through ``write_png`` with the worker's threads,
taking turns so a slow spell of the machine hits both alike.

    python -m bench.png_coders
"""

from __future__ import annotations

import statistics
import tempfile
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

import cv2
import numpy as np

from bench.measure import sample_image
from bench.timing import seconds_of
from upscaler_worker.inference import png

SIDE = 512


@dataclass(frozen=True)
class CoderFigures:
    coder: str
    milliseconds: float  # median of the timed writes
    size_bytes: int


def upscaled_sample() -> np.ndarray:
    """A 512x512 sample at 4x, BGR uint8."""
    return cv2.resize(sample_image(SIDE, SIDE), None, fx=4, fy=4, interpolation=cv2.INTER_CUBIC)


def measure(repeats: int = 7) -> list[CoderFigures]:
    """Median write time and file size per coder; empty where the extension
    is missing (then there is only one coder to compare)."""
    if png.huffman_deflate is None:
        return []
    image = upscaled_sample()
    coders = {"built-in": png.huffman_deflate, "zlib-ng": None}  # None: zlib-ng codes all
    times: dict[str, list[float]] = {name: [] for name in coders}
    with tempfile.TemporaryDirectory(prefix="bench-png-") as tmp:
        paths = {name: Path(tmp) / f"{name}.png" for name in coders}
        for turn in range(repeats + 1):
            for name, coder in coders.items():
                with mock.patch.object(png, "huffman_deflate", coder):
                    seconds = seconds_of(lambda: png.write_png(paths[name], image))  # noqa: B023
                if turn:  # the first turn only warms the buffers
                    times[name].append(seconds)
        return [
            CoderFigures(name, 1000 * statistics.median(times[name]), paths[name].stat().st_size)
            for name in coders
        ]


def markdown(figures: list[CoderFigures]) -> str:
    if not figures:
        return "PNG coders: the built-in coder is not built here; zlib-ng codes every band.\n"
    height = width = 4 * SIDE
    lines = [
        f"### PNG writer, {width}x{height} RGB (a {SIDE}x{SIDE} job's 4x result)",
        "",
        "| coder | ms | MB/s of raw pixels | file MB |",
        "|---|---|---|---|",
    ]
    raw_mb = height * width * 3 / 1e6
    for row in figures:
        lines.append(
            f"| {row.coder} | {row.milliseconds:.1f} | {raw_mb / row.milliseconds * 1000:.0f} "
            f"| {row.size_bytes / 1e6:.2f} |"
        )
    return "\n".join(lines) + "\n"


def main() -> int:
    print(markdown(measure()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
