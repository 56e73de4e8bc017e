"""The upload form and its reply."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from upscaler.contracts import Denoise, Factor, JobParams, JobStatus, OutputFormat, Preset
from upscaler.errors import APIError, FieldError
from upscaler.notifications.ssrf import UnsafeCallbackError, parse_callback_url

_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off", ""}


class UploadForm(BaseModel):
    """Text fields of POST /api/v1/uploads (the file travels beside them)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    factor: Factor
    preset: Preset = Preset.STANDARD
    denoise: Denoise = Denoise.NONE
    refine_faces: bool = False
    output_format: OutputFormat = OutputFormat.PNG
    quality: int = Field(default=92, ge=1, le=100)
    email: str | None = Field(default=None, max_length=254)
    callback_url: str | None = Field(default=None, max_length=2048)

    @field_validator("refine_faces", mode="before")
    @classmethod
    def _boolean(cls, value: Any) -> Any:
        if isinstance(value, str):
            lowered = value.strip().lower()
            if lowered in _TRUE:
                return True
            if lowered in _FALSE:
                return False
            raise ValueError("must be true or false")
        return value

    @field_validator("email", "callback_url", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value is not None and not _EMAIL.fullmatch(value):
            raise ValueError("is not an email address")
        return value

    @field_validator("callback_url")
    @classmethod
    def _callback(cls, value: str | None) -> str | None:
        # Syntax only (http/https, a host, no credentials); the addresses are
        # checked, with DNS, by upscaler.notifications.intake.
        if value is not None:
            try:
                parse_callback_url(value)
            except UnsafeCallbackError as error:
                raise ValueError(str(error)) from error
        return value

    @classmethod
    def parse(cls, fields: dict[str, str]) -> UploadForm:
        try:
            return cls.model_validate(fields)
        except ValidationError as error:
            problems = []
            for item in error.errors():
                name = ".".join(str(p) for p in item["loc"]) or "form"
                message = item["msg"]
                if item["type"] == "extra_forbidden":
                    message = "is not a known field"
                elif item["type"] == "missing":
                    message = "is required"
                problems.append(FieldError(name, message.removeprefix("Value error, ")))
            raise APIError(
                400, "invalid_request", "invalid upload form", fields=problems
            ) from error

    def job_params(self) -> JobParams:
        return JobParams(**self.model_dump())


class UploadAccepted(BaseModel):
    job_id: str
    status: JobStatus = JobStatus.QUEUED
    created_at: datetime
    estimated_seconds: int
    status_url: str
    events_url: str
