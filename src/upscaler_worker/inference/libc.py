"""Functions of the C library that Python's ``os`` does not bind (glibc's
``malloc_trim``, Linux's ``sync_file_range``), looked up on first use in the
C library the process already has loaded (``CDLL(None)``: no search for the
library's file, which ``ctypes.util.find_library`` makes by running ``ldconfig``)."""

from __future__ import annotations

import ctypes
import functools
from collections.abc import Callable
from typing import Any


@functools.cache
def _library() -> ctypes.CDLL | None:
    try:
        return ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None


@functools.cache
def function(name: str, argtypes: tuple[Any, ...], restype: Any) -> Callable[..., int] | None:
    """The C library's ``name`` with its signature set, or None where this C
    library has no such function (musl, macOS): callers then do without."""
    library = _library()
    found = getattr(library, name, None) if library is not None else None
    if found is None:
        return None
    found.argtypes = argtypes
    found.restype = restype
    call: Callable[..., int] = found
    return call
