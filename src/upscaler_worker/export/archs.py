"""The two Real-ESRGAN network families, written for this project.

Parameter names follow the official checkpoints exactly (``body.0.weight``,
``body.3.rdb2.conv4.bias``, ...) so the released ``.pth`` files load with
``strict=True``. Only the structure matters for that: module attribute names,
their order inside ``nn.ModuleList``/``nn.Sequential``, and tensor shapes.
"""

from __future__ import annotations

import math
from typing import Any

import torch
import torch.nn.functional as F  # noqa: N812 - the conventional alias
from torch import nn


def randomize_weights(network: nn.Module, seed: int = 0) -> nn.Module:
    """Fill a network with reproducible random weights of realistic magnitude.

    Used where the official weights are unavailable (tests, export checks): half
    the Kaiming gain keeps a 23-block RRDBNet's output near unit scale, so an
    export's max abs error is measured against outputs of the size real ones have.
    """
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for layer in network.modules():
            if isinstance(layer, nn.Conv2d):
                fan_in = layer.in_channels // layer.groups * math.prod(layer.kernel_size)
                std = 0.5 * math.sqrt(2.0 / fan_in)
                layer.weight.copy_(torch.randn(layer.weight.shape, generator=generator) * std)
                if layer.bias is not None:
                    layer.bias.copy_(
                        (torch.rand(layer.bias.shape, generator=generator) - 0.5) * 0.1
                    )
            elif isinstance(layer, nn.PReLU):
                layer.weight.copy_(torch.rand(layer.weight.shape, generator=generator) * 0.3)
    return network


class SRVGGNetCompact(nn.Module):
    """A plain VGG-style stack at input resolution, a pixel shuffle to the output
    resolution, and a nearest-neighbour upsample of the input added as a residual.

    Used by realesr-animevideov3 (16 convs), realesr-general-x4v3 and
    realesr-general-wdn-x4v3 (32 convs).
    """

    def __init__(
        self,
        num_in_ch: int = 3,
        num_out_ch: int = 3,
        num_feat: int = 64,
        num_conv: int = 16,
        upscale: int = 4,
        act_type: str = "prelu",
    ) -> None:
        super().__init__()
        self.upscale = upscale
        layers: list[nn.Module] = [
            nn.Conv2d(num_in_ch, num_feat, 3, 1, 1),
            _activation(act_type, num_feat),
        ]
        for _ in range(num_conv):
            layers += [nn.Conv2d(num_feat, num_feat, 3, 1, 1), _activation(act_type, num_feat)]
        layers.append(nn.Conv2d(num_feat, num_out_ch * upscale * upscale, 3, 1, 1))
        # A ModuleList (not Sequential) so the keys read body.<index>.*, as released.
        self.body = nn.ModuleList(layers)
        self.upsampler = nn.PixelShuffle(upscale)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = x
        for layer in self.body:
            out = layer(out)
        out = self.upsampler(out)
        base = F.interpolate(x, scale_factor=self.upscale, mode="nearest")
        return out + base


def _activation(act_type: str, num_feat: int) -> nn.Module:
    if act_type == "prelu":
        return nn.PReLU(num_parameters=num_feat)
    if act_type == "relu":
        return nn.ReLU(inplace=True)
    if act_type == "leakyrelu":
        return nn.LeakyReLU(negative_slope=0.1, inplace=True)
    raise ValueError(f"unknown activation {act_type!r}")


