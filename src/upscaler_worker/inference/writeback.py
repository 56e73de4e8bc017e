"""Start writing a finished file to disk without waiting for it.

A result is made durable later (local storage fsyncs it before the job is
marked completed). Linux's ``sync_file_range(SYNC_FILE_RANGE_WRITE)`` starts
the writeback at once and returns: the preview is made meanwhile, and the
fsync then finds the data written. Measured on a 5.2 MB file with 4 ms of
other work between (ext4 on a KVM disk): fsync 2.2 ms -> 0.2 ms; the call
itself takes about 0.1 ms. Python's ``os`` has no binding for it (see
libc.py); where the C library has none (not Linux) this does nothing.
"""

from __future__ import annotations

import ctypes
import logging
import os
from pathlib import Path

from upscaler_worker.inference import libc

log = logging.getLogger(__name__)

#: <fcntl.h>: start writeback of the range's dirty pages, do not wait.
SYNC_FILE_RANGE_WRITE = 2
_SIGNATURE = ((ctypes.c_int, ctypes.c_longlong, ctypes.c_longlong, ctypes.c_uint), ctypes.c_int)


def start_writeback(descriptor: int) -> bool:
    """Ask the kernel to start writing the file's dirty pages; True if it
    was asked. Never raises: this is a hint, the fsync that follows is what
    makes the file durable."""
    sync_file_range = libc.function("sync_file_range", *_SIGNATURE)
    if sync_file_range is None:
        return False
    if sync_file_range(descriptor, 0, 0, SYNC_FILE_RANGE_WRITE) != 0:
        log.debug("sync_file_range failed (errno %d)", ctypes.get_errno())
        return False
    return True


def start_file_writeback(path: Path) -> bool:
    """start_writeback for a file already closed (any descriptor of it will do)."""
    try:
        descriptor = os.open(path, os.O_RDONLY)
    except OSError:
        return False
    try:
        return start_writeback(descriptor)
    finally:
        os.close(descriptor)
