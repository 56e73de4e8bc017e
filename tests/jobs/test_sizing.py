"""Target sizes: the arithmetic from an input's size to the model pass and
the exact result."""

from __future__ import annotations

import pytest

from upscaler.contracts import Factor, Fit, PrintSize
from upscaler.sizing import SizeRequest, TargetTooLargeError, plan_target, print_pixels


@pytest.mark.parametrize(
    ("source", "asked", "fit", "result", "resize", "factor"),
    [
        # contain: inside the box, one side exact, aspect kept
        ((400, 300), (1000, 1000), Fit.CONTAIN, (1000, 750), (1000, 750), Factor.X4),
        ((300, 400), (1000, 1000), Fit.CONTAIN, (750, 1000), (750, 1000), Factor.X4),
        ((179, 179), (500, 300), Fit.CONTAIN, (300, 300), (300, 300), Factor.X2),
        ((228, 344), (800, 600), Fit.CONTAIN, (398, 600), (398, 600), Factor.X2),
        # cover: both sides exact, the overflow cropped
        ((400, 300), (1000, 1000), Fit.COVER, (1000, 1000), (1333, 1000), Factor.X4),
        ((179, 179), (500, 300), Fit.COVER, (500, 300), (500, 500), Factor.X4),
        ((228, 344), (800, 600), Fit.COVER, (800, 600), (800, 1207), Factor.X4),
        ((1000, 10), (1200, 40), Fit.COVER, (1200, 40), (4000, 40), Factor.X4),
    ],
)
def test_box_targets(
    source: tuple[int, int],
    asked: tuple[int, int],
    fit: Fit,
    result: tuple[int, int],
    resize: tuple[int, int],
    factor: Factor,
) -> None:
    chosen, target = plan_target(*source, SizeRequest(*asked, fit=fit))
    assert (target.width, target.height) == result
    assert (target.resize_width, target.resize_height) == resize
    assert chosen == factor


def test_one_side_keeps_the_aspect() -> None:
    factor, target = plan_target(256, 171, SizeRequest(width=500))
    assert (target.width, target.height) == (500, 334) and factor == Factor.X2
    factor, target = plan_target(256, 171, SizeRequest(height=600))
    assert (target.width, target.height) == (898, 600) and factor == Factor.X4


def test_a_smaller_target_still_runs_the_model_then_shrinks() -> None:
    factor, target = plan_target(2000, 1000, SizeRequest(width=1000))
    assert (target.width, target.height, factor) == (1000, 500, Factor.X2)


def test_print_sizes_follow_the_image_orientation_at_300_dpi() -> None:
    assert print_pixels(PrintSize.A4, 300, landscape=False) == (2480, 3508)
    assert print_pixels(PrintSize.P10X15, 300, landscape=True) == (1772, 1181)
    _, portrait = plan_target(1000, 1500, SizeRequest(print_size=PrintSize.A4, fit=Fit.COVER))
    assert (portrait.width, portrait.height, portrait.dpi) == (2480, 3508, 300)
    _, landscape = plan_target(1500, 1000, SizeRequest(print_size=PrintSize.A4, dpi=150))
    assert (landscape.width, landscape.height, landscape.dpi) == (1754, 1169, 150)


def test_more_than_4x_is_refused_with_the_scale_it_needs() -> None:
    with pytest.raises(
        TargetTooLargeError, match=r"needs 5\.00x; the most this service upscales is 4x"
    ):
        plan_target(100, 100, SizeRequest(width=500))
    with pytest.raises(TargetTooLargeError):
        plan_target(500, 700, SizeRequest(print_size=PrintSize.A3))
    with pytest.raises(ValueError, match="no target"):
        plan_target(100, 100, SizeRequest())
