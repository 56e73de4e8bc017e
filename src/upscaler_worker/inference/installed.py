"""The record of installed models, ``<model_dir>/installed.json``.

Written by the model pipeline (``upscaler_worker.export``), read by the worker,
which registers the models so the API can list them without opening model
files. Both sides go through this module so they cannot disagree on the format.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

INSTALLED_FILE = "installed.json"
FORMAT_VERSION = 1

#: The files the model pipeline keeps beside ``<name>.onnx``.
FP16_SUFFIX = ".fp16.onnx"  # for CUDA
OPENVINO_SUFFIX = ".openvino.onnx"  # the graph as exported, before the CPU rewrite
INT8_SUFFIX = ".int8.onnx"  # a QDQ copy, where one was made
#: The companions every install writes, by their key in a record's ``extra``.
COMPANIONS = {"fp16_file": FP16_SUFFIX, "openvino_file": OPENVINO_SUFFIX}


@dataclass(frozen=True)
class InstalledModel:
    """One ``.onnx`` file in the model directory and what it is."""

    name: str
    #: File name inside the model directory.
    file: str
    #: Native scale of the network (2 or 4).
    scale: int
    arch: str
    arch_params: dict[str, Any]
    #: Input height and width must be multiples of this (2 for RealESRGAN_x2plus).
    input_multiple: int = 1
    presets: tuple[str, ...] = ()
    #: Higher is better; orders the "best installed model" fallback.
    quality_rank: int = 0
    gpu_recommended: bool = False
    description: str = ""
    source_url: str | None = None
    #: sha256 of the source checkpoint file (of both, "a+b", for a denoise variant).
    source_sha256: str | None = None
    #: How the source was proven genuine: "sha256", "local-exception-sha256",
    #: "tensor-sha256" (joined with "+"), or "unverified" (no hash published).
    verification: str = "unverified"
    onnx_sha256: str = ""
    onnx_size_bytes: int = 0
    #: ONNX Runtime vs PyTorch on random inputs, recorded at export.
    parity_max_abs_error: float | None = None
    exporter: str = ""
    installed_at: str = ""
    #: Set for a denoise variant: the model it stands in for, its level and strength.
    variant_of: str | None = None
    denoise: str | None = None
    denoise_strength: float | None = None
    #: The distribution it was exported from: "pth" (the official checkpoint)
    #: or "ncnn" (an official or admin-given .param + .bin).
    source_format: str = "pth"
    #: "fp32", or "fp16-rounded" for ncnn files, whose weights are stored in half precision.
    weights_precision: str = "fp32"
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def size_bytes(self) -> int:
        return self.onnx_size_bytes

    def path(self, model_dir: Path) -> Path:
        return model_dir / self.file

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["presets"] = list(self.presets)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> InstalledModel:
        known = {item.name for item in fields(cls)}
        values = {key: value for key, value in data.items() if key in known}
        values["presets"] = tuple(values.get("presets", ()))
        return cls(**values)


def read_installed(model_dir: Path, *, only_present: bool = True) -> list[InstalledModel]:
    """The installed models, best first. With ``only_present`` a record whose
    file has gone missing is left out (and logged) rather than offered to a job."""
    path = Path(model_dir) / INSTALLED_FILE
    if not path.is_file():
        return []
    raw = json.loads(path.read_text(encoding="utf-8"))
    models = [InstalledModel.from_json(entry) for entry in raw.get("models", [])]
    if only_present:
        present = [model for model in models if model.path(Path(model_dir)).is_file()]
        for model in models:
            if model not in present:
                log.warning("installed model %s: %s is missing", model.name, model.file)
        models = present
    return sorted(models, key=lambda model: (-model.quality_rank, model.name))


def write_installed(model_dir: Path, models: list[InstalledModel]) -> Path:
    """Replace the record atomically: a reader sees the old file or the new one."""
    path = Path(model_dir) / INSTALLED_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "format": FORMAT_VERSION,
        "models": [model.to_json() for model in sorted(models, key=lambda item: item.name)],
    }
    temporary = path.with_name(f".{INSTALLED_FILE}.{os.getpid()}.tmp")
    temporary.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    os.replace(temporary, path)
    return path


def best_installed(
    models: list[InstalledModel], preset: str | None = None
) -> InstalledModel | None:
    """The highest-ranked base model (not a denoise variant) suited to ``preset``,
    or the highest-ranked base model of all when none is suited to it."""
    bases = [model for model in models if model.variant_of is None]
    ranked = sorted(bases, key=lambda model: (-model.quality_rank, model.name))
    if preset is not None:
        for model in ranked:
            if preset in model.presets:
                return model
    return ranked[0] if ranked else None


def denoise_variant(models: list[InstalledModel], base: str, level: str) -> InstalledModel | None:
    """The exported weight-interpolated network for ``base`` at ``level``, if installed."""
    for model in models:
        if model.variant_of == base and model.denoise == level:
            return model
    return None
