"""Fetching a model file from its official URL or a mirror, and hashing it.

A mirror replaces the directory part of the official URL: ``mirror + '/' +
basename``. ``http(s)://`` and ``file://`` mirrors both work. A ``file://``
source is read in place (hashed, never copied); a downloaded file is kept in a
cache directory so a second run does not download it again.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from upscaler_worker.export.manifest import ModelSpec

log = logging.getLogger(__name__)

_CHUNK = 1 << 20


class SourceUnavailableError(Exception):
    """The file cannot be reached (missing on the mirror, no network): skip the model."""


@dataclass(frozen=True)
class FetchedFile:
    path: Path
    url: str
    sha256: str
    size_bytes: int


def source_url(spec: ModelSpec, mirror: str | None) -> str:
    if not mirror:
        return spec.url
    return mirror.rstrip("/") + "/" + spec.filename


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def fetch(
    spec: ModelSpec, mirror: str | None, cache_dir: Path, timeout: float = 60.0
) -> FetchedFile:
    """Make the model's file available locally; raise SourceUnavailableError if it is not."""
    url = source_url(spec, mirror)
    parsed = urllib.parse.urlparse(url)
    if parsed.scheme == "file":
        path = Path(urllib.request.url2pathname(parsed.path))
        if not path.is_file():
            raise SourceUnavailableError(f"{url}: no such file")
        return FetchedFile(path, url, sha256_of(path), path.stat().st_size)
    if parsed.scheme not in ("http", "https"):
        raise ValueError(f"unsupported model source {url!r} (use http, https or file)")
    return _download(url, cache_dir / spec.filename, spec, timeout)


def _download(url: str, target: Path, spec: ModelSpec, timeout: float) -> FetchedFile:
    known = {spec.sha256, *(item.sha256 for item in spec.local_exceptions)} - {None}
    if target.is_file():
        cached_hash = sha256_of(target)
        # Without a known hash there is no telling a stale cache from a good one:
        # download again rather than trust it.
        if cached_hash in known:
            log.info("%s: using cached %s", spec.name, target)
            return FetchedFile(target, url, cached_hash, target.stat().st_size)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    digest = hashlib.sha256()
    size = 0
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response, partial.open("wb") as out:  # noqa: S310 - scheme checked above
            while chunk := response.read(_CHUNK):
                digest.update(chunk)
                size += len(chunk)
                out.write(chunk)
        shutil.move(partial, target)
    except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
        raise SourceUnavailableError(f"{url}: {exc}") from exc
    finally:
        partial.unlink(missing_ok=True)
    return FetchedFile(target, url, digest.hexdigest(), size)
