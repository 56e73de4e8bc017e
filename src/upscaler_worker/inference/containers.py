"""Byte-level PNG and JPEG metadata that the image libraries do not offer.

OpenCV writes large JPEGs quickly straight from a numpy array but cannot embed
an ICC profile or EXIF; these helpers make the PNG chunks (written in place by
png.py) and splice the JPEG segments into a file OpenCV wrote, streaming it.
"""

from __future__ import annotations

import os
import shutil
import struct
import zlib
from pathlib import Path

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_JPEG_SEGMENT_MAX = 65533  # a segment's payload; its length field counts 2 more bytes
_ICC_CHUNK_MAX = 65519  # _JPEG_SEGMENT_MAX minus "ICC_PROFILE\0", sequence and count


def png_chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def png_metadata_chunks(
    icc_profile: bytes | None, exif_block: bytes | None, dpi: tuple[float, float] | None
) -> list[bytes]:
    chunks = []
    if icc_profile:
        chunks.append(png_chunk(b"iCCP", b"ICC Profile\x00\x00" + zlib.compress(icc_profile)))
    if exif_block:
        # eXIf holds the TIFF structure itself, without JPEG's "Exif\0\0" prefix.
        raw = exif_block[6:] if exif_block.startswith(b"Exif\x00\x00") else exif_block
        chunks.append(png_chunk(b"eXIf", raw))
    if dpi and dpi[0] > 0 and dpi[1] > 0:
        per_metre = (round(dpi[0] / 0.0254), round(dpi[1] / 0.0254))
        chunks.append(png_chunk(b"pHYs", struct.pack(">IIB", *per_metre, 1)))
    return chunks


def jpeg_metadata_segments(icc_profile: bytes | None, exif_block: bytes | None) -> list[bytes]:
    segments = []
    if exif_block:
        block = (
            exif_block if exif_block.startswith(b"Exif\x00\x00") else b"Exif\x00\x00" + exif_block
        )
        if len(block) <= _JPEG_SEGMENT_MAX:
            segments.append(b"\xff\xe1" + struct.pack(">H", len(block) + 2) + block)
    if icc_profile:
        parts = [
            icc_profile[i : i + _ICC_CHUNK_MAX] for i in range(0, len(icc_profile), _ICC_CHUNK_MAX)
        ]
        for number, part in enumerate(parts, start=1):
            payload = b"ICC_PROFILE\x00" + bytes((number, len(parts))) + part
            segments.append(b"\xff\xe2" + struct.pack(">H", len(payload) + 2) + payload)
    return segments


def insert_jpeg_segments(path: Path, segments: list[bytes]) -> None:
    """Put APP segments after SOI and the JFIF APP0, rewriting the file."""
    if not segments:
        return
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with path.open("rb") as source, temporary.open("wb") as target:
        head = source.read(2)
        if head != b"\xff\xd8":
            raise ValueError(f"{path} is not a JPEG")
        target.write(head)
        marker = source.read(4)
        if marker[:2] == b"\xff\xe0":  # keep JFIF first, as readers expect
            (length,) = struct.unpack(">H", marker[2:4])
            target.write(marker + source.read(length - 2))
            marker = b""
        for segment in segments:
            target.write(segment)
        target.write(marker)
        shutil.copyfileobj(source, target, 1 << 20)
    os.replace(temporary, path)


def set_jfif_density(path: Path, dpi: tuple[float, float]) -> None:
    """Write dots per inch into the JFIF header (APP0) the encoder wrote first.

    Layout after SOI: FF E0, length (2), "JFIF\\0", version (2), units (1: per
    inch), X density (2), Y density (2)."""
    with path.open("r+b") as handle:
        head = handle.read(20)
        if head[2:4] != b"\xff\xe0" or head[6:11] != b"JFIF\x00":
            return  # no JFIF header to carry it (OpenCV always writes one)
        handle.seek(13)
        x, y = (max(1, min(65535, round(value))) for value in dpi)
        handle.write(bytes([1]) + x.to_bytes(2, "big") + y.to_bytes(2, "big"))
