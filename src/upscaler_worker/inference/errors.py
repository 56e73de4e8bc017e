"""What the engine raises. The first two are the user's image, permanently: their
messages are written for the person who uploaded it."""

from __future__ import annotations


class ImageDecodeError(Exception):
    """The file is not a readable image (truncated, corrupt, not an image at all)."""


class UnsupportedImageError(Exception):
    """A readable image this service will not process (animated, multi-page, odd mode)."""


class InferenceError(Exception):
    """The model failed on a tile, or its run was terminated."""


class InferenceTimeout(InferenceError):  # noqa: N818 - the name the worker contract uses
    """The deadline passed; the running tile was terminated."""
