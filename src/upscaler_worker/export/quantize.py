"""An int8 (QDQ) copy of an installed model, calibrated on sample images.

``upscaler-models --int8 [--calibration DIR]`` writes ``<name>.int8.onnx``
beside each base model; the worker then offers it as the ``cpu-int8`` and
``openvino-int8`` engine paths, and the quality floor decides (see
``inference.path_choice``). It is not made by default: on the Real-ESRGAN
models int8 lands near 33 dB against fp32 on photos (measured on the shared
faces, x4fast), far below the 45 dB floor, so a copy would only cost the
worker time at start measuring a path it never chooses.

Nor does keeping part of the model in float help. x4fast, 128² crops of six
shared photos, only the convolutions quantized (from the graph as exported,
PRelu left in float): all 34 give 31-40 dB whatever the calibration (MinMax,
Entropy, 99.999th percentile); the first and last left in float, 31-39 dB;
any *single* convolution quantized alone already costs 45-52 dB (the
second-last 43-46), so the error is spread over every layer and no subset
worth running in int8 stays above the floor. The speed was there: OpenVINO
ran the all-int8 copy at 512² in 0.92 s against 1.60 s in bf16 (AVX-512 VNNI,
Zen 4, 2026-12-07).

Calibration: activations are ranged (MinMax) over centre crops of the images
in ``--calibration`` (PNG/JPEG/WebP/TIFF), or over the worker's synthetic
probes when no directory is given. Weights are per-channel int8, activations
uint8: the layout MLAS and OpenVINO both have VNNI/AMX int8 kernels for.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import onnx

from upscaler_worker.inference.engine_paths import int8_file
from upscaler_worker.inference.path_choice import probe_images

log = logging.getLogger(__name__)

CALIBRATION_SIDE = 96
CALIBRATION_IMAGES = 8
_SUFFIXES = {".png", ".jpg", ".jpeg", ".webp", ".tif", ".tiff"}


def calibration_batches(directory: Path | None, side: int, multiple: int) -> list[np.ndarray]:
    """NCHW float32 RGB crops in 0..1 for calibration, at most CALIBRATION_IMAGES."""
    side = max(multiple, side - side % multiple)
    if directory is None:
        return probe_images(side, count=4)
    batches: list[np.ndarray] = []
    for file in sorted(directory.rglob("*")):
        if file.suffix.lower() not in _SUFFIXES or len(batches) >= CALIBRATION_IMAGES:
            continue
        image = cv2.imread(str(file), cv2.IMREAD_COLOR)
        if image is None or min(image.shape[:2]) < side:
            continue
        top, left = (image.shape[0] - side) // 2, (image.shape[1] - side) // 2
        crop = image[top : top + side, left : left + side, ::-1].astype(np.float32) / 255.0
        batches.append(np.ascontiguousarray(crop.transpose(2, 0, 1)[None]))
    return batches or probe_images(side, count=4)


class _Feeds:
    """onnxruntime.quantization's CalibrationDataReader protocol."""

    def __init__(self, name: str, batches: list[np.ndarray]) -> None:
        self._items: Iterator[dict[str, np.ndarray]] = iter({name: b} for b in batches)

    def get_next(self) -> dict[str, np.ndarray] | None:
        return next(self._items, None)

    def rewind(self) -> None:  # pragma: no cover - the calibrator reads once
        pass


def quantize_int8(model_path: Path, calibration: Path | None = None) -> Path:
    """Write the model's int8 copy beside it (replacing any older one)."""
    from onnxruntime.quantization import (
        CalibrationMethod,
        QuantFormat,
        QuantType,
        quantize_static,
    )
    from onnxruntime.quantization.shape_inference import quant_pre_process

    model = onnx.load(str(model_path))
    metadata = {entry.key: entry.value for entry in model.metadata_props}
    multiple = int(metadata.get("upscaler.input_multiple", 1))
    name = model.graph.input[0].name
    batches = calibration_batches(calibration, CALIBRATION_SIDE, multiple)
    target = int8_file(model_path)
    with tempfile.TemporaryDirectory(dir=model_path.parent) as scratch:
        prepared = Path(scratch) / "prepared.onnx"
        quantized = Path(scratch) / "int8.onnx"
        quant_pre_process(str(model_path), str(prepared), skip_symbolic_shape=True)
        quantize_static(
            str(prepared),
            str(quantized),
            _Feeds(name, batches),
            quant_format=QuantFormat.QDQ,
            activation_type=QuantType.QUInt8,
            weight_type=QuantType.QInt8,
            per_channel=True,
            calibrate_method=CalibrationMethod.MinMax,
        )
        result = onnx.load(str(quantized))
        del result.metadata_props[:]
        for key, value in sorted((metadata | {"upscaler.precision": "int8"}).items()):
            entry = result.metadata_props.add()
            entry.key, entry.value = key, value
        partial = target.with_suffix(f".{os.getpid()}.tmp")
        onnx.save(result, str(partial))
        partial.replace(target)
    log.info("wrote %s (%d calibration crops)", target.name, len(batches))
    return target
