"""Freed heap pages go back to the system when asked (glibc's malloc_trim)."""

from __future__ import annotations

import pytest

from upscaler_worker.inference.heap import release_free_heap
from upscaler_worker.lifecycle import resident_bytes

MIB = 1 << 20


def test_free_pages_between_live_blocks_go_back_to_the_system() -> None:
    if not release_free_heap():
        pytest.skip("this C library has no malloc_trim")
    # 160 MiB in 4 KiB blocks: under glibc's mmap threshold, so on its heap.
    blocks = [bytearray(4096) for _ in range(40_000)]
    kept = blocks[::16]  # live blocks pin the heap: free() alone cannot shrink it
    del blocks
    before = resident_bytes()
    assert release_free_heap()
    after = resident_bytes()
    assert before is not None and after is not None
    assert before - after > 80 * MIB
    assert all(len(block) == 4096 for block in kept)
