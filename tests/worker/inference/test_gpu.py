"""GPU execution providers (TensorRT, CUDA). Skipped without a CUDA device
and onnxruntime-gpu; run on a GPU machine with `pytest -m gpu`."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest

from tests.worker.inference.support import psnr
from upscaler_worker.inference import ModelRunner, upscale_array
from upscaler_worker.inference.imageio import decode_image

pytestmark = [
    pytest.mark.gpu,
    pytest.mark.skipif(
        "CUDAExecutionProvider" not in ort.get_available_providers(),
        reason="needs onnxruntime-gpu and a CUDA device",
    ),
]


@pytest.fixture(scope="module")
def gpu_runner(anime_onnx: Path) -> ModelRunner:
    ModelRunner.clear_cache()
    return ModelRunner.load(anime_onnx)


def test_a_gpu_provider_is_chosen_with_half_precision(gpu_runner: ModelRunner) -> None:
    assert gpu_runner.provider in ("TensorrtExecutionProvider", "CUDAExecutionProvider")
    assert gpu_runner.fp16


def test_gpu_result_matches_the_cpu_one(
    gpu_runner: ModelRunner, images: Path, anime_onnx: Path
) -> None:
    cpu = ModelRunner.load(anime_onnx, providers=["CPUExecutionProvider"])
    color = decode_image(images / "0014.jpg").color
    on_gpu = upscale_array(color, None, gpu_runner).color
    on_cpu = upscale_array(color, None, cpu).color
    assert psnr(on_gpu, on_cpu) >= 40.0, "fp16 stays within a fraction of an 8-bit level"


def test_a_new_image_size_does_not_trigger_a_long_search(gpu_runner: ModelRunner) -> None:
    gpu_runner.run(np.zeros((1, 3, 64, 64), np.float32))
    for height, width in ((200, 136), (333, 517), (96, 480)):
        batch = np.random.default_rng(0).random((1, 3, height, width), dtype=np.float32)
        started = time.monotonic()
        gpu_runner.run(batch)
        assert time.monotonic() - started < 2.0, (
            f"{width}x{height} took a search or an engine build"
        )
