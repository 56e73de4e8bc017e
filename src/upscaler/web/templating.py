"""Jinja2 for the public pages, and versioned links to their static files."""

from __future__ import annotations

import hashlib
from functools import lru_cache

from fastapi.templating import Jinja2Templates

from upscaler.resources import STATIC_DIR, TEMPLATES_DIR

#: The public pages' assets (package data), served at /static/public/.
PUBLIC_STATIC = STATIC_DIR / "public"


@lru_cache(maxsize=256)
def _version(relative: str) -> str:
    try:
        digest = hashlib.sha256((PUBLIC_STATIC / relative).read_bytes()).hexdigest()
    except OSError:
        return "0"
    return digest[:10]


def static_url(relative: str) -> str:
    """`/static/public/<relative>?v=<content hash>`: browsers may cache it
    while a new release still reaches them at once."""
    return f"/static/public/{relative}?v={_version(relative)}"


def format_bytes(size: int) -> str:
    """1536 -> '1.5 KB', 15728640 -> '15 MB' (binary units, as the API reports)."""
    value = float(size)
    for unit in ("bytes", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            if unit == "bytes":
                return f"{int(value)} bytes"
            text = f"{value:.1f}".removesuffix(".0")
            return f"{text} {unit}"
        value /= 1024
    raise AssertionError("unreachable")  # pragma: no cover


def format_pixels(pixels: int) -> str:
    """50_000_000 -> '50 megapixels'."""
    megapixels = pixels / 1_000_000
    text = f"{megapixels:.1f}".removesuffix(".0")
    return f"{text} megapixels"


TYPE_LABELS = {
    "image/jpeg": "JPEG",
    "image/png": "PNG",
    "image/webp": "WebP",
    "image/tiff": "TIFF",
    "image/gif": "GIF",
}


def type_label(mime_type: str) -> str:
    """'image/webp' -> 'WebP'."""
    return TYPE_LABELS.get(mime_type, mime_type.rsplit("/", 1)[-1].upper())


def sentence(text: str) -> str:
    """'the file is too large' -> 'The file is too large.' (server messages
    are lower-case phrases; pages show them as sentences)."""
    text = text.strip().rstrip(".")
    return (text[:1].upper() + text[1:] + ".") if text else ""


templates = Jinja2Templates(directory=TEMPLATES_DIR)
templates.env.globals["static_url"] = static_url
templates.env.filters["bytes"] = format_bytes
templates.env.filters["pixels"] = format_pixels
templates.env.filters["sentence"] = sentence
templates.env.filters["type_label"] = type_label
