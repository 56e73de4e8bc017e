"""``python -m bench``: the engine's speed and memory against its targets.

For each installed model and input size: ONNX Runtime (CPU) model-only time
against PyTorch eager and channels-last in the same run, achieved GFLOP/s
(from the architecture's exact MAC count) as a fraction of the machine's
measured fp32 matmul peak, tiled against untiled time, and the peak RSS of a
4000x3000 photo upscaled 4x in a fresh process. Writes bench/results/bench.json
and bench/results/bench.md and prints the table with pass/fail per target.

On a GPU machine install the ``gpu`` extra (onnxruntime-gpu) instead of
``cpu``; the runner then picks TensorRT or CUDA and the table says which. The
CPU targets below are the ones this benchmark judges.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import rss, service
from bench.measure import SizeResult, as_batch, measure_size, sample_image
from bench.peak import measure_matmul_peak
from bench.report import markdown, verdicts
from bench.timing import load_average
from upscaler_worker.inference import InstalledModel, ModelRunner, read_installed
from upscaler_worker.inference.runtime import physical_cores

RESULTS = Path(__file__).resolve().parent / "results"
DEFAULT_SIZES = "256x256,512x512,4000x3000"


def parse_sizes(text: str) -> list[tuple[int, int]]:
    """ "256,512x384,4000x3000" → [(256, 256), (384, 512), (3000, 4000)] as (height, width)."""
    sizes = []
    for item in text.split(","):
        width, _, height = item.strip().partition("x")
        sizes.append((int(height or width), int(width)))
    return sizes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--model-dir", type=Path, default=Path(os.environ.get("UPSCALER_MODEL_DIR", "onnx_models"))
    )
    parser.add_argument(
        "--models",
        nargs="*",
        help="only these installed models (default: all but denoise variants)",
    )
    parser.add_argument(
        "--sizes", default=DEFAULT_SIZES, help=f"WxH list (default {DEFAULT_SIZES})"
    )
    parser.add_argument(
        "--repeats", type=int, default=5, help="timed runs per figure; the best counts"
    )
    parser.add_argument(
        "--tile", type=int, default=128, help="tile side for the tiled-vs-untiled comparison"
    )
    parser.add_argument(
        "--quick", action="store_true", help="256x256 and 512x512 only, 3 repeats, no RSS run"
    )
    parser.add_argument("--no-torch", action="store_true", help="skip the PyTorch timings")
    parser.add_argument("--no-rss", action="store_true", help="skip the 4000x3000 peak-RSS run")
    parser.add_argument(
        "--no-service",
        action="store_true",
        help="skip jobs/minute with 1 and 2 worker processes and polling latency",
    )
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    if args.quick:
        args.sizes, args.repeats, args.no_rss = "256x256,512x512", 3, True

    installed = read_installed(args.model_dir)
    models = _select(installed, args.models)
    if not models:
        print(f"no installed model in {args.model_dir}: run `make models` first")
        return 2
    threads = physical_cores()
    started_load = load_average()
    print(f"measuring the fp32 matmul peak ({threads} threads) ...", flush=True)
    peak = measure_matmul_peak(threads)
    torch_peak = peak.torch_gflops or 0
    print(
        f"  peak {peak.gflops:.0f} GFLOP/s (numpy {peak.numpy_gflops:.0f}, torch {torch_peak:.0f})"
    )

    sizes: list[SizeResult] = []
    notes: list[str] = []
    rss_results: dict[str, rss.RssResult] = {}
    providers: dict[str, str] = {}
    for model in models:
        runner = ModelRunner.load(args.model_dir / model.file)
        providers[model.name] = runner.provider
        network, weights = _reference(model, args.no_torch, threads)
        notes.append(f"{model.name}: PyTorch with {weights}")
        for height, width in parse_sizes(args.sizes):
            print(f"{model.name} {width}x{height} ...", flush=True)
            result = measure_size(
                model, runner, network, height, width, repeats=args.repeats, tile=args.tile
            )
            result.peak_fraction = result.gflops / peak.gflops
            sizes.append(result)
            print("  " + _line(result), flush=True)
        if not args.no_rss:
            print(
                f"{model.name}: peak RSS of a 4000x3000 photo at 4x (fresh process) ...", flush=True
            )
            rss_results[model.name] = _rss(args.model_dir / model.file)
            print(f"  {rss_results[model.name].peak_rss_bytes / 2**30:.2f} GiB", flush=True)

    # The machine is shared: measure the peak again at the end and keep the
    # better figure, so efficiency is judged against what the machine can do.
    again = measure_matmul_peak(threads)
    if again.gflops > peak.gflops:
        peak = again
        for size in sizes:
            size.peak_fraction = size.gflops / peak.gflops
    end_to_end = _end_to_end(args.model_dir, installed, args.repeats)
    scale_out = None
    if not args.no_service:
        try:
            scale_out = _scale_out(args.model_dir, args.quick)
        except Exception as error:  # no PostgreSQL or Redis here: say so, keep the rest
            print(f"service figures skipped: {type(error).__name__}: {error}", flush=True)
    document = {
        "machine": {
            "platform": platform.platform(),
            "processor": platform.processor() or platform.machine(),
            "physical_cores": threads,
            "load_average_start": started_load,
            "load_average_end": load_average(),
        },
        "peak_gflops": peak.__dict__,
        "providers": providers,
        "sizes": [size.to_json() for size in sizes],
        "rss": {
            name: {**result.__dict__, "limit_bytes": result.limit_bytes}
            for name, result in rss_results.items()
        },
        "end_to_end": end_to_end,
        "scale_out": service.as_json(scale_out) if scale_out else None,
        "notes": notes,
        "verdicts": verdicts(sizes, rss_results, end_to_end),
        "when": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "bench.json").write_text(json.dumps(document, indent=2) + "\n")
    text = markdown(document)
    if scale_out is not None:
        text += "\n" + service.markdown(scale_out, model_only_512=None)
    (args.out / "bench.md").write_text(text)
    print()
    print(text)
    return 0


def _select(installed: list[InstalledModel], names: list[str] | None) -> list[InstalledModel]:
    if names:
        return [model for model in installed if model.name in names]
    return [model for model in installed if model.variant_of is None]


def _reference(model: InstalledModel, skip: bool, threads: int) -> tuple[Any | None, str]:
    if skip:
        return None, "no PyTorch (--no-torch)"
    from bench.reference import torch_network

    found = torch_network(model)
    if found is None:
        return None, "no PyTorch installed"
    import torch

    torch.set_num_threads(threads)
    return found


def _line(result: SizeResult) -> str:
    eager = f"{result.torch_eager_seconds:.3f}s" if result.torch_eager_seconds else "-"
    share = 100 * result.peak_fraction
    return (
        f"ORT {result.ort_seconds:.3f}s ({result.gflops:.0f} GFLOP/s, {share:.0f}% of peak), "
        f"PyTorch eager {eager}"
    )


def _rss(model_path: Path) -> rss.RssResult:
    with tempfile.TemporaryDirectory(prefix="bench-rss-") as tmp:
        source = rss.photo_like(Path(tmp) / "photo.jpg", 4000, 3000)
        return rss.measure(model_path, source, Path(tmp) / "result.png")


def _scale_out(model_dir: Path, quick: bool) -> service.ServiceFigures:
    """Jobs/minute with 1 and 2 worker processes, and GET job latency under
    200 pollers with 1 and 2 API processes (PostgreSQL, Redis, local storage)."""
    print("service: jobs/minute with 1 and 2 worker processes, polling latency ...", flush=True)
    with tempfile.TemporaryDirectory(prefix="bench-service-") as tmp:
        small = service.sample_png(Path(tmp), 256)
        jobs = 6 if quick else 12
        return service.ServiceFigures(
            end_to_end=None,
            throughput=[service.throughput(model_dir.resolve(), small, n, jobs) for n in (1, 2)],
            polling=[
                service.poll_latency(model_dir.resolve(), small, 200, 5 if quick else 10, n)
                for n in (1, 2)
            ],
        )


def _end_to_end(model_dir: Path, installed: list[InstalledModel], repeats: int) -> dict[str, Any]:
    """Upload -> completed on the embedded service (`make run`'s own process)
    for a 512x512 PNG at 4x, against model-only runs of the model each job ran,
    on the same image, taken in turns with the jobs (see service.end_to_end):
    the target is end-to-end <= 1.15 x model-only under the same conditions."""
    import cv2

    pixels = sample_image(512, 512)
    timer = _model_only_timer(model_dir, installed, as_batch(pixels))
    with tempfile.TemporaryDirectory(prefix="bench-e2e-") as tmp:
        image = Path(tmp) / "512.png"
        cv2.imwrite(str(image), pixels)
        figures = service.end_to_end(model_dir, image, repeats, timer)
    runs = ", ".join(f"{run:.3f}" for run in figures.runs)
    return {
        "seconds": figures.seconds,
        "model": figures.model or "the service's default",
        "detail": f"worker's own job time {figures.job_seconds:.3f} s; runs {runs}",
        "model_only_seconds": figures.model_only_seconds,
    }


def _model_only_timer(
    model_dir: Path, installed: list[InstalledModel], batch: Any
) -> Callable[[str], float | None]:
    """Seconds of one model-only run of ``batch`` on the named installed
    model (None for a model the directory does not list)."""
    by_name = {model.name: model for model in installed}

    def run(name: str) -> float | None:
        model = by_name.get(name)
        if model is None:
            return None
        runner = ModelRunner.load(model.path(model_dir))  # cached after the first call
        started = time.perf_counter()
        runner.run(batch)
        return time.perf_counter() - started

    return run
