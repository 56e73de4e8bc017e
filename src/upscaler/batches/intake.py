"""From the parts of a batch request to the images it holds: files sent as
they are, and the images inside ZIPs (checked from their directory first,
see `archive`). What is not an image is reported, not fatal; an archive that
is dangerous as a whole refuses the whole request (nothing is created)."""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from PIL import Image

from upscaler.batches.archive import (
    ArchiveRefused,
    ZipLimits,
    extract_entry,
    inspect_zip,
    safe_member_name,
)
from upscaler.errors import APIError, FieldError
from upscaler.receive import ReceivedFile

ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
#: BMP is not a format the service takes (uploads refuse it); in a batch, as
#: in the CLI, it is turned into a lossless PNG first: folders of BMPs are common.
BMP_MAGIC = b"BM"


@dataclass(frozen=True)
class BatchLimits:
    max_images: int
    max_total_bytes: int
    max_image_bytes: int


@dataclass(frozen=True)
class Candidate:
    """One image that may become a job: its spooled file and its path in the batch."""

    path: Path
    name: str
    size_bytes: int
    sha256: str


@dataclass(frozen=True)
class Rejection:
    name: str
    code: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"name": self.name, "code": self.code, "message": self.message}


@dataclass
class Intake:
    candidates: list[Candidate] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)
    _names: set[str] = field(default_factory=set)

    def unique(self, name: str) -> str:
        """The name, or "name (2).ext" when the batch already has it (any case)."""
        path = PurePosixPath(name)
        candidate, number = name, 1
        while candidate.casefold() in self._names:
            number += 1
            candidate = str(path.with_name(f"{path.stem} ({number}){path.suffix}"))
        self._names.add(candidate.casefold())
        return candidate


def archive_refused(refusal: ArchiveRefused, filename: str) -> APIError:
    status = 413 if refusal.code == "too_large_uncompressed" else 422
    message = f"{filename or 'the archive'}: {refusal.message}"
    return APIError(status, refusal.code, message, fields=[FieldError("file", message)])


def _head(path: Path) -> bytes:
    with path.open("rb") as handle:
        return handle.read(4)


def _from_zip(part: ReceivedFile, spool: Path, limits: BatchLimits, intake: Intake) -> None:
    zip_limits = ZipLimits(
        max_entries=limits.max_images,
        max_total_bytes=limits.max_total_bytes,
        max_entry_bytes=limits.max_image_bytes,
    )
    try:
        entries = inspect_zip(part.path, zip_limits)
        with zipfile.ZipFile(part.path) as archive:
            for entry in entries:
                if entry.skipped_reason is not None:
                    intake.rejected.append(Rejection(entry.name, "skipped", entry.skipped_reason))
                    continue
                destination = spool / f"entry-{len(intake.candidates)}-{part.path.name}"
                digest = extract_entry(archive, entry, destination, limits.max_image_bytes)
                intake.candidates.append(
                    Candidate(destination, intake.unique(entry.name), entry.size, digest)
                )
    except ArchiveRefused as refusal:
        raise archive_refused(refusal, part.filename) from refusal


def collect(parts: list[ReceivedFile], spool: Path, limits: BatchLimits) -> Intake:
    """Blocking (it reads archives); run it in a thread. The candidates' files
    are in `spool` or are the parts themselves: the caller discards both."""
    intake = Intake()
    for part in parts:
        if part.size_bytes == 0:
            intake.rejected.append(Rejection(part.filename or "file", "empty", "the file is empty"))
        elif _head(part.path) in ZIP_MAGIC:
            _from_zip(part, spool, limits, intake)
        else:
            name = intake.unique(safe_member_name(part.filename or "image"))
            intake.candidates.append(Candidate(part.path, name, part.size_bytes, part.sha256))
    if len(intake.candidates) > limits.max_images:
        message = f"a batch holds at most {limits.max_images} images"
        raise APIError(422, "too_many_entries", message, fields=[FieldError("file", message)])
    return intake


def bmp_to_png(path: Path) -> bool:
    """Rewrite a BMP as a lossless PNG in place; False for any other file."""
    if _head(path)[:2] != BMP_MAGIC:
        return False
    with Image.open(path) as image:
        image.load()
        image.save(path, format="PNG")
    return True
