"""``python -m bench.peers``: the engine path each model runs on, against what
a user would pick instead, side by side in one run.

Per installed base model, at 256x256 and 512x512 (as asked, never scaled
down): ONNX Runtime's CPU provider in fp32 (the reference), the path the
worker chose here (``upscaler_worker.engines``: measured, cached beside the
models), the ncnn runtime (Upscayl's engine) in fp32 and with its defaults,
and PyTorch eager fp32, channels-last fp32 and bf16 autocast (where the CPU
has bf16 arithmetic; elsewhere PyTorch emulates it). Each figure is
the best of a few runs taken in turns; GFLOP/s counts the direct convolution
arithmetic (``architecture_macs``); PSNR is against the fp32 reference's
output, both quantised to 8 bits as saved. The verdict per model is
ours / best peer at 512x512 against GOAL (0.7).

Cost: the RRDBNet models are 5-29x the arithmetic per pixel of the compact
ones, so a contender that was more than SKIP_FACTOR x ours at 256x256 is not
run at 512x512 (the table says so and by how much), except the fastest peer
there, which always runs so that every size has its measured ratio; a figure over
NO_WARMUP_MACS skips its untimed warm-up, except on OpenVINO, which compiles
per input shape on its first run.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from bench.cpu import cpu_summary, flags_line
from bench.measure import as_batch, planned_repeats, sample_image
from bench.reference import ncnn_files
from upscaler_worker.engines import choose_engines
from upscaler_worker.export.macs import architecture_macs
from upscaler_worker.inference import InstalledModel, ModelRunner, read_installed
from upscaler_worker.inference.engine_paths import CPU_FP32, EnginePath, cpu_flags, has_bf16
from upscaler_worker.inference.heap import release_free_heap
from upscaler_worker.inference.path_choice import psnr8
from upscaler_worker.inference.runtime import physical_cores

GOAL = 0.7
SIZES = ((256, 256), (512, 512))
SKIP_FACTOR = 6.0
NO_WARMUP_MACS = 2e12
RESULTS = Path(__file__).resolve().parent / "results"

#: Contender names, in table order; "ours" is filled in with the chosen path.
REFERENCE = "ORT cpu-fp32"
PEERS = (
    "ncnn fp32",
    "ncnn default",
    "PyTorch eager fp32",
    "PyTorch channels-last fp32",
    "PyTorch bf16 autocast",
)

Run = Callable[[np.ndarray], np.ndarray]


@dataclass
class Figure:
    contender: str
    seconds: float | None = None
    gflops: float | None = None
    psnr_db: float | None = None
    runs: int = 0
    note: str = ""


@dataclass
class SizeFigures:
    model: str
    size: str
    macs: int
    ours: str
    figures: list[Figure] = field(default_factory=list)

    def seconds(self, contender: str) -> float | None:
        for figure in self.figures:
            if figure.contender == contender:
                return figure.seconds
        return None

    def best_peer(self) -> Figure | None:
        timed = [f for f in self.figures if f.contender in PEERS and f.seconds]
        return min(timed, key=lambda f: f.seconds or math.inf) if timed else None

    def ratio(self) -> float | None:
        ours, best = self.seconds(self.ours), self.best_peer()
        return ours / best.seconds if ours and best and best.seconds else None


def contenders(
    model: InstalledModel, model_dir: Path, chosen: EnginePath, threads: int
) -> tuple[dict[str, Callable[[], Run]], list[str]]:
    """name -> a factory of run(batch) -> output (NCHW float32 RGB 0..1), and
    notes. Factories, not runners: at 512x512 one RRDBNet runner holds 4-6 GB
    of activations, so only one contender is alive at a time (all seven at
    once went past 24 GB)."""
    path = model_dir / model.file
    runs: dict[str, Callable[[], Run]] = {}
    notes: list[str] = []

    def ort(engine: EnginePath) -> Callable[[], Run]:
        return lambda: ModelRunner.load(path, intra_op_threads=threads, engine=engine).run

    runs[REFERENCE] = ort(CPU_FP32)
    if chosen != CPU_FP32:
        runs[f"ours {chosen}"] = ort(chosen)
    files = ncnn_files(model)
    try:
        from bench.ncnn_runtime import NcnnRunner

        if files is None:
            notes.append(f"{model.name}: no ncnn files on the mirror")
        else:
            param, weights = files
            runs["ncnn fp32"] = lambda: NcnnRunner.load(param, weights, threads, fp32=True).run
            runs["ncnn default"] = lambda: NcnnRunner.load(param, weights, threads).run
            notes.append(NcnnRunner.load(param, weights, threads).describe())
    except ImportError:
        notes.append("no ncnn timings: the ncnn package is not installed")
    runs |= _torch_runs(model, threads, notes)
    return runs, notes


def _release() -> None:
    """Drop the last contender's sessions and hand their memory back."""
    ModelRunner.clear_cache()
    gc.collect()
    release_free_heap()


