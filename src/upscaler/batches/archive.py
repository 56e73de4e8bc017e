"""ZIP archives in and out of a batch: inspect and unpack uploads, stream downloads.

Uploads are judged from the central directory alone (no entry data is read), and
an archive that is dangerous as a whole (a path that escapes the folder, a
symlink, an encrypted or nested archive, names that collide on a case-insensitive
disk, declared sizes or ratios of a bomb) is refused whole: a partial batch from
a hostile file helps nobody. Entries that are merely not images are reported as
skipped, and operating-system clutter (__MACOSX, .DS_Store, ...) is dropped.
Declared sizes can lie, so `extract_entry` also counts the bytes it really writes.

Downloads are written by the standard library's own `zipfile` writer over an
unseekable sink that is emptied after every write, rather than by hand-packed
headers: `zipfile` already writes local headers with the data-descriptor flag
when it cannot seek back, the UTF-8 name flag, and every ZIP64 record (sizes and
offsets over 4 GiB, more than 65,535 entries) exactly the way its reader and
other tools expect, and that code is tested by CPython. Members are stored, not
deflated: PNG, JPEG and WebP gain nothing from a second compression. Memory stays
bounded by one 1 MiB chunk plus the central directory (a few dozen bytes a
member, which any ZIP writer must keep until the end).
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import struct
import unicodedata
import zipfile
import zlib
from collections.abc import AsyncIterable, AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

CHUNK = 1024 * 1024
_MIB = 1024 * 1024
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".tif", ".tiff", ".gif", ".bmp")
ARCHIVE_SUFFIXES = (".zip", ".tar", ".gz", ".tgz", ".7z", ".rar", ".bz2", ".xz")
_JUNK_NAMES = {".ds_store", "thumbs.db", "desktop.ini"}
_READABLE_METHODS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}
# Central-directory bytes allowed per permitted entry before zipfile parses it:
# generous for long names, folders and macOS twins, yet it stops a small file
# that declares millions of entries from costing seconds and gigabytes to parse.
_DIRECTORY_BYTES_PER_ENTRY = 4096
_END = struct.Struct("<4s4H2LH")  # end of central directory record
_END64 = struct.Struct("<4sQ2H2L4Q")  # ZIP64 end of central directory record
_LOCATOR64_SIZE = 20
_WINDOWS_ILLEGAL = re.compile(r'[<>:"|?*\x00-\x1f\x7f]')
_WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL"} | {
    f"{d}{n}" for d in ("COM", "LPT") for n in range(1, 10)
}


class ArchiveRefused(Exception):  # noqa: N818 - the name the batch API was specified with
    """The archive (or one entry of it) is not accepted; `code` is for programs."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class ZipLimits:
    max_entries: int = 500
    max_total_bytes: int = 2 * 1024**3
    max_entry_bytes: int = 200 * _MIB
    max_ratio: int = 200


@dataclass(frozen=True)
class ZipEntry:
    name: str  # normalised, "/"-separated, relative
    size: int  # declared uncompressed size
    info: zipfile.ZipInfo
    skipped_reason: str | None = None


def inspect_zip(path: Path, limits: ZipLimits) -> list[ZipEntry]:
    """The entries of the upload at `path`, from its central directory alone."""
    entries: list[ZipEntry] = []
    seen: set[str] = set()
    total = 0
    for info in _read_directory(path, limits):
        name = _relative_name(info.filename)
        if stat.S_ISLNK(info.external_attr >> 16):
            raise ArchiveRefused("symlink", f"{name!r} is a symbolic link")
        if info.filename.replace("\\", "/").endswith("/") or not name or _is_junk(name):
            continue
        if info.flag_bits & 0x1:
            raise ArchiveRefused("encrypted", f"{name!r} is encrypted")
        if name.lower().endswith(ARCHIVE_SUFFIXES):
            raise ArchiveRefused("nested_archive", f"{name!r} is an archive inside the archive")
        # Results go back into a ZIP that people unpack on case-insensitive,
        # normalisation-insensitive disks (Windows, macOS): "A.png" is "a.png".
        key = unicodedata.normalize("NFC", name).casefold()
        if key in seen:
            raise ArchiveRefused("duplicate_name", f"{name!r} appears twice in the archive")
        seen.add(key)
        if len(entries) >= limits.max_entries:
            raise ArchiveRefused("too_many_entries", f"more than {limits.max_entries} files")
        reason = _skip_reason(name, info)
        if reason is None:  # only what will be unpacked counts against the size limits
            _check_declared_size(name, info, limits)
            total += info.file_size
            if total > limits.max_total_bytes:
                raise ArchiveRefused(
                    "too_large_uncompressed",
                    f"the images unpack to more than {limits.max_total_bytes} bytes",
                )
        entries.append(ZipEntry(name, info.file_size, info, reason))
    if not any(entry.skipped_reason is None for entry in entries):
        raise ArchiveRefused("no_images", "the archive holds no images")
    return entries


