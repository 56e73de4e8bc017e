"""The batch's ZIP: each completed result under the image's path in the
batch (its extension the result's), and a manifest of every image — done,
failed, still running, refused at intake — streamed as it is built."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from pathlib import PurePosixPath
from typing import Any

from upscaler.batches.archive import ZipMember, stream_zip
from upscaler.batches.status import BatchState
from upscaler.contracts import JobStatus
from upscaler.db.types import utcnow
from upscaler.storage.base import Storage

MANIFEST = "manifest.json"


def result_name(path: str, result_key: str) -> str:
    """ "holiday/beach.jpg" with a PNG result → "holiday/beach.png"."""
    suffix = PurePosixPath(result_key).suffix or ".png"
    return str(PurePosixPath(path).with_suffix(suffix))


def manifest(state: BatchState) -> dict[str, Any]:
    images = []
    for job, upload in state.items:
        entry: dict[str, Any] = {
            "name": upload.batch_path or upload.original_filename,
            "job_id": job.job_id,
            "status": job.status,
        }
        if job.status == JobStatus.COMPLETED and job.result_storage_key:
            entry["result"] = result_name(entry["name"], job.result_storage_key)
            entry["model"] = job.model
        elif job.error_message:
            entry["error"] = job.error_message
        images.append(entry)
    return {
        "batch_id": state.batch.id,
        "status": state.status.value,
        "written_at": utcnow().isoformat(),
        "images": images,
        "refused": state.batch.rejected,
    }


def _one_chunk(data: bytes) -> Callable[[], AsyncIterator[bytes]]:
    async def chunks() -> AsyncIterator[bytes]:
        yield data

    return chunks


def _stored(storage: Storage, key: str) -> Callable[[], AsyncIterator[bytes]]:
    def chunks() -> AsyncIterator[bytes]:
        return storage.stream(key)

    return chunks


async def _members(state: BatchState, storage: Storage) -> AsyncIterator[ZipMember]:
    for job, upload in state.items:
        key = job.result_storage_key
        if job.status != JobStatus.COMPLETED or not key:
            continue
        modified: datetime = job.finished_at or utcnow()
        name = result_name(upload.batch_path or upload.original_filename, key)
        yield ZipMember(name, _stored(storage, key), modified)
    data = json.dumps(manifest(state), indent=2).encode()
    yield ZipMember(MANIFEST, _one_chunk(data), utcnow())


def zip_stream(state: BatchState, storage: Storage) -> AsyncIterator[bytes]:
    return stream_zip(_members(state, storage))
