"""End-to-end against model-only, per model: what the service adds around the
network (upload, decode, tiling, PNG encoding of the 4x result, storage,
database, events) on a 512x512 image at 4x, for every installed base model.

Each model gets an embedded service (`make run`'s own process) whose model
folder holds that model alone, so every upload runs it; the model-only run
uses the engine path that worker chose (the cached choice beside the models),
on the same image, and the two take turns (``service.end_to_end``) so a slow
spell of the machine hits both alike. Target: end-to-end <= TARGET x model-only.

Beside it, the file pipeline alone: ``upscale_file`` (decode, the model with
its conversions, the PNG, the preview) on the same image and runner in this
process, taking turns with the model-only run. What it adds is the image
work's share; the rest of the end-to-end ratio is the service's (HTTP,
database, queue, events).
"""

from __future__ import annotations

import json
import statistics
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cv2

from bench import png_coders, service
from bench.measure import as_batch, sample_image
from bench.timing import seconds_of
from upscaler_worker.engines import choose_engines
from upscaler_worker.inference import InstalledModel, ModelRunner, UpscaleOptions, upscale_file
from upscaler_worker.inference.engine_paths import CPU_FP32, int8_file, openvino_file
from upscaler_worker.inference.installed import INSTALLED_FILE
from upscaler_worker.inference.runtime import physical_cores

TARGET = 1.10
SIDE = 512
#: What lies around the worker's steps: from the POST to the claim and from
#: the completion to the client's `completed` event ("around the job"), and
#: the job's own time beyond its steps (claim, completion write: "rest of job").
AROUND, REST = "around the job", "rest of job"


def single_model_dir(model_dir: Path, model: InstalledModel, into: Path) -> Path:
    """A model folder listing only ``model``: links to its files and to the
    shared cache (engine-path choices, OpenVINO's compiled blobs)."""
    into.mkdir(parents=True, exist_ok=True)
    file = Path(model.file)
    for name in (model.file, int8_file(file).name, openvino_file(file).name, "cache"):
        if (model_dir / name).exists():
            (into / name).symlink_to((model_dir / name).resolve())
    listing = json.loads((model_dir / INSTALLED_FILE).read_text())
    listing["models"] = [entry for entry in listing["models"] if entry["name"] == model.name]
    (into / INSTALLED_FILE).write_text(json.dumps(listing, indent=1))
    return into


def model_only_timer(runner: ModelRunner, name: str, batch: Any) -> Callable[[str], float | None]:
    """Seconds of one model-only run of ``batch``, for the model called ``name``
    (None for any other: service.end_to_end asks by the model a job ran)."""

    def run(asked: str) -> float | None:
        return seconds_of(lambda: runner.run(batch)) if asked == name else None

    return run


def paired_ratio(first: Callable[[], float], second: Callable[[], float], turns: int) -> float:
    """Median over ``turns`` of second's seconds over first's, each pair run
    back to back (first, then second), so a slow spell hits both of a pair."""
    ratios = []
    for _ in range(turns):
        before = first()
        ratios.append(second() / before)
    return statistics.median(ratios)


def pipeline_ratio(runner: ModelRunner, image: Path, batch: Any, turns: int) -> float:
    """The file pipeline alone (``upscale_file`` of ``image`` with a default
    job's options: 4x, PNG, its preview) over the model-only run of the same
    pixels (``batch``), in turns."""
    with tempfile.TemporaryDirectory(prefix="bench-pipeline-") as tmp:
        output, preview = Path(tmp) / "result", Path(tmp) / "preview.jpg"

        def pipeline() -> None:
            upscale_file(image, output, runner, UpscaleOptions(), thumbnail_path=preview)

        pipeline()  # warm: the first PNG and preview allocate their buffers
        return paired_ratio(
            lambda: seconds_of(lambda: runner.run(batch)), lambda: seconds_of(pipeline), turns
        )


def measure(model_dir: Path, models: list[InstalledModel], repeats: int) -> list[dict[str, Any]]:
    threads = physical_cores()
    choices = choose_engines(models, model_dir, threads=threads)
    pixels = sample_image(SIDE, SIDE)
    batch = as_batch(pixels)
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-overhead-") as tmp:
        image = Path(tmp) / f"{SIDE}.png"
        cv2.imwrite(str(image), pixels)
        for model in models:
            choice = choices.get(model.name)
            engine = choice.engine if choice is not None else CPU_FP32
            print(f"end to end, {model.name} on {engine}, {SIDE}x{SIDE} at 4x ...", flush=True)
            alone = single_model_dir(model_dir, model, Path(tmp) / model.name)
            runner = ModelRunner.load(
                model_dir / model.file, intra_op_threads=threads, engine=engine
            )
            timer = model_only_timer(runner, model.name, batch)
            figures = service.end_to_end(alone, image, repeats, timer)
            ratio = (
                figures.seconds / figures.model_only_seconds if figures.model_only_seconds else None
            )
            pipeline = pipeline_ratio(runner, image, batch, repeats)
            results.append(
                {
                    **noise_figures(figures),
                    "model": model.name,
                    "path": engine.key,
                    "served_by": figures.model,
                    "seconds": figures.seconds,
                    "job_seconds": figures.job_seconds,
                    "model_only_seconds": figures.model_only_seconds,
                    "ratio": ratio,
                    "pipeline_ratio": pipeline,
                    "runs": figures.runs,
                    "steps_ms": step_medians(figures),
                }
            )
            shown = "-" if ratio is None else f"{ratio:.3f}"
            print(
                f"  {figures.seconds:.3f} s end to end, ratio {shown}; "
                f"the file pipeline alone {pipeline:.3f}",
                flush=True,
            )
    return results


