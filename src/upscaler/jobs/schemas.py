"""Public job representation (GET /api/v1/jobs/{job_id})."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from upscaler.contracts import JobStatus
from upscaler.notifications.schemas import NotificationOut


class ResultInfo(BaseModel):
    width: int
    height: int
    size_bytes: int
    mime_type: str


class OriginalInfo(BaseModel):
    filename: str
    width: int
    height: int
    frames: int = Field(default=1, description="an animation's frames (1: a still image)")
    size_bytes: int
    mime_type: str


class JobOut(BaseModel):
    job_id: str
    status: JobStatus
    progress: int = Field(ge=0, le=100)
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    duration_seconds: float | None
    queue_position: int | None = Field(
        default=None, description="1 = next to run; null unless queued"
    )
    estimated_seconds: int | None = Field(
        default=None, description="remaining time estimate, while queued or running"
    )
    params: dict[str, Any]
    model: str | None
    model_reason: str | None = Field(
        default=None,
        description="why this model runs rather than the preset's first choice (time limit)",
    )
    estimated_seconds_at_upload: float | None = Field(
        default=None, description="the estimate given when the image was uploaded"
    )
    provider: str | None
    precision: str | None = Field(
        default=None,
        description="the precision the model ran at on that provider: fp32, bf16, fp16, int8",
    )
    instant_repeat: bool = Field(
        default=False,
        description="completed at once from an identical earlier job's result "
        "(same input bytes, parameters and model version); nothing ran",
    )
    worker_id: str | None
    attempts: int
    error: str | None
    original: OriginalInfo
    original_url: str
    files_removed_at: datetime | None = Field(
        default=None, description="when retention deleted the original (links then answer 404)"
    )
    result: ResultInfo | None = None
    result_url: str | None = None
    thumbnail_url: str | None = None
    links: dict[str, str] = Field(default_factory=dict)
    notifications: list[NotificationOut] = Field(
        default_factory=list, description="webhook and e-mail deliveries, once the job has ended"
    )
