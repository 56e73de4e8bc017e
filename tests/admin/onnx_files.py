"""Tiny ONNX models for the registration tests, built with the onnx package
(the export extra): a real x2 upscaler (nearest-neighbour Resize) and files
that must be refused."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from onnx import GraphProto


def _save(graph: GraphProto, path: Path) -> Path:
    import onnx
    from onnx import helper

    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    return path


def _dims(channels: int, height: str, width: str) -> list[str | int | None]:
    """(1, channels, height, width), the last two symbolic."""
    return [1, channels, height, width]


def resize_model(path: Path, scale: int = 2, channels: int = 3) -> Path:
    """(1, channels, H, W) -> (1, channels, H*scale, W*scale)."""
    from onnx import TensorProto, helper, numpy_helper

    scales = numpy_helper.from_array(
        np.array([1.0, 1.0, float(scale), float(scale)], dtype=np.float32), name="scales"
    )
    node = helper.make_node("Resize", ["input", "", "scales"], ["output"], mode="nearest")
    graph = helper.make_graph(
        [node],
        "upscale",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, _dims(channels, "h", "w"))],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, _dims(channels, "H", "W"))],
        initializer=[scales],
    )
    return _save(graph, path)


def two_input_model(path: Path) -> Path:
    from onnx import TensorProto, helper

    node = helper.make_node("Add", ["a", "b"], ["sum"])
    shape = _dims(3, "h", "w")
    graph = helper.make_graph(
        [node],
        "two-inputs",
        [
            helper.make_tensor_value_info("a", TensorProto.FLOAT, shape),
            helper.make_tensor_value_info("b", TensorProto.FLOAT, shape),
        ],
        [helper.make_tensor_value_info("sum", TensorProto.FLOAT, shape)],
    )
    return _save(graph, path)
