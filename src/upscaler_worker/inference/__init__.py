"""The inference engine: pure compute (numpy, ONNX Runtime, OpenCV, Pillow).

No database, no web, no PyTorch. The worker pipeline is its only caller::

    runner = ModelRunner.load(onnx_path)
    options = UpscaleOptions(outscale=4, output_format="png")
    result = upscale_file(src, dst, runner, options, on_progress=..., deadline=...)
"""

from upscaler_worker.inference.errors import (
    ImageDecodeError,
    InferenceError,
    InferenceTimeout,
    UnsupportedImageError,
)
from upscaler_worker.inference.files import upscale_file
from upscaler_worker.inference.installed import (
    InstalledModel,
    best_installed,
    denoise_variant,
    read_installed,
)
from upscaler_worker.inference.runtime import ModelRunner
from upscaler_worker.inference.upscale import (
    UpscaledArrays,
    UpscaleOptions,
    UpscaleResult,
    upscale_array,
)

__all__ = [
    "ImageDecodeError",
    "InferenceError",
    "InferenceTimeout",
    "InstalledModel",
    "ModelRunner",
    "UnsupportedImageError",
    "UpscaleOptions",
    "UpscaleResult",
    "UpscaledArrays",
    "best_installed",
    "denoise_variant",
    "read_installed",
    "upscale_array",
    "upscale_file",
]
