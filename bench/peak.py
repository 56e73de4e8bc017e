"""The machine's measured fp32 matrix-multiply peak: the yardstick for GFLOP/s."""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from bench.timing import best_of


@dataclass(frozen=True)
class Peak:
    gflops: float
    numpy_gflops: float
    torch_gflops: float | None
    size: int


def measure_matmul_peak(threads: int, sizes: tuple[int, ...] = (2048, 3072)) -> Peak:
    """Best sgemm rate of numpy (OpenBLAS) and PyTorch (oneDNN/MKL) over a few
    square sizes, with the engine's thread count: the highest fp32 rate this
    machine demonstrably reaches, so a fraction of it is a fair efficiency."""
    rng = np.random.default_rng(0)
    best_numpy, best_torch, best_size = 0.0, 0.0, sizes[0]
    for n in sizes:
        a = rng.random((n, n), dtype=np.float32)
        b = rng.random((n, n), dtype=np.float32)
        rate = 2 * n**3 / best_of(functools.partial(np.matmul, a, b), repeats=3) / 1e9
        if rate > best_numpy:
            best_numpy, best_size = rate, n
        try:
            import torch
        except ImportError:
            continue
        torch.set_num_threads(threads)
        ta, tb = torch.from_numpy(a), torch.from_numpy(b)
        seconds = best_of(functools.partial(torch.matmul, ta, tb), repeats=3)
        best_torch = max(best_torch, 2 * n**3 / seconds / 1e9)
    torch_rate = best_torch or None
    return Peak(max(best_numpy, best_torch), best_numpy, torch_rate, best_size)
