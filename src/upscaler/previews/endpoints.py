"""POST /api/v1/previews and the preview's status and images."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request, status
from fastapi.responses import JSONResponse, StreamingResponse

from upscaler.accounts.caller import CallerDep
from upscaler.context import AppContext
from upscaler.contracts import Denoise, Factor, PreviewStatus
from upscaler.db.tables import Preview
from upscaler.deps import ContextDep, SessionDep
from upscaler.downloads.request_links import base_url
from upscaler.errors import APIError
from upscaler.openapi import documented_error as error
from upscaler.previews import service
from upscaler.previews.crop import DEFAULT_SIDE, MAX_SIDE, MIN_SIDE
from upscaler.previews.schemas import CropRegion, ModelPreview, PreviewResource
from upscaler.storage import ObjectNotFoundError

router = APIRouter(prefix="/api/v1/previews", tags=["previews"])

PREVIEW_FORM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["file"],
    "properties": {
        "file": {"type": "string", "format": "binary", "description": "The whole image"},
        "x": {"type": "integer", "minimum": 0, "description": "Crop's left edge (with y)"},
        "y": {"type": "integer", "minimum": 0, "description": "Crop's top edge (with x)"},
        "size": {
            "type": "integer",
            "minimum": MIN_SIDE,
            "maximum": MAX_SIDE,
            "default": DEFAULT_SIDE,
            "description": "The crop's side in pixels",
        },
        "factor": {"$ref": "#/components/schemas/Factor", "default": "4x"},
        "denoise": {"$ref": "#/components/schemas/Denoise", "default": "none"},
    },
}
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: error("No such preview (or it expired)")}


def to_resource(
    preview: Preview, request: Request, context: AppContext, *, cached: bool = False
) -> PreviewResource:
    url = f"{base_url(context, request)}/api/v1/previews/{preview.id}"
    models = []
    for entry in preview.models:
        done = entry["status"] == PreviewStatus.COMPLETED.value
        models.append(
            ModelPreview(
                model=entry["model"],
                presets=entry.get("presets", []),
                status=PreviewStatus(entry["status"]),
                image_url=f"{url}/models/{quote(entry['model'])}" if done else None,
                seconds=entry.get("seconds"),
                estimated_seconds=entry["estimated_seconds"],
                error=entry.get("error"),
            )
        )
    return PreviewResource(
        preview_id=preview.id,
        status=PreviewStatus(preview.status),
        created_at=preview.created_at,
        cached=cached,
        image_width=preview.image_width,
        image_height=preview.image_height,
        crop=CropRegion(
            x=preview.crop_x,
            y=preview.crop_y,
            width=preview.crop_width,
            height=preview.crop_height,
            chosen=preview.crop_origin == "chosen",
        ),
        crop_url=f"{url}/crop",
        factor=Factor(preview.factor),
        denoise=Denoise(preview.denoise),
        models=models,
        status_url=url,
    )


@router.post(
    "",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=PreviewResource,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"multipart/form-data": {"schema": PREVIEW_FORM_SCHEMA}},
        }
    },
    responses={
        200: {"model": PreviewResource, "description": "An identical recent preview (cached)"},
        400: error("Invalid form fields (field-level errors)"),
        413: error("The file is larger than the upload limit"),
        415: error("The file is not a supported image type"),
        422: error("An image the server will not process"),
        429: error("Too many previews from this client"),
        503: error("The queue is unavailable or no model is installed; retry later"),
    },
)
async def create_preview(request: Request, context: ContextDep, caller: CallerDep) -> JSONResponse:
    """Upscale a small crop (default: the most detailed 128² square) with every
    installed model, to compare them before running the full job. Poll
    `status_url` until every model's `image_url` is there; then upload with
    `model` set to the one you prefer."""
    preview, cached = await service.take_preview(
        context,
        caller,
        request.headers.get("content-type"),
        request.headers.get("content-length"),
        request.stream(),
    )
    resource = to_resource(preview, request, context, cached=cached)
    return JSONResponse(
        resource.model_dump(mode="json"),
        status_code=status.HTTP_200_OK if cached else status.HTTP_202_ACCEPTED,
        headers={"Location": resource.status_url},
    )


@router.get("/{preview_id}", response_model=PreviewResource, responses=NOT_FOUND)
async def get_preview(
    preview_id: str, request: Request, context: ContextDep, session: SessionDep, caller: CallerDep
) -> PreviewResource:
    """The preview's crop, and each model's state, image and estimate."""
    return to_resource(await service.load(session, preview_id, caller), request, context)


def _image(context: AppContext, key: str) -> StreamingResponse:
    async def body() -> AsyncIterator[bytes]:
        async for chunk in context.storage.stream(key):
            yield chunk

    return StreamingResponse(
        body(),
        media_type="image/png",
        headers={"Cache-Control": "private, max-age=86400, immutable"},
    )


IMAGE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {"image/*": {"schema": {"type": "string", "format": "binary"}}},
        "description": "A PNG image",
    },
    **NOT_FOUND,
}


async def _existing(context: AppContext, key: str) -> str:
    try:
        await context.storage.size(key)
    except ObjectNotFoundError as missing:
        raise APIError(404, "not_found", "the image no longer exists") from missing
    return key


@router.get("/{preview_id}/crop", response_class=StreamingResponse, responses=IMAGE_RESPONSES)
async def get_crop(
    preview_id: str, context: ContextDep, session: SessionDep, caller: CallerDep
) -> StreamingResponse:
    """The crop as it was cut from the image (PNG), before upscaling."""
    preview = await service.load(session, preview_id, caller)
    return _image(context, await _existing(context, preview.crop_storage_key))


@router.get(
    "/{preview_id}/models/{model}", response_class=StreamingResponse, responses=IMAGE_RESPONSES
)
async def get_model_image(
    preview_id: str, model: str, context: ContextDep, session: SessionDep, caller: CallerDep
) -> StreamingResponse:
    """The crop upscaled by one model (PNG), once that model is done."""
    preview = await service.load(session, preview_id, caller)
    for entry in preview.models:
        if entry["model"] == model and entry.get("storage_key"):
            return _image(context, await _existing(context, entry["storage_key"]))
    raise APIError(404, "not_found", f"no finished preview of model {model!r}")
