"""Mint a short-lived link to a stored object: a presigned S3 URL when the
settings ask for one, otherwise a signed link to this API's file endpoint.
The API mints them per request (`upscaler.downloads.request_links`); workers
(notifications) with the public URL. No HTTP framework here: the worker
imports this module."""

from __future__ import annotations

from pathlib import PurePosixPath

from upscaler.config import Settings
from upscaler.db.tables import Job, Upload
from upscaler.security.signing import DownloadGrant, DownloadSigner
from upscaler.storage.base import Storage


async def mint_link(
    settings: Settings,
    storage: Storage,
    signer: DownloadSigner,
    base_url: str,
    grant: DownloadGrant,
) -> str:
    if settings.storage_backend == "s3" and settings.s3_download_mode == "presigned":
        direct = await storage.presigned_url(
            grant.key,
            expires_in=settings.signed_url_ttl_seconds,
            filename=grant.filename,
            content_type=grant.content_type,
        )
        if direct is not None:
            return direct
    return f"{base_url}/api/v1/files/{signer.sign(grant)}"


def result_filename(job: Job, upload: Upload) -> str:
    """The name a job's result downloads under: the original's stem, the factor."""
    stem = PurePosixPath(upload.original_filename or "image").stem or "image"
    extension = PurePosixPath(job.result_storage_key or "").suffix or ".png"
    factor = str(job.params.get("factor", ""))
    return f"{stem}-upscaled-{factor}{extension}" if factor else f"{stem}-upscaled{extension}"
