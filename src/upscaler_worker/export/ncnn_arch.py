"""Mapping an ncnn graph strictly onto the project's own architectures.

``recognise`` (upscaler.catalog.ncnn_recognise) reads which family a graph is
and its hyper-parameters from the layers themselves; ``to_state_dict`` then pairs
the graph's weights, in order, with the parameters of our PyTorch network and
checks every count, shape and activation on the way. Anything that does not
fit is a MappingError naming the layer: a model is converted faithfully or not
at all. The numerical proof comes after export, against the ncnn runtime.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from upscaler.catalog.ncnn_format import Layer, NcnnModel
from upscaler.catalog.ncnn_recognise import (
    RRDB_SLOPE,
    SRVGG_LEAKY_SLOPE,
    MappingError,
    Recognised,
)
from upscaler_worker.export.archs import build_network

_SLOPE_TOLERANCE = 1e-6


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
