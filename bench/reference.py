"""The same network in PyTorch (eager and channels-last timings), and the
model's ncnn files for the ncnn runtime's timings."""

from __future__ import annotations

import os
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from upscaler_worker.inference import InstalledModel


def torch_network(model: InstalledModel) -> tuple[Any, str] | None:
    """(network, weights description) or None when PyTorch is not installed.

    The installed model's own weights are loaded when its source is a local
    file (the mirror): the ``.pth`` checkpoint, or for a model installed from
    ncnn the ``.param`` + ``.bin`` pair, mapped into the same network the
    export used. Otherwise random weights of the same architecture, which
    time the same (the arithmetic does not depend on the values).
    """
    try:
        from upscaler_worker.export.archs import build_network, randomize_weights
        from upscaler_worker.export.weights import interpolate_weights, read_state_dict
    except ImportError:
        return None
    if model.source_format == "ncnn":
        files = source_ncnn_files(model)
        if files is not None:
            from upscaler_worker.export.ncnn_install import network_from_ncnn

            network, _, _ = network_from_ncnn(*files)
            return network.eval(), f"its ncnn weights ({files[0].name} + {files[1].name})"
        network = build_network(model.arch, model.arch_params)
        return randomize_weights(network).eval(), "random weights (ncnn files not local)"
    network = build_network(model.arch, model.arch_params)
    sources = [_local_path(url) for url in (model.source_url or "").split(" + ")]
    if sources and all(path is not None and path.is_file() for path in sources):
        states = [read_state_dict(path) for path in sources if path is not None]
        if len(states) == 2 and model.denoise_strength is not None:
            state = interpolate_weights(states[0], states[1], model.denoise_strength)
        else:
            state = states[0]
        network.load_state_dict(state, strict=True)
        return network.eval(), "installed checkpoint"
    return randomize_weights(network).eval(), "random weights (checkpoint not local)"


def source_ncnn_files(model: InstalledModel) -> tuple[Path, Path] | None:
    """The ``.param`` and ``.bin`` a model was installed from: installed.json
    records them as ``file:///…/x.param + x.bin`` (the .bin beside the .param)."""
    if model.source_format != "ncnn" or not model.source_url:
        return None
    first, _, second = model.source_url.partition(" + ")
    param = _local_path(first)
    if param is None:
        return None
    weights = _local_path(second) if "://" in second else param.parent / second.strip()
    if weights is None or not (param.is_file() and weights.is_file()):
        return None
    return param, weights


def ncnn_files(model: InstalledModel) -> tuple[Path, Path] | None:
    """The model's ncnn form for the ncnn runtime's timings: the files it was
    installed from, or for a ``.pth``-installed model the manifest's ncnn
    distribution of it on the mirror (``<mirror>/ncnn/``, the mirror being the
    .pth's own folder or UPSCALER_MODEL_MIRROR). None when neither is here."""
    found = source_ncnn_files(model)
    if found is not None:
        return found
    try:
        from upscaler_worker.export.manifest import load_manifest

        spec = load_manifest().get(model.variant_of or model.name)
    except (ImportError, KeyError, OSError, ValueError):
        return None
    if spec.ncnn is None:
        return None
    folders = []
    for url in (model.source_url or "").split(" + "):
        path = _local_path(url)
        if path is not None:
            folders.append(path.parent / "ncnn")
    mirror = _local_path(os.environ.get("UPSCALER_MODEL_MIRROR", ""))
    if mirror is not None:
        folders.append(mirror / "ncnn")
    for folder in folders:
        param, weights = folder / spec.ncnn.param.file, folder / spec.ncnn.bin.file
        if param.is_file() and weights.is_file():
            return param, weights
    return None


def _local_path(url: str) -> Path | None:
    parsed = urllib.parse.urlparse(url.strip())
    if parsed.scheme != "file":
        return None
    return Path(urllib.request.url2pathname(parsed.path))
