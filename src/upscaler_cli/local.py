"""`upscaler up --local`: the worker's own engine in this process, no server.

The same code path a worker runs (`upscale_file` on an installed ONNX model),
chosen the way the service picks a preset's model when the admin has changed
nothing: the best installed model that lists the preset.
"""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from pathlib import Path

from upscaler_cli.bars import FileBar
from upscaler_cli.files import Item
from upscaler_cli.outcome import Outcome, Result, outcome_for
from upscaler_cli.remote import JobRequest, RunInterruptedError
from upscaler_worker.inference.engine_paths import EnginePath
from upscaler_worker.inference.errors import ImageDecodeError, UnsupportedImageError
from upscaler_worker.inference.files import upscale_file
from upscaler_worker.inference.installed import best_installed, denoise_variant, read_installed
from upscaler_worker.inference.path_choice import choose_path
from upscaler_worker.inference.runtime import ModelRunner, physical_cores
from upscaler_worker.inference.upscale import UpscaleOptions


class ModelChoiceError(Exception):
    pass


class LocalRun:
    def __init__(
        self, model_dir: Path, model: str | None, request: JobRequest, stop: threading.Event
    ) -> None:
        if request.sized or request.factor is None:
            raise ModelChoiceError("--local takes --factor only; sizes need a server")
        installed = read_installed(model_dir)
        if model is not None:
            chosen = next((m for m in installed if m.name == model), None)
            if chosen is None:
                names = ", ".join(m.name for m in installed) or "none"
                raise ModelChoiceError(f"model {model!r} is not installed (installed: {names})")
        else:
            chosen = best_installed(installed, request.preset)
            if chosen is None:
                raise ModelChoiceError(f"no model is installed in {model_dir}; run `make models`")
        variant = denoise_variant(installed, chosen.name, request.denoise)
        self.model = variant or chosen
        self.runner = _fastest_runner(model_dir, self.model.variant_of or self.model.name,
                                      self.model.file)  # fmt: skip
        self.options = UpscaleOptions(
            outscale=int(request.factor.removesuffix("x")),
            output_format=request.output_format,
            quality=request.quality,
            denoise=request.denoise,
        )
        self.stop = stop

    def run(self, item: Item, bar: FileBar) -> Outcome:
        started = time.monotonic()
        bar.stage(f"running {self.model.name}", 1)

        def on_progress(done: int, total: int) -> None:
            if self.stop.is_set():
                raise RunInterruptedError
            if done == 0:
                bar.stage(f"running {self.model.name}", total)
            else:
                bar.advance_to(done)

        item.target.parent.mkdir(parents=True, exist_ok=True)
        # The result's format is the one its name says (files.plan chose it).
        options = replace(self.options, output_format=item.target.suffix.removeprefix("."))
        try:
            result = upscale_file(
                item.image.source, item.partial, self.runner, options, on_progress=on_progress
            )
            item.partial.replace(item.target)
        except (ImageDecodeError, UnsupportedImageError) as error:
            return outcome_for(item, Result.FAILED, error=str(error))
        finally:
            item.partial.unlink(missing_ok=True)
        bar.finish("done")
        return outcome_for(
            item,
            Result.DONE,
            model=result.model,
            width=result.width,
            height=result.height,
            seconds=time.monotonic() - started,
        )


def _fastest_runner(model_dir: Path, base_file_of: str, file: str) -> ModelRunner:
    """The model on the engine path a worker here would choose (its cached
    measurement when one ran, else a quick one), fp32 when that path is
    missing for this file (a denoise variant has no int8 copy)."""
    threads = physical_cores()
    base = next((m for m in read_installed(model_dir) if m.name == base_file_of), None)
    probe_path = model_dir / (base.file if base is not None else file)

    def load(path: Path, engine: EnginePath) -> ModelRunner:
        return ModelRunner.load(path, intra_op_threads=threads, engine=engine)

    engine = choose_path(probe_path, load, threads=threads, cache_dir=model_dir / "cache").engine
    try:
        return load(model_dir / file, engine)
    except (FileNotFoundError, RuntimeError):
        return ModelRunner.load(model_dir / file, intra_op_threads=threads)
