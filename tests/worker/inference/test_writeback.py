"""The writeback hint: asked for on Linux, harmless where it cannot be, and
given by the PNG writer for every result it finishes."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import pytest

from upscaler_worker.inference import png, writeback


@pytest.mark.skipif(sys.platform != "linux", reason="sync_file_range is Linux's")
def test_a_written_file_is_handed_to_the_disk_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "result"
    data = os.urandom(1 << 20)
    with path.open("wb") as out:
        out.write(data)
        out.flush()
        assert writeback.start_writeback(out.fileno()) is True
    assert path.read_bytes() == data


def test_a_descriptor_that_cannot_be_written_back_is_no_error() -> None:
    assert writeback.start_writeback(-1) is False
    read, write = os.pipe()  # a pipe has no pages to write back
    try:
        assert writeback.start_writeback(write) is False
    finally:
        os.close(read)
        os.close(write)


def test_the_png_writer_hints_its_finished_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hinted: list[int] = []

    def record(descriptor: int) -> bool:
        # Called with everything written: the file already has its last chunk.
        hinted.append(os.fstat(descriptor).st_size)
        return True

    monkeypatch.setattr(png, "start_writeback", record)
    path = tmp_path / "out.png"
    png.write_png(path, np.zeros((64, 48, 3), np.uint8))
    assert hinted == [path.stat().st_size]
    assert path.read_bytes().endswith(b"IEND\xaeB`\x82")
