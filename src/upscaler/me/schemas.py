"""What /api/v1/me answers."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class NewApiKey(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=64, description="What the key is for")


class ApiKeyOut(BaseModel):
    id: int
    name: str
    prefix: str = Field(description="The key's first characters")
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class ApiKeyCreated(ApiKeyOut):
    key: str = Field(description="The key itself: shown this once, never again")


class UsageOut(BaseModel):
    plan: str
    jobs_today: int
    #: 0: no daily quota.
    daily_quota: int
    resets_at: datetime
    jobs_this_month: int
    input_megapixels_this_month: float
    #: 0: no monthly quota.
    monthly_megapixels_quota: float


class MyJob(BaseModel):
    job_id: str
    status: str
    created_at: datetime
    filename: str
    model: str | None
    batch_id: str | None
    status_url: str
    page_url: str