def extract_entry(
    archive: zipfile.ZipFile, entry: ZipEntry, destination: Path, max_bytes: int
) -> str:
    """Write one entry to `destination`; the sha256 hex of what was written.

    The bytes are counted as they inflate, and the file is removed as soon as
    they pass `max_bytes` or the declared size. (zipfile itself also stops at the
    size the central directory declares; the CRC then fails: code "corrupt".)"""
    limit = min(max_bytes, entry.size)
    digest = hashlib.sha256()
    written = 0
    try:
        with archive.open(entry.info) as source, destination.open("wb") as sink:
            while chunk := source.read(CHUNK):
                written += len(chunk)
                if written > limit:
                    raise ArchiveRefused(
                        "too_large_uncompressed",
                        f"{entry.name!r} unpacks to more than {limit} bytes",
                    )
                digest.update(chunk)
                sink.write(chunk)
    except (zipfile.BadZipFile, zlib.error, EOFError) as error:
        destination.unlink(missing_ok=True)
        raise ArchiveRefused("corrupt", f"{entry.name!r} is damaged: {error}") from error
    except BaseException:
        destination.unlink(missing_ok=True)
        raise
    return digest.hexdigest()


def safe_member_name(name: str) -> str:
    """A relative name, folders kept, that unpacks safely on Windows, macOS and Linux."""
    parts = []
    for part in name.replace("\\", "/").split("/"):
        # Windows drops trailing dots and spaces; this also removes "." and "..".
        part = _WINDOWS_ILLEGAL.sub("_", part).rstrip(". ")
        if part.split(".")[0].upper() in _WINDOWS_RESERVED:
            part = f"_{part}"
        if part:
            parts.append(part)
    return "/".join(parts) or "unnamed"


@dataclass(frozen=True)
class ZipMember:
    name: str
    chunks: Callable[[], AsyncIterator[bytes]]
    modified: datetime


async def stream_zip(members: AsyncIterable[ZipMember]) -> AsyncIterator[bytes]:
    """A ZIP of `members`, as bytes to send while it is being made.

    Names pass through `safe_member_name`, and a name already used (ignoring case)
    gets " (2)", " (3)", ... before its suffix."""
    sink = _Drain()
    archive = zipfile.ZipFile(sink, "w", zipfile.ZIP_STORED)
    used: set[str] = set()
    try:
        async for member in members:
            info = zipfile.ZipInfo(
                _unique(safe_member_name(member.name), used), _dos_time(member.modified)
            )
            info.external_attr = (stat.S_IFREG | 0o644) << 16
            # The size is not known before the data has gone: ZIP64 descriptors always.
            with archive.open(info, "w", force_zip64=True) as entry:
                async for chunk in member.chunks():
                    view = memoryview(chunk)
                    for start in range(0, len(view), CHUNK):
                        entry.write(view[start : start + CHUNK])
                        yield sink.take()
            yield sink.take()  # local header of an empty member, data descriptor
        archive.close()
        directory = sink.take()
        for start in range(0, len(directory), CHUNK):
            yield directory[start : start + CHUNK]
    finally:
        archive.close()  # idempotent; after an abandoned download it writes into the void


