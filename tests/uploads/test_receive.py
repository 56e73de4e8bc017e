"""The multipart body is parsed as it streams in, and refused mid-stream."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from upscaler.errors import APIError
from upscaler.receive import receive_upload

BOUNDARY = "----testboundary"
CONTENT_TYPE = f"multipart/form-data; boundary={BOUNDARY}"


def part(name: str, value: bytes, filename: str | None = None) -> bytes:
    disposition = f'form-data; name="{name}"'
    if filename is not None:
        disposition += f'; filename="{filename}"'
    head = f"--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\n"
    if filename is not None:
        head += "Content-Type: image/png\r\n"
    return head.encode() + b"\r\n" + value + b"\r\n"


def body(*parts: bytes) -> bytes:
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()


class Counting:
    def __init__(self, data: bytes, chunk: int = 64 * 1024) -> None:
        self.data = data
        self.chunk = chunk
        self.sent = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for start in range(0, len(self.data), self.chunk):
            piece = self.data[start : start + self.chunk]
            self.sent += len(piece)
            yield piece


async def test_fields_and_file(tmp_path: Path) -> None:
    payload = body(
        part("factor", b"4x"),
        part("file", b"\x89PNG" + b"p" * 5000, "a.png"),
        part("preset", b"photo"),
    )
    received = await receive_upload(
        CONTENT_TYPE, str(len(payload)), aiter(Counting(payload)), limit=10_000, spool_dir=tmp_path
    )
    assert received.fields == {"factor": "4x", "preset": "photo"}
    assert received.filename == "a.png"
    assert received.size_bytes == 5004
    assert received.path is not None and received.path.read_bytes().startswith(b"\x89PNG")
    import hashlib

    assert received.sha256 == hashlib.sha256(received.path.read_bytes()).hexdigest()
    received.discard()
    assert not received.path.exists()


async def test_oversized_file_is_refused_while_streaming(tmp_path: Path) -> None:
    limit = 1024 * 1024
    payload = body(part("factor", b"4x"), part("file", b"z" * (20 * limit), "big.png"))
    stream = Counting(payload)
    # No Content-Length (chunked transfer): only the streaming check can catch it.
    with pytest.raises(APIError) as caught:
        await receive_upload(CONTENT_TYPE, None, aiter(stream), limit=limit, spool_dir=tmp_path)
    assert caught.value.status == 413
    assert stream.sent < 2 * limit, "the body was read far past the limit"
    assert list(tmp_path.iterdir()) == [], "the partial file was left behind"


async def test_declared_length_is_refused_before_reading(tmp_path: Path) -> None:
    stream = Counting(b"x" * 100)
    with pytest.raises(APIError) as caught:
        await receive_upload(
            CONTENT_TYPE, str(50 * 1024 * 1024), aiter(stream), limit=1024, spool_dir=tmp_path
        )
    assert caught.value.status == 413
    assert stream.sent == 0


@pytest.mark.parametrize("content_type", ["application/json", "multipart/form-data", None])
async def test_not_multipart_is_400(tmp_path: Path, content_type: str | None) -> None:
    with pytest.raises(APIError) as caught:
        await receive_upload(
            content_type, None, aiter(Counting(b"{}")), limit=10, spool_dir=tmp_path
        )
    assert caught.value.status == 400


async def test_two_files_are_refused(tmp_path: Path) -> None:
    payload = body(part("file", b"a", "a.png"), part("file", b"b", "b.png"))
    with pytest.raises(APIError) as caught:
        await receive_upload(
            CONTENT_TYPE, None, aiter(Counting(payload)), limit=100, spool_dir=tmp_path
        )
    assert caught.value.status == 400
    assert list(tmp_path.iterdir()) == []


async def test_long_text_field_is_refused(tmp_path: Path) -> None:
    payload = body(part("email", b"e" * 20_000))
    with pytest.raises(APIError) as caught:
        await receive_upload(
            CONTENT_TYPE, None, aiter(Counting(payload)), limit=100, spool_dir=tmp_path
        )
    assert caught.value.status == 400
