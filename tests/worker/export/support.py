"""Checkpoints for the model pipeline's tests: randomly initialised, of the
exact official architectures (the official weights other than
realesr-animevideov3 are not available here)."""

from __future__ import annotations

from pathlib import Path

import pytest

torch = pytest.importorskip("torch", reason="the model pipeline needs the export extra")

from upscaler_worker.export.archs import (  # noqa: E402
    build_network,
    input_multiple,
    randomize_weights,
)
from upscaler_worker.export.manifest import Manifest, ModelSpec  # noqa: E402
from upscaler_worker.export.onnx_export import export_onnx  # noqa: E402


def random_checkpoint(spec: ModelSpec, path: Path, seed: int = 0) -> Path:
    """A checkpoint laid out like the official releases: params_ema (and a
    decoy ``params`` that must not be the one loaded)."""
    ema = randomize_weights(build_network(spec.arch, spec.arch_params), seed).state_dict()
    decoy = {name: torch.zeros_like(value) for name, value in ema.items()}
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"params": decoy, "params_ema": ema}, path)
    return path


def random_export(name: str, manifest: Manifest, directory: Path) -> Path:
    """A random-weight export of ``name``'s architecture, with the graph as
    exported beside it for OpenVINO, as `make models` writes them."""
    spec = manifest.get(name)
    network = randomize_weights(build_network(spec.arch, spec.arch_params), seed=2)
    multiple = input_multiple(spec.arch, spec.arch_params)
    path = directory / f"{name}.onnx"
    metadata = {
        "upscaler.name": name,
        "upscaler.scale": str(spec.scale),
        "upscaler.input_multiple": str(multiple),
        "upscaler.arch": spec.arch,
    }
    export_onnx(
        network,
        path,
        metadata=metadata,
        input_multiple=multiple,
        openvino_path=directory / f"{name}.openvino.onnx",
    )
    return path
