"""The storage interface every backend implements.

Keys are made by the service (`new_key`), never taken from a request, and
every backend checks them again (`validate_key`) before touching anything.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

_KEY_PATTERN = re.compile(r"^[a-z]+(?:/[A-Za-z0-9_-]+)+(?:\.[a-z0-9]{1,5})?$")
CHUNK_SIZE = 1024 * 1024


class ObjectNotFoundError(LookupError):
    pass


class InvalidKeyError(ValueError):
    pass


@dataclass(frozen=True)
class StoredObject:
    key: str
    size_bytes: int


def new_key(kind: str, extension: str = "") -> str:
    """A fresh, unguessable key such as ``originals/6M0c…Q.png``."""
    extension = extension.lower().lstrip(".")
    key = f"{kind}/{secrets.token_urlsafe(24)}" + (f".{extension}" if extension else "")
    return validate_key(key)


def validate_key(key: str) -> str:
    if not _KEY_PATTERN.fullmatch(key) or ".." in key:
        raise InvalidKeyError(f"invalid storage key {key!r}")
    return key


class Storage(Protocol):
    """Async object storage. Writes are atomic: a reader never sees half an object."""

    name: str

    async def put_file(
        self, key: str, source: Path, content_type: str, *, move: bool = False
    ) -> StoredObject:
        """Store ``source`` under ``key``. ``move``: the caller is done with
        the file, so a backend on the same filesystem may take it over (a
        rename) instead of copying it; otherwise ``source`` is left as it was."""
        ...

    async def put_bytes(self, key: str, data: bytes, content_type: str) -> StoredObject: ...

    async def download_to(self, key: str, destination: Path) -> None: ...

    def stream(self, key: str, chunk_size: int = CHUNK_SIZE) -> AsyncIterator[bytes]: ...

    async def size(self, key: str) -> int: ...

    async def exists(self, key: str) -> bool: ...

    async def delete(self, key: str) -> None: ...

    async def presigned_url(
        self, key: str, *, expires_in: int, filename: str, content_type: str
    ) -> str | None:
        """A direct URL to the object, or None where the backend has none."""
        ...

    async def usage_bytes(self) -> int: ...

    async def free_space_percent(self) -> float | None: ...

    async def close(self) -> None: ...