def noise_figures(figures: service.EndToEndFigures) -> dict[str, float | None]:
    """How far the machine's own noise reaches: the median of each job's time
    over the model-only run right after it (a slow spell of the VM hits both
    of a pair, so it cancels there), and the model-only runs' spread (slowest
    over fastest, minus one). The judged ratio stays best over best; where
    the spread is wider than the ratio's distance from the target, the
    verdict is within the noise."""
    pairs = [
        run / model for run, model in zip(figures.runs, figures.model_runs, strict=False) if model
    ]
    spread = (
        max(figures.model_runs) / min(figures.model_runs) - 1
        if figures.model_runs and min(figures.model_runs) > 0
        else None
    )
    return {
        "paired_ratio": statistics.median(pairs) if pairs else None,
        "model_only_spread": spread,
    }


def step_medians(figures: service.EndToEndFigures) -> dict[str, float]:
    """Median milliseconds of each step the worker recorded over the timed
    jobs, in the order they ran, then the job's rest and what lay around it."""
    if not figures.steps:
        return {}
    names = list(dict.fromkeys(name for steps in figures.steps for name in steps))
    medians = {
        name: 1000 * statistics.median(steps.get(name, 0.0) for steps in figures.steps)
        for name in names
    }
    jobs = list(zip(figures.runs, figures.job_runs, figures.steps, strict=True))
    medians[REST] = 1000 * statistics.median(job - sum(steps.values()) for _, job, steps in jobs)
    medians[AROUND] = 1000 * statistics.median(run - job for run, job, _ in jobs)
    return medians


def steps_markdown(results: list[dict[str, Any]]) -> str:
    """Where the end-to-end time went, per model (median ms of the timed jobs)."""
    rows = [row for row in results if row.get("steps_ms")]
    if not rows:
        return ""
    names = list(dict.fromkeys(name for row in rows for name in row["steps_ms"]))
    lines = [
        "### Where a job's time goes (median ms of the timed jobs; the worker's steps, "
        "then the job's rest and what lies around it)",
        "",
        "| model | model-only | " + " | ".join(names) + " |",
        "|---|---|" + "---|" * len(names),
    ]
    for row in rows:
        model_only = row["model_only_seconds"]
        cells = [
            f"{row['steps_ms'][name]:.1f}" if name in row["steps_ms"] else "-" for name in names
        ]
        shown = "-" if model_only is None else f"{1000 * model_only:.1f}"
        lines.append(f"| {row['model']} | {shown} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def markdown(results: list[dict[str, Any]]) -> str:
    lines = [
        f"## End to end against model-only, {SIDE}x{SIDE} at 4x (target <= {TARGET})",
        "",
        "| model | path | end to end s | worker's job s | model-only s | ratio | result "
        "| paired median | model-only spread | file pipeline alone |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in results:
        ratio = row["ratio"]
        verdict = "-" if ratio is None else ("met" if ratio <= TARGET else "NOT met")
        model_only = row["model_only_seconds"]
        lines.append(
            f"| {row['model']} | {row['path']} | {row['seconds']:.3f} | {row['job_seconds']:.3f} "
            f"| {'-' if model_only is None else f'{model_only:.3f}'} "
            f"| {'-' if ratio is None else f'{ratio:.3f}'} | {verdict} "
            f"| {_shown(row.get('paired_ratio'), '{:.3f}')} "
            f"| {_shown(row.get('model_only_spread'), '{:.0%}')} "
            f"| {_shown(row.get('pipeline_ratio'), '{:.3f}')} |"
        )
    steps = steps_markdown(results)
    return "\n".join(lines) + "\n" + ("\n" + steps if steps else "")


def _shown(value: float | None, form: str) -> str:
    return "-" if value is None else form.format(value)


def verdicts(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The report's verdict lines (bench.report's shape), one per model."""
    return [
        {
            "target": f"end-to-end {SIDE}x{SIDE} at 4x <= {TARGET:.2f} x model-only",
            "subject": f"{row['model']} ({row['path']})",
            "value": row["ratio"],
            "limit": TARGET,
            "pass": row["ratio"] <= TARGET,
        }
        for row in results
        if row["ratio"] is not None
    ]


def main(argv: list[str] | None = None) -> int:
    import argparse
    import os

    from upscaler_worker.inference import read_installed

    parser = argparse.ArgumentParser(prog="python -m bench.overhead", description=__doc__)
    parser.add_argument(
        "--model-dir", type=Path, default=Path(os.environ.get("UPSCALER_MODEL_DIR", "onnx_models"))
    )
    parser.add_argument("--models", nargs="*", help="only these installed models")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    models = [
        model
        for model in read_installed(args.model_dir)
        if model.variant_of is None and (not args.models or model.name in args.models)
    ]
    print(markdown(measure(args.model_dir.resolve(), models, args.repeats)))
    print(png_coders.markdown(png_coders.measure()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
