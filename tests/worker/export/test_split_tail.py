"""The split RRDBNet's tail runs where its body runs: its input has a known
rank, so OpenVINO takes the whole tail instead of leaving it to ONNX
Runtime's CPU provider in fp32 (which cost a third of x4plus's time on an
AMX Xeon)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest

from tests.worker.export.support import random_export
from upscaler_worker.export.manifest import Manifest
from upscaler_worker.inference import ModelRunner
from upscaler_worker.inference.engine_paths import OPENVINO, OPENVINO_FP32, openvino_options
from upscaler_worker.inference.providers import session_options
from upscaler_worker.inference.split import split_rrdbnet

pytestmark = pytest.mark.export

needs_openvino = pytest.mark.skipif(
    OPENVINO not in ort.get_available_providers(), reason="needs onnxruntime-openvino"
)


@pytest.mark.parametrize(
    ("name", "features"),
    # x2plus runs its body at half the input's size (pixel unshuffle first).
    [("RealESRGAN_x4plus_anime_6B", 64), ("RealESRGAN_x2plus", 64)],
)
def test_the_tail_takes_nchw_features_of_the_body_channels(
    name: str, features: int, manifest: Manifest, tmp_path: Path
) -> None:
    graphs = split_rrdbnet(random_export(name, manifest, tmp_path))
    assert graphs is not None
    (tail_input,) = onnx.load_from_string(graphs.tail).graph.input
    dims = tail_input.type.tensor_type.shape.dim
    assert [d.dim_value or d.dim_param for d in dims] == [
        1,
        features,
        "feature_height",
        "feature_width",
    ]
    # Its own names: the body's output is not the input's size on every model.
    body_output = onnx.load_from_string(graphs.body).graph.output[0]
    assert body_output.name == tail_input.name == graphs.boundary


@needs_openvino
def test_openvino_runs_the_whole_tail(manifest: Manifest, tmp_path: Path) -> None:
    name = "RealESRGAN_x4plus_anime_6B"
    path = random_export(name, manifest, tmp_path)
    graphs = split_rrdbnet(tmp_path / f"{name}.openvino.onnx")
    assert graphs is not None
    options = session_options(1, gpu=False)
    options.enable_profiling = True
    options.profile_file_prefix = str(tmp_path / "tail")
    session = ort.InferenceSession(
        graphs.tail,
        sess_options=options,
        providers=[(OPENVINO, openvino_options(OPENVINO_FP32, 1, None)), "CPUExecutionProvider"],
    )
    features = np.random.default_rng(0).random((1, 64, 6, 10), dtype=np.float32)
    (upscaled,) = session.run(None, {session.get_inputs()[0].name: features})
    assert upscaled.shape == (1, 3, 24, 40)
    events = json.loads(Path(session.end_profiling()).read_text())
    providers = {event["args"]["provider"] for event in events if event.get("cat") == "Node"}
    assert providers == {OPENVINO}

    # And the split runner on OpenVINO gives what the whole graph gives on
    # ONNX Runtime (fp32 both: OpenVINO's own kernels, so not to the bit).
    split = ModelRunner.load(path, intra_op_threads=1, engine=OPENVINO_FP32)
    assert split.tail is not None and split.provider == OPENVINO
    whole = ModelRunner.load(path, intra_op_threads=1, split=False)
    batch = np.random.default_rng(1).random((1, 3, 20, 24), dtype=np.float32)
    expected = whole.run(batch)
    assert float(expected.std()) > 0.01
    assert float(np.abs(split.run(batch) - expected).max()) <= 1e-3
