"""The writeback hint: asked for on Linux, harmless where it cannot be, and
given for every result the engine finishes, whatever its format."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from upscaler_worker.inference import ModelRunner, UpscaleOptions, upscale_file, writeback


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


@pytest.mark.parametrize("output_format", ["png", "jpg"])
def test_every_finished_result_is_hinted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, runner: ModelRunner, output_format: str
) -> None:
    hinted: list[int] = []

    def record(descriptor: int) -> bool:
        # Called with everything written: the file already has its last byte.
        hinted.append(os.fstat(descriptor).st_size)
        return True

    monkeypatch.setattr(writeback, "start_writeback", record)
    source = tmp_path / "in.png"
    cv2.imwrite(str(source), np.zeros((24, 32, 3), np.uint8))
    output = tmp_path / "out"
    upscale_file(source, output, runner, UpscaleOptions(outscale=2, output_format=output_format))
    assert hinted == [output.stat().st_size]
