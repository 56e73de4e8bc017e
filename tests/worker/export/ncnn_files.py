"""Writing ncnn ``.param`` + ``.bin`` files for tests, from our own networks.

The writer follows the format as documented (see upscaler.catalog.ncnn_format),
independently of the reader, so a round trip proves both halves; the ncnn
runtime then proves the files are what ncnn itself understands.
"""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import torch
from torch import nn

from upscaler.catalog.ncnn_format import TAG_FP16
from upscaler_worker.export.archs import SRVGGNetCompact


def conv_bytes(conv: nn.Conv2d, fp16: bool) -> bytes:
    weight = conv.weight.detach().numpy().astype(np.float32).ravel()
    if fp16:
        data = weight.astype(np.float16).tobytes()
        data += b"\0" * (-len(data) % 4)
        head = struct.pack("<I", TAG_FP16)
    else:
        data, head = weight.tobytes(), struct.pack("<I", 0)
    assert conv.bias is not None
    return head + data + conv.bias.detach().numpy().astype(np.float32).tobytes()


def write_srvgg(
    network: SRVGGNetCompact, directory: Path, name: str, *, fp16: bool
) -> tuple[Path, Path]:
    """An SRVGGNetCompact with PReLU as ncnn files (the layout the official
    animevideov3 files have)."""
    lines: list[str] = ["Input input 0 1 data", "Split split0 1 2 data in_a in_b"]
    weights = bytearray()
    blob = "in_a"
    for index, layer in enumerate(network.body):
        out = f"b{index}"
        if isinstance(layer, nn.Conv2d):
            geometry = f"0={layer.out_channels} 1=3 4=1 5=1 6={layer.weight.numel()}"
            lines.append(f"Convolution conv{index} 1 1 {blob} {out} {geometry}")
            weights += conv_bytes(layer, fp16)
        else:
            assert isinstance(layer, nn.PReLU)
            lines.append(f"PReLU prelu{index} 1 1 {blob} {out} 0={layer.num_parameters}")
            weights += layer.weight.detach().numpy().astype(np.float32).tobytes()
        blob = out
    scale = network.upscale
    lines.append(f"PixelShuffle shuffle 1 1 {blob} shuffled 0={scale}")
    lines.append(f"Interp resize 1 1 in_b base 0=1 1={scale:.6e} 2={scale:.6e}")
    lines.append("BinaryOp add 2 1 shuffled base output 0=0")
    blobs = {word for line in lines for word in line.split()[4:] if "=" not in word}
    param = directory / f"{name}.param"
    param.write_text(f"7767517\n{len(lines)} {len(blobs)}\n" + "\n".join(lines) + "\n")
    weights_path = directory / f"{name}.bin"
    weights_path.write_bytes(bytes(weights))
    return param, weights_path


def small_srvgg(seed: int = 0) -> SRVGGNetCompact:
    from upscaler_worker.export.archs import randomize_weights

    torch.manual_seed(seed)
    network = SRVGGNetCompact(num_feat=8, num_conv=2, upscale=4)
    randomize_weights(network, seed)
    return network.eval()
