"""Peak resident memory of one upscale_file run, measured in a fresh process
(so nothing the benchmark itself holds is counted).

Child usage: ``python -m bench.rss <model.onnx> <input> <output> [tile_memory_mib]
[engine]`` prints one JSON line (tile_memory_mib 0: the default budget; engine:
an engine path such as openvino-bf16, default the CPU provider's fp32).
"""

from __future__ import annotations

import json
import resource
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from bench.children import run_child


@dataclass(frozen=True)
class RssResult:
    peak_rss_bytes: int
    output_array_bytes: int
    seconds: float
    width: int
    height: int
    tiles: int
    tile_shape: tuple[int, int]

    @property
    def limit_bytes(self) -> int:
        """The target: twice the output's own size plus 1 GiB."""
        return 2 * self.output_array_bytes + (1 << 30)


def photo_like(path: Path, width: int, height: int, seed: int = 0) -> Path:
    """A JPEG with photo-like content: smooth shapes, edges and fine noise."""
    rng = np.random.default_rng(seed)
    small = rng.integers(0, 256, (height // 64 + 1, width // 64 + 1, 3), dtype=np.uint8)
    image = cv2.resize(small, (width, height), interpolation=cv2.INTER_CUBIC)
    for _ in range(40):
        centre = (int(rng.integers(0, width)), int(rng.integers(0, height)))
        colour = tuple(int(c) for c in rng.integers(0, 256, 3))
        cv2.circle(
            image,
            centre,
            int(rng.integers(20, height // 4)),
            colour,
            thickness=int(rng.integers(2, 12)),
        )
    noise = rng.normal(0.0, 4.0, size=image.shape)
    image = np.clip(image.astype(np.float32) + noise, 0, 255).astype(np.uint8)
    cv2.imwrite(str(path), image, [cv2.IMWRITE_JPEG_QUALITY, 90])
    return path


def measure(
    model: Path,
    source: Path,
    output: Path,
    tile_memory_mib: int | None = None,
    engine: str | None = None,
) -> RssResult:
    command = [sys.executable, "-m", "bench.rss", str(model), str(source), str(output)]
    command += [str(tile_memory_mib or 0)] + ([engine] if engine else [])
    data = run_child(command, timeout=3600)
    data["tile_shape"] = tuple(data["tile_shape"])
    return RssResult(**data)


def _high_water_mark_kib() -> int:
    """This process's own peak RSS. Not getrusage's ru_maxrss: Linux carries
    the parent's high-water mark into it across fork and exec, so a child of a
    big benchmark process would report the benchmark's memory."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux


def _child(argv: list[str]) -> None:
    from upscaler_worker.inference import ModelRunner, UpscaleOptions, upscale_file
    from upscaler_worker.inference.engine_paths import EnginePath

    model, source, output = (Path(a) for a in argv[:3])
    options = UpscaleOptions(outscale=4, output_format="png")
    if len(argv) > 3 and int(argv[3]):
        options = UpscaleOptions(
            outscale=4, output_format="png", tile_memory_bytes=int(argv[3]) << 20
        )
    engine = EnginePath.parse(argv[4]) if len(argv) > 4 else None
    runner = ModelRunner.load(model, engine=engine)
    started = time.perf_counter()
    result = upscale_file(source, output, runner, options)
    seconds = time.perf_counter() - started
    peak_kib = _high_water_mark_kib()
    channels = 4 if result.has_alpha else (1 if result.color_mode == "gray" else 3)
    line = {
        "peak_rss_bytes": peak_kib * 1024,
        "output_array_bytes": result.width * result.height * channels * result.bit_depth // 8,
        "seconds": round(seconds, 2),
        "width": result.width,
        "height": result.height,
        "tiles": result.tiles,
        "tile_shape": [result.tile_height, result.tile_width],
    }
    print(json.dumps(line))


if __name__ == "__main__":
    _child(sys.argv[1:])
