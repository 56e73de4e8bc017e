"""Provider choice and settings, and the installed-model record."""

from __future__ import annotations

import json
from pathlib import Path

import onnxruntime as ort

from upscaler_worker.inference import InstalledModel, best_installed, read_installed
from upscaler_worker.inference.installed import write_installed
from upscaler_worker.inference.providers import provider_options, session_options
from upscaler_worker.inference.runtime import available_providers, physical_cores


def test_providers_are_tried_in_priority_order_with_cpu_last() -> None:
    chosen = available_providers()
    assert chosen[-1] == "CPUExecutionProvider"
    order = ["TensorrtExecutionProvider", "CUDAExecutionProvider", "CPUExecutionProvider"]
    assert chosen == [name for name in order if name in ort.get_available_providers()]
    assert available_providers(["CUDAExecutionProvider"])[-1] == "CPUExecutionProvider"


def test_cpu_settings() -> None:
    options = session_options(physical_cores(), gpu=False)
    assert options.graph_optimization_level == ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    assert options.intra_op_num_threads == physical_cores() >= 1
    assert options.inter_op_num_threads == 1


def test_gpu_settings_never_search_long_and_cache_on_disk(tmp_path: Path) -> None:
    model = tmp_path / "m.onnx"
    cuda = provider_options("CUDAExecutionProvider", model)
    assert cuda["cudnn_conv_algo_search"] == "HEURISTIC"
    trt = provider_options("TensorrtExecutionProvider", model)
    assert trt["trt_fp16_enable"] is True
    assert trt["trt_engine_cache_enable"] is True
    assert Path(trt["trt_engine_cache_path"]).is_dir()
    # One dynamic profile covering every tile, so a new image size reuses the engine.
    assert trt["trt_profile_min_shapes"].startswith("input:1x3x")
    assert trt["trt_profile_max_shapes"] == "input:1x3x1024x1024"
    assert provider_options("CPUExecutionProvider", model) == {}


def test_installed_record_round_trip(tmp_path: Path) -> None:
    (tmp_path / "a.onnx").write_bytes(b"x")
    (tmp_path / "b.onnx").write_bytes(b"x")
    models = [
        InstalledModel(
            name="a",
            file="a.onnx",
            scale=4,
            arch="SRVGGNetCompact",
            arch_params={},
            quality_rank=10,
            presets=("art",),
        ),
        InstalledModel(
            name="b",
            file="b.onnx",
            scale=2,
            arch="RRDBNet",
            arch_params={"scale": 2},
            quality_rank=50,
        ),
        InstalledModel(
            name="gone", file="gone.onnx", scale=4, arch="RRDBNet", arch_params={}, quality_rank=99
        ),
    ]
    write_installed(tmp_path, models)
    raw = json.loads((tmp_path / "installed.json").read_text())
    assert raw["format"] == 1 and len(raw["models"]) == 3
    present = read_installed(tmp_path)
    assert [m.name for m in present] == ["b", "a"], "best first; a missing file is left out"
    assert len(read_installed(tmp_path, only_present=False)) == 3
    assert present[1].presets == ("art",) and present[0].size_bytes == 0
    assert best_installed(present, "art").name == "a"  # type: ignore[union-attr]
    assert best_installed(present, "photo").name == "b"  # type: ignore[union-attr]
    assert read_installed(tmp_path / "nowhere") == []
