"""Models are loaded once per process and kept (nunif's rule): loading an ONNX
session costs far more than one small job."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from upscaler.db.tables import Model
from upscaler_worker.errors import PermanentJobError
from upscaler_worker.inference import ModelRunner
from upscaler_worker.inference.engine_paths import EnginePath, model_file

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LoadedRunner:
    runner: ModelRunner
    path: Path
    mtime_ns: int

    @property
    def provider(self) -> str:
        return self.runner.provider


class RunnerCache:
    def __init__(self, model_dir: Path, intra_op_threads: int | None = None) -> None:
        self.model_dir = model_dir
        self.intra_op_threads = intra_op_threads
        #: Fetches an admin-uploaded model this worker lacks (the model actors set it).
        self.fetcher: Callable[[Model, Path], Awaitable[None]] | None = None
        #: The engine path per model name, chosen at start (upscaler_worker.engines);
        #: a model without one runs the default path (a GPU, else CPU fp32).
        self.engines: dict[str, EnginePath] = {}
        self._loaded: dict[str, LoadedRunner] = {}
        self._lock = asyncio.Lock()

    def path_of(self, model: Model) -> Path:
        path = Path(model.artifact_path)
        return path if path.is_absolute() else self.model_dir / path

    async def get(self, model: Model) -> LoadedRunner:
        path = self.path_of(model)
        if model.storage_key and self.fetcher is not None:
            await self.fetcher(model, path)  # no-op when the file is here
        try:
            # A local file's stat takes microseconds, less than a hop to a thread and back.
            mtime = path.stat().st_mtime_ns
        except FileNotFoundError as error:
            raise PermanentJobError(
                f"model {model.name!r} is not installed on this worker ({path})"
            ) from error
        async with self._lock:
            cached = self._loaded.get(model.name)
            if cached is not None and cached.path == path and cached.mtime_ns == mtime:
                return cached
            log.info("loading model %s from %s", model.name, path)
            runner = await asyncio.to_thread(self._load, model.name, path)
            loaded = LoadedRunner(runner, path, mtime)
            self._loaded[model.name] = loaded
            return loaded

    def _load(self, name: str, path: Path) -> ModelRunner:
        engine = self.engines.get(name)
        if engine is not None and model_file(engine, path).is_file():
            try:
                return ModelRunner.load(path, intra_op_threads=self.intra_op_threads, engine=engine)
            except Exception:  # the chosen path broke since (a changed file, a driver)
                log.warning("engine path %s failed for %s; using the default", engine, name,
                            exc_info=True)  # fmt: skip
        return ModelRunner.load(path, intra_op_threads=self.intra_op_threads)

    def clear(self) -> None:
        self._loaded.clear()
