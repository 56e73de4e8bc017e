"""The ncnn runtime as a contender: the engine Upscayl and Real-ESRGAN-ncnn-vulkan
use, here on the CPU (PyPI ``ncnn``) with its default options, which are its
fast ones (Winograd and sgemm convolutions, packed layouts, fp16 storage where
the CPU has F16C), and the same thread count as every other contender."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

#: The options the runner reports (all left at ncnn's defaults but threads).
REPORTED_OPTIONS = (
    "use_winograd_convolution",
    "use_sgemm_convolution",
    "use_packing_layout",
    "use_fp16_storage",
    "use_fp16_arithmetic",
    "use_bf16_storage",
    "use_vulkan_compute",
)


@dataclass
class NcnnRunner:
    net: Any
    input_blob: str
    output_blob: str
    threads: int
    version: str

    @classmethod
    def load(cls, param: Path, weights: Path, threads: int, *, fp32: bool = False) -> NcnnRunner:
        """``fp32``: no fp16/bf16 storage or arithmetic (ncnn's defaults use
        fp16 storage where the CPU has F16C): the same precision as ORT fp32."""
        import ncnn

        from upscaler.catalog.ncnn_format import load_ncnn

        graph = load_ncnn(param, weights).graph
        net = ncnn.Net()
        net.opt.use_vulkan_compute = False  # CPU: the machine the other contenders run on
        net.opt.num_threads = threads
        if fp32:
            for name in ("use_fp16_packed", "use_fp16_storage", "use_fp16_arithmetic",
                         "use_bf16_storage"):  # fmt: skip
                setattr(net.opt, name, False)
        if net.load_param(str(param)) != 0 or net.load_model(str(weights)) != 0:
            raise RuntimeError(f"ncnn could not load {param.name}")
        version = str(getattr(ncnn, "__version__", "?"))
        return cls(net, graph.input_blob, graph.output_blob, threads, version)

    def run(self, batch: np.ndarray) -> np.ndarray:
        """NCHW float32 RGB 0..1 in, NCHW float32 out (one extractor per image,
        as realesrgan-ncnn-vulkan runs one per tile)."""
        import ncnn

        outputs = []
        for image in batch:
            with self.net.create_extractor() as extractor:
                extractor.input(self.input_blob, ncnn.Mat(np.ascontiguousarray(image)))
                status, output = extractor.extract(self.output_blob)
                if status != 0:
                    raise RuntimeError(f"ncnn failed (status {status})")
                outputs.append(np.array(output, copy=False))
        return np.stack(outputs)

    def describe(self) -> str:
        options = ", ".join(f"{name}={getattr(self.net.opt, name)}" for name in REPORTED_OPTIONS)
        return f"ncnn {self.version} CPU, {self.threads} threads, defaults ({options})"
