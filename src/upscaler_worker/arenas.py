"""One malloc arena for a worker process (glibc), set before any thread starts.

glibc gives each new thread a heap of its own ("arena"), up to eight per core.
A job's steps run on whichever thread of a pool is free (the model on one,
the PNG bands on others, the next job's model on yet another), so the large
buffers one job frees sit in arenas the next job's threads do not allocate
from: every job faulted in and zeroed fresh pages again. In the embedded
service (realesr-animevideov3, 512x512 at 4x, an AMX Xeon with 2 cores) that
was about 2,000 page faults a job; with one arena, 55. Paired jobs on two
services side by side (30-40 pairs a run), one arena against the default:
animevideov3 -18.5 ms median per job of about 0.4 s, x4fast -23.8 ms of
about 0.6 s, the model's run and the encode being where it went (one more
animevideov3 run showed no difference: this VM's noise is of that size).

The arena count is fixed when threads first allocate, and importing numpy,
OpenCV or ONNX Runtime starts threads: so this runs where the worker's
commands are imported (``upscaler_worker.entrypoints``), before any of them.
An operator's own ``MALLOC_ARENA_MAX`` is left as it is.
"""

from __future__ import annotations

import ctypes
import os

#: glibc's mallopt parameter for the most arenas (malloc.h's M_ARENA_MAX).
M_ARENA_MAX = -8
ENVIRONMENT_VARIABLE = "MALLOC_ARENA_MAX"


def use_one_arena() -> bool:
    """Every thread of this process allocates from one arena from now on.
    False where nothing was changed: the operator chose a count, or the C
    library has no ``mallopt`` (musl, macOS)."""
    if os.environ.get(ENVIRONMENT_VARIABLE):
        return False
    # Looked up here, not through inference/libc.py: importing the inference
    # package loads ONNX Runtime and OpenCV, whose threads would come first.
    try:
        mallopt = ctypes.CDLL(None).mallopt  # the process's own C library
    except (AttributeError, OSError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    return bool(mallopt(M_ARENA_MAX, 1))


def one_arena_environment() -> dict[str, str]:
    """This process's environment for a child that should allocate as a
    worker does (the benchmarks' memory and timing children), whatever it imports first."""
    return {ENVIRONMENT_VARIABLE: "1", **os.environ}
