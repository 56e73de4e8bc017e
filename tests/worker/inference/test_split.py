"""Tail bands (inference/split.py): pure arithmetic, and the cut itself."""

from __future__ import annotations

import itertools

import pytest

from upscaler_worker.inference.split import (
    TAIL_BANDS,
    TAIL_CONTEXT,
    WHOLE_TAIL_ROWS,
    tail_bands,
)


@pytest.mark.parametrize("rows", [65, 128, 150, 257, 512, 1000])
def test_band_cores_partition_the_rows_with_clamped_context(rows: int) -> None:
    bands = tail_bands(rows)
    assert len(bands) == TAIL_BANDS
    assert bands[0].core_start == 0 and bands[-1].core_stop == rows
    for before, after in itertools.pairwise(bands):
        assert before.core_stop == after.core_start
    for band in bands:
        assert band.read_start == max(0, band.core_start - TAIL_CONTEXT)
        assert band.read_stop == min(rows, band.core_stop + TAIL_CONTEXT)
        assert band.core_stop > band.core_start


@pytest.mark.parametrize("rows", [1, 17, WHOLE_TAIL_ROWS])
def test_few_rows_run_whole(rows: int) -> None:
    (band,) = tail_bands(rows)
    assert (band.read_start, band.read_stop, band.core_start, band.core_stop) == (0, rows, 0, rows)


def test_bands_cost_little_context() -> None:
    """At 512 feature rows the tail reads 3 % more rows than it keeps."""
    read = sum(band.read_stop - band.read_start for band in tail_bands(512))
    assert read / 512 <= 1.03


def test_no_rows_is_an_error() -> None:
    with pytest.raises(ValueError, match="no feature rows"):
        tail_bands(0)
