"""Working memory of one tile per input pixel, as the tile-size rule needs it.

``python -m bench.tile_memory --model-dir DIR [--models ...] [--sides 64,128,...]
[--engine openvino-bf16]``

For each model and tile side, a fresh process loads the model with the
engine's own session settings (ModelRunner.load: CPU, memory pattern off,
arena on; RRDBNet split into body and banded tail), notes its resident set
(VmRSS), runs the tile twice and notes its
high-water mark (VmHWM). ``--engine`` loads the model on that engine path
(OpenVINO keeps its own buffers, not ONNX Runtime's arena) instead of the
CPU provider's fp32. The growth is what one tile of that size costs on top
of the loaded model; its slope over the sides (least squares on the tile's
pixel count, context included) is the bytes per input pixel that
``ModelRunner.bytes_per_input_pixel`` should hold. A fresh process per
point, because ONNX Runtime's arena keeps what the largest tile took.

Child usage: ``python -m bench.tile_memory --child <model.onnx> <side> [engine]``
prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import numpy as np

from bench.children import run_child

# RRDBNet loads as body + banded tail (inference/split.py), whose memory per
# pixel is a quarter of the one graph's, so its tiles are measured as large.
DEFAULT_SIDES = dict.fromkeys(("RRDBNet", "SRVGGNetCompact"), (128, 256, 384, 512))


def _status_kib(field: str) -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"no {field} in /proc/self/status")


def _child(model: Path, side: int, engine: str | None) -> None:
    from upscaler_worker.inference import ModelRunner
    from upscaler_worker.inference.engine_paths import EnginePath

    runner = ModelRunner.load(model, engine=EnginePath.parse(engine) if engine else None)
    batch = np.random.default_rng(0).random((1, 3, side, side), dtype=np.float32)
    before = _status_kib("VmRSS")
    for _ in range(2):
        runner.run(batch)
    peak = _status_kib("VmHWM")
    print(json.dumps({"side": side, "rss_before": before * 1024, "peak": peak * 1024}))


def measure(model: Path, side: int, engine: str | None = None) -> dict[str, int]:
    command = [sys.executable, "-m", "bench.tile_memory", "--child", str(model), str(side)]
    command += [engine] if engine else []
    data: dict[str, int] = run_child(command, timeout=1800)
    return data


def slope(points: list[dict[str, int]]) -> tuple[float, float]:
    """(bytes per pixel, fixed bytes) of growth = fixed + slope * side^2."""
    pixels = np.array([p["side"] ** 2 for p in points], np.float64)
    growth = np.array([p["peak"] - p["rss_before"] for p in points], np.float64)
    per_pixel, fixed = np.polyfit(pixels, growth, 1)
    return float(per_pixel), float(fixed)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.tile_memory")
    parser.add_argument(
        "--model-dir", type=Path, default=Path(os.environ.get("UPSCALER_MODEL_DIR", "onnx_models"))
    )
    parser.add_argument("--models", nargs="*")
    parser.add_argument("--sides", help="comma-separated tile sides (default per architecture)")
    parser.add_argument("--engine", help="an engine path, e.g. openvino-bf16 (default: cpu-fp32)")
    args = parser.parse_args(argv)
    from upscaler_worker.inference import read_installed

    for model in read_installed(args.model_dir):
        if model.variant_of is not None or (args.models and model.name not in args.models):
            continue
        sides = (
            tuple(int(s) for s in args.sides.split(","))
            if args.sides
            else DEFAULT_SIDES.get(model.arch, DEFAULT_SIDES["SRVGGNetCompact"])
        )
        points = []
        for side in sides:
            point = measure(model.path(args.model_dir), side, args.engine)
            growth = point["peak"] - point["rss_before"]
            print(
                f"{model.name} {side}x{side}: +{growth / 2**20:.0f} MiB "
                f"({growth / side**2:.0f} B/px)",
                flush=True,
            )
            points.append(point)
        if len(points) > 1:
            per_pixel, fixed = slope(points)
            print(
                f"{model.name}: {per_pixel:.0f} B per input pixel "
                f"(+ {fixed / 2**20:.0f} MiB fixed), {per_pixel / model.scale**2:.0f} B "
                "per output pixel",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        _child(Path(sys.argv[2]), int(sys.argv[3]), sys.argv[4] if len(sys.argv) > 4 else None)
    else:
        raise SystemExit(main())
