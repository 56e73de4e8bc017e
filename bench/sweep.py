"""``python -m bench.sweep``: which CPU settings make the engine fastest.

Exports one installed model's architecture again in several ways (as
exported vs rewritten for ORT's NCHWc layout; TorchScript vs dynamo
exporter) and runs each under several ONNX Runtime settings (graph
optimisation level, threads, spinning), taking turns so that other work on
the machine hits every variant alike. Writes bench/results/sweep.json and
sweep.md. Needs PyTorch (the export extra).
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime as ort

from bench.measure import sample_image
from bench.peak import measure_matmul_peak
from bench.reference import torch_network
from bench.run import RESULTS
from bench.timing import best_of_each, load_average
from upscaler_worker.export.macs import architecture_macs
from upscaler_worker.inference import InstalledModel, read_installed
from upscaler_worker.inference.runtime import physical_cores

LEVELS = {
    "basic": ort.GraphOptimizationLevel.ORT_ENABLE_BASIC,
    "extended": ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED,
    "all": ort.GraphOptimizationLevel.ORT_ENABLE_ALL,
}


def _session(path: Path, level: str, threads: int, spinning: bool) -> ort.InferenceSession:
    options = ort.SessionOptions()
    options.graph_optimization_level = LEVELS[level]
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.enable_mem_pattern = False
    options.log_severity_level = 3
    options.add_session_config_entry("session.intra_op.allow_spinning", "1" if spinning else "0")
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def _exports(model: InstalledModel, directory: Path) -> dict[str, Path]:
    from upscaler_worker.export.archs import input_multiple
    from upscaler_worker.export.onnx_export import Exporter, export_onnx

    found = torch_network(model)
    if found is None:
        raise SystemExit("the sweep needs PyTorch (pip install -e '.[export]')")
    network, _ = found
    multiple = input_multiple(model.arch, model.arch_params)
    variants: dict[str, tuple[Exporter, bool]] = {
        "torchscript, as exported": ("torchscript", False),
        "torchscript, NCHWc rewrite": ("torchscript", True),
        "dynamo, as exported": ("dynamo", False),
        "dynamo, NCHWc rewrite": ("dynamo", True),
    }
    paths = {}
    for label, (exporter, rewrite) in variants.items():
        path = directory / f"{exporter}-{rewrite}.onnx"
        export_onnx(
            network,
            path,
            metadata={},
            input_multiple=multiple,
            exporter=exporter,
            cpu_rewrite=rewrite,
        )
        paths[label] = path
    return paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.sweep", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--model-dir", type=Path, default=Path(os.environ.get("UPSCALER_MODEL_DIR", "onnx_models"))
    )
    parser.add_argument("--model", help="installed model to sweep (default: the first)")
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    installed = [m for m in read_installed(args.model_dir) if m.variant_of is None]
    model = next(
        (m for m in installed if m.name == args.model), installed[0] if installed else None
    )
    if model is None:
        print("no installed model: run `make models` first")
        return 2
    cores = physical_cores()
    peak = measure_matmul_peak(cores)
    image = sample_image(args.size, args.size)
    batch = np.ascontiguousarray(
        image[..., ::-1].transpose(2, 0, 1)[None], np.float32
    ) / np.float32(255)
    macs = architecture_macs(model.arch, model.arch_params, args.size, args.size)
    with tempfile.TemporaryDirectory(prefix="bench-sweep-") as tmp:
        exports = _exports(model, Path(tmp))
        settings: dict[str, tuple[Path, str, int, bool]] = {}
        for label, path in exports.items():
            settings[f"{label} | all | {cores} threads | no spin"] = (path, "all", cores, False)
        rewritten = exports["torchscript, NCHWc rewrite"]
        for level in ("basic", "extended"):
            settings[f"torchscript, NCHWc rewrite | {level} | {cores} threads | no spin"] = (
                rewritten,
                level,
                cores,
                False,
            )
        settings[f"torchscript, NCHWc rewrite | all | {cores} threads | spin"] = (
            rewritten,
            "all",
            cores,
            True,
        )
        settings["torchscript, NCHWc rewrite | all | 1 thread | no spin"] = (
            rewritten,
            "all",
            1,
            False,
        )
        sessions = {label: _session(*values) for label, values in settings.items()}
        runs: dict[str, Callable[[], object]] = {
            label: functools.partial(session.run, None, {"input": batch})
            for label, session in sessions.items()
        }
        times = best_of_each(runs, args.repeats)
    rows: list[dict[str, Any]] = [
        {"setting": label, "seconds": seconds, "gflops": 2 * macs / seconds / 1e9}
        for label, seconds in sorted(times.items(), key=lambda item: item[1])
    ]
    document: dict[str, Any] = {
        "model": model.name,
        "size": args.size,
        "peak_gflops": peak.gflops,
        "load_average": load_average(),
        "rows": rows,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "sweep.json").write_text(json.dumps(document, indent=2) + "\n")
    lines = [
        f"# CPU settings sweep: {model.name}, {args.size}x{args.size}",
        "",
        f"fp32 matmul peak {peak.gflops:.0f} GFLOP/s; load average {document['load_average']:.2f}.",
        "",
        "| graph | optimisation | threads | spinning | s | GFLOP/s | % of peak |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        cells = [part.strip() for part in row["setting"].split("|")]
        share = 100 * row["gflops"] / peak.gflops
        lines.append(
            f"| {' | '.join(cells)} | {row['seconds']:.3f} | {row['gflops']:.0f} | {share:.0f}% |"
        )
    text = "\n".join(lines) + "\n"
    (args.out / "sweep.md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
