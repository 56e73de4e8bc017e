"""What the batch API answers."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field

from upscaler.contracts import JobStatus


class BatchStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    COMPLETED = "completed"
    #: Every job ended; some did not complete (see each job's error).
    COMPLETED_WITH_ERRORS = "completed_with_errors"
    FAILED = "failed"
    CANCELED = "canceled"


class RejectedEntry(BaseModel):
    name: str = Field(description="The file's path in the batch")
    code: str
    message: str


class BatchJob(BaseModel):
    job_id: str
    name: str = Field(description="The image's path in the batch (folders kept)")
    status: JobStatus
    progress: int
    error: str | None = None
    status_url: str
    thumbnail_url: str | None = None
    result_url: str | None = None


class BatchCounts(BaseModel):
    queued: int = 0
    running: int = 0
    completed: int = 0
    failed: int = 0
    canceled: int = 0


class BatchOut(BaseModel):
    batch_id: str
    status: BatchStatus
    #: Mean of the jobs' progress, an ended job counting 100.
    progress: int
    created_at: datetime
    total: int
    counts: BatchCounts
    jobs: list[BatchJob]
    rejected: list[RejectedEntry]
    status_url: str
    events_url: str
    download_url: str
    page_url: str
