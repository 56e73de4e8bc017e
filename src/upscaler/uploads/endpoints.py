"""POST /api/v1/uploads."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, status
from fastapi.responses import JSONResponse

from upscaler.accounts.caller import CallerDep
from upscaler.contracts import Fit, PrintSize
from upscaler.deps import ContextDep
from upscaler.downloads.request_links import base_url
from upscaler.openapi import documented_error as error
from upscaler.uploads import service
from upscaler.uploads.schemas import UploadAccepted

router = APIRouter(prefix="/api/v1", tags=["uploads"])


UPLOAD_FORM_SCHEMA: dict[str, Any] = {
    "type": "object",
    # factor, or a target size (target_width and/or target_height, or print_size).
    "required": ["file"],
    "properties": {
        "file": {
            "type": "string",
            "format": "binary",
            "description": (
                "JPEG, PNG, WebP, TIFF or GIF; an animated GIF, WebP or PNG "
                "has every frame upscaled"
            ),
        },
        # The enums the job resource uses too, so a client has one type of each.
        "factor": {"$ref": "#/components/schemas/Factor"},
        "target_width": {"type": "integer", "minimum": 1, "maximum": 65535},
        "target_height": {"type": "integer", "minimum": 1, "maximum": 65535},
        "fit": {"type": "string", "enum": [fit.value for fit in Fit], "default": "contain"},
        "print_size": {"type": "string", "enum": [size.value for size in PrintSize]},
        "dpi": {
            "type": "integer",
            "minimum": 30,
            "maximum": 2400,
            "description": "Written into the result; with print_size, 300 unless given",
        },
        "preset": {"$ref": "#/components/schemas/Preset", "default": "standard"},
        "denoise": {"$ref": "#/components/schemas/Denoise", "default": "none"},
        "refine_faces": {"type": "boolean", "default": False},
        "model": {
            "type": "string",
            "maxLength": 128,
            "description": "Run this model (by name, as a preview lists them) instead of "
            "the preset's choice",
        },
        "output_format": {"$ref": "#/components/schemas/OutputFormat", "default": "png"},
        "quality": {"type": "integer", "minimum": 1, "maximum": 100, "default": 92},
        "email": {"type": "string", "format": "email"},
        "callback_url": {"type": "string", "format": "uri"},
    },
}


@router.post(
    "/uploads",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=UploadAccepted,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"multipart/form-data": {"schema": UPLOAD_FORM_SCHEMA}},
        }
    },
    responses={
        400: error("Invalid form fields (field-level errors)"),
        413: error("The file is larger than the upload limit"),
        415: error("The file is not a supported image type"),
        422: error("An image the server will not process (pixels, animation, corrupt)"),
        401: error("An API key or token was sent but is not valid (revoked, expired)"),
        429: error(
            "A limit was reached: the client's or the account's rate, the account's daily "
            "quota, or the queue's cap (the body's code and message say which; Retry-After)"
        ),
        503: error("The queue is unavailable or no model is installed; retry later"),
    },
)
async def create_upload(request: Request, context: ContextDep, caller: CallerDep) -> JSONResponse:
    """Upload an image and queue an upscaling job. Poll `status_url` or follow
    `events_url` (server-sent events) until the job completes."""
    job, estimate = await service.take_upload(
        context,
        caller,
        request.headers.get("content-type"),
        request.headers.get("content-length"),
        request.stream(),
    )
    base = base_url(context, request)
    accepted = UploadAccepted(
        job_id=job.job_id,
        status=job.status,
        created_at=job.created_at,
        estimated_seconds=estimate,
        status_url=f"{base}/api/v1/jobs/{job.job_id}",
        events_url=f"{base}/api/v1/jobs/{job.job_id}/events",
    )
    return JSONResponse(
        accepted.model_dump(mode="json"),
        status_code=status.HTTP_202_ACCEPTED,
        headers={"Location": accepted.status_url},
    )