def _torch_runs(
    model: InstalledModel, threads: int, notes: list[str], flags: frozenset[str] | None = None
) -> dict[str, Callable[[], Run]]:
    from bench.reference import torch_network

    found = torch_network(model)
    if found is None:
        notes.append("no PyTorch timings: torch is not installed")
        return {}
    import copy

    import torch

    torch.set_num_threads(threads)
    network, weights = found
    notes.append(f"{model.name}: PyTorch {torch.__version__} with {weights}")
    last = copy.deepcopy(network).to(memory_format=torch.channels_last)

    def eager(batch: np.ndarray) -> np.ndarray:
        with torch.inference_mode():
            return np.asarray(network(torch.from_numpy(batch)).numpy())

    def channels_last(batch: np.ndarray) -> np.ndarray:
        tensor = torch.from_numpy(batch).contiguous(memory_format=torch.channels_last)
        with torch.inference_mode():
            return np.asarray(last(tensor).contiguous().numpy())

    def bf16(batch: np.ndarray) -> np.ndarray:
        with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16):
            return np.asarray(network(torch.from_numpy(batch)).float().numpy())

    runs: dict[str, Callable[[], Run]] = {
        "PyTorch eager fp32": lambda: eager,
        "PyTorch channels-last fp32": lambda: channels_last,
    }
    if has_bf16(cpu_flags() if flags is None else flags):
        runs["PyTorch bf16 autocast"] = lambda: bf16
    else:
        # Without bf16 arithmetic PyTorch emulates it, on one thread here:
        # animevideov3 at 512x512 ran over 20 minutes on an AVX2 EPYC, a
        # path nobody would pick, so it is not timed.
        notes.append("no PyTorch bf16 autocast: this CPU has no bf16 arithmetic")
    return runs


def measure_model(
    model: InstalledModel,
    model_dir: Path,
    chosen: EnginePath,
    threads: int,
    repeats: int,
    sizes: tuple[tuple[int, int], ...] = SIZES,
) -> tuple[list[SizeFigures], list[str]]:
    runs, notes = contenders(model, model_dir, chosen, threads)
    ours = f"ours {chosen}" if chosen != CPU_FP32 else REFERENCE
    results: list[SizeFigures] = []
    at_first_size: dict[str, float] = {}
    for height, width in sizes:
        batch = as_batch(sample_image(height, width))
        macs = architecture_macs(model.arch, model.arch_params, height, width)
        figures = SizeFigures(model.name, f"{width}x{height}", macs, ours)
        timed = planned_repeats(macs, repeats)
        print(f"{model.name} {width}x{height}: {timed} timed run(s) each ...", flush=True)
        outputs: dict[str, np.ndarray] = {}
        for name, factory in runs.items():
            figure = Figure(name)
            figures.figures.append(figure)
            slower = _skip_factor(name, ours, at_first_size)
            if slower is not None:
                figure.note = f"not run: {slower:.1f}x ours at {sizes[0][1]}x{sizes[0][0]}"
                continue
            warm = macs <= NO_WARMUP_MACS or "openvino" in name
            try:
                outputs[name], figure.seconds = _best(factory(), batch, timed, warm)
            except Exception as error:  # a contender that cannot run this says why
                figure.note = f"failed: {type(error).__name__}: {error}"[:200]
                continue
            finally:
                _release()
            figure.runs = timed
            figure.gflops = 2 * macs / figure.seconds / 1e9
            print(f"  {name}: {figure.seconds:.3f} s, {figure.gflops:.0f} GFLOP/s", flush=True)
        reference = outputs.get(REFERENCE)
        for figure in figures.figures:
            output = outputs.get(figure.contender)
            if reference is not None and output is not None and output.shape == reference.shape:
                value = psnr8(reference, output)
                figure.psnr_db = round(value, 1) if math.isfinite(value) else 99.0
        if not at_first_size:
            at_first_size = {f.contender: f.seconds for f in figures.figures if f.seconds}
        results.append(figures)
    return results, notes


