"""ONNX Runtime sessions for the exported models.

Execution providers are tried in the order TensorRT → CUDA → CPU, whichever
this onnxruntime build has, each with settings that suit it:

- TensorRT: fp16, a dynamic-shape profile covering every tile size (so a new
  image size never rebuilds the engine), engine and timing caches on disk.
- CUDA: cuDNN convolution algorithm search HEURISTIC (EXHAUSTIVE benchmarks
  every new input shape, which costs seconds per new image size), fp16 through
  an fp16 copy of the model made once and kept next to it.
- CPU: fp32, intra-op threads = physical cores (hyper-threads share the FMA
  units the convolutions saturate), all graph optimisations including the
  NCHWc layout transform.

A session is created once per (file, providers, threads) and kept in a small
per-process cache: creating one costs far more than upscaling a small image.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import onnxruntime as ort

from upscaler_worker.inference.engine_paths import (
    CPU,
    OPENVINO,
    EnginePath,
    model_file,
    openvino_options,
)
from upscaler_worker.inference.errors import InferenceError, InferenceTimeout
from upscaler_worker.inference.heap import release_free_heap
from upscaler_worker.inference.installed import FP16_SUFFIX, InstalledModel, read_installed
from upscaler_worker.inference.providers import provider_options, session_options
from upscaler_worker.inference.split import SplitGraphs, split_rrdbnet, tail_bands
from upscaler_worker.inference.tiling import overlap_for

__all__ = ["InstalledModel", "ModelRunner", "physical_cores", "read_installed"]

log = logging.getLogger(__name__)

PROVIDER_PRIORITY = ("TensorrtExecutionProvider", "CUDAExecutionProvider", "CPUExecutionProvider")
GPU_PROVIDERS = frozenset(PROVIDER_PRIORITY[:2])
RUNNER_CACHE_SIZE = 4


def physical_cores() -> int:
    """Physical cores this process may run on (hyper-thread siblings count once)."""
    try:
        allowed = sorted(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return max(1, (os.cpu_count() or 2) // 2)
    cores = set()
    for cpu in allowed:
        topology = Path(f"/sys/devices/system/cpu/cpu{cpu}/topology")
        try:
            package = (topology / "physical_package_id").read_text().strip()
            core = (topology / "core_id").read_text().strip()
        except OSError:
            return len(allowed)
        cores.add((package, core))
    return max(1, len(cores))


#: Peak RSS growth of one tile per input pixel (context included) on CPU with
#: ONNX Runtime and the engine's session settings, measured by
#: ``python -m bench.tile_memory`` (a fresh process per tile side: load, note
#: VmRSS, run the tile twice, note VmHWM) on a 2-core AMD EPYC (Zen 3, AVX2):
#:
#: - SRVGGNetCompact (realesr-animevideov3, realesrgan-x4fast), 128-512 px
#:   tiles: 1011-1157 B/px, slope 1067-1073 B/px. It keeps 64 channels at
#:   input resolution; the 4x pixel shuffle comes last, at 3 channels.
#: - RRDBNet x4 (RealESRGAN_x4plus, RealESRGAN_x4plus_anime_6B; the block
#:   count does not matter, blocks run one after another), 64-256 px tiles:
#:   11.4-15.8 KB/px, in steps rather than a line because the arena grows
#:   in powers of two (e.g. 176 px: 11.5 KB/px, 187-203 px: 12.9 KB/px,
#:   256 px: 15.8 KB/px). The upsampling convolutions keep 64 channels at 2x
#:   and 4x the input resolution, i.e. about 1 KB per input pixel times
#:   scale^2. The rule takes the worst step seen, 1000 x scale^2 = 16 KB/px,
#:   so a tile never exceeds its budget whichever step it lands on.
SRVGG_BYTES_PER_INPUT_PIXEL = 1100.0
RRDB_BYTES_PER_OUTPUT_PIXEL = 1000.0
#: RRDBNet run as body + banded tail (``split``): the body's working set grows
#: with the tile, the tail's is one band's (``split.TAIL_BAND_PIXELS``) whatever
#: the tile. Measured by ``python -m bench.tile_memory --sides 256,384,512
#: [--engine openvino-bf16]`` on x4plus. ONNX Runtime fp32 (arena given back
#: after each run): 2375 B/px + 107 MiB with 16k-pixel tail bands (Intel Xeon),
#: 172/426/696 MiB at 256/384/512² with 4k-pixel bands (AMD EPYC Zen 4); the
#: plan below covers both. OpenVINO bf16 (keeps its buffers): 2740 B/px + 172
#: MiB with 16k-pixel bands (Xeon); with 4k-pixel bands 181/450/723 MiB (Zen 4;
#: least squares 2864 B/px + 18 MiB), planned as 2900 B/px + 40 MiB, so a 512²
#: input (765 MiB planned) runs whole under the 768 MiB default.
SPLIT_RRDB_BYTES_PER_INPUT_PIXEL = 2400.0
SPLIT_RRDB_FIXED_BYTES = 110 << 20
SPLIT_RRDB_OPENVINO_BYTES_PER_INPUT_PIXEL = 2900.0
SPLIT_RRDB_OPENVINO_FIXED_BYTES = 40 << 20
#: Makes ONNX Runtime hand its arena's free blocks back at the end of a run:
#: the body's and the tail's working sets then never add up.
_SHRINK_ARENA = ("memory.enable_memory_arena_shrinkage", "cpu:0")


def activation_bytes_per_input_pixel(arch: str | None, scale: int) -> float:
    """Working memory of one tile per input pixel for an architecture (see above)."""
    if arch == "SRVGGNetCompact":
        return SRVGG_BYTES_PER_INPUT_PIXEL
    return RRDB_BYTES_PER_OUTPUT_PIXEL * scale**2


def available_providers(requested: list[str] | None = None) -> list[str]:
    """The requested providers (default: the priority list) this build has, in order."""
    have = set(ort.get_available_providers())
    wanted = requested or list(PROVIDER_PRIORITY)
    chosen = [name for name in wanted if name in have]
    if "CPUExecutionProvider" not in chosen:
        chosen.append("CPUExecutionProvider")  # the fallback for any node a GPU cannot run
    return chosen


@dataclass
class ModelRunner:
    """One loaded model. ``run`` is thread-safe (ONNX Runtime sessions are)."""

    session: ort.InferenceSession
    path: Path
    name: str
    scale: int
    input_multiple: int
    provider: str
    fp16: bool = False
    #: fp32, fp16 (GPU), bf16 (OpenVINO on a bf16 CPU) or int8 (a QDQ copy).
    precision: str = "fp32"
    arch: str | None = None
    variant_of: str | None = None
    denoise: str | None = None
    #: RRDBNet's upsampling tail when the body runs apart (``split``).
    tail: ort.InferenceSession | None = None
    _active: set[Any] = field(default_factory=set, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    _cache: ClassVar[OrderedDict[tuple[Any, ...], ModelRunner]] = OrderedDict()
    _cache_lock: ClassVar[threading.Lock] = threading.Lock()

    @classmethod
    def load(
        cls,
        onnx_path: Path | str,
        providers: list[str] | None = None,
        intra_op_threads: int | None = None,
        engine: EnginePath | None = None,
        *,
        split: bool = True,
    ) -> ModelRunner:
        """A runner for the model, cached per process.

        ``engine`` runs a CPU path (``engine_paths``) exactly as named, or
        raises when it cannot start; without it the providers are tried in
        priority order (a GPU first) in fp32. On the CPU an RRDBNet runs as
        body and tail (``split``) unless ``split`` is false.
        """
        path = Path(onnx_path).resolve()
        if not path.is_file():
            raise FileNotFoundError(f"model file {path} does not exist")
        if engine is not None and not model_file(engine, path).is_file():
            raise FileNotFoundError(f"{engine} needs {model_file(engine, path)}, which is missing")
        key = (
            path,
            path.stat().st_mtime_ns,
            tuple(providers or ()),
            intra_op_threads,
            engine.key if engine else None,
            split,
        )
        with cls._cache_lock:
            cached = cls._cache.get(key)
            if cached is not None:
                cls._cache.move_to_end(key)
                return cached
        if engine is not None:
            runner = cls._create_on_path(path, engine, intra_op_threads, split)
        else:
            runner = cls._create(path, available_providers(providers), intra_op_threads, split)
        with cls._cache_lock:
            cls._cache[key] = runner
            surplus = len(cls._cache) - RUNNER_CACHE_SIZE
            evicted = [cls._cache.popitem(last=False) for _ in range(surplus)]
        # Parsing, splitting and compiling freed far more than the sessions
        # keep, and an evicted runner's sessions go now; the tiles' buffers
        # never reuse those pages (see heap.py).
        del evicted
        release_free_heap()
        return runner

    @classmethod
    def clear_cache(cls) -> None:
        with cls._cache_lock:
            cls._cache.clear()

    @classmethod
    def _create(
        cls, path: Path, providers: list[str], intra_op_threads: int | None, split: bool
    ) -> ModelRunner:
        if split and providers[0] == CPU:
            graphs = split_rrdbnet(path)
            if graphs is not None:
                threads = intra_op_threads or physical_cores()
                return cls._split_runner(graphs, path, [CPU], threads, "fp32")
        session, use_half = cls._first_working_session(path, providers, intra_op_threads)
        provider = str(session.get_providers()[0])
        fp16 = (use_half and provider == "CUDAExecutionProvider") or provider == (
            "TensorrtExecutionProvider"
        )
        return cls._described(session, path, provider, "fp16" if fp16 else "fp32")

    @classmethod
    def _create_on_path(
        cls, path: Path, engine: EnginePath, intra_op_threads: int | None, split: bool
    ) -> ModelRunner:
        if engine.provider not in ort.get_available_providers():
            raise RuntimeError(f"{engine.provider} is not in this onnxruntime build")
        threads = intra_op_threads or physical_cores()
        providers: list[Any] = [CPU]
        if engine.provider == OPENVINO:
            # CPU stays listed for any node OpenVINO declines.
            providers = [(OPENVINO, openvino_options(engine, threads, None)), CPU]
        file = model_file(engine, path)  # OpenVINO's own copy, the int8 one, or the model
        graphs = split_rrdbnet(file) if split else None
        if graphs is not None:
            runner = cls._split_runner(graphs, path, providers, threads, engine.precision)
            if runner.provider != engine.provider:
                raise RuntimeError(f"{engine.provider} did not start (runs on {runner.provider})")
            return runner
        session = ort.InferenceSession(
            str(file),
            sess_options=session_options(threads, gpu=False),
            providers=providers,
        )
        provider = str(session.get_providers()[0])
        if provider != engine.provider:
            raise RuntimeError(f"{engine.provider} did not start (the session runs on {provider})")
        return cls._described(session, path, provider, engine.precision)

    @classmethod
    def _split_runner(
        cls, graphs: SplitGraphs, path: Path, providers: list[Any], threads: int, precision: str
    ) -> ModelRunner:
        body, tail = (
            ort.InferenceSession(
                graph, sess_options=session_options(threads, gpu=False), providers=providers
            )
            for graph in (graphs.body, graphs.tail)
        )
        runner = cls._described(body, path, str(body.get_providers()[0]), precision)
        runner.tail = tail
        return runner

    @classmethod
    def _described(
        cls, session: ort.InferenceSession, path: Path, provider: str, precision: str
    ) -> ModelRunner:
        metadata: dict[str, str] = dict(session.get_modelmeta().custom_metadata_map)
        runner = cls(
            session=session,
            path=path,
            name=metadata.get("upscaler.name", path.stem),
            scale=int(metadata.get("upscaler.scale", 0)),
            input_multiple=int(metadata.get("upscaler.input_multiple", 1)),
            provider=provider,
            fp16=precision == "fp16",
            precision=precision,
            arch=metadata.get("upscaler.arch"),
            variant_of=metadata.get("upscaler.variant_of"),
            denoise=metadata.get("upscaler.denoise"),
        )
        if runner.scale == 0:  # a foreign file without our metadata: measure it
            probe = 16 * runner.input_multiple
            runner.scale = runner.run(np.zeros((1, 3, probe, probe), np.float32)).shape[2] // probe
        log.info("loaded %s (x%d) on %s, %s", runner.name, runner.scale, provider, precision)
        return runner

    @staticmethod
    def _first_working_session(
        path: Path, providers: list[str], intra_op_threads: int | None
    ) -> tuple[ort.InferenceSession, bool]:
        """A session on the first provider that actually starts: a GPU
        provider can be compiled in yet fail to start (no device, missing
        TensorRT libraries); then the next one in priority order is tried."""
        for start in range(len(providers)):
            chosen = providers[start:]
            gpu = chosen[0] in GPU_PROVIDERS
            # CUDA runs the fp16 copy the model pipeline exports next to the
            # model; TensorRT builds its own fp16 engine from the fp32 file.
            half = path.with_suffix(FP16_SUFFIX)
            use_half = chosen[0] == "CUDAExecutionProvider" and half.is_file()
            try:
                session = ort.InferenceSession(
                    str(half if use_half else path),
                    sess_options=session_options(intra_op_threads or physical_cores(), gpu=gpu),
                    providers=[(name, provider_options(name, path)) for name in chosen],
                )
            except Exception as exc:  # ORT raises plain RuntimeError/Fail types
                if chosen[0] == "CPUExecutionProvider":
                    raise
                log.warning("%s could not start (%s); trying the next provider", chosen[0], exc)
                continue
            if session.get_providers()[0] == chosen[0] or chosen[0] == "CPUExecutionProvider":
                return session, use_half
            log.warning("%s is not usable here; trying the next provider", chosen[0])
        raise RuntimeError("no execution provider could run the model")

    @property
    def engine_path(self) -> EnginePath:
        return EnginePath.of(self.provider, self.precision)

    @property
    def input_name(self) -> str:
        return str(self.session.get_inputs()[0].name)

    @property
    def input_dtype(self) -> type[np.floating[Any]]:
        return np.float16 if self.session.get_inputs()[0].type == "tensor(float16)" else np.float32

    @property
    def _split_plan(self) -> tuple[float, int] | None:
        """(bytes per input pixel, fixed bytes) of a split RRDBNet's tile on
        this runtime; None when the model runs as one graph."""
        if self.tail is None:
            return None
        if self.provider == OPENVINO:
            return SPLIT_RRDB_OPENVINO_BYTES_PER_INPUT_PIXEL, SPLIT_RRDB_OPENVINO_FIXED_BYTES
        return SPLIT_RRDB_BYTES_PER_INPUT_PIXEL, SPLIT_RRDB_FIXED_BYTES

    @property
    def bytes_per_input_pixel(self) -> float:
        """Working memory of one tile per input pixel (see activation_bytes_per_input_pixel)."""
        plan = self._split_plan
        return plan[0] if plan else activation_bytes_per_input_pixel(self.arch, self.scale)

    @property
    def tile_fixed_bytes(self) -> int:
        """Working memory of a tile whatever its size: a split RRDBNet's tail band."""
        plan = self._split_plan
        return plan[1] if plan else 0

    @property
    def tile_overlap(self) -> int:
        """Context pixels each tile reads around its core, for this architecture."""
        return overlap_for(self.arch)

    def run(self, batch: np.ndarray, *, deadline: float | None = None) -> np.ndarray:
        """Upscale an NCHW float32 batch of RGB in 0..1; returns NCHW float32.

        With a ``deadline`` (time.monotonic() value) a timer sets the run's
        terminate flag when it passes: ONNX Runtime stops between nodes and the
        call raises InferenceTimeout. ``terminate()`` stops every running call.
        """
        # Two option sets: the second also gives the arena back after its run
        # (the body's run, and the tail's last band); both can be terminated.
        options, shrinking = ort.RunOptions(), ort.RunOptions()
        shrinking.add_run_config_entry(*_SHRINK_ARENA)
        timer: threading.Timer | None = None
        if deadline is not None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise InferenceTimeout("the time limit was reached")
            timer = threading.Timer(remaining, _set_terminate, args=(options, shrinking))
            timer.daemon = True
            timer.start()
        with self._lock:
            self._active.update((options, shrinking))
        try:
            feed = {self.input_name: np.ascontiguousarray(batch, dtype=self.input_dtype)}
            if self.tail is None:
                (output,) = self.session.run(None, feed, options)
            else:
                (features,) = self.session.run(None, feed, shrinking)
                output = self._run_tail(self.tail, features, options, shrinking)
        except Exception as exc:  # ORT raises plain RuntimeError/Fail subclasses
            if deadline is not None and time.monotonic() >= deadline:
                raise InferenceTimeout("the time limit was reached during a tile") from exc
            if options.terminate:
                raise InferenceError("the inference was terminated") from exc
            raise InferenceError(
                f"the model failed on a {batch.shape[3]}x{batch.shape[2]} tile: {exc}"
            ) from exc
        finally:
            if timer is not None:
                timer.cancel()
            with self._lock:
                self._active.difference_update((options, shrinking))
        return np.asarray(output, dtype=np.float32)

    @staticmethod
    def _run_tail(
        tail: ort.InferenceSession,
        features: np.ndarray,
        options: ort.RunOptions,
        shrinking: ort.RunOptions,
    ) -> np.ndarray:
        """The tail over ``features`` in bands (``split.tail_bands``), their
        cores copied into one output."""
        bands = tail_bands(features.shape[2], features.shape[3])
        name = str(tail.get_inputs()[0].name)
        output: np.ndarray | None = None
        factor = 0
        for number, band in enumerate(bands):
            last = number == len(bands) - 1
            rows, columns = band.rows, band.columns
            window = np.ascontiguousarray(
                features[
                    :, :, rows.read_start : rows.read_stop, columns.read_start : columns.read_stop
                ]
            )
            (result,) = tail.run(None, {name: window}, shrinking if last else options)
            if len(bands) == 1:
                return np.asarray(result)
            if output is None:
                factor = result.shape[2] // window.shape[2]
                batch, channels = result.shape[:2]
                shape = (batch, channels, features.shape[2] * factor, features.shape[3] * factor)
                output = np.empty(shape, dtype=result.dtype)
            top = (rows.core_start - rows.read_start) * factor
            left = (columns.core_start - columns.read_start) * factor
            height = (rows.core_stop - rows.core_start) * factor
            width = (columns.core_stop - columns.core_start) * factor
            output[
                :,
                :,
                rows.core_start * factor : rows.core_stop * factor,
                columns.core_start * factor : columns.core_stop * factor,
            ] = result[:, :, top : top + height, left : left + width]
        assert output is not None
        return output

    def terminate(self) -> None:
        """Stop every call of ``run`` in progress (from any thread)."""
        with self._lock:
            for options in self._active:
                options.terminate = True


def _set_terminate(*options: Any) -> None:
    for each in options:
        each.terminate = True
