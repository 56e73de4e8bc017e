"""Mapping an ncnn graph strictly onto the project's own architectures.

``recognise`` reads which family a graph is (RRDBNet or SRVGGNetCompact) and
its hyper-parameters from the layers themselves; ``to_state_dict`` then pairs
the graph's weights, in order, with the parameters of our PyTorch network and
checks every count, shape and activation on the way. Anything that does not
fit is a MappingError naming the layer: a model is converted faithfully or not
at all. The numerical proof comes after export, against the ncnn runtime.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from upscaler_worker.export.archs import build_network
from upscaler_worker.export.ncnn import Graph, Layer, NcnnFormatError, NcnnModel

#: ESRGAN's LeakyReLU slope; SRVGGNetCompact's "leakyrelu" uses 0.1.
RRDB_SLOPE = 0.2
SRVGG_LEAKY_SLOPE = 0.1
#: Dense-block and RRDB residual scaling: out = 0.2 * branch + skip.
RESIDUAL_COEFFS = (0.2, 1.0)
_CONVS_PER_BLOCK = 15  # 3 dense blocks x 5 convolutions
_CONVS_OUTSIDE_BLOCKS = 6  # first, body, up1, up2, hr, last
_SLOPE_TOLERANCE = 1e-6


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


def _parametric_layers(model: NcnnModel) -> list[tuple[Layer, list[np.ndarray]]]:
    """Each layer with weights, in graph order, with its tensors in PyTorch order."""
    convs = iter(model.weights.convolutions)
    ordered: list[tuple[Layer, list[np.ndarray]]] = []
    for layer in model.graph.layers:
        if layer.type == "Convolution":
            conv = next(convs)
            tensors = [conv.weight] if conv.bias is None else [conv.weight, conv.bias]
            ordered.append((layer, tensors))
        elif layer.type == "PReLU":
            ordered.append((layer, [model.weights.prelu_slopes[layer.name]]))
    return ordered


def _expected_activation(arch: str, params: dict[str, Any], key: str) -> tuple[str, float]:
    """The activation our network applies right after the convolution ``key``."""
    if arch == "RRDBNet":
        fused = key.endswith(
            ("conv1", "conv2", "conv3", "conv4", "conv_up1", "conv_up2", "conv_hr")
        )
        return ("leakyrelu", RRDB_SLOPE) if fused else ("none", 0.0)
    act_type = str(params["act_type"])
    index = int(key.split(".")[1])
    is_last = index == 2 * (int(params["num_conv"]) + 1)
    if act_type == "prelu" or is_last:
        return ("none", 0.0)
    return (act_type, SRVGG_LEAKY_SLOPE if act_type == "leakyrelu" else 0.0)


def to_state_dict(model: NcnnModel, recognised: Recognised) -> dict[str, torch.Tensor]:
    """The graph's weights under our network's parameter names, every shape checked."""
    network = build_network(recognised.arch, recognised.arch_params)
    expected = network.state_dict()
    modules: dict[str, list[str]] = {}
    for key in expected:
        modules.setdefault(key.rsplit(".", 1)[0], []).append(key)
    layers = _parametric_layers(model)
    if len(layers) != len(modules):
        raise MappingError(
            f"{recognised.arch} has {len(modules)} layers with weights; the graph has {len(layers)}"
        )
    state: dict[str, torch.Tensor] = {}
    for (layer, tensors), (module, keys) in zip(layers, modules.items(), strict=True):
        if len(tensors) != len(keys):
            raise MappingError(
                f"{layer.name}: has {len(tensors)} tensors, {module} needs {len(keys)}"
            )
        if layer.type == "Convolution":
            conv = next(c for c in model.weights.convolutions if c.name == layer.name)
            wanted = _expected_activation(recognised.arch, recognised.arch_params, module)
            found = (
                conv.activation,
                conv.activation_slope if conv.activation == "leakyrelu" else 0.0,
            )
            if found[0] != wanted[0] or abs(found[1] - wanted[1]) > _SLOPE_TOLERANCE:
                raise MappingError(
                    f"{layer.name} ({module}): activation {found[0]} {found[1]:g}, "
                    f"the architecture has {wanted[0]} {wanted[1]:g}"
                )
        for tensor, key in zip(tensors, keys, strict=True):
            shape = tuple(expected[key].shape)
            if tensor.shape != shape:
                raise MappingError(
                    f"{layer.name} ({key}): shape {tensor.shape}, the architecture needs {shape}"
                )
            state[key] = torch.from_numpy(np.ascontiguousarray(tensor, dtype=np.float32))
    return state


def check_matches(recognised: Recognised, arch: str, arch_params: dict[str, Any]) -> None:
    """The manifest's description of a model must be exactly what the graph is."""
    if recognised.arch != arch or recognised.arch_params != arch_params:
        raise MappingError(
            f"the graph is {recognised.arch} {recognised.arch_params}, "
            f"the manifest says {arch} {arch_params}"
        )
