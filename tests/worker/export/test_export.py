"""ONNX export with dynamic height/width, checked against PyTorch."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest
import torch

from tests.helpers import ANIME
from upscaler_worker.export.archs import build_network, input_multiple, randomize_weights
from upscaler_worker.export.manifest import Manifest
from upscaler_worker.export.onnx_export import export_onnx, parity_max_abs_error
from upscaler_worker.export.weights import load_network, read_state_dict

pytestmark = pytest.mark.export

#: One entry per distinct architecture configuration in the manifest.
CONFIGURATIONS = [
    "realesr-animevideov3",
    "realesr-general-x4v3",
    "RealESRGAN_x4plus_anime_6B",
    "RealESRGAN_x2plus",
    pytest.param("RealESRGAN_x4plus", marks=pytest.mark.slow),
]


@pytest.mark.parametrize("name", CONFIGURATIONS)
def test_export_parity_with_random_weights(name: str, manifest: Manifest, tmp_path: Path) -> None:
    spec = manifest.get(name)
    network = randomize_weights(build_network(spec.arch, spec.arch_params), seed=1)
    multiple = input_multiple(spec.arch, spec.arch_params)
    path = tmp_path / f"{name}.onnx"
    metadata = {"upscaler.name": name, "upscaler.scale": str(spec.scale)}
    export_onnx(network, path, metadata=metadata, input_multiple=multiple)
    error = parity_max_abs_error(network, path, input_multiple=multiple, sizes=((24, 20), (12, 34)))
    with torch.no_grad():
        scale_of_outputs = float(network(torch.rand(1, 3, 16, 16)).abs().max())
    print(
        f"{name}: ONNX Runtime vs PyTorch max abs error {error:.2e}"
        f" (outputs up to {scale_of_outputs:.2f})"
    )
    assert scale_of_outputs > 0.1, "random weights give outputs of a meaningful size"
    assert error < 1e-4

    # Height and width are dynamic; the metadata the runtime reads is there.
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    assert session.get_modelmeta().custom_metadata_map == metadata
    for height, width in ((8, 8), (34, 90), (64, 10)):
        height, width = height * multiple, width * multiple
        (out,) = session.run(None, {"input": np.zeros((1, 3, height, width), np.float32)})
        assert out.shape == (1, 3, height * spec.scale, width * spec.scale)


def test_export_parity_with_the_real_animevideov3(
    manifest: Manifest, anime_checkpoint: Path, tmp_path: Path
) -> None:
    network = load_network(manifest.get(ANIME), read_state_dict(anime_checkpoint))
    path = tmp_path / "anime.onnx"
    export_onnx(network, path, metadata={})
    error = parity_max_abs_error(network, path, sizes=((64, 48), (37, 91)))
    print(f"{ANIME} (official weights): max abs error {error:.2e}")
    assert error < 1e-4


def test_dynamo_exporter_gives_the_same_network(manifest: Manifest, tmp_path: Path) -> None:
    spec = manifest.get(ANIME)
    network = randomize_weights(build_network(spec.arch, spec.arch_params), seed=2)
    path = tmp_path / "dynamo.onnx"
    export_onnx(network, path, metadata={}, exporter="dynamo")
    assert parity_max_abs_error(network, path) < 1e-4


@pytest.mark.parametrize("name", ["realesr-animevideov3", "RealESRGAN_x4plus_anime_6B"])
def test_the_cpu_graph_stays_in_the_nchwc_layout(
    name: str, manifest: Manifest, tmp_path: Path
) -> None:
    """After the rewrite, ONNX Runtime's optimised graph has no PRelu and no
    layout reorders between convolutions (only the one at the very end)."""
    import collections

    import onnx

    spec = manifest.get(name)
    network = randomize_weights(build_network(spec.arch, spec.arch_params), seed=3)
    counts = {}
    for rewrite in (False, True):
        path = tmp_path / f"{name}-{rewrite}.onnx"
        export_onnx(network, path, metadata={}, cpu_rewrite=rewrite)
        options = ort.SessionOptions()
        options.optimized_model_filepath = str(tmp_path / f"optimised-{rewrite}.onnx")
        options.log_severity_level = 3
        ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        optimised = onnx.load(options.optimized_model_filepath)
        counts[rewrite] = collections.Counter(node.op_type for node in optimised.graph.node)
        assert parity_max_abs_error(network, path) < 1e-4
    print(f"{name}: before {dict(counts[False])}, after {dict(counts[True])}")
    assert counts[False]["ReorderOutput"] > 10, "the problem exists without the rewrite"
    assert counts[True]["ReorderOutput"] + counts[True]["ReorderInput"] <= 2
    assert counts[True]["PRelu"] == 0


def test_prelu_with_any_slope_becomes_one_relu_pass_and_an_add(
    manifest: Manifest, tmp_path: Path
) -> None:
    """Slopes below 0, between 0 and 1, exactly 1 and above 1 (the official
    animevideov3 has them all): each PRelu becomes one depthwise convolution
    with a Relu and an Add, the result unchanged."""
    import collections

    import onnx

    spec = manifest.get(ANIME)
    network = randomize_weights(build_network(spec.arch, spec.arch_params), seed=4)
    layers = [layer for layer in network.modules() if isinstance(layer, torch.nn.PReLU)]
    generator = torch.Generator().manual_seed(5)
    with torch.no_grad():
        for layer in layers:
            slopes = torch.linspace(-1.5, 2.0, layer.weight.numel())
            slopes[0] = 1.0
            layer.weight.copy_(slopes[torch.randperm(slopes.numel(), generator=generator)])
    path = tmp_path / "slopes.onnx"
    export_onnx(network, path, metadata={})
    graph = onnx.load(str(path)).graph
    ops = collections.Counter(node.op_type for node in graph.node)
    depthwise = [
        node for node in graph.node
        if node.op_type == "Conv" and any(a.name == "group" and a.i > 1 for a in node.attribute)
    ]  # fmt: skip
    assert ops["PRelu"] == 0
    assert len(depthwise) == len(layers)  # one pass per layer, not two
    assert ops["Relu"] == len(layers)
    assert parity_max_abs_error(network, path, sizes=((40, 36), (17, 53))) < 1e-4


def test_prelu_whose_neighbours_are_not_convolutions_keeps_the_general_form(
    tmp_path: Path,
) -> None:
    """A slope above 1 needs the sign folded into the convolutions on both
    sides; with none there, the two-pass form is used, and is still exact."""
    from onnx import TensorProto, helper, numpy_helper

    from upscaler_worker.export.cpu_graph import rewrite_for_nchwc

    slopes = np.array([-0.5, 0.25, 1.0, 1.75], np.float32).reshape(4, 1, 1)
    graph = helper.make_graph(
        [helper.make_node("PRelu", ["x", "slope"], ["y"], name="prelu")],
        "bare-prelu",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4, 5, 6])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4, 5, 6])],
        [numpy_helper.from_array(slopes, "slope")],
    )
    # IR 10 (ONNX 1.15): what every onnxruntime build here reads; the newest onnx
    # writes a newer IR than the OpenVINO build of onnxruntime accepts.
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=10)
    rewritten = rewrite_for_nchwc(model)
    assert [node.op_type for node in rewritten.graph.node] == ["Conv", "Relu", "Conv", "Add"]
    sample = np.random.default_rng(0).standard_normal((1, 4, 5, 6)).astype(np.float32)
    expected = np.where(sample > 0, sample, sample * slopes)
    session = ort.InferenceSession(
        rewritten.SerializeToString(), providers=["CPUExecutionProvider"]
    )
    (actual,) = session.run(None, {"x": sample})
    np.testing.assert_allclose(actual, expected, rtol=0, atol=1e-6)


def test_prelu_on_the_graph_input_keeps_the_general_form(tmp_path: Path) -> None:
    """No convolution makes z (it is the graph's input), so a slope above 1
    cannot be folded into one: the two-pass form, still exact."""
    from onnx import TensorProto, helper, numpy_helper

    from upscaler_worker.export.cpu_graph import rewrite_for_nchwc

    slopes = np.array([0.5, 1.5], np.float32).reshape(2, 1, 1)
    weight = np.random.default_rng(1).standard_normal((2, 2, 1, 1)).astype(np.float32)
    graph = helper.make_graph(
        [
            helper.make_node("PRelu", ["x", "slope"], ["p"], name="prelu"),
            helper.make_node("Conv", ["p", "w"], ["y"], name="conv", kernel_shape=[1, 1]),
        ],
        "prelu-on-input",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2, 4, 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 2, 4, 4])],
        [numpy_helper.from_array(slopes, "slope"), numpy_helper.from_array(weight, "w")],
    )
    # IR 10 (ONNX 1.15): what every onnxruntime build here reads; the newest onnx
    # writes a newer IR than the OpenVINO build of onnxruntime accepts.
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=10)
    rewritten = rewrite_for_nchwc(model)
    ops = [node.op_type for node in rewritten.graph.node]
    assert ops == ["Conv", "Relu", "Conv", "Add", "Conv"]
    sample = np.random.default_rng(0).standard_normal((1, 2, 4, 4)).astype(np.float32)
    prelu = np.where(sample > 0, sample, sample * slopes)
    expected = np.einsum("oi,bihw->bohw", weight[:, :, 0, 0], prelu)
    session = ort.InferenceSession(
        rewritten.SerializeToString(), providers=["CPUExecutionProvider"]
    )
    (actual,) = session.run(None, {"x": sample})
    np.testing.assert_allclose(actual, expected, rtol=0, atol=1e-5)
