"""Installing a model from its ncnn form: read, map strictly, export, and
prove the export against the ncnn runtime before it goes into place."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from upscaler.catalog.ncnn_format import NcnnModel, load_ncnn
from upscaler.catalog.ncnn_recognise import Recognised, recognise
from upscaler_worker.export.archs import build_network
from upscaler_worker.export.fetch import FetchedNcnn
from upscaler_worker.export.install import ExportCheckError, export_and_install
from upscaler_worker.export.manifest import ModelSpec
from upscaler_worker.export.ncnn_arch import check_matches, to_state_dict
from upscaler_worker.export.ncnn_parity import ParityError, check_against_ncnn, probe_image, psnr
from upscaler_worker.export.onnx_export import Exporter
from upscaler_worker.inference.installed import InstalledModel


def network_from_ncnn(
    param: Path, weights: Path, spec: ModelSpec | None = None
) -> tuple[nn.Module, NcnnModel, Recognised]:
    """Our network carrying the ncnn file's weights. With a manifest ``spec``
    the graph must be exactly the architecture the manifest names."""
    model = load_ncnn(param, weights)
    recognised = recognise(model)
    if spec is not None:
        check_matches(recognised, spec.arch, spec.arch_params)
    network = build_network(recognised.arch, recognised.arch_params)
    network.load_state_dict(to_state_dict(model, recognised), strict=True)
    return network, model, recognised


def install_from_ncnn(
    spec: ModelSpec,
    fetched: FetchedNcnn,
    *,
    model_dir: Path,
    verification: str,
    exporter: Exporter,
) -> InstalledModel:
    network, model, _ = network_from_ncnn(fetched.param.path, fetched.bin.path, spec)

    def against_runtime(onnx_path: Path) -> dict[str, Any]:
        try:
            parity = check_against_ncnn(
                onnx_path,
                fetched.param.path,
                fetched.bin.path,
                input_blob=model.graph.input_blob,
                output_blob=model.graph.output_blob,
            )
        except ParityError as exc:
            raise ExportCheckError(f"{spec.name}: {exc}") from exc
        return {"ncnn_parity": parity.as_dict()}

    return export_and_install(
        network,
        spec,
        name=spec.name,
        model_dir=model_dir,
        source_url=fetched.url,
        source_sha256=fetched.sha256,
        verification=verification,
        exporter=exporter,
        source_format="ncnn",
        weights_precision=model.weights.precision,
        check=against_runtime,
    )


def spec_for_custom(name: str, recognised: Recognised, description: str = "") -> ModelSpec:
    """A manifest-like description of an admin's own ncnn model."""
    return ModelSpec(
        name=name,
        url=None,
        arch=recognised.arch,
        arch_params=dict(recognised.arch_params),
        scale=recognised.scale,
        description=description or f"Custom {recognised.arch} x{recognised.scale} (ncnn)",
    )


def pth_vs_ncnn_psnr(pth_network: nn.Module, param: Path, weights: Path, spec: ModelSpec) -> float:
    """PSNR between the .pth-sourced and the ncnn-sourced networks on the probe:
    what the ncnn distribution's fp16 rounding of the weights costs."""
    ncnn_network, _, _ = network_from_ncnn(param, weights, spec)
    image = torch.from_numpy(probe_image()[np.newaxis])
    with torch.no_grad():
        return psnr(pth_network(image).numpy(), ncnn_network(image).numpy())
