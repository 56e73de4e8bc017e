"""Stream a multipart upload to a temporary file, enforcing the size limit as
the bytes arrive.

FastAPI's own form parsing reads the whole body before the endpoint runs, so a
20 MB upload against a 15 MB limit would be read in full before being refused.
Here the body is parsed chunk by chunk: the file part goes straight to disk
(hashed on the way) and the request is refused with 413 the moment the file
passes the limit, so memory does not grow with the upload.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import tempfile
from collections.abc import AsyncIterator
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
    """python-multipart callbacks: one part at a time, file to disk."""

    def __init__(self, limit: int, spool_dir: Path) -> None:
        self.limit = limit
        self.spool_dir = spool_dir
        self.result = ReceivedUpload()
        self._header_field = b""
        self._header_value = b""
        self._headers: dict[bytes, bytes] = {}
        self._name = ""
        self._is_file = False
        self._buffer = bytearray()
        self._file: IO[bytes] | None = None
        self._hash = hashlib.sha256()

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
        self._is_file = False

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
        if name == FILE_FIELD:
            if self.result.path is not None:
                raise APIError(
                    400,
                    "invalid_request",
                    "send exactly one file",
                    fields=[FieldError(FILE_FIELD, "only one file is accepted")],
                )
            self._is_file = True
            self.result.filename = filename or ""
            self.result.declared_type = self._headers.get(b"content-type", b"").decode("latin-1")
            fd, path = tempfile.mkstemp(prefix="upload-", dir=self.spool_dir)
            self.result.path = Path(path)
            self._file = os.fdopen(fd, "wb")
        elif len(self.result.fields) >= MAX_FIELDS:
            raise APIError(400, "invalid_request", "too many form fields")

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        chunk = data[start:end]
        if self._is_file:
            assert self._file is not None
            self.result.size_bytes += len(chunk)
            if self.result.size_bytes > self.limit:
                raise too_large(self.limit)
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
        if self._is_file:
            assert self._file is not None
            self._file.close()
            self._file = None
            self.result.sha256 = self._hash.hexdigest()
        else:
            self.result.fields[self._name] = self._buffer.decode("utf-8", "replace")

    def close(self) -> None:
        if self._file is not None:
            self._file.close()


async def receive_upload(
    content_type: str | None,
    content_length: str | None,
    body: AsyncIterator[bytes],
    *,
    limit: int,
    spool_dir: Path,
) -> ReceivedUpload:
    """Parse the request body; the caller owns (and must discard) the temp file."""
    mime, params = parse_options_header(content_type or "")
    boundary = params.get(b"boundary")
    if mime != b"multipart/form-data" or not boundary:
        raise APIError(400, "invalid_request", "send the image as multipart/form-data")
    if (
        content_length
        and content_length.isdigit()
        and int(content_length) > (limit + ENVELOPE_SLACK_BYTES)
    ):
        raise too_large(limit)  # refused before reading a byte of it

    await asyncio.to_thread(spool_dir.mkdir, parents=True, exist_ok=True)
    collector = _Collector(limit, spool_dir)
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
