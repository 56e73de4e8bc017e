"""The same network in PyTorch, for eager and channels-last timings."""

from __future__ import annotations

import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from upscaler_worker.inference import InstalledModel


def torch_network(model: InstalledModel) -> tuple[Any, str] | None:
    """(network, weights description) or None when PyTorch is not installed.

    The installed model's own checkpoint is loaded when it is a local file
    (the mirror); otherwise random weights of the same architecture, which
    time the same (the arithmetic does not depend on the values).
    """
    try:
        from upscaler_worker.export.archs import build_network, randomize_weights
        from upscaler_worker.export.weights import interpolate_weights, read_state_dict
    except ImportError:
        return None
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


def _local_path(url: str) -> Path | None:
    parsed = urllib.parse.urlparse(url.strip())
    if parsed.scheme != "file":
        return None
    return Path(urllib.request.url2pathname(parsed.path))
