"""Handing freed heap memory back to the system once a model has loaded.

Loading a model is the process's most wasteful moment: the ONNX file is
parsed, an RRDBNet is cut into body and tail and each part serialised, and
ONNX Runtime and OpenVINO each build copies of the weights on the way to
their compiled form. Most of that is freed once the sessions exist, but glibc
keeps freed pages in the middle of its heap resident (only the heap's top is
given back by ``free``), and the tiles' large buffers are mapped apart
(``mmap``), so they never reuse those pages. ``malloc_trim(0)`` returns every
whole free page.

Measured on a Zen 4 VM (2 cores, 2026-12-07), RealESRGAN_x4plus:
- resident after loading on openvino-bf16: 523 MiB, 334 after the trim
  (cpu-fp32: 351 → 257; anime_6B 267 → 202 and 177 → 154);
- peak of upscaling a photo on openvino-bf16 (``bench.rss``, a fresh
  process; the target is twice the output plus 1 GiB): 2000x1500 1.365 →
  1.292 GiB (target 1.268), 4000x3000 2.040 GiB after (target 2.073).
"""

from __future__ import annotations

import ctypes

from upscaler_worker.inference import libc


def release_free_heap() -> bool:
    """Give the heap's free pages back to the system. False where the C
    library cannot (then nothing was done)."""
    trim = libc.function("malloc_trim", (ctypes.c_size_t,), ctypes.c_int)
    if trim is None:
        return False
    trim(0)
    return True
