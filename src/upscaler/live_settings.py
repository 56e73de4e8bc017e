"""Settings an admin can change while the service runs.

Values start from the environment (`Settings`) and are overridden by rows of
the `settings` table. Every API replica and worker re-reads the table at most
every TTL_SECONDS, so a change takes effect everywhere within seconds and
without a restart.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from upscaler.config import Settings
from upscaler.db.tables import Setting
from upscaler.db.types import utcnow

TTL_SECONDS = 2.0
KNOWN_MIMES = ("image/jpeg", "image/png", "image/webp", "image/tiff", "image/gif")


class RuntimeSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    max_upload_size_bytes: int = Field(gt=0, le=10 * 1024**3)
    allowed_mimes: list[str] = Field(default_factory=lambda: list(KNOWN_MIMES), min_length=1)
    max_input_pixels: int = Field(gt=0, le=1_000_000_000)
    rate_limit_per_minute: int = Field(ge=0, le=100_000)
    job_timeout_seconds: int = Field(gt=0, le=7 * 24 * 3600)
    job_max_retries: int = Field(ge=0, le=20)
    retention_days: int = Field(default=30, ge=0, le=3650)
    maintenance_mode: bool = False
    maintenance_message: str = Field(
        default="The service is under maintenance; please try again later.", max_length=500
    )
    queue_paused: bool = False
    # An upload identical to a finished job (same bytes, parameters and model
    # version) completes at once from that job's files (upscaler.jobs.repeats).
    instant_repeats: bool = True
    # Accounts (upscaler.accounts.limits): uploads per minute per account
    # (anonymous callers have the per-client limit above instead), jobs per
    # UTC day by plan (0 = no quota), and the most jobs that may wait.
    account_rate_limit_per_minute: int = Field(default=60, ge=0, le=100_000)
    free_daily_jobs: int = Field(default=100, ge=0, le=10_000_000)
    pro_daily_jobs: int = Field(default=0, ge=0, le=10_000_000)
    # Input megapixels per calendar month (UTC) by plan (0 = no quota).
    free_monthly_megapixels: float = Field(default=0, ge=0, le=1e9)
    pro_monthly_megapixels: float = Field(default=0, ge=0, le=1e9)
    max_queued_jobs: int = Field(default=10_000, ge=0, le=10_000_000)
    # Who may make an account on /register: anyone (open), whoever has an
    # admin's invitation for their address (invite), or nobody (off); admins
    # make accounts either way.
    registration: Literal["open", "invite", "off"] = "off"
    # A small mark on the results of the free tier (anonymous callers and the
    # free plan); never on admins' or the pro plan's.
    watermark_free_tier: bool = False

    @field_validator("allowed_mimes")
    @classmethod
    def _known(cls, value: list[str]) -> list[str]:
        unknown = sorted(set(value) - set(KNOWN_MIMES))
        if unknown:
            raise ValueError(f"unsupported types {unknown}; choose from {list(KNOWN_MIMES)}")
        return sorted(set(value), key=KNOWN_MIMES.index)

    @classmethod
    def defaults(cls, settings: Settings) -> RuntimeSettings:
        return cls(
            max_upload_size_bytes=settings.max_upload_size_bytes,
            max_input_pixels=settings.max_input_pixels,
            rate_limit_per_minute=settings.rate_limit_per_minute,
            job_timeout_seconds=settings.job_timeout_seconds,
            job_max_retries=settings.job_max_retries,
            instant_repeats=settings.instant_repeats,
        )


class InvalidSettingsError(ValueError):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class LiveSettings:
    """Cached reader/writer of the run-time settings (one per process and loop)."""

    def __init__(self, settings: Settings, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._defaults = RuntimeSettings.defaults(settings)
        self._sessions = sessions
        self._cached: RuntimeSettings | None = None
        self._read_at = 0.0
        self._lock = asyncio.Lock()

    async def get(self) -> RuntimeSettings:
        if self._cached is not None and time.monotonic() - self._read_at < TTL_SECONDS:
            return self._cached
        async with self._lock:
            if self._cached is None or time.monotonic() - self._read_at >= TTL_SECONDS:
                async with self._sessions() as session:
                    self._cached = await self._load(session)
                self._read_at = time.monotonic()
        assert self._cached is not None
        return self._cached

    async def _load(self, session: AsyncSession) -> RuntimeSettings:
        rows = (await session.exec(select(Setting))).all()
        values = self._defaults.model_dump()
        known = set(RuntimeSettings.model_fields)
        values.update({row.key: row.value for row in rows if row.key in known})
        try:
            return RuntimeSettings.model_validate(values)
        except ValidationError:
            # A bad row must not take the service down: fall back per field.
            merged = self._defaults.model_copy()
            for row in rows:
                if row.key in known:
                    try:
                        setattr(merged, row.key, row.value)
                    except ValidationError:
                        continue
            return merged

    async def update(
        self, session: AsyncSession, changes: dict[str, Any], *, user_id: int | None
    ) -> tuple[RuntimeSettings, dict[str, tuple[Any, Any]]]:
        """Validate and store changes; returns the new settings and what changed
        (key -> (old, new)), for the audit log."""
        unknown = sorted(set(changes) - set(RuntimeSettings.model_fields))
        if unknown:
            raise InvalidSettingsError(dict.fromkeys(unknown, "is not a setting"))
        current = await self._load(session)
        try:
            updated = RuntimeSettings.model_validate(current.model_dump() | changes)
        except ValidationError as error:
            raise InvalidSettingsError(
                {".".join(str(p) for p in e["loc"]): e["msg"] for e in error.errors()}
            ) from error
        before, after = current.model_dump(), updated.model_dump()
        diff = {k: (before[k], after[k]) for k in changes if before[k] != after[k]}
        for key in diff:
            row = await session.get(Setting, key) or Setting(key=key)
            row.value = after[key]
            row.updated_at = utcnow()
            row.updated_by = user_id
            session.add(row)
        await session.commit()
        self.invalidate()
        return updated, diff

    def invalidate(self) -> None:
        self._cached = None