class ResidualDenseBlock(nn.Module):
    """Five convs, each seeing the block input and every earlier output."""

    def __init__(self, num_feat: int = 64, num_grow_ch: int = 32) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(num_feat, num_grow_ch, 3, 1, 1)
        self.conv2 = nn.Conv2d(num_feat + num_grow_ch, num_grow_ch, 3, 1, 1)
        self.conv3 = nn.Conv2d(num_feat + 2 * num_grow_ch, num_grow_ch, 3, 1, 1)
        self.conv4 = nn.Conv2d(num_feat + 3 * num_grow_ch, num_grow_ch, 3, 1, 1)
        self.conv5 = nn.Conv2d(num_feat + 4 * num_grow_ch, num_feat, 3, 1, 1)
        self.lrelu = nn.LeakyReLU(negative_slope=0.2, inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x1 = self.lrelu(self.conv1(x))
        x2 = self.lrelu(self.conv2(torch.cat((x, x1), 1)))
        x3 = self.lrelu(self.conv3(torch.cat((x, x1, x2), 1)))
        x4 = self.lrelu(self.conv4(torch.cat((x, x1, x2, x3), 1)))
        x5: torch.Tensor = self.conv5(torch.cat((x, x1, x2, x3, x4), 1))
        # The 0.2 residual scaling is part of the trained network, not a tunable.
        return x5 * 0.2 + x


class RRDB(nn.Module):
    """Residual-in-residual dense block: three dense blocks and a scaled skip."""

    def __init__(self, num_feat: int, num_grow_ch: int = 32) -> None:
        super().__init__()
        self.rdb1 = ResidualDenseBlock(num_feat, num_grow_ch)
        self.rdb2 = ResidualDenseBlock(num_feat, num_grow_ch)
        self.rdb3 = ResidualDenseBlock(num_feat, num_grow_ch)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = self.rdb3(self.rdb2(self.rdb1(x)))
        return out * 0.2 + x


class RRDBNet(nn.Module):
    """ESRGAN's generator. The trunk always upsamples 4x; a 2x (or 1x) network
    first folds 2x2 (4x4) pixel blocks into channels so the trunk runs at a
    quarter (sixteenth) of the pixels and the net result is its own scale."""

    def __init__(
        self,
        num_in_ch: int = 3,
        num_out_ch: int = 3,
        scale: int = 4,
        num_feat: int = 64,
        num_block: int = 23,
        num_grow_ch: int = 32,
    ) -> None:
        super().__init__()
        if scale not in (1, 2, 4):
            raise ValueError(f"RRDBNet supports scale 1, 2 or 4, not {scale}")
        self.scale = scale
        self.unshuffle = {4: 1, 2: 2, 1: 4}[scale]
        self.conv_first = nn.Conv2d(num_in_ch * self.unshuffle**2, num_feat, 3, 1, 1)
        self.body = nn.Sequential(*(RRDB(num_feat, num_grow_ch) for _ in range(num_block)))
        self.conv_body = nn.Conv2d(num_feat, num_feat, 3, 1, 1)
        self.conv_up1 = nn.Conv2d(num_feat, num_feat, 3, 1, 1)
        self.conv_up2 = nn.Conv2d(num_feat, num_feat, 3, 1, 1)
        self.conv_hr = nn.Conv2d(num_feat, num_feat, 3, 1, 1)
        self.conv_last = nn.Conv2d(num_feat, num_out_ch, 3, 1, 1)
        self.lrelu = nn.LeakyReLU(negative_slope=0.2, inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        feat = F.pixel_unshuffle(x, self.unshuffle) if self.unshuffle > 1 else x
        feat = self.conv_first(feat)
        feat = feat + self.conv_body(self.body(feat))
        feat = self.lrelu(self.conv_up1(F.interpolate(feat, scale_factor=2, mode="nearest")))
        feat = self.lrelu(self.conv_up2(F.interpolate(feat, scale_factor=2, mode="nearest")))
        out: torch.Tensor = self.conv_last(self.lrelu(self.conv_hr(feat)))
        return out


#: Architecture name (as written in the manifest) → constructor.
ARCHITECTURES: dict[str, type[nn.Module]] = {
    "SRVGGNetCompact": SRVGGNetCompact,
    "RRDBNet": RRDBNet,
}


def build_network(arch: str, params: dict[str, Any]) -> nn.Module:
    """Instantiate an architecture from its manifest entry, in eval mode."""
    try:
        cls = ARCHITECTURES[arch]
    except KeyError:
        raise ValueError(f"unknown architecture {arch!r}") from None
    network = cls(**params)
    network.eval()
    return network


def input_multiple(arch: str, params: dict[str, Any]) -> int:
    """Input height and width must be a multiple of this (pixel unshuffle)."""
    if arch == "RRDBNet":
        return {4: 1, 2: 2, 1: 4}[int(params.get("scale", 4))]
    return 1
