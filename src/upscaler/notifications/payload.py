"""The event a webhook carries, and the links in it.

Links are absolute, based on UPSCALER_PUBLIC_BASE_URL (or
``http://{host}:{port}`` when it is unset, which only suits a receiver on the
same machine), and short-lived: download links are signed like the API's
and expire after UPSCALER_SIGNED_URL_TTL_SECONDS; each attempt mints fresh ones.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from upscaler.config import Settings
from upscaler.contracts import JobStatus
from upscaler.db.tables import Job, Upload
from upscaler.db.types import utcnow
from upscaler.downloads.links import mint_link, result_filename
from upscaler.security.signing import DownloadGrant, DownloadSigner
from upscaler.storage.base import Storage

#: Parameters sent back to the receiver; the e-mail address and the callback
#: URL itself stay out of the body.
PUBLIC_PARAMS = ("factor", "preset", "denoise", "refine_faces", "output_format", "quality")


class NotificationEvent(StrEnum):
    COMPLETED = "job.completed"
    FAILED = "job.failed"

    @classmethod
    def for_status(cls, status: str) -> NotificationEvent | None:
        """The event a job in this status announces (None: nothing to announce)."""
        if status == JobStatus.COMPLETED:
            return cls.COMPLETED
        if status == JobStatus.FAILED:
            return cls.FAILED
        return None


def public_base_url(settings: Settings) -> str:
    return (settings.public_base_url or f"http://{settings.host}:{settings.port}").rstrip("/")


def job_page_url(settings: Settings, job_id: str) -> str:
    return f"{public_base_url(settings)}/jobs/{job_id}"


class LinkMaker:
    """Signed download links outside a request (the worker's side of
    `upscaler.downloads.request_links.signed_url`)."""

    def __init__(self, settings: Settings, storage: Storage) -> None:
        self.settings = settings
        self.storage = storage
        self.signer = DownloadSigner(settings.secret(), settings.signed_url_ttl_seconds)

    async def link(self, grant: DownloadGrant) -> str:
        base = public_base_url(self.settings)
        return await mint_link(self.settings, self.storage, self.signer, base, grant)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment is not None else None


async def build_event(
    settings: Settings,
    links: LinkMaker,
    job: Job,
    upload: Upload | None,
    event: NotificationEvent,
    delivery_id: str,
) -> dict[str, Any]:
    """The JSON body of one webhook attempt."""
    base = public_base_url(settings)
    now = utcnow()
    completed = event == NotificationEvent.COMPLETED
    result = None
    result_url = original_url = None
    if completed and job.result_mime_type:
        result = {
            "width": job.result_width,
            "height": job.result_height,
            "size_bytes": job.result_size_bytes,
            "mime_type": job.result_mime_type,
        }
    if upload is not None:
        original_url = await links.link(
            DownloadGrant(
                upload.storage_key, upload.original_filename or "original", upload.mime_type
            )
        )
        if completed and job.result_storage_key and job.result_mime_type:
            result_url = await links.link(
                DownloadGrant(
                    job.result_storage_key, result_filename(job, upload), job.result_mime_type
                )
            )
    return {
        "event": event.value,
        "delivery_id": delivery_id,
        "sent_at": _iso(now),
        "job_id": job.job_id,
        "status": job.status,
        "model": job.model,
        "provider": job.provider,
        "precision": job.precision,
        "params": {key: job.params[key] for key in PUBLIC_PARAMS if key in job.params},
        "attempts": job.attempts,
        "created_at": _iso(job.created_at),
        "started_at": _iso(job.started_at),
        "finished_at": _iso(job.finished_at),
        "duration_seconds": job.duration_seconds,
        "original": None
        if upload is None
        else {
            "filename": upload.original_filename,
            "width": upload.width,
            "height": upload.height,
            "size_bytes": upload.size_bytes,
            "mime_type": upload.mime_type,
        },
        "result": result,
        "result_url": result_url,
        "original_url": original_url,
        "links_expire_at": _iso(now + timedelta(seconds=settings.signed_url_ttl_seconds)),
        "job_url": f"{base}/api/v1/jobs/{job.job_id}",
        "page_url": f"{base}/jobs/{job.job_id}",
        "error": job.error_message if job.status == JobStatus.FAILED else None,
    }


def encode(event: dict[str, Any]) -> bytes:
    """The exact bytes that are signed and sent."""
    return json.dumps(event, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
