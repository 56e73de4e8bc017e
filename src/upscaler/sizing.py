"""Exact target sizes: pure arithmetic from the input's size and what was asked
to the model pass and the final resize (and crop). Used at upload, where the
input's size is known; the worker only applies the plan it is given.

The model runs at 2x or 4x and a Lanczos resize finishes, as the official
Real-ESRGAN code does for any other `--outscale`. A target that needs more
than 4x is refused: a second model pass would invent detail twice.
"""

from __future__ import annotations

from dataclasses import dataclass

from upscaler.contracts import Factor, Fit, PrintSize, TargetSize

MM_PER_INCH = 25.4
DEFAULT_PRINT_DPI = 300
MAX_SCALE = 4.0
#: (short side, long side) in millimetres.
PRINT_MM: dict[PrintSize, tuple[float, float]] = {
    PrintSize.A3: (297, 420),
    PrintSize.A4: (210, 297),
    PrintSize.A5: (148, 210),
    PrintSize.A6: (105, 148),
    PrintSize.LETTER: (215.9, 279.4),
    PrintSize.P10X15: (100, 150),
    PrintSize.P13X18: (130, 180),
    PrintSize.P20X30: (200, 300),
}


class TargetTooLargeError(ValueError):
    def __init__(self, scale: float, width: int, height: int) -> None:
        super().__init__(
            f"a {width}x{height} result needs {scale:.2f}x; the most this service "
            f"upscales is {MAX_SCALE:g}x (ask for a smaller size or upload a larger image)"
        )
        self.scale = scale


@dataclass(frozen=True)
class SizeRequest:
    width: int | None = None
    height: int | None = None
    fit: Fit = Fit.CONTAIN
    print_size: PrintSize | None = None
    dpi: int | None = None

    @property
    def asked(self) -> bool:
        return self.width is not None or self.height is not None or self.print_size is not None


def print_pixels(size: PrintSize, dpi: int, landscape: bool) -> tuple[int, int]:
    short, long = (round(mm / MM_PER_INCH * dpi) for mm in PRINT_MM[size])
    return (long, short) if landscape else (short, long)


def plan_target(width: int, height: int, request: SizeRequest) -> tuple[Factor, TargetSize]:
    """The factor to run and the exact result for a `width` x `height` input."""
    dpi = request.dpi
    target_w, target_h = request.width, request.height
    if request.print_size is not None:
        dpi = dpi or DEFAULT_PRINT_DPI
        target_w, target_h = print_pixels(request.print_size, dpi, landscape=width > height)
    if target_w is None and target_h is None:
        raise ValueError("no target size was asked for")

    if target_w is not None and target_h is not None:
        scale_w, scale_h = target_w / width, target_h / height
        by_width = scale_w <= scale_h if request.fit == Fit.CONTAIN else scale_w >= scale_h
    else:
        by_width = target_w is not None
    if by_width:
        assert target_w is not None
        scale = target_w / width
        resize = (target_w, max(1, round(height * scale)))
    else:
        assert target_h is not None
        scale = target_h / height
        resize = (max(1, round(width * scale)), target_h)
    final = resize
    if request.fit == Fit.COVER and target_w is not None and target_h is not None:
        final = (target_w, target_h)
    if scale > MAX_SCALE + 1e-9:
        raise TargetTooLargeError(scale, *final)
    factor = Factor.X2 if scale <= 2 else Factor.X4
    return factor, TargetSize(
        width=final[0],
        height=final[1],
        resize_width=resize[0],
        resize_height=resize[1],
        fit=request.fit,
        print_size=request.print_size,
        dpi=dpi,
    )
