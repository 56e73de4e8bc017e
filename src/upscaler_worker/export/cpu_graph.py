"""Rewrite an exported graph so ONNX Runtime's CPU NCHWc layout covers all of it.

ONNX Runtime runs convolutions fastest in its blocked NCHWc layout, but only
some operators can stay in that layout (convolutions with a fused activation
and a fused residual add, Relu, Add, Concat, Resize...). Any other operator
between two convolutions costs a reorder out of NCHWc and another back in,
plus the operator itself, which for PRelu is a slow single-threaded
broadcast. Profiled on realesr-animevideov3, PRelu and the reorders took 40%
of the run; in RRDBNet the ``out * 0.2 + x`` of every block forced reorders
around every one of its 350 convolutions.

Both are rewritten into operators that stay in NCHWc, exactly (every step
is a product by a slope or a sign, so the result is the same to the bit):

- ``PRelu(z, a) = z + Relu((a - 1) * z)`` for a channel whose slope is at
  most 1: a 1x1 depthwise convolution by (a - 1) with a fused Relu, then an
  Add. For a slope above 1 that identity fails, but ``-PRelu(z, a) = z' +
  Relu((a - 1) * z')`` with ``z' = -z``; the sign is folded into the weights
  of the convolution that makes ``z`` and of those that read the result, so
  it costs nothing. Two cheap passes over memory per layer (the form before,
  ``z + (1 - a) * Relu(-z)`` with the Add fused into a second depthwise
  convolution, took 1.5x as long: 15% of realesr-animevideov3 at 512x512
  against 10%). Where the neighbours are not plain convolutions, that form
  is still used.
- ``Mul(x, c)`` by a constant, where x is not a convolution's output (those
  ONNX Runtime already folds into the convolution's weights): a 1x1
  depthwise convolution by c, which can take the following Add as its fused
  residual.
"""

from __future__ import annotations

import numpy as np
import onnx
from onnx import helper, numpy_helper


def rewrite_for_nchwc(model: onnx.ModelProto) -> onnx.ModelProto:
    """A copy of ``model`` with PRelu and constant Mul nodes made convolutions."""
    model = onnx.ModelProto.FromString(model.SerializeToString())
    graph = model.graph
    constants = _constants(graph)
    producers = {output: node for node in graph.node for output in node.output}
    readers: dict[str, list[onnx.NodeProto]] = {}
    for node in graph.node:
        for name in node.input:
            readers.setdefault(name, []).append(node)
    channels = _channel_counts(model)
    rewritten: list[onnx.NodeProto] = []
    for node in graph.node:
        if node.op_type == "PRelu" and node.input[1] in constants:
            slope = constants[node.input[1]].reshape(-1).astype(np.float32)
            flips = _sign_flips(node, slope, graph, producers, readers)
            if flips is None:
                rewritten += _prelu_as_convs(node, slope, graph)
            else:
                rewritten += _prelu_as_relu_add(node, slope, flips, graph)
        elif node.op_type == "Mul" and _is_channel_scale(node, constants, producers, channels):
            rewritten += _mul_as_conv(node, constants, channels, graph)
        else:
            rewritten.append(node)
    del graph.node[:]
    graph.node.extend(rewritten)
    _drop_unused_initializers(graph)
    onnx.checker.check_model(model)
    return model


def _drop_unused_initializers(graph: onnx.GraphProto) -> None:
    """The replaced slopes and factors: no node reads them any more."""
    used = {name for node in graph.node for name in node.input}
    kept = [init for init in graph.initializer if init.name in used]
    del graph.initializer[:]
    graph.initializer.extend(kept)


def _constants(graph: onnx.GraphProto) -> dict[str, np.ndarray]:
    values = {init.name: numpy_helper.to_array(init) for init in graph.initializer}
    for node in graph.node:
        if node.op_type == "Constant" and node.attribute and node.attribute[0].name == "value":
            values[node.output[0]] = numpy_helper.to_array(node.attribute[0].t)
    return values


def _channel_counts(model: onnx.ModelProto) -> dict[str, int]:
    """Channel count of every 4-D tensor whose channel dimension is known."""
    inferred = onnx.shape_inference.infer_shapes(model)
    counts = {}
    for value in [*inferred.graph.value_info, *inferred.graph.input, *inferred.graph.output]:
        dims = value.type.tensor_type.shape.dim
        if len(dims) == 4 and dims[1].HasField("dim_value"):
            counts[value.name] = dims[1].dim_value
    return counts


def _depthwise(
    name: str,
    source: str,
    output: str,
    scale: np.ndarray,
    graph: onnx.GraphProto,
) -> onnx.NodeProto:
    """A 1x1 depthwise convolution multiplying each channel by ``scale``."""
    count = scale.shape[0]
    weight = numpy_helper.from_array(
        scale.reshape(count, 1, 1, 1).astype(np.float32), f"{name}.weight"
    )
    bias = numpy_helper.from_array(np.zeros(count, np.float32), f"{name}.bias")
    graph.initializer.extend([weight, bias])
    return helper.make_node(
        "Conv",
        [source, weight.name, bias.name],
        [output],
        name=name,
        group=count,
        kernel_shape=[1, 1],
    )


