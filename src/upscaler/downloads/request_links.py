"""Links minted inside a request: based on the URL the client used (or
UPSCALER_PUBLIC_BASE_URL when it is set)."""

from __future__ import annotations

from fastapi import Request

from upscaler.context import AppContext
from upscaler.downloads.links import mint_link
from upscaler.security.signing import DownloadGrant


def base_url(context: AppContext, request: Request) -> str:
    return (context.settings.public_base_url or str(request.base_url)).rstrip("/")


async def signed_url(context: AppContext, request: Request, grant: DownloadGrant) -> str:
    return await mint_link(
        context.settings, context.storage, context.signer, base_url(context, request), grant
    )
