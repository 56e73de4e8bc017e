"""Functions of the C library that Python's ``os`` does not bind (glibc's
``malloc_trim``, Linux's ``sync_file_range``), loaded on first use, never at
import: ``ctypes.util.find_library`` runs ``ldconfig`` to find the library."""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
from collections.abc import Callable
from typing import Any


@functools.cache
def _library() -> ctypes.CDLL | None:
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
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
