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

import contextlib
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

import cv2
import numpy as np

from bench.measure import sample_image
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
    times: dict[str, list[float]] = {"built-in": [], "zlib-ng": []}
    sizes: dict[str, int] = {}
    with tempfile.TemporaryDirectory(prefix="bench-png-") as tmp:
        for turn in range(repeats + 1):
            for coder in times:
                path = Path(tmp) / f"{coder}.png"
                fallback = (
                    mock.patch.object(png, "huffman_deflate", None)
                    if coder == "zlib-ng"
                    else contextlib.nullcontext()
                )
                with fallback:
                    started = time.perf_counter()
                    png.write_png(path, image)
                    seconds = time.perf_counter() - started
                if turn:  # the first turn only warms the buffers
                    times[coder].append(seconds)
                sizes[coder] = path.stat().st_size
    return [
        CoderFigures(coder, 1000 * statistics.median(runs), sizes[coder])
        for coder, runs in times.items()
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
