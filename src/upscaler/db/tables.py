"""The relational model (blueprint 000 §3 and 001), as SQLModel tables.

Alembic migrations are the only way these become a schema; `alembic check`
compares this module with the migrations in CI.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from upscaler.db.types import UTCDateTime, utcnow

# Stable constraint names, so migrations are reproducible on every database.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def _json() -> Any:
    return Field(default_factory=dict, sa_type=JSON)


def _timestamp(*, index: bool = False, nullable: bool = False) -> Any:
    if nullable:
        return Field(default=None, sa_type=UTCDateTime, index=index)
    return Field(default_factory=utcnow, sa_type=UTCDateTime, index=index)


class User(SQLModel, table=True):
    __tablename__ = "users"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, unique=True)
    email: str | None = Field(default=None, max_length=254, unique=True)
    password_hash: str = Field(max_length=255)
    role: str = Field(default="user", max_length=16)  # admin | user
    is_active: bool = True
    force_password_reset: bool = False
    created_at: datetime = _timestamp()
    last_login_at: datetime | None = _timestamp(nullable=True)
    password_changed_at: datetime | None = _timestamp(nullable=True)
    # Set for a temporary account (the emergency CLI's): no login after it.
    expires_at: datetime | None = _timestamp(nullable=True)
    # The plan whose quotas apply (upscaler.accounts.limits): free | pro.
    plan: str = Field(default="free", max_length=16, sa_column_kwargs={"server_default": "free"})
    # Accounts people made themselves (upscaler.accounts.registration) sign in
    # only once their address is verified; accounts an admin made need not.
    self_registered: bool = Field(default=False, sa_column_kwargs={"server_default": "0"})
    email_verified_at: datetime | None = _timestamp(nullable=True)


class ApiKey(SQLModel, table=True):
    """A user's key for the public job API (`Authorization: Bearer upk_…`).
    Only its SHA-256 is kept; the key itself is shown once, at creation."""

    __tablename__ = "api_keys"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    name: str = Field(max_length=64)
    # The key's first characters, to tell keys apart in lists.
    prefix: str = Field(max_length=16)
    key_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = _timestamp()
    last_used_at: datetime | None = _timestamp(nullable=True)
    revoked_at: datetime | None = _timestamp(nullable=True)


class Upload(SQLModel, table=True):
    __tablename__ = "uploads"

    id: str = Field(primary_key=True, max_length=40)
    owner_id: int | None = Field(default=None, foreign_key="users.id", index=True)
    original_filename: str = Field(max_length=255)
    mime_type: str = Field(max_length=64)
    width: int
    height: int
    # An animation's frames (each is upscaled); 1 for a still.
    frames: int = Field(default=1, sa_column_kwargs={"server_default": "1"})
    size_bytes: int = Field(sa_type=BigInteger)
    sha256: str = Field(max_length=64)
    storage_key: str = Field(max_length=255)
    created_at: datetime = _timestamp()
    # Set when retention deleted the original (the row stays for the record).
    purged_at: datetime | None = _timestamp(nullable=True)
    # In a batch: the image's path there ("holiday/beach.jpg"), kept in the
    # batch's download; folders are kept, the name made safe.
    batch_path: str | None = Field(default=None, max_length=512)


class Batch(SQLModel, table=True):
    """Many images sent together (files and/or ZIPs): one job each, followed
    and downloaded as one (upscaler.batches). The jobs carry its id."""

    __tablename__ = "batches"

    id: str = Field(primary_key=True, max_length=40)
    owner_id: int | None = Field(default=None, foreign_key="users.id", index=True)
    # The options every image was sent with, as the upload form had them.
    params: dict[str, Any] = _json()
    # The images accepted (one job each) and those refused at intake (each
    # {"name", "code", "message"}: not an image, corrupt, over a limit).
    accepted: int = 0
    rejected: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    created_at: datetime = _timestamp(index=True)
    canceled_at: datetime | None = _timestamp(nullable=True)


class Job(SQLModel, table=True):
    __tablename__ = "jobs"
    __table_args__ = (
        Index("ix_jobs_status_created_at", "status", "created_at"),
        # The admin filters by model and requeues what a model produced.
        Index("ix_jobs_model_created_at", "model", "created_at"),
        Index("ix_jobs_finished_at", "finished_at"),
    )

    job_id: str = Field(primary_key=True, max_length=40)
    upload_id: str = Field(foreign_key="uploads.id", index=True, max_length=40)
    owner_id: int | None = Field(default=None, foreign_key="users.id", index=True)
    batch_id: str | None = Field(default=None, foreign_key="batches.id", index=True, max_length=40)
    status: str = Field(default="queued", max_length=16, index=True)
    progress: int = 0
    params: dict[str, Any] = _json()
    # The queue the job was routed to, and the model that actually ran.
    queue: str = Field(default="cpu", max_length=16)
    model: str | None = Field(default=None, max_length=128)
    provider: str | None = Field(default=None, max_length=64)
    # The precision the model ran at on that provider ("fp32", "bf16", "fp16",
    # "int8"): provider + precision is the engine path the worker chose.
    precision: str | None = Field(default=None, max_length=16)
    # Which engine paths ran (denoise method, tiles, timings): for audit and debugging.
    engine: dict[str, Any] = _json()
    worker_id: str | None = Field(default=None, max_length=128)
    attempts: int = 0
    lease_expires_at: datetime | None = _timestamp(nullable=True)
    error_message: str | None = Field(default=None, sa_column=Column(Text))
    result_storage_key: str | None = Field(default=None, max_length=255)
    result_mime_type: str | None = Field(default=None, max_length=64)
    result_width: int | None = None
    result_height: int | None = None
    result_size_bytes: int | None = Field(default=None, sa_type=BigInteger)
    thumbnail_storage_key: str | None = Field(default=None, max_length=255)
    requeued_from: str | None = Field(default=None, max_length=40, index=True)
    # Instant repeats: the SHA-256 of what decides the result (the input's
    # bytes, the parameters that shape it, the model name and file hash it was
    # placed on). An upload with the same key and owner completes at once from
    # a finished job's files; `repeat_of` names that job (the files are shared).
    repeat_key: str | None = Field(default=None, max_length=64, index=True)
    repeat_of: str | None = Field(default=None, max_length=40)
    created_at: datetime = _timestamp(index=True)
    enqueued_at: datetime | None = _timestamp(nullable=True)
    started_at: datetime | None = _timestamp(nullable=True)
    finished_at: datetime | None = _timestamp(nullable=True)
    duration_seconds: float | None = None
    # The estimate given at upload (run time plus the wait), kept so a
    # benchmark can compare it with duration_seconds.
    estimated_seconds: float | None = None
    # Why this model runs when it is not the preset's first choice (it would
    # not have finished within the job time limit).
    model_reason: str | None = Field(default=None, sa_column=Column(Text))


class Preview(SQLModel, table=True):
    """A crop of an image upscaled by every installed model, side by side
    (upscaler.previews). `models` holds one entry per model, in the order
    shown: name, status, storage key of its result, seconds it took, the
    estimated time of the whole image, error. Kept PREVIEW_TTL, then deleted
    with its files."""

    __tablename__ = "previews"

    id: str = Field(primary_key=True, max_length=40)
    owner_id: int | None = Field(default=None, foreign_key="users.id", index=True)
    # The SHA-256 of the image, the crop and the settings: an identical request
    # within the TTL gets this preview again instead of a new run.
    cache_key: str = Field(max_length=64, index=True)
    status: str = Field(default="queued", max_length=16)
    source_sha256: str = Field(max_length=64)
    image_width: int
    image_height: int
    crop_x: int
    crop_y: int
    crop_width: int
    crop_height: int
    # "auto" (the most detailed region) or "chosen" (the client's x, y).
    crop_origin: str = Field(default="auto", max_length=8)
    factor: str = Field(max_length=4)
    denoise: str = Field(max_length=8)
    crop_storage_key: str = Field(max_length=255)
    models: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    created_at: datetime = _timestamp(index=True)
    finished_at: datetime | None = _timestamp(nullable=True)


class Model(SQLModel, table=True):
    """A model the workers can run. Rows come from the workers' installed
    models (and later from admins registering new ones)."""

    __tablename__ = "models"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=128, unique=True)
    type: str = Field(default="esrgan", max_length=32)
    arch: str = Field(default="", max_length=64)
    artifact_path: str = Field(max_length=512)
    scale: int = 4
    gpu_required: bool = False
    default_params: dict[str, Any] = _json()
    # Presets this model serves, best first; used to map preset -> model.
    presets: list[str] = Field(default_factory=list, sa_type=JSON)
    quality_rank: int = 0
    is_default: bool = False
    # active | demoted | missing | validating (uploaded, a worker is checking
    # it) | invalid (the check failed: status_reason says why)
    status: str = Field(default="active", max_length=16)
    sha256: str | None = Field(default=None, max_length=64)
    size_bytes: int | None = Field(default=None, sa_type=BigInteger)
    note: str | None = Field(default=None, sa_column=Column(Text))
    # installed (a worker's model_dir, from the manifest) | uploaded (an admin's
    # ONNX file, kept in storage under storage_key; workers fetch it on first use)
    source: str = Field(
        default="installed", max_length=16, sa_column_kwargs={"server_default": "installed"}
    )
    storage_key: str | None = Field(default=None, max_length=255)
    status_reason: str | None = Field(default=None, sa_column=Column(Text))
    # What the validating worker measured: inputs, outputs, probe shapes.
    details: dict[str, Any] = Field(
        default_factory=dict, sa_type=JSON, sa_column_kwargs={"server_default": "{}"}
    )
    registered_by: int | None = Field(default=None, foreign_key="users.id")
    created_at: datetime = _timestamp()
    updated_at: datetime = _timestamp()


class ModelDefaultChange(SQLModel, table=True):
    """Which model was made the default, when and by whom, newest last.

    Demoting the default restores the most recent earlier default that is
    still active, so the history must outlive the flags on `models`."""

    __tablename__ = "model_default_history"

    id: int | None = Field(default=None, primary_key=True)
    model_name: str = Field(max_length=128, index=True)
    set_at: datetime = _timestamp(index=True)
    set_by: int | None = Field(default=None, foreign_key="users.id")
    reason: str = Field(default="set", max_length=32)  # set | restored


class AuditLog(SQLModel, table=True):
    __tablename__ = "audit_logs"
    __table_args__ = (Index("ix_audit_logs_entity", "entity_type", "entity_id"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int | None = Field(default=None, foreign_key="users.id", index=True)
    action: str = Field(max_length=64, index=True)
    entity_type: str | None = Field(default=None, max_length=32)
    entity_id: str | None = Field(default=None, max_length=128)
    details: dict[str, Any] = _json()
    ip_address: str | None = Field(default=None, max_length=64)
    created_at: datetime = _timestamp(index=True)


class Setting(SQLModel, table=True):
    """Run-time settings an admin can change (key -> JSON value)."""

    __tablename__ = "settings"

    key: str = Field(primary_key=True, max_length=64)
    value: Any = Field(default=None, sa_type=JSON)
    updated_at: datetime = _timestamp()
    updated_by: int | None = Field(default=None, foreign_key="users.id")


class Worker(SQLModel, table=True):
    """Worker heartbeats: one row per worker process."""

    __tablename__ = "workers"

    id: str = Field(primary_key=True, max_length=128)
    hostname: str = Field(max_length=255)
    pid: int
    queues: list[str] = Field(default_factory=list, sa_type=JSON)
    provider: str | None = Field(default=None, max_length=64)
    precision: str | None = Field(default=None, max_length=16)
    gpu: str | None = Field(default=None, max_length=255)
    current_job_id: str | None = Field(default=None, max_length=40)
    jobs_done: int = 0
    # Load: the host's 1-minute load average per core, and this process's memory.
    load_per_core: float | None = None
    rss_bytes: int | None = Field(default=None, sa_type=BigInteger)
    # Measured speed per model: {model name: {"pixels_per_second": smoothed
    # input pixels per second, "jobs": n}}, for estimates and admission.
    throughput: dict[str, Any] = Field(
        default_factory=dict, sa_type=JSON, sa_column_kwargs={"server_default": "{}"}
    )
    # The engine path chosen per model at start: {model name: {"path":
    # "openvino-bf16", "provider", "precision", "forced": settings chose it,
    # "trials": [{"path", "seconds", "psnr_db" (null for the fp32 reference),
    # "accepted": above the quality floor, "error": why it failed to start}]}}.
    engines: dict[str, Any] = Field(
        default_factory=dict, sa_type=JSON, sa_column_kwargs={"server_default": "{}"}
    )
    started_at: datetime = _timestamp()
    last_seen_at: datetime = _timestamp(index=True)


class AuthSession(SQLModel, table=True):
    """A login: a browser session (cookie) or an API bearer token.

    Only the SHA-256 of the secret is stored, so a copy of the database lets
    no one in. A row ends when it is revoked (logout, password change, an
    admin ending it, deactivation) or expires (idle or absolute)."""

    __tablename__ = "auth_sessions"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    kind: str = Field(max_length=16)  # cookie | bearer
    created_at: datetime = _timestamp()
    last_seen_at: datetime = _timestamp()
    expires_at: datetime = Field(sa_type=UTCDateTime, index=True)
    revoked_at: datetime | None = _timestamp(nullable=True)
    revoked_reason: str | None = Field(default=None, max_length=64)
    ip_address: str | None = Field(default=None, max_length=64)
    user_agent: str | None = Field(default=None, max_length=255)


class NotificationDelivery(SQLModel, table=True):
    """One completion notification of a job (a webhook POST or an e-mail) and
    every attempt to deliver it: pending until delivered or given up (failed).

    `delivery_id` is sent with each webhook attempt (X-Upscaler-Delivery) and
    stays the same across retries, so a receiver can drop duplicates."""

    __tablename__ = "notification_deliveries"
    __table_args__ = (
        UniqueConstraint(
            "job_id", "kind", "event", name="uq_notification_deliveries_job_kind_event"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    delivery_id: str = Field(max_length=40, unique=True)
    # No index of its own: the unique (job_id, kind, event) constraint serves lookups by job.
    job_id: str = Field(foreign_key="jobs.job_id", ondelete="CASCADE", max_length=40)
    kind: str = Field(max_length=16)  # webhook | email
    event: str = Field(max_length=32)  # job.completed | job.failed
    target: str = Field(sa_column=Column(Text, nullable=False))  # the URL or the address
    status: str = Field(default="pending", max_length=16)  # pending | delivered | failed
    attempts: int = 0
    last_status_code: int | None = None  # the receiver's HTTP status, or the SMTP reply code
    last_error: str | None = Field(default=None, sa_column=Column(Text))
    created_at: datetime = _timestamp()
    updated_at: datetime = _timestamp()
    last_attempt_at: datetime | None = _timestamp(nullable=True)
    next_attempt_at: datetime | None = _timestamp(nullable=True)
    delivered_at: datetime | None = _timestamp(nullable=True)
