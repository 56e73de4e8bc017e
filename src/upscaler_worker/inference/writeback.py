"""Start writing a finished file to disk without waiting for it.

A result is made durable later (local storage fsyncs it before the job is
marked completed). Linux's ``sync_file_range(SYNC_FILE_RANGE_WRITE)`` starts
the writeback at once and returns: the preview is made meanwhile, and the
fsync then finds the data written. Measured on a 5.2 MB file with 4 ms of
other work between (ext4 on a KVM disk): fsync 2.2 ms -> 0.2 ms; the call
itself takes about 0.1 ms. Python's ``os`` has no binding for it, so it comes
from the C library; where there is none (not Linux) this does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
from collections.abc import Callable

log = logging.getLogger(__name__)

#: <fcntl.h>: start writeback of the range's dirty pages, do not wait.
SYNC_FILE_RANGE_WRITE = 2


def _sync_file_range() -> Callable[[int, int, int, int], int] | None:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        function = ctypes.CDLL(name, use_errno=True).sync_file_range
    except (OSError, AttributeError):  # not Linux
        return None
    function.argtypes = (ctypes.c_int, ctypes.c_longlong, ctypes.c_longlong, ctypes.c_uint)
    function.restype = ctypes.c_int
    call: Callable[[int, int, int, int], int] = function
    return call


_SYNC_FILE_RANGE = _sync_file_range()


def start_writeback(descriptor: int) -> bool:
    """Ask the kernel to start writing the file's dirty pages; True if it
    was asked. Never raises: this is a hint, the fsync that follows is what
    makes the file durable."""
    if _SYNC_FILE_RANGE is None:
        return False
    if _SYNC_FILE_RANGE(descriptor, 0, 0, SYNC_FILE_RANGE_WRITE) != 0:
        log.debug("sync_file_range failed (errno %d)", ctypes.get_errno())
        return False
    return True
