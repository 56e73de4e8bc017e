"""The free tier's mark: a small, half-transparent name in the bottom-right
corner, white with a soft dark edge so it reads on light and dark pictures.
Its height is about 2.5 % of the picture's shorter side (at least 10 px), so
it stays small on large results and legible on small ones."""

from __future__ import annotations

import cv2
import numpy as np

TEXT = "ImageUpscalerPro"
FONT = cv2.FONT_HERSHEY_SIMPLEX
#: How much of the text colour covers the picture where the mark is.
OPACITY = 0.55
#: How much the soft edge darkens what is under it.
EDGE_DARKENING = 0.8
SHARE_OF_SIDE = 0.025
MIN_HEIGHT = 10


def _mask(width: int, height: int) -> tuple[np.ndarray, np.ndarray, tuple[int, int]]:
    """(text, edge) coverage in 0..1 for a box of the mark, and its top-left."""
    text_height = max(MIN_HEIGHT, round(min(width, height) * SHARE_OF_SIDE))
    scale = cv2.getFontScaleFromHeight(FONT, text_height, 1)
    thickness = max(1, text_height // 10)
    (text_w, text_h), baseline = cv2.getTextSize(TEXT, FONT, scale, thickness)
    pad = max(2, thickness * 2)
    box_w, box_h = min(width, text_w + 2 * pad), min(height, text_h + baseline + 2 * pad)
    origin = (pad, pad + text_h)
    text = np.zeros((box_h, box_w), np.uint8)
    cv2.putText(text, TEXT, origin, FONT, scale, 255, thickness, cv2.LINE_AA)
    outline = np.zeros_like(text)
    cv2.putText(outline, TEXT, origin, FONT, scale, 255, thickness * 3 + 2, cv2.LINE_AA)
    edge = cv2.GaussianBlur(outline, (0, 0), max(1.0, thickness / 2))
    margin = max(4, text_height // 2)
    top_left = (max(0, width - box_w - margin), max(0, height - box_h - margin))
    return text.astype(np.float32) / 255, edge.astype(np.float32) / 255, top_left


def stamp(pixels: np.ndarray) -> np.ndarray:
    """A copy of BGR or grey pixels (uint8 or uint16) with the mark."""
    height, width = pixels.shape[:2]
    text, edge, (left, top) = _mask(width, height)
    box_h, box_w = text.shape
    white = 65535.0 if pixels.dtype == np.uint16 else 255.0
    out = pixels.copy()
    region: np.ndarray = out[top : top + box_h, left : left + box_w].astype(np.float32)
    if region.ndim == 3:
        text, edge = text[..., None], edge[..., None]
    region = region * (1 - EDGE_DARKENING * edge)  # darken around the letters
    region = region * (1 - OPACITY * text) + white * OPACITY * text
    out[top : top + box_h, left : left + box_w] = np.clip(region, 0, white).astype(pixels.dtype)
    return out
