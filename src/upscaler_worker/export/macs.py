"""Exact multiply-accumulate counts of the architectures (pure arithmetic).

Convolutions are the whole arithmetic cost of these networks; activations,
adds, resizes and pixel shuffles are memory traffic and are not counted.
Used by the benchmark to turn a run time into achieved GFLOP/s (2 FLOPs per
MAC), and usable for time estimates. Checked against a PyTorch hook count in
the tests.
"""

from __future__ import annotations

from typing import Any

_KERNEL = 9  # every convolution in both families is 3x3


def architecture_macs(arch: str, params: dict[str, Any], height: int, width: int) -> int:
    """MACs of one forward pass on an input of ``height`` x ``width`` pixels."""
    if arch == "SRVGGNetCompact":
        return _srvgg_macs(params, height, width)
    if arch == "RRDBNet":
        return _rrdbnet_macs(params, height, width)
    raise ValueError(f"unknown architecture {arch!r}")


def _srvgg_macs(params: dict[str, Any], height: int, width: int) -> int:
    in_ch = int(params.get("num_in_ch", 3))
    out_ch = int(params.get("num_out_ch", 3))
    feat = int(params.get("num_feat", 64))
    convs = int(params.get("num_conv", 16))
    scale = int(params.get("upscale", 4))
    per_pixel = in_ch * feat + convs * feat * feat + feat * out_ch * scale * scale
    return per_pixel * _KERNEL * height * width


def _rrdbnet_macs(params: dict[str, Any], height: int, width: int) -> int:
    in_ch = int(params.get("num_in_ch", 3))
    out_ch = int(params.get("num_out_ch", 3))
    feat = int(params.get("num_feat", 64))
    grow = int(params.get("num_grow_ch", 32))
    blocks = int(params.get("num_block", 23))
    unshuffle = {4: 1, 2: 2, 1: 4}[int(params.get("scale", 4))]
    trunk = (height // unshuffle) * (width // unshuffle)
    dense_block = sum((feat + k * grow) * grow for k in range(4)) + (feat + 4 * grow) * feat
    at_trunk = in_ch * unshuffle**2 * feat + blocks * 3 * dense_block + feat * feat  # + conv_body
    up1 = feat * feat * 4  # conv_up1 at 2x
    at_4x = (2 * feat * feat + feat * out_ch) * 16  # conv_up2, conv_hr, conv_last at 4x
    return (at_trunk + up1 + at_4x) * _KERNEL * trunk
