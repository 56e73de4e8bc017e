"""The model manifest (``onnx_models/manifest.json``): what the official models are,
where they come from and how to recognise a genuine file."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from typing import Any


def _default_manifest() -> Path:
    """The repository's onnx_models/manifest.json is the one people edit. A wheel
    carries a copy of it inside this package (setup.py puts it there); an
    editable install reads it from the checkout."""
    packaged = files("upscaler_worker.export").joinpath("manifest.json")
    if isinstance(packaged, Path) and packaged.is_file():
        return packaged
    checkout = Path(__file__).resolve().parents[3]
    return checkout / "onnx_models" / "manifest.json"


#: The official models' manifest (see _default_manifest).
DEFAULT_MANIFEST = _default_manifest()


@dataclass(frozen=True)
class LocalException:
    """A file hash accepted in place of the official one, and why."""

    sha256: str
    reason: str


@dataclass(frozen=True)
class NcnnFile:
    file: str
    sha256: str | None = None


@dataclass(frozen=True)
class NcnnDistribution:
    """A model as ncnn ``.param`` + ``.bin``. Officially inside a release zip
    (``archive_url``, members found by file name) or as plain files next to
    each other (``base_url``); on a mirror, under ``<mirror>/ncnn/``."""

    param: NcnnFile
    bin: NcnnFile
    archive_url: str | None = None
    base_url: str | None = None
    about: str = ""


@dataclass(frozen=True)
class ModelSpec:
    """A model and its distributions: the official ``.pth`` (``url`` and the
    fields after it; preferred where reachable) and/or its ncnn form."""

    name: str
    url: str | None
    arch: str
    arch_params: dict[str, Any]
    scale: int
    sha256: str | None = None
    size_bytes: int | None = None
    local_exceptions: tuple[LocalException, ...] = ()
    tensor_sha256: str | None = None
    presets: tuple[str, ...] = ()
    quality_rank: int = 0
    gpu_recommended: bool = False
    description: str = ""
    ncnn: NcnnDistribution | None = None

    @property
    def filename(self) -> str:
        if self.url is None:
            raise ValueError(f"{self.name} has no .pth distribution")
        return self.url.rsplit("/", 1)[-1]

    @property
    def sources(self) -> str:
        kinds = [kind for kind, present in (("pth", self.url), ("ncnn", self.ncnn)) if present]
        return "+".join(kinds)


@dataclass(frozen=True)
class DenoiseSpec:
    """The official weight-interpolation denoise: w = s * w_base + (1 - s) * w_weak."""

    base: str
    weak: str
    levels: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Manifest:
    models: tuple[ModelSpec, ...]
    denoise: DenoiseSpec | None

    def get(self, name: str) -> ModelSpec:
        for spec in self.models:
            if spec.name == name:
                return spec
        raise KeyError(f"{name!r} is not in the manifest (known: {', '.join(self.names)})")

    @property
    def names(self) -> list[str]:
        return [spec.name for spec in self.models]


def load_manifest(path: Path = DEFAULT_MANIFEST) -> Manifest:
    raw = json.loads(path.read_text(encoding="utf-8"))
    models = tuple(_model_spec(entry) for entry in raw["models"])
    names = [spec.name for spec in models]
    if len(set(names)) != len(names):
        raise ValueError(f"{path}: duplicate model names")
    denoise = raw.get("denoise")
    denoise_spec = None
    if denoise:
        denoise_spec = DenoiseSpec(
            base=denoise["base"],
            weak=denoise["weak"],
            levels={level: float(strength) for level, strength in denoise["levels"].items()},
        )
        for strength in denoise_spec.levels.values():
            if not 0.0 <= strength <= 1.0:
                raise ValueError(f"{path}: denoise strength {strength} is outside 0..1")
    return Manifest(models=models, denoise=denoise_spec)


def _model_spec(entry: dict[str, Any]) -> ModelSpec:
    distributions = entry.get("distributions", {})
    pth = distributions.get("pth") or {}
    ncnn = distributions.get("ncnn")
    if not pth and not ncnn:
        raise ValueError(f"{entry['name']}: lists no distribution (pth or ncnn)")
    return ModelSpec(
        name=entry["name"],
        url=pth.get("url"),
        arch=entry["arch"],
        arch_params=dict(entry["arch_params"]),
        scale=int(entry["scale"]),
        sha256=pth.get("sha256"),
        size_bytes=pth.get("size_bytes"),
        local_exceptions=tuple(
            LocalException(sha256=item["sha256"], reason=item["reason"])
            for item in pth.get("local_exceptions", [])
        ),
        tensor_sha256=pth.get("tensor_sha256"),
        ncnn=_ncnn_distribution(ncnn) if ncnn else None,
        presets=tuple(entry.get("presets", [])),
        quality_rank=int(entry.get("quality_rank", 0)),
        gpu_recommended=bool(entry.get("gpu_recommended", False)),
        description=entry.get("description", ""),
    )


def _ncnn_distribution(entry: dict[str, Any]) -> NcnnDistribution:
    if not entry.get("archive_url") and not entry.get("base_url"):
        raise ValueError("an ncnn distribution needs archive_url or base_url")
    return NcnnDistribution(
        param=NcnnFile(entry["param"]["file"], entry["param"].get("sha256")),
        bin=NcnnFile(entry["bin"]["file"], entry["bin"].get("sha256")),
        archive_url=entry.get("archive_url"),
        base_url=entry.get("base_url"),
        about=entry.get("about", ""),
    )
