"""Settings, read once from the environment (prefix ``UPSCALER_``) or a .env file.

Defaults make ``make run`` work on a laptop with zero services: SQLite and local
storage under ./var, an in-process worker. The production profile refuses to
start with anything that is only safe on a laptop.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

#: The blueprint's seeded admin. Production refuses to start with this password.
DEFAULT_SEED_USER = "abdullah"
DEFAULT_SEED_PASS = "231980077"  # noqa: S105 - the blueprint's documented first-login password

MIB = 1024 * 1024


class UnsafeSettingsError(RuntimeError):
    """Raised when the production profile meets a development-only default."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="UPSCALER_",
        env_file=".env",
        extra="ignore",
        validate_default=True,
        # A bad setting is reported by name, never echoed: inputs hold secrets.
        hide_input_in_errors=True,
    )

    env: Literal["development", "test", "production"] = "development"
    log_level: str = "INFO"
    # text (development) or json (one object per line, with request and job
    # ids); unset: json in production, text otherwise.
    log_format: Literal["text", "json"] | None = None
    # GET /metrics for Prometheus answers only with this bearer token; unset: off.
    metrics_token: SecretStr | None = None

    # Where the service keeps its own files when no external service is named.
    data_dir: Path = Path("var")

    database_url: str = ""
    redis_url: str | None = None

    storage_backend: Literal["local", "s3"] = "local"
    storage_dir: Path | None = None
    s3_bucket: str | None = None
    s3_endpoint: str | None = None
    s3_region: str = "us-east-1"
    # How downloads are served with S3: a presigned URL straight to the bucket,
    # or a signed link to this API that streams the object.
    s3_download_mode: Literal["presigned", "proxy"] = "proxy"

    secret_key: SecretStr | None = None
    admin_seed_user: str = DEFAULT_SEED_USER
    admin_seed_pass: SecretStr = SecretStr(DEFAULT_SEED_PASS)

    max_upload_size_bytes: int = Field(default=15 * MIB, gt=0)
    max_input_pixels: int = Field(default=50_000_000, gt=0)
    rate_limit_per_minute: int = Field(default=10, ge=0)
    # Batches (POST /api/v1/batches): images per batch (files and ZIP entries
    # together), and the bytes of everything sent (ZIPs unpacked included).
    batch_max_images: int = Field(default=500, gt=0)
    batch_max_bytes: int = Field(default=2 * 1024 * MIB, gt=0)
    # Model previews (a crop upscaled by every model) per client per minute.
    preview_rate_limit_per_minute: int = Field(default=30, ge=0)
    job_timeout_seconds: int = Field(default=1800, gt=0)
    job_max_retries: int = Field(default=3, ge=0)
    # The starting value of the run-time setting (the admin can change it):
    # an upload identical to a finished job completes at once from its files.
    instant_repeats: bool = True
    # Distributed workers (`upscaler-worker`): processes per command, Dramatiq
    # threads per process (each runs one job at a time), queues consumed.
    worker_concurrency: int = Field(default=1, gt=0)
    worker_threads: int = Field(default=1, gt=0)
    worker_queues: str = "cpu"
    signed_url_ttl_seconds: int = Field(default=3600, gt=0)
    # How often each API process checks the database for jobs to (re-)enqueue.
    sweep_interval_seconds: float = Field(default=5.0, gt=0)

    # Inference tiling: 0 picks the tile size from the memory budget.
    tile_size: int = Field(default=0, ge=0)
    # 768 MiB runs a 512² image through RRDBNet whole (ONNX Runtime and
    # OpenVINO) and keeps a 4000x3000 photo at 4x within 2 x its output + 1 GiB
    # of memory (bench.rss; see UpscaleOptions.tile_memory_bytes).
    tile_memory_mb: int = Field(default=768, gt=0)
    # ONNX Runtime threads per inference; 0 = the machine's physical cores.
    inference_threads: int = Field(default=0, ge=0)
    # The CPU engine path per model: "auto" measures every path this machine
    # has at worker start and keeps the fastest within the quality floor
    # (PSNR against fp32, 8-bit); a key forces that path where it exists.
    engine_path: Literal[
        "auto", "cpu-fp32", "openvino-fp32", "openvino-bf16", "cpu-int8", "openvino-int8"
    ] = "auto"
    engine_quality_floor_db: float = Field(default=45.0, ge=20.0, le=99.0)

    # Admin sign-in: session lifetimes and failed-login throttling.
    session_idle_minutes: int = Field(default=30, ge=1, le=24 * 60)
    session_max_hours: int = Field(default=12, ge=1, le=24 * 30)
    token_hours: int = Field(default=8, ge=1, le=24 * 30)
    login_failures_per_account: int = Field(default=5, ge=1, le=1000)
    login_failures_per_ip: int = Field(default=20, ge=1, le=100_000)
    login_failure_window_minutes: int = Field(default=15, ge=1, le=24 * 60)

    # Models: the manifest lists official release URLs; a mirror replaces the
    # directory part of each URL (file:// works). Installed .onnx files live in
    # model_dir with a record of what is installed.
    model_mirror: str | None = None
    model_dir: Path = Path("onnx_models")

    # Run an in-process worker next to the API (the default without Redis).
    embedded_worker: bool | None = None
    public_base_url: str | None = None
    # `upscaler-api` processes (uvicorn workers) per replica; ~1 per core.
    api_workers: int = Field(default=1, ge=1, le=64)
    host: str = "127.0.0.1"
    port: int = 8000

    # Completion notifications (upscaler.notifications): signed webhooks to a
    # job's callback_url and e-mail to its address. The webhook secret is
    # derived from secret_key (with a purpose label) unless set.
    webhook_secret: SecretStr | None = None
    # Allow callbacks to loopback/private/link-local addresses (on-premises).
    webhook_allow_private: bool = False
    webhook_timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    notify_max_attempts: int = Field(default=8, ge=1, le=50)
    # First retry after this long, doubling each time (capped at one hour).
    notify_backoff_seconds: float = Field(default=10.0, gt=0)
    # smtp://user:pass@host:587 (STARTTLS unless smtp_starttls is off) or
    # smtps://user:pass@host:465; unset = e-mail notifications are off.
    smtp_url: SecretStr | None = None
    smtp_starttls: bool = True
    mail_from: str = "ImageUpscalerPro <noreply@localhost>"
    # A CAPTCHA for anonymous uploads (upscaler.accounts.captcha): the
    # provider, its site key (shown in the page) and secret (for the server-side
    # check); captcha_verify_url replaces the provider's verification address.
    captcha_provider: Literal["none", "turnstile", "hcaptcha", "recaptcha"] = "none"
    captcha_site_key: str | None = None
    captcha_secret: SecretStr | None = None
    captcha_verify_url: str | None = None

    @field_validator(
        "redis_url",
        "s3_bucket",
        "s3_endpoint",
        "secret_key",
        "model_mirror",
        "public_base_url",
        "webhook_secret",
        "smtp_url",
        "log_format",
        "metrics_token",
        "captcha_site_key",
        "captcha_secret",
        "captcha_verify_url",
        mode="before",
    )
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        # `FOO=` in a shell or compose file means "not set", not "the empty string".
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("database_url", mode="after")
    @classmethod
    def _strip(cls, value: str) -> str:
        return value.strip()

    @model_validator(mode="after")
    def _fill_derived_defaults(self) -> Settings:
        if not self.database_url:
            self.database_url = f"sqlite:///{(self.data_dir / 'upscaler.db').as_posix()}"
        if self.storage_dir is None:
            self.storage_dir = self.data_dir / "storage"
        if self.log_format is None:
            self.log_format = "json" if self.env == "production" else "text"
        if self.embedded_worker is None:
            self.embedded_worker = self.redis_url is None
        if self.smtp_url is not None:
            parts = urlsplit(self.smtp_url.get_secret_value())
            if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
                raise ValueError(
                    "UPSCALER_SMTP_URL must be smtp://[user:pass@]host[:port] or smtps://…"
                )
        if self.captcha_provider != "none" and not (self.captcha_site_key and self.captcha_secret):
            raise ValueError(
                "UPSCALER_CAPTCHA_PROVIDER needs UPSCALER_CAPTCHA_SITE_KEY "
                "and UPSCALER_CAPTCHA_SECRET"
            )
        if self.storage_backend == "s3" and not self.s3_bucket:
            raise ValueError("UPSCALER_S3_BUCKET is required when UPSCALER_STORAGE_BACKEND=s3")
        if self.env == "production":
            self._refuse_unsafe_defaults()
        return self

    def _refuse_unsafe_defaults(self) -> None:
        problems = []
        key = self.secret_key.get_secret_value() if self.secret_key else ""
        if len(key) < 32:
            problems.append("UPSCALER_SECRET_KEY must be set to at least 32 random characters")
        if self.admin_seed_pass.get_secret_value() == DEFAULT_SEED_PASS:
            problems.append("UPSCALER_ADMIN_SEED_PASS must not be the blueprint's default")
        if problems:
            raise UnsafeSettingsError("refusing to start in production: " + "; ".join(problems))

    @property
    def local_storage_dir(self) -> Path:
        assert self.storage_dir is not None  # filled in by the validator
        return self.storage_dir

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def webhook_signing_secret(self) -> str:
        """The key that signs webhook payloads: UPSCALER_WEBHOOK_SECRET, or one
        derived from the secret key for this purpose only (receivers never
        learn the key that signs download links and sessions)."""
        if self.webhook_secret is not None:
            return self.webhook_secret.get_secret_value()
        digest = hmac.new(
            self.secret().encode(), b"upscaler.webhook-signing.v1", hashlib.sha256
        ).hexdigest()
        return f"whsec_{digest}"

    def secret(self) -> str:
        """The signing key. Outside production a random one is made once and
        kept in the data directory, so signed links survive a restart."""
        if self.secret_key is not None:
            return self.secret_key.get_secret_value()
        path = self.data_dir / "secret_key"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".secret_key.{os.getpid()}")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(48))
            try:  # link() fails if another process won the race: use theirs
                os.link(tmp, path)
            except FileExistsError:
                pass
            finally:
                tmp.unlink()
        return path.read_text().strip()


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
