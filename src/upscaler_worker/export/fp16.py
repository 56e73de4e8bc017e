"""An fp16 copy of an exported model, for the CUDA execution provider.

Weights and activations in half precision halve memory traffic and use the
GPU's tensor cores; the graph's input and output stay float32 (a Cast at each
end), so the engine feeds both copies the same arrays. Resize's ``scales`` and
``roi`` must stay float32 by the ONNX spec and are left alone.
(TensorRT makes its own fp16 engine from the fp32 file: trt_fp16_enable.)
"""

from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

#: Inputs that ONNX requires to be float32 whatever the data type: op → input indices.
_FLOAT32_ONLY = {"Resize": (1, 2), "Upsample": (1,)}


def to_fp16(model: onnx.ModelProto) -> onnx.ModelProto:
    model = onnx.ModelProto.FromString(model.SerializeToString())
    graph = model.graph
    keep = {
        node.input[index]
        for node in graph.node
        for index in _FLOAT32_ONLY.get(node.op_type, ())
        if index < len(node.input)
    }
    for init in graph.initializer:
        if init.data_type == TensorProto.FLOAT and init.name not in keep:
            init.CopyFrom(
                numpy_helper.from_array(numpy_helper.to_array(init).astype(np.float16), init.name)
            )
    for node in graph.node:
        if node.op_type == "Constant" and node.output[0] not in keep:
            for attribute in node.attribute:
                if attribute.name == "value" and attribute.t.data_type == TensorProto.FLOAT:
                    half = numpy_helper.to_array(attribute.t).astype(np.float16)
                    attribute.t.CopyFrom(numpy_helper.from_array(half))
    _cast_graph_ends(graph)
    del graph.value_info[:]
    onnx.checker.check_model(model)
    return model


def _cast_graph_ends(graph: onnx.GraphProto) -> None:
    """float32 in and out, fp16 inside."""
    casts = []
    for value in graph.input:
        inner = f"{value.name}/fp16"
        for node in graph.node:
            for index, name in enumerate(node.input):
                if name == value.name:
                    node.input[index] = inner
        casts.append(helper.make_node("Cast", [value.name], [inner], to=TensorProto.FLOAT16))
    tails = []
    for value in graph.output:
        inner = f"{value.name}/fp16"
        for node in graph.node:
            for index, name in enumerate(node.output):
                if name == value.name:
                    node.output[index] = inner
        tails.append(helper.make_node("Cast", [inner], [value.name], to=TensorProto.FLOAT))
    nodes = [*casts, *graph.node, *tails]
    del graph.node[:]
    graph.node.extend(nodes)
