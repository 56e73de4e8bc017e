"""Mint a short-lived link to a stored object: a presigned S3 URL when the
settings ask for one, otherwise a signed link to this API's file endpoint.
The API mints them per request; workers (notifications) with the public URL."""

from __future__ import annotations

from upscaler.config import Settings
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
