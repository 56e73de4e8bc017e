"""Preparing colour under transparency so upscaling leaves no fringe."""

from __future__ import annotations

import cv2
import numpy as np


def bleed_into_transparent(color: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """Give every fully transparent pixel the colour of the nearest visible one.

    What is stored under alpha 0 is arbitrary, usually black. The network mixes
    each output pixel from its neighbours, so at a transparent edge it would
    blend that black into the visible colours and the semi-transparent border of
    the result would come out dark (the classic "dark fringe"). With the
    visible colours extended outwards, every neighbour it mixes is a real
    colour of the object.
    """
    transparent = alpha == 0
    if not transparent.any() or transparent.all():
        return color
    # distanceTransformWithLabels measures distance to the nearest *zero* pixel
    # and, with DIST_LABEL_PIXEL, labels each zero pixel 1, 2, ... in raster
    # order: the visible pixels, here, in the order np.nonzero lists them.
    _, labels = cv2.distanceTransformWithLabels(
        transparent.astype(np.uint8), cv2.DIST_L2, 5, labelType=cv2.DIST_LABEL_PIXEL
    )
    visible_rows, visible_cols = np.nonzero(~transparent)
    nearest = labels[transparent] - 1
    filled = color.copy()
    filled[transparent] = color[visible_rows[nearest], visible_cols[nearest]]
    return filled


def is_opaque(alpha: np.ndarray, max_value: int) -> bool:
    return bool((alpha == max_value).all())
