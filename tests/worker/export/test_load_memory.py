"""Loading a model hands back what parsing, splitting and compiling freed,
and what the runner it pushed out of the cache held: right after
``ModelRunner.load`` there is no free heap left for a trim to return (an
RRDBNet left 23-65 MiB of it on anime_6B, 94-189 MiB on x4plus)."""

from __future__ import annotations

from pathlib import Path

import onnxruntime as ort
import pytest

from tests.worker.export.support import random_export
from upscaler_worker.export.manifest import Manifest
from upscaler_worker.inference import ModelRunner
from upscaler_worker.inference.engine_paths import CPU_FP32, OPENVINO, OPENVINO_FP32, EnginePath
from upscaler_worker.inference.heap import release_free_heap
from upscaler_worker.inference.runtime import RUNNER_CACHE_SIZE
from upscaler_worker.lifecycle import resident_bytes

pytestmark = pytest.mark.export

MIB = 1 << 20
ENGINES = [CPU_FP32] + ([OPENVINO_FP32] if OPENVINO in ort.get_available_providers() else [])


@pytest.mark.parametrize("engine", ENGINES, ids=[engine.key for engine in ENGINES])
def test_loading_a_model_leaves_no_free_heap_behind(
    engine: EnginePath, manifest: Manifest, tmp_path: Path
) -> None:
    if not release_free_heap():
        pytest.skip("this C library has no malloc_trim")
    path = random_export("RealESRGAN_x4plus_anime_6B", manifest, tmp_path)
    # A full cache of other runners (thread counts are part of the key), so
    # the measured load pushes the first of them out.
    for threads in range(2, 2 + RUNNER_CACHE_SIZE):
        ModelRunner.load(path, intra_op_threads=threads, engine=engine)
    runner = ModelRunner.load(path, intra_op_threads=1, engine=engine)
    loaded = resident_bytes()
    release_free_heap()
    trimmed = resident_bytes()
    assert loaded is not None and trimmed is not None
    assert loaded - trimmed < 8 * MIB
    assert runner.tail is not None  # the split path: the most it frees
