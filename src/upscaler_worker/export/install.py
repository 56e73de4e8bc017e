"""Export one network into the model directory and describe it for installed.json."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from torch import nn

from upscaler_worker.export.archs import input_multiple
from upscaler_worker.export.fetch import sha256_of
from upscaler_worker.export.manifest import ModelSpec
from upscaler_worker.export.onnx_export import Exporter, export_onnx, parity_max_abs_error
from upscaler_worker.inference.installed import (
    COMPANIONS,
    FP16_SUFFIX,
    OPENVINO_SUFFIX,
    InstalledModel,
)

#: An export whose output differs from PyTorch by more than this is refused.
#: float32 convolutions agree to ~1e-5 on outputs of unit scale; 1e-3 is
#: still 1/4 of an 8-bit level, so a passing export cannot change a pixel by more.
PARITY_TOLERANCE = 1e-3


#: The fp16 copy (for CUDA) may differ more: half precision keeps ~3 decimal
#: digits, so 0.02 is 5 levels of an 8-bit image at worst.
FP16_TOLERANCE = 0.02

#: Recorded after the exporter's name: how the graph was reshaped after export
#: (a different value makes `make models` export again).
GRAPH_SUFFIX = "+nchwc2"  # 2: PRelu as one Relu pass and an Add


class ExportCheckError(Exception):
    """The exported graph does not reproduce the PyTorch network."""


@dataclass(frozen=True)
class Variant:
    """A denoise variant: the base model it replaces, its level and strength."""

    of: str
    level: str
    strength: float


def is_up_to_date(
    record: InstalledModel | None, source_sha256: str, model_dir: Path, exporter: str
) -> bool:
    """Installed from the same source bytes by the same exporter, files intact."""
    if record is None or record.source_sha256 != source_sha256:
        return False
    if record.exporter != exporter + GRAPH_SUFFIX:
        return False
    for key in COMPANIONS:
        companion = record.extra.get(key)
        if not companion or not (model_dir / str(companion)).is_file():
            return False
    path = record.path(model_dir)
    return path.is_file() and sha256_of(path) == record.onnx_sha256


def export_and_install(
    network: nn.Module,
    spec: ModelSpec,
    *,
    name: str,
    model_dir: Path,
    source_url: str,
    source_sha256: str,
    verification: str,
    exporter: Exporter,
    variant: Variant | None = None,
    source_format: str = "pth",
    weights_precision: str = "fp32",
    check: Callable[[Path], dict[str, Any]] | None = None,
) -> InstalledModel:
    """Export, check against PyTorch, then move into place as ``<name>.onnx``.

    ``check``, if given, is a further test of the exported file (the ncnn
    runtime's parity for an ncnn source); what it returns is recorded, and
    whatever it raises refuses the install.

    The file appears under its final name only once it has passed every check,
    so a worker never loads a half-written or wrong model.
    """
    multiple = input_multiple(spec.arch, spec.arch_params)
    metadata = {
        "upscaler.name": name,
        "upscaler.scale": str(spec.scale),
        "upscaler.input_multiple": str(multiple),
        "upscaler.arch": spec.arch,
    }
    if variant is not None:
        metadata |= {
            "upscaler.variant_of": variant.of,
            "upscaler.denoise": variant.level,
            "upscaler.denoise_strength": repr(variant.strength),
        }
    model_dir.mkdir(parents=True, exist_ok=True)
    final = model_dir / f"{name}.onnx"
    final_half = model_dir / f"{name}{FP16_SUFFIX}"
    final_openvino = model_dir / f"{name}{OPENVINO_SUFFIX}"
    temporary = model_dir / f".{name}.{os.getpid()}.onnx.tmp"
    temporary_half = model_dir / f".{name}.{os.getpid()}{FP16_SUFFIX}.tmp"
    temporary_openvino = model_dir / f".{name}.{os.getpid()}{OPENVINO_SUFFIX}.tmp"
    try:
        export_onnx(
            network,
            temporary,
            metadata=metadata,
            input_multiple=multiple,
            exporter=exporter,
            fp16_path=temporary_half,
            openvino_path=temporary_openvino,
        )
        error = parity_max_abs_error(network, temporary, input_multiple=multiple)
        openvino_error = parity_max_abs_error(network, temporary_openvino, input_multiple=multiple)
        worst = max(error, openvino_error)
        if not worst <= PARITY_TOLERANCE:
            raise ExportCheckError(
                f"{name}: ONNX differs from PyTorch by {worst:.3g} (> {PARITY_TOLERANCE})"
            )
        half_error = parity_max_abs_error(network, temporary_half, input_multiple=multiple)
        if not half_error <= FP16_TOLERANCE:
            raise ExportCheckError(
                f"{name}: the fp16 copy differs by {half_error:.3g} (> {FP16_TOLERANCE})"
            )
        checked = {} if check is None else check(temporary)
        # The companions first: a reader that sees the model sees them too.
        os.replace(temporary_half, final_half)
        os.replace(temporary_openvino, final_openvino)
        os.replace(temporary, final)
    finally:
        for leftover in (temporary, temporary_half, temporary_openvino):
            leftover.unlink(missing_ok=True)
    return InstalledModel(
        name=name,
        file=final.name,
        scale=spec.scale,
        arch=spec.arch,
        arch_params=dict(spec.arch_params),
        input_multiple=multiple,
        presets=() if variant else spec.presets,
        quality_rank=spec.quality_rank,
        gpu_recommended=spec.gpu_recommended,
        description=spec.description,
        source_url=source_url,
        source_sha256=source_sha256,
        verification=verification,
        onnx_sha256=sha256_of(final),
        onnx_size_bytes=final.stat().st_size,
        parity_max_abs_error=error,
        exporter=exporter + GRAPH_SUFFIX,
        installed_at=datetime.now(UTC).isoformat(timespec="seconds"),
        variant_of=variant.of if variant else None,
        denoise=variant.level if variant else None,
        denoise_strength=variant.strength if variant else None,
        source_format=source_format,
        weights_precision=weights_precision,
        extra={
            "fp16_file": final_half.name,
            "fp16_max_abs_error": half_error,
            "openvino_file": final_openvino.name,
        }
        | checked,
    )
