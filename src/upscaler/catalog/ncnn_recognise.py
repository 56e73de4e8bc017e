"""Recognising which of our architectures an ncnn graph is, from its layers.

Pure arithmetic over the parsed graph (no PyTorch, no runtime), so the API can
refuse a model that is not an ESRGAN/RRDBNet or SRVGGNetCompact upscaler the
moment it is uploaded; the worker then maps the weights strictly
(``upscaler_worker.export.ncnn_arch``) and proves the export against ncnn.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from upscaler.catalog.ncnn_format import Graph, Layer, NcnnFormatError, NcnnModel

#: ESRGAN's LeakyReLU slope; SRVGGNetCompact's "leakyrelu" uses 0.1.
RRDB_SLOPE = 0.2
SRVGG_LEAKY_SLOPE = 0.1
#: Dense-block and RRDB residual scaling: out = 0.2 * branch + skip.
RESIDUAL_COEFFS = (0.2, 1.0)
_CONVS_PER_BLOCK = 15  # 3 dense blocks x 5 convolutions
_CONVS_OUTSIDE_BLOCKS = 6  # first, body, up1, up2, hr, last


class MappingError(NcnnFormatError):
    """The graph is readable but is not one of our architectures, exactly."""


@dataclass(frozen=True)
class Recognised:
    arch: str
    arch_params: dict[str, Any]
    scale: int


def recognise(model: NcnnModel) -> Recognised:
    graph = model.graph
    types = {layer.type for layer in graph.layers}
    if "PixelShuffle" in types or "PReLU" in types:
        return _recognise_srvgg(model)
    if "Concat" in types and "Eltwise" in types:
        return _recognise_rrdbnet(model)
    raise MappingError(
        "the graph is neither an ESRGAN/RRDBNet (dense blocks: Concat + Eltwise) nor an "
        "SRVGGNetCompact (PReLU + PixelShuffle) network"
    )


def _count(graph: Graph, kind: str, expected: int, family: str) -> list[Layer]:
    layers = graph.of_type(kind)
    if len(layers) != expected:
        raise MappingError(
            f"{family} needs {expected} {kind} layers here; the graph has {len(layers)}"
        )
    return layers


def _check_nearest(layer: Layer, factor: float, family: str) -> None:
    if layer.int_param(0, 0) != 1:
        raise MappingError(f"{family}: {layer.name} must be a nearest-neighbour resize")
    for key in (1, 2):
        if not math.isclose(layer.float_param(key, 0.0), factor):
            raise MappingError(f"{family}: {layer.name} must resize by {factor:g}")


def _check_add(layer: Layer, family: str) -> None:
    if layer.int_param(0, 0) != 0 or layer.int_param(1, 0) != 0:
        raise MappingError(f"{family}: {layer.name} must add two tensors")


def _recognise_rrdbnet(model: NcnnModel) -> Recognised:
    family = "RRDBNet"
    graph, convs = model.graph, model.weights.convolutions
    blocks, remainder = divmod(len(convs) - _CONVS_OUTSIDE_BLOCKS, _CONVS_PER_BLOCK)
    if remainder or blocks < 1:
        raise MappingError(f"{family} has 6 + 15 x blocks convolutions; the graph has {len(convs)}")
    for layer in _count(graph, "Eltwise", 4 * blocks, family):
        coeffs = layer.array_param(1)
        if layer.int_param(0, 1) != 1 or not np.allclose(coeffs, RESIDUAL_COEFFS):
            raise MappingError(f"{family}: {layer.name} must be 0.2 x branch + skip, not {coeffs}")
    _count(graph, "Concat", 12 * blocks, family)
    _check_add(_count(graph, "BinaryOp", 1, family)[0], family)
    for layer in _count(graph, "Interp", 2, family):
        _check_nearest(layer, 2.0, family)
    _count(graph, "PReLU", 0, family)
    if convs[0].in_channels != 3:
        raise MappingError(
            f"{family}: the first convolution takes {convs[0].in_channels} channels; only the "
            "4x form (3 RGB channels, no pixel unshuffle) is supported"
        )
    params = {
        "num_in_ch": convs[0].in_channels,
        "num_out_ch": convs[-1].out_channels,
        "num_feat": convs[0].out_channels,
        "num_block": blocks,
        "num_grow_ch": convs[1].out_channels,
        "scale": 4,
    }
    return Recognised("RRDBNet", params, 4)


def _recognise_srvgg(model: NcnnModel) -> Recognised:
    family = "SRVGGNetCompact"
    graph, convs = model.graph, model.weights.convolutions
    (shuffle,) = _count(graph, "PixelShuffle", 1, family)
    factor = shuffle.int_param(0, 1)
    if factor < 1 or shuffle.int_param(1, 0) != 0:
        raise MappingError(f"{family}: {shuffle.name} must be a PyTorch-style pixel shuffle")
    _check_nearest(_count(graph, "Interp", 1, family)[0], float(factor), family)
    _check_add(_count(graph, "BinaryOp", 1, family)[0], family)
    _count(graph, "Concat", 0, family)
    _count(graph, "Eltwise", 0, family)
    if len(convs) < 2:
        raise MappingError(f"{family} needs at least 2 convolutions; the graph has {len(convs)}")
    if graph.of_type("PReLU"):
        act_type = "prelu"
        _count(graph, "PReLU", len(convs) - 1, family)
    else:
        fused = {conv.activation for conv in convs[:-1]}
        act_type = fused.pop() if len(fused) == 1 else "mixed"
        if act_type not in ("relu", "leakyrelu"):
            raise MappingError(f"{family}: every convolution but the last needs one activation")
    out_channels, remainder = divmod(convs[-1].out_channels, factor * factor)
    if remainder:
        raise MappingError(
            f"{family}: the last convolution's {convs[-1].out_channels} channels do not fill "
            f"a {factor}x pixel shuffle"
        )
    params = {
        "num_in_ch": convs[0].in_channels,
        "num_out_ch": out_channels,
        "num_feat": convs[0].out_channels,
        "num_conv": len(convs) - 2,
        "upscale": factor,
        "act_type": act_type,
    }
    return Recognised("SRVGGNetCompact", params, factor)
