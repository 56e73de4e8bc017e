"""Request and response bodies of the admin JSON API (the auth API's are
`upscaler.auth.schemas`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from upscaler.admin.datefilter import Since, Until
from upscaler.contracts import JobStatus
from upscaler.jobs.commands import RequeueOverrides

# -- jobs ------------------------------------------------------------------------


class AdminJob(BaseModel):
    job_id: str
    status: JobStatus
    progress: int
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    duration_seconds: float | None
    model: str | None
    provider: str | None
    precision: str | None = None
    queue: str
    worker_id: str | None
    attempts: int
    owner: str | None
    filename: str
    params: dict[str, Any]
    requeued_from: str | None
    repeat_of: str | None = Field(
        default=None, description="an instant repeat: the job whose files it shares"
    )
    batch_id: str | None = Field(default=None, description="the batch it belongs to")
    error: str | None


class JobPage(BaseModel):
    items: list[AdminJob]
    total: int
    page: int
    per_page: int


class UploadInfo(BaseModel):
    upload_id: str
    filename: str
    mime_type: str
    width: int
    height: int
    size_bytes: int
    sha256: str
    batch_path: str | None = Field(default=None, description="its path inside its batch")


class ResultOut(BaseModel):
    mime_type: str | None
    width: int | None
    height: int | None
    size_bytes: int | None


class AuditEntryOut(BaseModel):
    id: int
    created_at: datetime
    user_id: int | None
    username: str | None
    action: str
    entity_type: str | None
    entity_id: str | None
    details: dict[str, Any]
    ip_address: str | None


class AdminJobDetail(AdminJob):
    queue_position: int | None
    enqueued_at: datetime | None
    lease_expires_at: datetime | None
    engine: dict[str, Any]
    upload: UploadInfo
    result: ResultOut
    original_url: str
    result_url: str | None
    thumbnail_url: str | None
    requeued_as: list[str]
    audit: list[AuditEntryOut]


class RequeueRequest(RequeueOverrides):
    """Optional overrides; an empty body runs the job again as it was."""


class RequeueOut(BaseModel):
    job_id: str
    requeued_from: str
    status: JobStatus
    model: str | None
    params: dict[str, Any]


class BulkRequeueRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    model: str = Field(max_length=128, description="Requeue the jobs this model produced")
    statuses: list[JobStatus] = Field(default_factory=lambda: [JobStatus.COMPLETED], min_length=1)
    since: Since | None = None
    until: Until | None = None
    use_model: str | None = Field(
        default=None, description="Run them with this model (default: what the preset picks now)"
    )
    include_already_requeued: bool = False


class RequeuedPair(BaseModel):
    original: str
    job_id: str


class BulkRequeueOut(BaseModel):
    count: int
    jobs: list[RequeuedPair]


class BatchRequeueOut(BaseModel):
    batch_id: str
    requeued: list[str] = Field(description="the new jobs' ids")
    skipped: dict[str, str] = Field(
        default_factory=dict, description="failed job id -> why it cannot run again"
    )


class ArtifactsDeleted(BaseModel):
    job_id: str
    deleted_keys: int


# -- workers ------------------------------------------------------------------------


class EngineTrialOut(BaseModel):
    """One engine path a worker measured for a model at start."""

    path: str = Field(description="provider-precision, e.g. openvino-bf16")
    seconds: float | None = Field(default=None, description="the measured pass")
    psnr_db: float | None = Field(
        default=None, description="against the fp32 reference (null for the reference itself)"
    )
    accepted: bool = Field(default=False, description="at or above the quality floor")
    error: str | None = Field(default=None, description="why the path failed to start")

    def rejection(self) -> str | None:
        """Why this candidate was turned down; None when it passed."""
        if self.error:
            return self.error
        return None if self.accepted else "below the quality floor"


class EngineChoiceOut(BaseModel):
    """The engine path a worker chose for one model, and what it measured."""

    path: str = Field(description="the chosen path, e.g. openvino-bf16")
    provider: str | None = None
    precision: str | None = None
    forced: bool = Field(default=False, description="set by the worker's settings, not measured")
    trials: list[EngineTrialOut] = Field(
        default_factory=list, description="every candidate measured (none when forced)"
    )

    def chosen(self) -> EngineTrialOut | None:
        """The measurement of the chosen path, when there is one."""
        return next((t for t in self.trials if t.path == self.path), None)

    def rejected(self) -> list[EngineTrialOut]:
        return [t for t in self.trials if t.rejection() is not None]

    def also_passed(self) -> list[EngineTrialOut]:
        """Candidates that passed but were not chosen (slower, or not forced)."""
        return [t for t in self.trials if t.path != self.path and t.rejection() is None]


class WorkerOut(BaseModel):
    id: str
    hostname: str
    pid: int
    queues: list[str]
    provider: str | None
    precision: str | None = None
    engines: dict[str, EngineChoiceOut] = Field(
        default_factory=dict, description="model name -> the engine path chosen at start"
    )
    gpu: str | None
    current_job_id: str | None
    jobs_done: int
    load_per_core: float | None = None
    rss_bytes: int | None = None
    started_at: datetime
    last_seen_at: datetime
    seconds_since_seen: float
    online: bool


# -- models ------------------------------------------------------------------------


class ModelOut(BaseModel):
    name: str
    type: str
    arch: str
    scale: int
    status: str
    status_reason: str | None
    source: str
    presets: list[str]
    is_default: bool
    quality_rank: int
    gpu_required: bool
    size_bytes: int | None
    sha256: str | None
    note: str | None
    variant_of: str | None
    denoise: str | None
    details: dict[str, Any]
    created_at: datetime
    updated_at: datetime


class ModelUpdateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    presets: list[str] | None = None
    note: str | None = Field(default=None, max_length=5000)
    quality_rank: int | None = Field(default=None, ge=-1000, le=1000)
    gpu_required: bool | None = None


class DemoteOut(BaseModel):
    model: ModelOut
    restored_default: str | None


class RescanOut(BaseModel):
    requested: bool


# -- settings ------------------------------------------------------------------------


class SettingsChanges(BaseModel):
    """Any subset of the run-time settings; validated as a whole, stored in
    the settings table, in effect on every replica and worker within seconds."""

    model_config = ConfigDict(extra="allow")

    max_upload_size_bytes: int | None = None
    allowed_mimes: list[str] | None = None
    max_input_pixels: int | None = None
    rate_limit_per_minute: int | None = None
    job_timeout_seconds: int | None = None
    job_max_retries: int | None = None
    retention_days: int | None = None
    maintenance_mode: bool | None = None
    maintenance_message: str | None = None
    queue_paused: bool | None = None
    instant_repeats: bool | None = None
    account_rate_limit_per_minute: int | None = None
    free_daily_jobs: int | None = None
    pro_daily_jobs: int | None = None
    free_monthly_megapixels: float | None = None
    pro_monthly_megapixels: float | None = None
    max_queued_jobs: int | None = None
    registration: Literal["open", "invite", "off"] | None = None
    watermark_free_tier: bool | None = None


class SettingsOut(BaseModel):
    settings: dict[str, Any]
    changed: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="key -> {old, new}, for what this request changed"
    )


# -- users and audit ------------------------------------------------------------------


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(max_length=64)
    email: str | None = Field(default=None, max_length=254)
    role: Literal["admin", "user"] = "user"
    password: str | None = Field(
        default=None,
        max_length=256,
        description="A first password (to be changed at first login); omit to have one made",
    )


class UserOut(BaseModel):
    id: int
    username: str
    email: str | None
    role: str
    plan: str = Field(description="free or pro: whose daily quota applies")
    is_active: bool
    force_password_reset: bool
    created_at: datetime
    last_login_at: datetime | None
    expires_at: datetime | None
    live_sessions: int = 0


class UserCreated(UserOut):
    generated_password: str | None = Field(
        default=None, description="Only when the server made the password; shown once"
    )


class UserUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Literal["admin", "user"] | None = None
    plan: Literal["free", "pro"] | None = None
    is_active: bool | None = None
    email: str | None = Field(default=None, max_length=254)


class PasswordResetRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    new_password: str | None = Field(
        default=None, max_length=256, description="Replace the password too (optional)"
    )
    generate: bool = Field(default=False, description="Replace it with a generated one")


class PasswordResetOut(BaseModel):
    user: UserOut
    generated_password: str | None
    sessions_ended: int


class SessionsEnded(BaseModel):
    sessions_ended: int


class UserUsageOut(BaseModel):
    plan: str
    jobs_today: int = Field(description="jobs made since 00:00 UTC")
    daily_quota: int = Field(description="the plan's jobs per UTC day; 0: none (admins: none)")
    resets_at: datetime
    jobs_this_month: int = Field(description="jobs made since the 1st, 00:00 UTC")


class UserApiKeyOut(BaseModel):
    """One of a user's API keys (never the key or its hash)."""

    id: int
    name: str
    prefix: str = Field(description="the key's first characters")
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class SessionOut(BaseModel):
    id: int
    kind: str
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    ip_address: str | None
    user_agent: str | None


class AuditPage(BaseModel):
    items: list[AuditEntryOut]
    total: int
    page: int
    per_page: int


class StatsOut(BaseModel):
    queued: int
    running: int
    completed_today: int
    failed_today: int
    average_seconds: float | None
    storage_bytes: int | None
    workers_online: int
    workers_known: int
    queue_paused: bool
    maintenance_mode: bool
    maintenance_message: str
    generated_at: datetime
