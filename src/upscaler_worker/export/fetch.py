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
import zipfile
from dataclasses import dataclass
from pathlib import Path

from upscaler_worker.export.manifest import ModelSpec, NcnnDistribution, NcnnFile

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

    @property
    def basename(self) -> str:
        return self.path.name


def source_url(spec: ModelSpec, mirror: str | None) -> str:
    if spec.url is None:
        raise SourceUnavailableError(f"{spec.name} has no .pth distribution")
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
    known = {item.sha256 for item in spec.local_exceptions}
    if spec.sha256:
        known.add(spec.sha256)
    return _fetch_url(url, cache_dir / spec.filename, known, spec.name, timeout)


def _fetch_url(url: str, target: Path, known: set[str], name: str, timeout: float) -> FetchedFile:
    parsed = urllib.parse.urlparse(url)
    if parsed.scheme == "file":
        path = Path(urllib.request.url2pathname(parsed.path))
        if not path.is_file():
            raise SourceUnavailableError(f"{url}: no such file")
        return FetchedFile(path, url, sha256_of(path), path.stat().st_size)
    if parsed.scheme not in ("http", "https"):
        raise ValueError(f"unsupported model source {url!r} (use http, https or file)")
    return _download(url, target, known, name, timeout)


@dataclass(frozen=True)
class FetchedNcnn:
    param: FetchedFile
    bin: FetchedFile

    @property
    def url(self) -> str:
        return f"{self.param.url} + {self.bin.basename}"

    @property
    def sha256(self) -> str:
        return f"{self.param.sha256}+{self.bin.sha256}"


def fetch_ncnn(
    name: str, dist: NcnnDistribution, mirror: str | None, cache_dir: Path, timeout: float = 60.0
) -> FetchedNcnn:
    """The model's ``.param`` and ``.bin``: from ``<mirror>/ncnn/`` (or the
    release zip on the mirror), else from the official plain files or zip."""
    where = cache_dir / "ncnn"
    pairs: list[str] = []
    if mirror:
        pairs.append(mirror.rstrip("/") + "/ncnn")
    elif dist.base_url:
        pairs.append(dist.base_url.rstrip("/"))
    errors: list[str] = []
    for base in pairs:
        try:
            return FetchedNcnn(
                *(
                    _fetch_url(
                        f"{base}/{item.file}", where / item.file, _known(item), name, timeout
                    )
                    for item in (dist.param, dist.bin)
                )
            )
        except SourceUnavailableError as exc:
            errors.append(str(exc))
    if dist.archive_url:
        archive_name = dist.archive_url.rsplit("/", 1)[-1]
        archive_url = f"{mirror.rstrip('/')}/{archive_name}" if mirror else dist.archive_url
        try:
            archive = _fetch_url(archive_url, cache_dir / archive_name, set(), name, timeout)
            return FetchedNcnn(*(_extract(archive, item, where) for item in (dist.param, dist.bin)))
        except SourceUnavailableError as exc:
            errors.append(str(exc))
    raise SourceUnavailableError("; ".join(errors) or f"{name}: no ncnn source")


def _known(item: NcnnFile) -> set[str]:
    return {item.sha256} if item.sha256 else set()


def _extract(archive: FetchedFile, item: NcnnFile, where: Path) -> FetchedFile:
    """One member of a release zip, found by file name (the zip's folder
    names change between releases)."""
    try:
        with zipfile.ZipFile(archive.path) as bundle:
            members = [m for m in bundle.namelist() if m.rsplit("/", 1)[-1] == item.file]
            if not members:
                raise SourceUnavailableError(f"{archive.url}: holds no {item.file}")
            where.mkdir(parents=True, exist_ok=True)
            target = where / item.file
            partial = where / f".{item.file}.{os.getpid()}.partial"
            with bundle.open(members[0]) as source, partial.open("wb") as out:
                shutil.copyfileobj(source, out, _CHUNK)
            os.replace(partial, target)
    except zipfile.BadZipFile as exc:
        raise SourceUnavailableError(f"{archive.url}: not a zip archive ({exc})") from exc
    return FetchedFile(
        target, f"{archive.url}#{members[0]}", sha256_of(target), target.stat().st_size
    )


def _download(url: str, target: Path, known: set[str], name: str, timeout: float) -> FetchedFile:
    if target.is_file():
        cached_hash = sha256_of(target)
        # Without a known hash there is no telling a stale cache from a good one:
        # download again rather than trust it.
        if cached_hash in known:
            log.info("%s: using cached %s", name, target)
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