class _Drain:
    """Write-only and unseekable, so zipfile writes data descriptors and never
    seeks back; what it wrote is taken out after every write."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []

    def write(self, data: bytes) -> int:
        self._parts.append(bytes(data))
        return len(data)

    def take(self) -> bytes:
        data = b"".join(self._parts)
        self._parts.clear()
        return data

    def flush(self) -> None:
        pass

    def close(self) -> None:
        pass


def _read_directory(path: Path, limits: ZipLimits) -> list[zipfile.ZipInfo]:
    try:
        with path.open("rb") as file:
            if _declared_directory_size(file) > limits.max_entries * _DIRECTORY_BYTES_PER_ENTRY:
                raise ArchiveRefused("too_many_entries", f"more than {limits.max_entries} files")
            with zipfile.ZipFile(file) as archive:
                return archive.infolist()
    except (zipfile.BadZipFile, EOFError, ValueError) as error:  # ValueError: bad UTF-8 names
        raise ArchiveRefused("not_a_zip", f"not a readable ZIP archive: {error}") from error


def _declared_directory_size(file: BinaryIO) -> int:
    """The central directory's size as zipfile will read it (from the last end
    record, or the ZIP64 one just before it); 0 when there is none to find."""
    end = file.seek(0, os.SEEK_END)
    file.seek(max(0, end - (_END.size + 0xFFFF + _LOCATOR64_SIZE + _END64.size)))
    tail = file.read()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < _END.size:
        return 0
    size: int = _END.unpack_from(tail, at)[5]
    locator, record = at - _LOCATOR64_SIZE, at - _LOCATOR64_SIZE - _END64.size
    if (
        record >= 0
        and tail[locator : locator + 4] == b"PK\x06\x07"
        and tail[record : record + 4] == b"PK\x06\x06"
    ):
        size = _END64.unpack_from(tail, record)[8]
    return size


def _relative_name(raw: str) -> str:
    name = raw.replace("\\", "/")
    if name.startswith("/") or re.match(r"[A-Za-z]:", name):
        raise ArchiveRefused("absolute_path", f"{raw!r} is an absolute path")
    parts = [part for part in name.split("/") if part not in ("", ".")]
    if ".." in parts:
        raise ArchiveRefused("path_traversal", f"{raw!r} points outside the archive")
    return "/".join(parts)


def _is_junk(name: str) -> bool:
    base = name.rsplit("/", 1)[-1]
    return name.startswith("__MACOSX/") or base.startswith("._") or base.lower() in _JUNK_NAMES


def _skip_reason(name: str, info: zipfile.ZipInfo) -> str | None:
    if not name.lower().endswith(IMAGE_SUFFIXES):
        return "not an image"
    if info.compress_type not in _READABLE_METHODS:
        return "unsupported compression method"
    return None


def _check_declared_size(name: str, info: zipfile.ZipInfo, limits: ZipLimits) -> None:
    if info.file_size > limits.max_entry_bytes:
        raise ArchiveRefused(
            "too_large_uncompressed",
            f"{name!r} unpacks to more than {limits.max_entry_bytes} bytes",
        )
    # Small files compress oddly (a blank 100 KB PNG header...); bombs are big.
    if info.file_size > _MIB and info.file_size > limits.max_ratio * info.compress_size:
        raise ArchiveRefused("compression_ratio", f"{name!r} is compressed suspiciously well")


def _unique(name: str, used: set[str]) -> str:
    stem, dot, suffix = name.rpartition(".")
    if not stem or stem.endswith("/") or "/" in suffix:  # "noext", ".hidden", "a.b/c"
        stem, dot, suffix = name, "", ""
    candidate, number = name, 1
    while unicodedata.normalize("NFC", candidate).casefold() in used:
        number += 1
        candidate = f"{stem} ({number}){dot}{suffix}"
    used.add(unicodedata.normalize("NFC", candidate).casefold())
    return candidate


def _dos_time(moment: datetime) -> tuple[int, int, int, int, int, int]:
    """ZIP's DOS time has no zone and spans 1980-2107: UTC, clamped."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    stamp = (moment.year, moment.month, moment.day, moment.hour, moment.minute, moment.second)
    return min(max(stamp, (1980, 1, 1, 0, 0, 0)), (2107, 12, 31, 23, 59, 58))