def _skip_factor(name: str, ours: str, first: dict[str, float]) -> float | None:
    """How much slower than ours this contender was at the first size, when
    that is over SKIP_FACTOR (None: run it). The fastest peer there always
    runs: without it a size would have no ratio (on an AMX Xeon every peer of
    the compact models was over 6x ours at 256x256)."""
    if not first or name in (ours, REFERENCE) or name not in first or ours not in first:
        return None
    if name == min((peer for peer in PEERS if peer in first), key=first.__getitem__):
        return None
    factor = first[name] / first[ours]
    return factor if factor > SKIP_FACTOR else None


def _best(run: Run, batch: np.ndarray, timed: int, warm: bool) -> tuple[np.ndarray, float]:
    output = run(batch) if warm else None
    best = math.inf
    for _ in range(timed):
        started = time.perf_counter()
        output = run(batch)
        best = min(best, time.perf_counter() - started)
    assert output is not None
    return output, best


def markdown(document: dict[str, Any]) -> str:
    lines = [
        f"## Engine paths against the peers ({document['cpu']})",
        "",
        f"{document['threads']} threads for every contender; seconds are the best of the "
        "timed runs; GFLOP/s counts the direct convolution arithmetic; PSNR is against "
        "ORT cpu-fp32, both in 8 bits.",
        "",
        "| model | input | contender | s | GFLOP/s | PSNR dB | note |",
        "|---|---|---|---|---|---|---|",
    ]
    for size in document["sizes"]:
        for figure in size["figures"]:
            seconds = f"{figure['seconds']:.3f}" if figure["seconds"] else "-"
            gflops = f"{figure['gflops']:.0f}" if figure["gflops"] else "-"
            psnr = "ref" if figure["contender"] == REFERENCE else _db(figure["psnr_db"])
            name = figure["contender"]
            name = f"**{name}**" if name == size["ours"] else name
            lines.append(
                f"| {size['model']} | {size['size']} | {name} | {seconds} | {gflops} "
                f"| {psnr} | {figure['note']} |"
            )
    lines += [
        "",
        f"| model | chosen path | input | ours / best peer (goal <= {GOAL}) | best peer |",
        "|---|---|---|---|---|",
    ]
    for size in document["sizes"]:
        ratio = size["ratio"]
        verdict = "-" if ratio is None else f"{ratio:.2f} {'met' if ratio <= GOAL else 'NOT met'}"
        lines.append(
            f"| {size['model']} | {size['chosen']} | {size['size']} | {verdict} "
            f"| {size['best_peer'] or '-'} |"
        )
    lines += ["", *(f"- {note}" for note in document["notes"])]
    return "\n".join(lines) + "\n"


def _db(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def run(
    model_dir: Path,
    names: list[str] | None,
    repeats: int,
    sizes: tuple[tuple[int, int], ...] = SIZES,
) -> dict[str, Any]:
    installed = read_installed(model_dir)
    models = [m for m in installed if m.variant_of is None and (not names or m.name in names)]
    threads = physical_cores()
    cpu = flags_line(cpu_summary())
    print(f"CPU {cpu}", flush=True)
    print("the worker's engine-path choice (cached beside the models) ...", flush=True)
    choices = choose_engines(models, model_dir, threads=threads)
    rows: list[dict[str, Any]] = []
    notes: list[str] = []
    for model in models:
        choice = choices.get(model.name)
        chosen = choice.engine if choice is not None else CPU_FP32
        results, model_notes = measure_model(model, model_dir, chosen, threads, repeats, sizes)
        notes += model_notes
        for result in results:
            best = result.best_peer()
            rows.append(
                {
                    **asdict(result),
                    "chosen": chosen.key,
                    "ratio": result.ratio(),
                    "best_peer": best.contender if best else None,
                }
            )
    return {"cpu": cpu, "threads": threads, "sizes": rows, "notes": sorted(set(notes))}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.peers", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--model-dir", type=Path, default=Path(os.environ.get("UPSCALER_MODEL_DIR", "onnx_models"))
    )
    parser.add_argument("--models", nargs="*", help="only these installed models")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs at most per figure")
    parser.add_argument(
        "--sizes", default="256x256,512x512", help="WxH list (the goal is judged at 512x512)"
    )
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    sizes = tuple(
        (int(h or w), int(w)) for w, _, h in (item.partition("x") for item in args.sizes.split(","))
    )
    document = run(args.model_dir, args.models, args.repeats, sizes)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "peers.json").write_text(json.dumps(document, indent=2) + "\n")
    text = markdown(document)
    (args.out / "peers.md").write_text(text)
    print()
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
