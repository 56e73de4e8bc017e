"""Stream a multipart upload to temporary files, enforcing the size limits as
the bytes arrive.

FastAPI's own form parsing reads the whole body before the endpoint runs, so a
20 MB upload against a 15 MB limit would be read in full before being refused.
Here the body is parsed chunk by chunk: the file part goes straight to disk
(hashed on the way) and the request is refused with 413 the moment the file
passes the limit, so memory does not grow with the upload.

`receive_parts` is the one streaming receiver: `receive_upload` (an image,
one `file` field) and the admin's ncnn upload (`.param` + `.bin`,
`upscaler.catalog.ncnn_upload`) each give it their file fields, limits and
wording.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import tempfile
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, cast

from python_multipart.multipart import MultipartParser, parse_options_header

from upscaler.errors import APIError, FieldError

FILE_FIELD = "file"
MAX_FIELD_BYTES = 8 * 1024
MAX_FIELDS = 32
# Room for the multipart framing and the small text fields around the file.
ENVELOPE_SLACK_BYTES = 64 * 1024


@dataclass
class ReceivedFile:
    """One file part, spooled to disk and hashed on the way."""

    path: Path
    filename: str = ""
    declared_type: str = ""
    size_bytes: int = 0
    sha256: str = ""


@dataclass
class ReceivedParts:
    files: dict[str, ReceivedFile] = field(default_factory=dict)
    fields: dict[str, str] = field(default_factory=dict)
    #: Every part of a repeatable file field (PartRules.repeatable), in order.
    repeated: list[ReceivedFile] = field(default_factory=list)

    def discard(self) -> None:
        for received in [*self.files.values(), *self.repeated]:
            received.path.unlink(missing_ok=True)


@dataclass(frozen=True)
class PartRules:
    """What a form accepts and how it refuses: its file fields (name -> the
    largest size), the temp files' prefix, and its errors."""

    file_limits: Mapping[str, int]
    spool_prefix: str
    not_multipart: str
    #: A file passed its limit (the field's name, the limit).
    too_large: Callable[[str, int], APIError]
    #: The declared Content-Length exceeds every limit together.
    body_too_large: Callable[[], APIError]
    #: A second part for the same file field.
    duplicate: Callable[[str], APIError]
    #: Refuse a file under a name that is not a file field (else it is read as text).
    refuse_other_files: bool = False
    #: A file field that may come many times (a batch's `file`): its parts go
    #: to ReceivedParts.repeated, and all of them together stay within its limit.
    repeatable: str | None = None
    #: At most this many parts of the repeatable field.
    max_repeats: int = 0


@dataclass
class ReceivedUpload:
    path: Path | None = None
    filename: str = ""
    declared_type: str = ""
    size_bytes: int = 0
    sha256: str = ""
    fields: dict[str, str] = field(default_factory=dict)

    def discard(self) -> None:
        if self.path is not None:
            self.path.unlink(missing_ok=True)


def too_large(limit: int) -> APIError:
    megabytes = limit / (1024 * 1024)
    return APIError(
        413,
        "file_too_large",
        f"the file is larger than the {megabytes:.1f} MB limit",
        fields=[FieldError(FILE_FIELD, f"must be at most {limit} bytes")],
    )


def _disposition(raw: bytes) -> tuple[str, str | None]:
    _value, params = parse_options_header(raw)
    name = params.get(b"name", b"").decode("utf-8", "replace")
    filename = params.get(b"filename")
    return name, filename.decode("utf-8", "replace") if filename is not None else None


