"""The upload form and its reply."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
)

from upscaler.contracts import (
    Denoise,
    Factor,
    Fit,
    JobParams,
    JobStatus,
    OutputFormat,
    Preset,
    PrintSize,
    TargetSize,
)
from upscaler.errors import APIError, FieldError
from upscaler.notifications.ssrf import UnsafeCallbackError, parse_callback_url
from upscaler.sizing import SizeRequest

_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off", ""}


def form_problems(error: ValidationError) -> list[FieldError]:
    """A form's validation errors as field errors, in the words the pages show."""
    problems = []
    for item in error.errors():
        name = ".".join(str(p) for p in item["loc"]) or "form"
        message = item["msg"]
        if item["type"] == "extra_forbidden":
            message = "is not a known field"
        elif item["type"] == "missing":
            message = "is required"
        problems.append(FieldError(name, message.removeprefix("Value error, ")))
    return problems


class UploadForm(BaseModel):
    """Text fields of POST /api/v1/uploads (the file travels beside them)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    #: 2x or 4x; or leave it out and ask for a size (target_width/height, print_size).
    factor: Factor | None = None
    target_width: int | None = Field(default=None, ge=1, le=65535)
    target_height: int | None = Field(default=None, ge=1, le=65535)
    fit: Fit = Fit.CONTAIN
    print_size: PrintSize | None = None
    dpi: int | None = Field(default=None, ge=30, le=2400)
    preset: Preset = Preset.STANDARD
    denoise: Denoise = Denoise.NONE
    refine_faces: bool = False
    #: A model by name (compared in a preview) instead of the preset's choice.
    model: str | None = Field(default=None, max_length=128)
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

    @field_validator("target_width", "target_height", "dpi", "print_size", mode="before")
    @classmethod
    def _blank_number_is_none(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    def _size_choice_problem(self) -> FieldError | None:
        sized = self.size_request.asked
        if self.factor is None and not sized:
            return FieldError("factor", "is required")
        if self.factor is not None and sized:
            return FieldError("factor", "give factor or a target size, not both")
        if self.print_size is not None and (self.target_width or self.target_height):
            return FieldError("print_size", "give print_size or target_width/height, not both")
        return None

    @property
    def size_request(self) -> SizeRequest:
        return SizeRequest(
            self.target_width, self.target_height, self.fit, self.print_size, self.dpi
        )

    @field_validator("email", "callback_url", "model", mode="before")
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
            form = cls.model_validate(fields)
        except ValidationError as error:
            raise APIError(
                400, "invalid_request", "invalid upload form", fields=form_problems(error)
            ) from error
        if (problem := form._size_choice_problem()) is not None:
            raise APIError(400, "invalid_request", "invalid upload form", fields=[problem])
        return form

    def job_params(
        self,
        factor: Factor | None = None,
        target: TargetSize | None = None,
        *,
        watermark: bool = False,
    ) -> JobParams:
        """The job's parameters; with a target size, the factor chosen for it."""
        size_fields = {"factor", "target_width", "target_height", "fit", "print_size", "dpi"}
        chosen = factor or self.factor
        assert chosen is not None  # the form has a factor or a size, and a size plans one
        # The model is the job's own column (its placement), not a parameter.
        fields = self.model_dump(exclude=size_fields | {"model"})
        return JobParams(**fields, factor=chosen, target=target, watermark=watermark)


class UploadAccepted(BaseModel):
    job_id: str
    status: JobStatus = JobStatus.QUEUED
    created_at: datetime
    estimated_seconds: int
    status_url: str
    events_url: str
