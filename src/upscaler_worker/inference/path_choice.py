"""Which engine path runs a model on this machine: measured, never guessed.

Each candidate (``engine_paths.candidate_paths``) upscales the same probe
images as the fp32 reference; a candidate counts only while its 8-bit output
stays within ``floor_db`` PSNR of the reference's on every probe (45 dB: one
level in 8-bit differs on under 1 % of the values), and the fastest of those
runs the jobs. bf16 passes on the Real-ESRGAN models (50-54 dB on photos);
int8 does not (about 33 dB: the residual network amplifies the activation
rounding), and the floor is what keeps it out, not a rule about int8.

The probes are synthetic but image-like (gradients, edges, fine texture and
noise), made from a fixed seed: a worker needs no sample images to choose.
Results are kept per model file and machine in ``cache/engine-paths.json``
beside the models, so a restarted worker chooses at once.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import onnxruntime as ort

from upscaler_worker.inference.engine_paths import (
    CPU_FP32,
    EnginePath,
    candidate_paths,
    cpu_flags,
    cpu_model,
    model_file,
)

log = logging.getLogger(__name__)

QUALITY_FLOOR_DB = 45.0
#: Arithmetic of one probe pass: long enough that a fast path's speed shows
#: over its fixed costs, short enough that x4plus's fp32 reference takes about
#: a second on two cores.
PROBE_MACS = 60e9
PROBE_SIDES = (48, 192)
#: Timed passes over the probes per candidate, the candidates taking turns.
#: Measured one after another instead, a slow spell of a shared VM decided:
#: on an AVX2 EPYC animevideov3 went to ONNX Runtime (0.660 s against
#: OpenVINO's 0.720 s on the probes) while OpenVINO was 4-13 % faster at
#: every size from 96² to 512² when the two ran in turns.
ROUNDS = 2
#: The probe side when the model's cost is unknown: small enough for x4plus.
UNKNOWN_COST_SIDE = 64
CACHE_FILE = "engine-paths.json"


class Runner(Protocol):
    input_multiple: int

    def run(self, batch: np.ndarray, *, deadline: float | None = None) -> np.ndarray: ...


#: Starts a runner for a model file on a path (``ModelRunner.load`` in the worker).
RunnerFactory = Callable[[Path, EnginePath], Runner]


@dataclass
class PathTrial:
    path: str
    seconds: float | None = None
    #: Lowest PSNR over the probes against the fp32 reference (None: the reference).
    psnr_db: float | None = None
    accepted: bool = False
    error: str | None = None


@dataclass
class PathChoice:
    """The path a model runs on, and the trials that chose it."""

    path: str
    forced: bool = False
    trials: list[PathTrial] = field(default_factory=list)

    @property
    def engine(self) -> EnginePath:
        return EnginePath.parse(self.path)

    def as_dict(self) -> dict[str, Any]:
        engine = self.engine
        return {
            "path": self.path,
            "provider": engine.provider,
            "precision": engine.precision,
            "forced": self.forced,
            "trials": [asdict(trial) for trial in self.trials],
        }


def probe_side(macs_per_pixel: float | None, multiple: int) -> int:
    side = UNKNOWN_COST_SIDE
    if macs_per_pixel:
        side = math.isqrt(int(PROBE_MACS / macs_per_pixel))
        side = min(max(side, PROBE_SIDES[0]), PROBE_SIDES[1])
    return max(multiple, side - side % multiple)


def probe_images(side: int, count: int = 2) -> list[np.ndarray]:
    """NCHW float32 RGB batches in 0..1 with the structure photos have."""
    rng = np.random.default_rng(20261204)
    y, x = np.mgrid[0:side, 0:side].astype(np.float32) / side
    probes = []
    for index in range(count):
        phase = index * 1.7
        smooth = 0.5 + 0.35 * np.sin(2.5 * x + phase) * np.cos(1.5 * y - phase)
        disc = ((x - 0.5 - 0.1 * index) ** 2 + (y - 0.45) ** 2 < 0.06).astype(np.float32)
        stripes = (np.sin(40.0 * (x + 0.3 * y)) > 0).astype(np.float32) * (y > 0.7)
        base = 0.55 * smooth + 0.3 * disc + 0.15 * stripes
        channels = [base * gain + offset for gain, offset in ((1.0, 0.0), (0.8, 0.1), (0.6, 0.2))]
        image = np.stack(channels) + rng.normal(0.0, 0.02, (3, side, side)).astype(np.float32)
        probes.append(np.clip(image, 0.0, 1.0)[None].astype(np.float32))
    return probes


def psnr8(reference: np.ndarray, other: np.ndarray) -> float:
    """PSNR in dB of two 0..1 outputs once both are quantised to 8 bits, as saved."""
    a = np.clip(reference * 255.0 + 0.5, 0, 255).astype(np.uint8).astype(np.float64)
    b = np.clip(other * 255.0 + 0.5, 0, 255).astype(np.uint8).astype(np.float64)
    mse = float(np.mean((a - b) ** 2))
    return math.inf if mse == 0 else 10.0 * math.log10(255.0**2 / mse)


def measure_paths(
    model_path: Path,
    candidates: Sequence[EnginePath],
    load: RunnerFactory,
    probes: Sequence[np.ndarray],
    floor_db: float = QUALITY_FLOOR_DB,
    clock: Callable[[], float] = time.perf_counter,
) -> list[PathTrial]:
    """Time every candidate on the probes and compare its outputs with the
    fp32 reference's. All candidates are started (and warmed: compiling and
    allocating is not speed) first, then run in turns, ``ROUNDS`` times, each
    keeping its best time per probe: a slow spell of a shared machine then
    slows every candidate alike instead of the one measured during it."""
    order = [CPU_FP32, *(p for p in candidates if p != CPU_FP32)]
    trials = [PathTrial(path.key) for path in order]
    runners: dict[int, Runner] = {}
    for index, path in enumerate(order):
        try:
            runner = load(model_path, path)
            runner.run(probes[0])
        except Exception as error:  # a path that cannot start or run is just not chosen
            _failed(trials[index], model_path, error, reference=index == 0)
            continue
        runners[index] = runner
    best = {index: [math.inf] * len(probes) for index in runners}
    outputs: dict[int, list[np.ndarray]] = {index: [] for index in runners}
    for round_ in range(ROUNDS):
        # The order turns round every other round: no candidate always runs
        # right after the same other one.
        turn = list(runners) if round_ % 2 == 0 else list(reversed(runners))
        for number, probe in enumerate(probes):
            for index in turn:
                if index not in runners:  # failed earlier in this round
                    continue
                started = clock()
                try:
                    output = runners[index].run(probe)
                except Exception as error:
                    _failed(trials[index], model_path, error, reference=index == 0)
                    del runners[index]
                    continue
                best[index][number] = min(best[index][number], clock() - started)
                if round_ == 0:
                    outputs[index].append(output)
    reference = outputs[0]
    for index in runners:
        trial = trials[index]
        trial.seconds = round(sum(best[index]), 4)
        if index == 0:
            trial.accepted = True
            continue
        pairs = zip(reference, outputs[index], strict=True)
        worst = min(psnr8(ref, out) for ref, out in pairs)
        trial.psnr_db = round(worst, 2) if math.isfinite(worst) else 99.0
        trial.accepted = worst >= floor_db
    return trials


def _failed(trial: PathTrial, model_path: Path, error: Exception, *, reference: bool) -> None:
    if reference:  # without the fp32 reference nothing can be judged
        raise error
    trial.error = f"{type(error).__name__}: {error}"[:300]
    log.info("engine path %s failed on %s: %s", trial.path, model_path.name, trial.error)


def choose(trials: Sequence[PathTrial]) -> PathTrial:
    """The fastest accepted trial (the fp32 reference is always accepted)."""
    accepted = [t for t in trials if t.accepted and t.seconds is not None]
    if not accepted:
        raise ValueError("no engine path met the quality floor, not even the reference")
    return min(accepted, key=lambda t: t.seconds or math.inf)


def forced_choice(forced: str, candidates: Sequence[EnginePath]) -> PathChoice | None:
    """The path settings name, when this machine has it (None: measure instead)."""
    path = EnginePath.parse(forced)
    if path in candidates:
        return PathChoice(path.key, forced=True)
    log.warning(
        "engine path %s was asked for but is not available here (%s); measuring instead",
        path,
        ", ".join(p.key for p in candidates),
    )
    return None


def machine_fingerprint(threads: int, floor_db: float) -> str:
    """What a measurement depends on besides the model: CPU, runtime, threads, floor."""
    text = json.dumps(
        [
            cpu_model(),
            sorted(cpu_flags()),
            ort.__version__,
            ort.get_available_providers(),
            threads,
            floor_db,
            PROBE_MACS,
            # Choices measured one candidate after another are measured again.
            f"in turns x{ROUNDS}",
            # And those measured while OpenVINO left a split RRDBNet's tail
            # to the CPU provider (split.py gives the tail's input its rank).
            "the tail on the body's runtime",
        ],
    )
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def file_fingerprint(model_path: Path, candidates: Sequence[EnginePath]) -> str:
    parts = []
    for path in candidates:
        stat = model_file(path, model_path).stat()
        parts.append(f"{path.key}:{stat.st_size}:{stat.st_mtime_ns}")
    return "|".join(parts)


def choose_path(
    model_path: Path,
    load: RunnerFactory,
    *,
    threads: int,
    macs_per_pixel: float | None = None,
    input_multiple: int = 1,
    forced: str = "auto",
    floor_db: float = QUALITY_FLOOR_DB,
    candidates: Sequence[EnginePath] | None = None,
    cache_dir: Path | None = None,
) -> PathChoice:
    """The path for one model: the forced one if it exists here, else the
    cached measurement for this file on this machine, else a new one."""
    candidates = list(candidates if candidates is not None else candidate_paths(model_path))
    if forced != "auto":
        choice = forced_choice(forced, candidates)
        if choice is not None:
            return choice
    if len(candidates) == 1:
        return PathChoice(candidates[0].key, trials=[])
    cache = _Cache(cache_dir, machine_fingerprint(threads, floor_db))
    key = f"{model_path.name}|{file_fingerprint(model_path, candidates)}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    probes = probe_images(probe_side(macs_per_pixel, input_multiple))
    trials = measure_paths(model_path, candidates, load, probes, floor_db)
    choice = PathChoice(choose(trials).path, trials=trials)
    log.info(
        "engine path for %s: %s (%s)",
        model_path.name,
        choice.path,
        ", ".join(f"{t.path} {t.seconds}s {t.psnr_db}dB" for t in trials),
    )
    cache.put(key, choice)
    return choice


class _Cache:
    """A JSON file of past choices: {machine fingerprint: {model key: choice}}."""

    def __init__(self, directory: Path | None, machine: str) -> None:
        self.file = directory / CACHE_FILE if directory is not None else None
        self.machine = machine

    def _read(self) -> dict[str, Any]:
        if self.file is None:
            return {}
        try:
            data = json.loads(self.file.read_text())
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def get(self, key: str) -> PathChoice | None:
        entry = self._read().get(self.machine, {}).get(key)
        if not isinstance(entry, dict):
            return None
        try:
            trials = [PathTrial(**trial) for trial in entry.get("trials", [])]
            return PathChoice(str(entry["path"]), trials=trials)
        except (KeyError, TypeError, ValueError):
            return None

    def put(self, key: str, choice: PathChoice) -> None:
        if self.file is None:
            return
        data = self._read()
        data.setdefault(self.machine, {})[key] = {
            "path": choice.path,
            "trials": [asdict(trial) for trial in choice.trials],
        }
        try:
            self.file.parent.mkdir(parents=True, exist_ok=True)
            scratch = self.file.with_suffix(f".{os.getpid()}.tmp")
            scratch.write_text(json.dumps(data, indent=1))
            scratch.replace(self.file)  # several workers may write at once
        except OSError:
            log.warning("could not keep the engine-path choice in %s", self.file, exc_info=True)
