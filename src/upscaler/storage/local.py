"""Local-filesystem storage (the default, under ./var/storage)."""

from __future__ import annotations

import asyncio
import errno
import os
import secrets
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

from upscaler.storage.base import (
    CHUNK_SIZE,
    InvalidKeyError,
    ObjectNotFoundError,
    StoredObject,
    validate_key,
)


class LocalStorage:
    name = "local"

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self._tmp = self.root / ".tmp"
        self._tmp.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        path = (self.root / validate_key(key)).resolve()
        if not path.is_relative_to(self.root) or path.is_relative_to(self._tmp):
            raise InvalidKeyError(f"invalid storage key {key!r}")
        return path

    def _commit(self, staged: Path, key: str) -> StoredObject:
        """Move a fully written temp file into place; rename is atomic."""
        target = self._path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        size = staged.stat().st_size
        os.replace(staged, target)
        return StoredObject(key=key, size_bytes=size)

    def _staging_path(self) -> Path:
        return self._tmp / secrets.token_hex(16)

    def _move_in(self, key: str, source: Path) -> StoredObject | None:
        """Flush ``source`` to disk and rename it into place; None when it
        lies on another filesystem (the caller copies instead)."""
        descriptor = os.open(source, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
        try:
            return self._commit(source, key)
        except OSError as error:
            if error.errno == errno.EXDEV:
                return None
            raise

    def _put_file(self, key: str, source: Path, move: bool) -> StoredObject:
        if move and (moved := self._move_in(key, source)) is not None:
            return moved
        staged = self._staging_path()
        try:
            with source.open("rb") as src, staged.open("wb") as dst:
                shutil.copyfileobj(src, dst, CHUNK_SIZE)
                dst.flush()
                os.fsync(dst.fileno())
            return self._commit(staged, key)
        finally:
            staged.unlink(missing_ok=True)

    def _put_bytes(self, key: str, data: bytes) -> StoredObject:
        staged = self._staging_path()
        try:
            with staged.open("wb") as dst:
                dst.write(data)
                dst.flush()
                os.fsync(dst.fileno())
            return self._commit(staged, key)
        finally:
            staged.unlink(missing_ok=True)

    async def put_file(
        self, key: str, source: Path, content_type: str, *, move: bool = False
    ) -> StoredObject:
        return await asyncio.to_thread(self._put_file, key, source, move)

    async def put_bytes(self, key: str, data: bytes, content_type: str) -> StoredObject:
        return await asyncio.to_thread(self._put_bytes, key, data)

    async def download_to(self, key: str, destination: Path) -> None:
        path = self._path(key)
        if not path.is_file():
            raise ObjectNotFoundError(key)
        await asyncio.to_thread(self._link_or_copy, path, destination)

    @staticmethod
    def _link_or_copy(path: Path, destination: Path) -> None:
        """A second name for the stored file where both lie on one filesystem
        (no bytes move: the worker only reads it, and a stored object is
        replaced by renaming a new file over it, never written in place);
        a copy elsewhere."""
        try:
            os.link(path, destination)
        except OSError:
            shutil.copyfile(path, destination)

    async def stream(self, key: str, chunk_size: int = CHUNK_SIZE) -> AsyncIterator[bytes]:
        path = self._path(key)
        try:
            handle = await asyncio.to_thread(path.open, "rb")
        except FileNotFoundError as error:
            raise ObjectNotFoundError(key) from error
        try:
            while chunk := await asyncio.to_thread(handle.read, chunk_size):
                yield chunk
        finally:
            handle.close()

    async def size(self, key: str) -> int:
        try:
            return (await asyncio.to_thread(self._path(key).stat)).st_size
        except FileNotFoundError as error:
            raise ObjectNotFoundError(key) from error

    async def exists(self, key: str) -> bool:
        return await asyncio.to_thread(self._path(key).is_file)

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self._path(key).unlink, missing_ok=True)

    async def presigned_url(
        self, key: str, *, expires_in: int, filename: str, content_type: str
    ) -> str | None:
        return None

    def _usage(self) -> int:
        return sum(p.stat().st_size for p in self.root.rglob("*") if p.is_file())

    async def usage_bytes(self) -> int:
        return await asyncio.to_thread(self._usage)

    async def free_space_percent(self) -> float | None:
        usage = await asyncio.to_thread(shutil.disk_usage, self.root)
        return round(100.0 * usage.free / usage.total, 1)

    async def close(self) -> None:
        return None
