"""Checkpoints for the model pipeline's tests: randomly initialised, of the
exact official architectures (the official weights other than
realesr-animevideov3 are not available here)."""

from __future__ import annotations

from pathlib import Path

import pytest

torch = pytest.importorskip("torch", reason="the model pipeline needs the export extra")

from upscaler_worker.export.archs import build_network, randomize_weights  # noqa: E402
from upscaler_worker.export.manifest import ModelSpec  # noqa: E402


def random_checkpoint(spec: ModelSpec, path: Path, seed: int = 0) -> Path:
    """A checkpoint laid out like the official releases: params_ema (and a
    decoy ``params`` that must not be the one loaded)."""
    ema = randomize_weights(build_network(spec.arch, spec.arch_params), seed).state_dict()
    decoy = {name: torch.zeros_like(value) for name, value in ema.items()}
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"params": decoy, "params_ema": ema}, path)
    return path
