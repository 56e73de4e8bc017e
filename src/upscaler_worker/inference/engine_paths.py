"""Engine paths: an execution provider plus a precision, named by one key.

A CPU worker can run a model several ways, and which is fastest depends on the
machine, not on the code: the CPU execution provider in fp32 (the reference
every other path is compared with); OpenVINO's provider in fp32, or in bf16
where the CPU has bf16 arithmetic (AVX512_BF16 or AMX, 5-6x the fp32 speed on
a Sapphire Rapids core); and an int8 copy of the model (QDQ, calibrated at
export) on either provider, where one was made. ``path_choice`` times the
candidates on each model and keeps the fastest that stays faithful; this
module only says which candidates exist here and how to start each.

GPU providers are not candidates: a worker with one uses it (TensorRT, then
CUDA), as ``runtime.ModelRunner`` always has.
"""

from __future__ import annotations

import json
import platform
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import onnxruntime as ort

from upscaler_worker.inference.installed import INT8_SUFFIX, OPENVINO_SUFFIX

CPU = "CPUExecutionProvider"
OPENVINO = "OpenVINOExecutionProvider"
CUDA = "CUDAExecutionProvider"
TENSORRT = "TensorrtExecutionProvider"

_RUNTIME_OF_PROVIDER = {CPU: "cpu", OPENVINO: "openvino", CUDA: "cuda", TENSORRT: "tensorrt"}
_PROVIDER_OF_RUNTIME = {runtime: provider for provider, runtime in _RUNTIME_OF_PROVIDER.items()}
PRECISIONS = ("fp32", "bf16", "fp16", "int8")
#: CPU flags that give bf16 arithmetic OpenVINO uses (dot products or AMX tiles).
BF16_FLAGS = frozenset({"avx512_bf16", "amx_bf16"})
#: OpenVINO's names for the precision hint of its CPU plugin.
_OPENVINO_HINT = {"fp32": "f32", "bf16": "bf16", "int8": "f32"}


@dataclass(frozen=True, order=True)
class EnginePath:
    """``runtime-precision``, e.g. ``cpu-fp32``, ``openvino-bf16``, ``cpu-int8``."""

    runtime: str
    precision: str

    @property
    def key(self) -> str:
        return f"{self.runtime}-{self.precision}"

    @property
    def provider(self) -> str:
        return _PROVIDER_OF_RUNTIME[self.runtime]

    @classmethod
    def parse(cls, key: str) -> EnginePath:
        runtime, _, precision = key.strip().lower().partition("-")
        if runtime not in _PROVIDER_OF_RUNTIME or precision not in PRECISIONS:
            known = ", ".join(path.key for path in CPU_PATHS)
            raise ValueError(f"unknown engine path {key!r}; known CPU paths: {known}")
        return cls(runtime, precision)

    @classmethod
    def of(cls, provider: str, precision: str) -> EnginePath:
        return cls(_RUNTIME_OF_PROVIDER.get(provider, provider), precision)

    def __str__(self) -> str:
        return self.key


CPU_FP32 = EnginePath("cpu", "fp32")
OPENVINO_FP32 = EnginePath("openvino", "fp32")
OPENVINO_BF16 = EnginePath("openvino", "bf16")
CPU_INT8 = EnginePath("cpu", "int8")
OPENVINO_INT8 = EnginePath("openvino", "int8")
#: Every CPU path, the reference first.
CPU_PATHS = (CPU_FP32, OPENVINO_BF16, OPENVINO_FP32, CPU_INT8, OPENVINO_INT8)


def int8_file(model_path: Path) -> Path:
    """Where the model pipeline keeps a model's int8 (QDQ) copy."""
    return model_path.with_suffix(INT8_SUFFIX)


def openvino_file(model_path: Path) -> Path:
    """The graph as exported, which OpenVINO runs faster than ``<name>.onnx``:
    that file's rewrite (PRelu as depthwise convolutions, for ONNX Runtime's
    CPU layout) keeps OpenVINO from fusing PRelu into each convolution."""
    return model_path.with_suffix(OPENVINO_SUFFIX)


def model_file(path: EnginePath, model_path: Path) -> Path:
    """The file a path runs. OpenVINO falls back to ``<name>.onnx`` (the same
    function) for a model installed without the graph as exported."""
    if path.precision == "int8":
        return int8_file(model_path)
    if path.runtime == "openvino" and openvino_file(model_path).is_file():
        return openvino_file(model_path)
    return model_path


@cache
def cpu_flags() -> frozenset[str]:
    """The CPU's feature flags (Linux /proc/cpuinfo; empty elsewhere)."""
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return frozenset()
    for line in text.splitlines():
        name, _, value = line.partition(":")
        if name.strip() in ("flags", "Features"):
            return frozenset(value.split())
    return frozenset()


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            name, _, value = line.partition(":")
            if name.strip() == "model name":
                return value.strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def has_bf16(flags: frozenset[str]) -> bool:
    return bool(flags & BF16_FLAGS)


def candidate_paths(
    model_path: Path,
    providers: list[str] | None = None,
    flags: frozenset[str] | None = None,
) -> list[EnginePath]:
    """The CPU paths that can run this model here, the fp32 reference first.

    bf16 is offered only where the CPU has bf16 arithmetic: OpenVINO would
    otherwise emulate it or quietly run fp32, and either would waste the time
    spent measuring it. int8 needs the model's int8 copy.
    """
    have = set(ort.get_available_providers() if providers is None else providers)
    flags = cpu_flags() if flags is None else flags
    has_int8 = int8_file(model_path).is_file()
    paths = [CPU_FP32]
    if OPENVINO in have:
        if has_bf16(flags):
            paths.append(OPENVINO_BF16)
        paths.append(OPENVINO_FP32)
    if has_int8:
        paths.append(CPU_INT8)
        if OPENVINO in have:
            paths.append(OPENVINO_INT8)
    return paths


def openvino_options(path: EnginePath, threads: int, cache_dir: Path | None) -> dict[str, Any]:
    """OpenVINO provider options for a CPU path.

    The precision goes in as the CPU plugin's INFERENCE_PRECISION_HINT: left
    unset, OpenVINO picks bf16 by itself on AMX machines, so fp32 must be asked
    for explicitly to be a real fp32 path. An int8 (QDQ) model runs its int8
    kernels whatever the hint; f32 keeps the rest of it exact.
    """
    options: dict[str, Any] = {
        "device_type": "CPU",
        "num_of_threads": str(threads),
        "load_config": json.dumps(
            {"CPU": {"INFERENCE_PRECISION_HINT": _OPENVINO_HINT[path.precision]}}
        ),
    }
    if cache_dir is not None:
        # Compiled blobs: a worker restart skips OpenVINO's compile (~0.1-1 s a model).
        cache_dir.mkdir(parents=True, exist_ok=True)
        options["cache_dir"] = str(cache_dir)
    return options