class _Collector:
    """python-multipart callbacks: the file fields go to disk, the rest are text."""

    def __init__(self, rules: PartRules, spool_dir: Path) -> None:
        self.rules = rules
        self.spool_dir = spool_dir
        self.result = ReceivedParts()
        self._header_field = b""
        self._header_value = b""
        self._headers: dict[bytes, bytes] = {}
        self._name = ""
        self._current: ReceivedFile | None = None
        self._buffer = bytearray()
        self._file: IO[bytes] | None = None
        self._hash = hashlib.sha256()
        self._repeated_bytes = 0

    def callbacks(self) -> dict[str, Any]:
        return {
            "on_part_begin": self._part_begin,
            "on_header_field": self._header_field_data,
            "on_header_value": self._header_value_data,
            "on_header_end": self._header_end,
            "on_headers_finished": self._headers_finished,
            "on_part_data": self._part_data,
            "on_part_end": self._part_end,
        }

    def _part_begin(self) -> None:
        self._headers = {}
        self._buffer = bytearray()
        self._current = None

    def _header_field_data(self, data: bytes, start: int, end: int) -> None:
        self._header_field += data[start:end]

    def _header_value_data(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def _header_end(self) -> None:
        self._headers[self._header_field.lower()] = self._header_value
        self._header_field = b""
        self._header_value = b""

    def _headers_finished(self) -> None:
        name, filename = _disposition(self._headers.get(b"content-disposition", b""))
        self._name = name
        if name in self.rules.file_limits:
            repeated = name == self.rules.repeatable
            if repeated and len(self.result.repeated) >= self.rules.max_repeats:
                raise self.rules.duplicate(name)
            if not repeated and name in self.result.files:
                raise self.rules.duplicate(name)
            fd, path = tempfile.mkstemp(
                prefix=f"{self.rules.spool_prefix}{name}-", dir=self.spool_dir
            )
            self._file = os.fdopen(fd, "wb")
            self._current = ReceivedFile(
                Path(path),
                filename or "",
                self._headers.get(b"content-type", b"").decode("latin-1"),
            )
            self._hash = hashlib.sha256()
            if repeated:
                self.result.repeated.append(self._current)
            else:
                self.result.files[name] = self._current
        elif self.rules.refuse_other_files and filename is not None and filename != "":
            raise APIError(
                400,
                "invalid_request",
                f"unexpected file field {name!r}",
                fields=[FieldError(name, f"unexpected file field {name!r}")],
            )
        elif len(self.result.fields) >= MAX_FIELDS:
            raise APIError(400, "invalid_request", "too many form fields")

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        chunk = data[start:end]
        if self._current is not None:
            assert self._file is not None
            self._current.size_bytes += len(chunk)
            limit = self.rules.file_limits[self._name]
            if self._name == self.rules.repeatable:
                self._repeated_bytes += len(chunk)
                if self._repeated_bytes > limit:
                    raise self.rules.too_large(self._name, limit)
            if self._current.size_bytes > limit:
                raise self.rules.too_large(self._name, limit)
            self._hash.update(chunk)
            self._file.write(chunk)
            return
        self._buffer += chunk
        if len(self._buffer) > MAX_FIELD_BYTES:
            raise APIError(
                400,
                "invalid_request",
                f"form field {self._name!r} is too long",
                fields=[FieldError(self._name, "is too long")],
            )

    def _part_end(self) -> None:
        if self._current is not None:
            assert self._file is not None
            self._file.close()
            self._file = None
            self._current.sha256 = self._hash.hexdigest()
            self._current = None
        else:
            self.result.fields[self._name] = self._buffer.decode("utf-8", "replace")

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


async def receive_parts(
    content_type: str | None,
    content_length: str | None,
    body: AsyncIterator[bytes],
    *,
    rules: PartRules,
    spool_dir: Path,
) -> ReceivedParts:
    """Parse a multipart body by `rules`; the caller owns (and must discard)
    the spooled files."""
    mime, params = parse_options_header(content_type or "")
    boundary = params.get(b"boundary")
    if mime != b"multipart/form-data" or not boundary:
        raise APIError(400, "invalid_request", rules.not_multipart)
    total = sum(rules.file_limits.values()) + ENVELOPE_SLACK_BYTES
    if content_length and content_length.isdigit() and int(content_length) > total:
        raise rules.body_too_large()  # refused before reading a byte of it

    await asyncio.to_thread(spool_dir.mkdir, parents=True, exist_ok=True)
    collector = _Collector(rules, spool_dir)
    parser = MultipartParser(boundary, cast(Any, collector.callbacks()))
    try:
        async for chunk in body:
            parser.write(chunk)
        parser.finalize()
    except APIError:
        collector.close()
        collector.result.discard()
        raise
    except Exception as error:  # python-multipart's parse errors
        collector.close()
        collector.result.discard()
        raise APIError(400, "invalid_request", "the multipart body is malformed") from error
    collector.close()
    return collector.result


def _one_file_only(name: str) -> APIError:
    return APIError(
        400,
        "invalid_request",
        "send exactly one file",
        fields=[FieldError(name, "only one file is accepted")],
    )


async def receive_upload(
    content_type: str | None,
    content_length: str | None,
    body: AsyncIterator[bytes],
    *,
    limit: int,
    spool_dir: Path,
) -> ReceivedUpload:
    """Parse an upload (one `file` and text fields); the caller owns (and must
    discard) the temp file."""
    rules = PartRules(
        file_limits={FILE_FIELD: limit},
        spool_prefix="upload-",
        not_multipart="send the image as multipart/form-data",
        too_large=lambda _name, limit: too_large(limit),
        body_too_large=lambda: too_large(limit),
        duplicate=_one_file_only,
    )
    parts = await receive_parts(
        content_type, content_length, body, rules=rules, spool_dir=spool_dir
    )
    received = parts.files.get(FILE_FIELD)
    if received is None:
        return ReceivedUpload(fields=parts.fields)
    return ReceivedUpload(
        path=received.path,
        filename=received.filename,
        declared_type=received.declared_type,
        size_bytes=received.size_bytes,
        sha256=received.sha256,
        fields=parts.fields,
    )