def _prelu_as_convs(
    node: onnx.NodeProto, a: np.ndarray, graph: onnx.GraphProto
) -> list[onnx.NodeProto]:
    """``z + (1 - a) * Relu(-z)``: right for any slope, but a pass slower."""
    z, (out,) = node.input[0], node.output
    base = node.name or out
    negated, relu, scaled = f"{base}/neg", f"{base}/relu_neg", f"{base}/scaled"
    return [
        _depthwise(f"{base}/negate", z, negated, -np.ones_like(a), graph),
        helper.make_node("Relu", [negated], [relu], name=f"{base}/relu"),
        _depthwise(f"{base}/one_minus_slope", relu, scaled, 1.0 - a, graph),
        helper.make_node("Add", [scaled, z], [out], name=f"{base}/add"),
    ]


def _prelu_as_relu_add(
    node: onnx.NodeProto,
    a: np.ndarray,
    flips: list[tuple[onnx.NodeProto, int]],
    graph: onnx.GraphProto,
) -> list[onnx.NodeProto]:
    """``z + Relu((a - 1) * z)``, with the sign of the channels whose slope is
    above 1 turned round on both sides (see the module's docstring)."""
    sign = np.where(a > 1, -1.0, 1.0).astype(np.float32)
    for conv, axis in flips:
        _multiply_channels(graph, conv, axis, sign)
    z, (out,) = node.input[0], node.output
    base = node.name or out
    scaled, relu = f"{base}/slope_minus_one", f"{base}/relu_scaled"
    return [
        _depthwise(f"{base}/times_slope_minus_one", z, scaled, a - 1.0, graph),
        helper.make_node("Relu", [scaled], [relu], name=f"{base}/relu"),
        helper.make_node("Add", [z, relu], [out], name=f"{base}/add"),
    ]


def _multiply_channels(
    graph: onnx.GraphProto, conv: onnx.NodeProto, axis: int, sign: np.ndarray
) -> None:
    """Multiply a convolution's output channels (axis 0: weight rows and bias)
    or input channels (axis 1: weight columns) by ``sign``."""
    names = set(conv.input[1:3]) if axis == 0 else {conv.input[1]}
    for init in graph.initializer:
        if init.name in names:
            values = numpy_helper.to_array(init)
            shape = [1] * values.ndim
            shape[axis if values.ndim > 1 else 0] = -1
            init.CopyFrom(numpy_helper.from_array(values * sign.reshape(shape), init.name))


def _sign_flips(
    node: onnx.NodeProto,
    a: np.ndarray,
    graph: onnx.GraphProto,
    producers: dict[str, onnx.NodeProto],
    readers: dict[str, list[onnx.NodeProto]],
) -> list[tuple[onnx.NodeProto, int]] | None:
    """The (convolution, axis) pairs to negate so that channels with a slope
    above 1 fit the one-pass form; None when that cannot be done safely (a
    neighbour that is not a plain convolution, or a tensor or weight that
    something else also reads): then the older form is used."""
    if not (a > 1).any():
        return []
    z, out = node.input[0], node.output[0]
    maker = producers.get(z)
    consumers = readers.get(out, [])
    if maker is None or not consumers or len(readers.get(z, [])) != 1:
        return None
    weights = {init.name for init in graph.initializer}
    convs = [maker, *consumers]
    if any(c.op_type != "Conv" or c.input[1] not in weights or _group(c) != 1 for c in convs):
        return None
    if any(c.input[0] != out for c in consumers):
        return None
    if any(len(readers.get(name, [])) != 1 for c in convs for name in c.input[1:3]):
        return None
    return [(maker, 0), *((c, 1) for c in consumers)]


def _group(conv: onnx.NodeProto) -> int:
    for attribute in conv.attribute:
        if attribute.name == "group":
            return int(attribute.i)
    return 1


def _is_channel_scale(
    node: onnx.NodeProto,
    constants: dict[str, np.ndarray],
    producers: dict[str, onnx.NodeProto],
    channels: dict[str, int],
) -> bool:
    tensor, factor = node.input
    if factor not in constants or tensor in constants or tensor not in channels:
        return False
    producer = producers.get(tensor)
    if producer is not None and producer.op_type == "Conv":
        return False  # ONNX Runtime folds this one into the convolution
    return constants[factor].size == 1


def _mul_as_conv(
    node: onnx.NodeProto,
    constants: dict[str, np.ndarray],
    channels: dict[str, int],
    graph: onnx.GraphProto,
) -> list[onnx.NodeProto]:
    tensor, factor = node.input
    scale = np.full(channels[tensor], float(constants[factor].reshape(-1)[0]), np.float32)
    return [_depthwise(node.name or node.output[0], tensor, node.output[0], scale, graph)]
