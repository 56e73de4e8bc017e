"""Rewrite an exported graph so ONNX Runtime's CPU NCHWc layout covers all of it.

ONNX Runtime runs convolutions fastest in its blocked NCHWc layout, but only
some operators can stay in that layout (convolutions with a fused activation
and a fused residual add, Relu, Add, Concat, Resize...). Any other operator
between two convolutions costs a reorder out of NCHWc and another back in,
plus the operator itself, which for PRelu is a slow single-threaded
broadcast. Profiled on realesr-animevideov3, PRelu and the reorders took 40%
of the run; in RRDBNet the ``out * 0.2 + x`` of every block forced reorders
around every one of its 350 convolutions.

Both are rewritten into convolutions, exactly (up to float rounding):

- ``PRelu(z, a) = z + (1 - a) * Relu(-z)``: a 1x1 depthwise convolution by -1
  with a fused Relu, then a 1x1 depthwise convolution by (1 - a) with ``z``
  added as its fused residual. Two cheap, multi-threaded passes in NCHWc.
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
    channels = _channel_counts(model)
    rewritten: list[onnx.NodeProto] = []
    for node in graph.node:
        if node.op_type == "PRelu" and node.input[1] in constants:
            rewritten += _prelu_as_convs(node, constants[node.input[1]], graph)
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
    node: onnx.NodeProto, slope: np.ndarray, graph: onnx.GraphProto
) -> list[onnx.NodeProto]:
    z, (out,) = node.input[0], node.output
    a = slope.reshape(-1).astype(np.float32)
    base = node.name or out
    negated, relu, scaled = f"{base}/neg", f"{base}/relu_neg", f"{base}/scaled"
    return [
        _depthwise(f"{base}/negate", z, negated, -np.ones_like(a), graph),
        helper.make_node("Relu", [negated], [relu], name=f"{base}/relu"),
        _depthwise(f"{base}/one_minus_slope", relu, scaled, 1.0 - a, graph),
        helper.make_node("Add", [scaled, z], [out], name=f"{base}/add"),
    ]


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
