"""The classical denoiser, used when the weight-interpolated (dni) networks for
the requested level are not installed.

OpenCV's non-local means, applied to the input before upscaling. Its filter
strength ``h`` (on the 0-255 scale; scaled by 257 for 16-bit images) per level:

=====  ===  ===============================================
level   h   effect
=====  ===  ===============================================
low     3   sensor grain in good light; textures untouched
med     6   typical phone/JPEG noise
high   10   heavy noise; fine texture is smoothed as well
=====  ===  ===============================================

Colour images use ``fastNlMeansDenoisingColored`` (luma and chroma separately,
chroma with the same h) for 8 bits, and the L1-norm variant per channel
layout for 16 bits (the only one OpenCV has for 16-bit data).
"""

from __future__ import annotations

import cv2
import numpy as np

CLASSICAL_STRENGTH: dict[str, float] = {"low": 3.0, "med": 6.0, "high": 10.0}
_TEMPLATE = 7
_SEARCH = 21


def classical_denoise(color: np.ndarray, level: str) -> np.ndarray:
    """``color`` (BGR or grey, 8 or 16 bit) with noise removed at ``level``."""
    try:
        h = CLASSICAL_STRENGTH[level]
    except KeyError:
        raise ValueError(f"unknown denoise level {level!r}") from None
    if color.dtype == np.uint16:
        result = cv2.fastNlMeansDenoising(
            color,
            h=[h * 257.0],
            templateWindowSize=_TEMPLATE,
            searchWindowSize=_SEARCH,
            normType=cv2.NORM_L1,
        )
    elif color.ndim == 2:
        result = cv2.fastNlMeansDenoising(color, None, h, _TEMPLATE, _SEARCH)
    else:
        result = cv2.fastNlMeansDenoisingColored(color, None, h, h, _TEMPLATE, _SEARCH)
    return np.asarray(result)
