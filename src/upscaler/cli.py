"""Entry points of the `upscaler` package: the API alone (distributed mode)."""

from __future__ import annotations

import os
import shutil

import uvicorn
from fastapi import FastAPI

from upscaler.app import create_app
from upscaler.config import get_settings
from upscaler.db.migrate import upgrade_to_head
from upscaler.events.redis_bus import RedisEventBus
from upscaler.logs import configure_logging
from upscaler.queueing.broker import build_broker
from upscaler.telemetry import MULTIPROCESS_ENV


def build_api_app() -> FastAPI:
    """The app of one API process (uvicorn calls this in each of its workers)."""
    settings = get_settings()
    configure_logging(settings.log_level, settings.log_format or "text")
    assert settings.redis_url is not None  # checked by api()
    return create_app(
        settings,
        broker=build_broker(settings),
        bus=RedisEventBus(settings.redis_url),
        run_migrations=False,  # done once, before the processes start
    )


def api() -> None:
    """`make api`: a stateless API replica (of UPSCALER_API_WORKERS processes);
    workers run as `upscaler-worker`."""
    settings = get_settings()
    configure_logging(settings.log_level, settings.log_format or "text")
    if not settings.redis_url:
        raise SystemExit(
            "upscaler-api needs UPSCALER_REDIS_URL (the broker its workers read); "
            "for a single process with no services use `make run`"
        )
    upgrade_to_head(settings.database_url)
    if settings.api_workers > 1:
        # Each uvicorn worker counts its own requests; prometheus-client's
        # multiprocess mode adds them up from files in this folder, which
        # must start empty (the processes read the variable as they start).
        folder = settings.data_dir / "metrics"
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        os.environ[MULTIPROCESS_ENV] = str(folder)
    uvicorn.run(
        "upscaler.cli:build_api_app",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.api_workers,
        log_config=None,
        proxy_headers=True,
        forwarded_allow_ips=os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1"),
    )
