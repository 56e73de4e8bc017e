"""Session and execution-provider settings, one place per provider."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import onnxruntime as ort

#: Largest tile side (input pixels, context included) a TensorRT profile covers.
TRT_MAX_SIDE = 1024
#: The tile side TensorRT tunes its kernels for.
TRT_OPT_SIDE = 512


def session_options(intra_op_threads: int, *, gpu: bool) -> ort.SessionOptions:
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    # One convolution at a time uses every core; a second inter-op pool would
    # only compete with it.
    options.inter_op_num_threads = 1
    options.intra_op_num_threads = 1 if gpu else intra_op_threads
    options.log_severity_level = 3
    if not gpu:
        # The memory pattern pre-plans one block per input shape and keeps it;
        # tiles come in a few shapes (border tiles), which doubled the peak
        # RSS of a 4000x3000 job. Without it the arena reuses one working set.
        options.enable_mem_pattern = False
        # Idle worker threads sleep instead of spinning: a worker shares the
        # machine (other jobs, the API), and spinning threads steal its cores.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return options


def provider_options(provider: str, model_path: Path) -> dict[str, Any]:
    cache = model_path.parent / "cache"
    if provider == "TensorrtExecutionProvider":
        engines = cache / "trt"
        engines.mkdir(parents=True, exist_ok=True)
        name = "input"
        return {
            "trt_fp16_enable": True,
            "trt_engine_cache_enable": True,
            "trt_engine_cache_path": str(engines),
            "trt_timing_cache_enable": True,
            "trt_timing_cache_path": str(engines),
            # One engine for every tile shape up to TRT_MAX_SIDE: a new image
            # size must not trigger a minutes-long engine build.
            "trt_profile_min_shapes": f"{name}:1x3x16x16",
            "trt_profile_opt_shapes": f"{name}:1x3x{TRT_OPT_SIDE}x{TRT_OPT_SIDE}",
            "trt_profile_max_shapes": f"{name}:1x3x{TRT_MAX_SIDE}x{TRT_MAX_SIDE}",
            "trt_max_workspace_size": 4 << 30,
        }
    if provider == "CUDAExecutionProvider":
        return {
            # EXHAUSTIVE benchmarks every algorithm for each new input shape
            # (seconds per new image size); the heuristic pick is near-optimal.
            "cudnn_conv_algo_search": "HEURISTIC",
            "cudnn_conv_use_max_workspace": "1",
            "do_copy_in_default_stream": True,
            "arena_extend_strategy": "kSameAsRequested",
        }
    return {}
