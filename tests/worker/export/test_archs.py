"""The architectures load official checkpoints strictly."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from tests.helpers import ANIME
from tests.worker.export.support import random_checkpoint
from upscaler_worker.export.archs import build_network, input_multiple
from upscaler_worker.export.manifest import Manifest
from upscaler_worker.export.weights import load_network, read_state_dict

pytestmark = pytest.mark.export

#: Facts about the released networks, independent of our code: parameter
#: counts (RRDBNet x4 is the well-known 16,697,987) and telling key shapes.
OFFICIAL_LAYOUT: dict[str, tuple[int, dict[str, tuple[int, ...]]]] = {
    "RealESRGAN_x4plus": (
        16_697_987,
        {"conv_first.weight": (64, 3, 3, 3), "body.22.rdb3.conv5.weight": (64, 192, 3, 3)},
    ),
    "RealESRGAN_x4plus_anime_6B": (
        4_467_779,
        {"body.5.rdb3.conv5.bias": (64,), "conv_last.weight": (3, 64, 3, 3)},
    ),
    "RealESRGAN_x2plus": (
        16_703_171,
        {"conv_first.weight": (64, 12, 3, 3), "conv_hr.weight": (64, 64, 3, 3)},
    ),
    "realesr-general-x4v3": (1_213_296, {"body.1.weight": (64,), "body.66.weight": (48, 64, 3, 3)}),
    "realesrgan-x4fast": (1_213_296, {"body.1.weight": (64,), "body.66.weight": (48, 64, 3, 3)}),
    "realesr-general-wdn-x4v3": (1_213_296, {"body.65.weight": (64,), "body.66.bias": (48,)}),
    "realesr-animevideov3": (621_424, {"body.33.weight": (64,), "body.34.weight": (48, 64, 3, 3)}),
}


def test_every_manifest_model_has_a_known_layout(manifest: Manifest) -> None:
    assert set(manifest.names) == set(OFFICIAL_LAYOUT)


@pytest.mark.parametrize("name", sorted(OFFICIAL_LAYOUT))
def test_state_dict_layout(name: str, manifest: Manifest) -> None:
    spec = manifest.get(name)
    state = build_network(spec.arch, spec.arch_params).state_dict()
    count, shapes = OFFICIAL_LAYOUT[name]
    assert sum(t.numel() for t in state.values()) == count
    for key, shape in shapes.items():
        assert tuple(state[key].shape) == shape


@pytest.mark.parametrize("name", sorted(OFFICIAL_LAYOUT))
def test_random_checkpoint_loads_strictly_preferring_params_ema(
    name: str, manifest: Manifest, tmp_path: Path
) -> None:
    spec = manifest.get(name)
    path = random_checkpoint(spec, tmp_path / f"{name}.pth")
    state = read_state_dict(path)
    network = load_network(spec, state)
    loaded = network.state_dict()
    assert loaded.keys() == state.keys()
    # params_ema was loaded, not the all-zero decoy under params.
    assert any(bool(t.abs().sum() > 0) for t in loaded.values())
    side = 8 * input_multiple(spec.arch, spec.arch_params)
    with torch.no_grad():
        out = network(torch.rand(1, 3, side, side))
    assert out.shape == (1, 3, side * spec.scale, side * spec.scale)


def test_strict_loading_refuses_a_missing_or_misshapen_tensor(manifest: Manifest) -> None:
    spec = manifest.get("RealESRGAN_x4plus_anime_6B")
    state = build_network(spec.arch, spec.arch_params).state_dict()
    missing = dict(state)
    del missing["body.3.rdb2.conv4.bias"]
    with pytest.raises(RuntimeError, match="Missing key"):
        load_network(spec, missing)
    misshapen = dict(state)
    misshapen["conv_first.weight"] = torch.zeros(64, 12, 3, 3)  # the x2 layout
    with pytest.raises(RuntimeError, match="size mismatch"):
        load_network(spec, misshapen)
    extra = dict(state)
    extra["body.6.rdb1.conv1.weight"] = torch.zeros(32, 64, 3, 3)  # a 7th block
    with pytest.raises(RuntimeError, match="Unexpected key"):
        load_network(spec, extra)


def test_the_real_animevideov3_loads_strictly(manifest: Manifest, anime_checkpoint: Path) -> None:
    state = read_state_dict(anime_checkpoint)
    network = load_network(manifest.get(ANIME), state)
    assert sum(t.numel() for t in network.state_dict().values()) == OFFICIAL_LAYOUT[ANIME][0]


@pytest.mark.parametrize("name", sorted(OFFICIAL_LAYOUT))
def test_mac_count_is_exact(name: str, manifest: Manifest) -> None:
    """The benchmark's arithmetic count equals what the network actually does."""
    from upscaler_worker.export.macs import architecture_macs

    spec = manifest.get(name)
    network = build_network(spec.arch, spec.arch_params)
    counted = 0

    def count(layer: torch.nn.Module, _inputs: object, output: torch.Tensor) -> None:
        nonlocal counted
        assert isinstance(layer, torch.nn.Conv2d)
        counted += output.numel() * layer.in_channels // layer.groups * 9

    hooks = [
        m.register_forward_hook(count) for m in network.modules() if isinstance(m, torch.nn.Conv2d)
    ]
    with torch.no_grad():
        network(torch.zeros(1, 3, 12, 20))
    for hook in hooks:
        hook.remove()
    assert architecture_macs(spec.arch, spec.arch_params, 12, 20) == counted
