"""Checking an export against the ncnn runtime itself: an implementation that
shares no code with ours (PyPI ``ncnn``, CPU, fp32 arithmetic).

An ncnn-sourced model is installed only if ONNX Runtime running our export
and ncnn running the original files agree on a probe image to at least
``MIN_PSNR_DB``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnxruntime as ort

from upscaler_worker.export.onnx_export import INPUT_NAME, OUTPUT_NAME

#: Below this the two outputs differ visibly somewhere; fp32 runs of the same
#: weights agree at 80-100 dB, fp16 rounding of the weights costs ~60 dB.
MIN_PSNR_DB = 50.0
#: A probe big enough for every kind of structure, small enough that a
#: 23-block RRDBNet runs it in about a second on each runtime.
PROBE_SIDE = 64


class ParityError(Exception):
    """The export and the ncnn runtime disagree, or ncnn cannot run the model."""


@dataclass(frozen=True)
class Parity:
    psnr_db: float
    max_abs_error: float
    probe: tuple[int, int]

    def as_dict(self) -> dict[str, object]:
        return {
            "psnr_db": round(self.psnr_db, 2),
            "max_abs_error": self.max_abs_error,
            "probe": list(self.probe),
            "reference": "ncnn runtime (CPU, fp32)",
        }


def probe_image(height: int = PROBE_SIDE, width: int = PROBE_SIDE, seed: int = 0) -> np.ndarray:
    """A CHW float32 RGB image in 0..1 with what photos have: smooth gradients,
    fine stripes, a hard-edged disc and a little noise (seeded, so every run
    and every machine probes with the same picture)."""
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    y, x = y / max(1, height - 1), x / max(1, width - 1)
    disc = ((x - 0.6) ** 2 + (y - 0.4) ** 2 < 0.08).astype(np.float32)
    stripes = 0.5 + 0.5 * np.sin(40.0 * x + 10.0 * y)
    noise = np.random.default_rng(seed).normal(0.0, 0.03, (3, height, width))
    image = np.stack(
        [0.6 * x + 0.4 * disc, 0.5 * stripes * (1 - disc) + 0.3 * y, 0.8 * (1 - y) * (1 - disc)]
    )
    return np.clip(image + noise, 0.0, 1.0).astype(np.float32)


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    """PSNR in dB of two images in 0..1 (clipped, as they would be saved)."""
    mse = float(np.mean((np.clip(a, 0, 1).astype(np.float64) - np.clip(b, 0, 1)) ** 2))
    return math.inf if mse == 0 else 10.0 * math.log10(1.0 / mse)


def run_ncnn(
    param: Path, weights: Path, image: np.ndarray, input_blob: str, output_blob: str
) -> np.ndarray:
    """The ncnn runtime's output (CHW float32) for a CHW float32 image."""
    try:
        import ncnn
    except ImportError as error:
        raise ParityError(
            "the ncnn package is needed to check ncnn models (export extra)"
        ) from error
    net = ncnn.Net()
    # fp32 everywhere: the reference must not add its own rounding.
    net.opt.use_vulkan_compute = False
    net.opt.use_fp16_packed = False
    net.opt.use_fp16_storage = False
    net.opt.use_fp16_arithmetic = False
    net.opt.use_bf16_storage = False
    net.opt.num_threads = 2
    try:
        if net.load_param(str(param)) != 0 or net.load_model(str(weights)) != 0:
            raise ParityError("the ncnn runtime refused to load the model")
        with net.create_extractor() as extractor:
            extractor.input(input_blob, ncnn.Mat(np.ascontiguousarray(image)))
            status, output = extractor.extract(output_blob)
            if status != 0:
                raise ParityError(f"the ncnn runtime failed on the probe (status {status})")
            return np.array(output, dtype=np.float32, copy=True)
    finally:
        net.clear()


def run_onnx(path: Path, image: np.ndarray) -> np.ndarray:
    options = ort.SessionOptions()
    options.log_severity_level = 3
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    (output,) = session.run([OUTPUT_NAME], {INPUT_NAME: image[np.newaxis]})
    return np.asarray(output[0], dtype=np.float32)


def check_against_ncnn(
    onnx_path: Path,
    param: Path,
    weights: Path,
    *,
    input_blob: str,
    output_blob: str,
    min_psnr_db: float = MIN_PSNR_DB,
) -> Parity:
    image = probe_image()
    expected = run_ncnn(param, weights, image, input_blob, output_blob)
    actual = run_onnx(onnx_path, image)
    if expected.shape != actual.shape:
        raise ParityError(f"ncnn gives {expected.shape}, the export {actual.shape}")
    parity = Parity(
        psnr_db=psnr(actual, expected),
        max_abs_error=float(np.abs(actual - expected).max()),
        probe=(image.shape[1], image.shape[2]),
    )
    if not parity.psnr_db >= min_psnr_db:
        raise ParityError(
            f"the export differs from the ncnn runtime: PSNR {parity.psnr_db:.1f} dB "
            f"(< {min_psnr_db:g}), max abs error {parity.max_abs_error:.3g}"
        )
    return parity
