"""The endpoint behind every signed link, and the redirect that mints one for an
original upload (a job's result has its own under `upscaler.jobs.endpoints`)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, StreamingResponse

from upscaler.accounts.caller import CallerDep
from upscaler.db.tables import Upload
from upscaler.deps import ContextDep, SessionDep
from upscaler.downloads.request_links import signed_url
from upscaler.errors import APIError
from upscaler.openapi import documented_error
from upscaler.security.signing import DownloadGrant, InvalidLinkError
from upscaler.storage import ObjectNotFoundError

router = APIRouter(prefix="/api/v1", tags=["downloads"])


def content_disposition(filename: str, *, inline: bool) -> str:
    kind = "inline" if inline else "attachment"
    ascii_name = filename.encode("ascii", "replace").decode().replace("?", "_").replace('"', "")
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


@router.get(
    "/files/{token}",
    response_class=StreamingResponse,
    responses={
        200: {
            "content": {"image/*": {"schema": {"type": "string", "format": "binary"}}},
            "description": "The file",
        },
        403: documented_error("The link was altered or has expired"),
        404: documented_error("The file no longer exists"),
    },
)
async def download_file(token: str, context: ContextDep) -> StreamingResponse:
    """Stream a stored file named by a signed, short-lived token."""
    try:
        grant = context.signer.verify(token)
    except InvalidLinkError as error:
        raise APIError(403, "forbidden", error.reason) from error
    try:
        size = await context.storage.size(grant.key)
    except ObjectNotFoundError as error:
        raise APIError(404, "not_found", "the file no longer exists") from error

    async def body() -> AsyncIterator[bytes]:
        async for chunk in context.storage.stream(grant.key):
            yield chunk

    return StreamingResponse(
        body(),
        media_type=grant.content_type,
        headers={
            "Content-Length": str(size),
            "Content-Disposition": content_disposition(grant.filename, inline=grant.inline),
            "Cache-Control": "private, max-age=300",
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.get(
    "/uploads/{upload_id}/download",
    status_code=307,
    responses={404: documented_error("No such upload")},
)
async def download_original(
    upload_id: str, request: Request, context: ContextDep, session: SessionDep, caller: CallerDep
) -> RedirectResponse:
    """Redirect to a freshly signed link to an original upload."""
    upload = await session.get(Upload, upload_id)
    if upload is None or not caller.may_see(upload.owner_id):
        raise APIError(404, "not_found", f"no upload {upload_id!r}")
    grant = DownloadGrant(upload.storage_key, upload.original_filename, upload.mime_type)
    return RedirectResponse(await signed_url(context, request, grant), status_code=307)
