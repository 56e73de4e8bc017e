"""The preview form and the preview resource."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from upscaler.contracts import Denoise, Factor, PreviewStatus
from upscaler.errors import APIError, FieldError
from upscaler.previews.crop import DEFAULT_SIDE, MAX_SIDE, MIN_SIDE
from upscaler.uploads.schemas import form_problems


class PreviewForm(BaseModel):
    """Text fields of POST /api/v1/previews (the image travels beside them)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    #: The crop's top-left corner; both or neither (then the most detailed square).
    x: int | None = Field(default=None, ge=0)
    y: int | None = Field(default=None, ge=0)
    size: int = Field(default=DEFAULT_SIDE, ge=MIN_SIDE, le=MAX_SIDE)
    factor: Factor = Factor.X4
    denoise: Denoise = Denoise.NONE

    @field_validator("x", "y", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @classmethod
    def parse(cls, fields: dict[str, str]) -> PreviewForm:
        try:
            form = cls.model_validate(fields)
        except ValidationError as error:
            raise APIError(
                400, "invalid_request", "invalid preview form", fields=form_problems(error)
            ) from error
        if (form.x is None) != (form.y is None):
            missing = "y" if form.y is None else "x"
            raise APIError(
                400,
                "invalid_request",
                "invalid preview form",
                fields=[FieldError(missing, "give x and y together, or neither")],
            )
        return form


class CropRegion(BaseModel):
    x: int
    y: int
    width: int
    height: int
    chosen: bool = Field(description="false: the most detailed square, found by the server")


class ModelPreview(BaseModel):
    model: str
    presets: list[str]
    status: PreviewStatus
    #: The crop upscaled by this model (PNG), once completed.
    image_url: str | None = None
    #: How long the crop took on the worker.
    seconds: float | None = None
    #: How long the whole image would run with this model (no queue wait).
    estimated_seconds: int
    error: str | None = None


class PreviewResource(BaseModel):
    model_config = ConfigDict(json_schema_extra={"title": "Preview"})

    preview_id: str
    status: PreviewStatus
    created_at: datetime
    cached: bool = Field(description="true: an identical earlier request's preview")
    image_width: int
    image_height: int
    crop: CropRegion
    crop_url: str
    factor: Factor
    denoise: Denoise
    models: list[ModelPreview]
    status_url: str
