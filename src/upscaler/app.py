"""The FastAPI application factory.

The composition root (embedded runner, `upscaler-api`, tests) decides the
broker, the event bus and any background services, and passes them in: the
API never reaches for the worker itself.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

import dramatiq
from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from upscaler import logbuffer
from upscaler.accounts.captcha import provider_of
from upscaler.admin import routes as admin_routes
from upscaler.batches.endpoints import router as batches_router
from upscaler.config import Settings
from upscaler.context import AppContext
from upscaler.db.migrate import upgrade_to_head
from upscaler.downloads.endpoints import router as downloads_router
from upscaler.errors import install_error_handlers
from upscaler.events.bus import EventBus
from upscaler.health.endpoints import router as health_router
from upscaler.jobs.endpoints import result_router as job_result_router
from upscaler.jobs.endpoints import router as jobs_router
from upscaler.jobs.retention import RetentionSweeper
from upscaler.jobs.sweeper import Sweeper
from upscaler.me.account_endpoints import router as account_router
from upscaler.me.endpoints import router as me_router
from upscaler.metrics.endpoint import router as metrics_router
from upscaler.middleware import RequestContextMiddleware, SecurityHeadersMiddleware
from upscaler.openapi import install_openapi, operation_id
from upscaler.previews.endpoints import router as previews_router
from upscaler.previews.expiry import purge_expired_previews
from upscaler.resources import STATIC_DIR, VENDOR_DIR, checkout_root
from upscaler.telemetry import HttpMetricsMiddleware
from upscaler.uploads.endpoints import router as uploads_router
from upscaler.web.account_pages import router as account_pages_router
from upscaler.web.pages import router as pages_router
from upscaler.web.service_info import router as service_info_router

log = logging.getLogger(__name__)

#: Front-end npm packages (package.json), served under /vendor/<name>/: URL
#: name -> folder inside node_modules. A wheel carries the files the pages use
#: in upscaler/vendor/<name>/ (setup.py copies them); an editable install reads
#: the checkout's node_modules (`make install`). Neither is ever committed.
VENDORED = {
    "swagger-ui": "swagger-ui-dist",
    "htmx": "htmx.org/dist",
    "htmx-ext-sse": "htmx-ext-sse/dist",
}


def vendored_dir(name: str) -> Path | None:
    """Where the files of one vendored npm package are, if anywhere."""
    packaged = VENDOR_DIR / name
    if packaged.is_dir():
        return packaged
    checkout = checkout_root()
    if checkout is not None and (checkout / "node_modules" / VENDORED[name]).is_dir():
        return checkout / "node_modules" / VENDORED[name]
    return None


class BackgroundService(Protocol):
    """Something that runs beside the API for the app's lifetime."""

    async def start(self, context: AppContext) -> None: ...

    async def stop(self) -> None: ...


def create_app(
    settings: Settings,
    *,
    broker: dramatiq.Broker,
    bus: EventBus,
    services: Sequence[BackgroundService] = (),
    run_migrations: bool = True,
) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if run_migrations:
            await asyncio.to_thread(upgrade_to_head, settings.database_url)
        logbuffer.install()  # the admin's System page shows this process's lines
        context = AppContext.create(settings, broker, bus)
        app.state.context = context
        await _prepare_storage(context)
        started: list[BackgroundService] = []
        try:
            sweeper = Sweeper(
                fresh_broker=bool(settings.embedded_worker),
                interval=settings.sweep_interval_seconds,
            )
            background: list[BackgroundService] = [
                sweeper,
                RetentionSweeper(extra=[purge_expired_previews]),
                *services,
            ]
            for service in background:
                await service.start(context)
                started.append(service)
            yield
        finally:
            for service in reversed(started):
                try:
                    await service.stop()
                except Exception:
                    log.exception("stopping %s failed", type(service).__name__)
            await context.close()

    app = FastAPI(
        title="ImageUpscalerPro",
        version="0.1.0",
        summary="Upscale images 2x or 4x with Real-ESRGAN models.",
        description=(
            "Upload an image, follow the job (poll or server-sent events), download "
            "the result through a short-lived signed link. Errors share one JSON shape: "
            '`{"error": {"status", "code", "message", "fields"?}}`.'
        ),
        lifespan=lifespan,
        generate_unique_id_function=operation_id,
        docs_url=None,
        redoc_url=None,
    )
    install_error_handlers(app)
    app.add_middleware(
        SecurityHeadersMiddleware,
        production=settings.env == "production",
        image_origins=presigned_image_origins(settings),
        captcha_origins=provider.origins if (provider := provider_of(settings)) else (),
    )
    # Added last, so outermost: every response is counted and carries its id.
    app.add_middleware(HttpMetricsMiddleware)
    app.add_middleware(RequestContextMiddleware)
    for router in (
        uploads_router,
        previews_router,
        batches_router,
        me_router,
        account_router,
        jobs_router,
        downloads_router,
        job_result_router,
        health_router,
        service_info_router,
        metrics_router,
        pages_router,
        account_pages_router,
        *admin_routes.routers,
    ):
        app.include_router(router)
    admin_routes.install(app)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for name in VENDORED:
        if (folder := vendored_dir(name)) is not None:
            app.mount(f"/vendor/{name}", StaticFiles(directory=folder), name=name)
    _install_docs(app)
    install_openapi(app)

    return app


def presigned_image_origins(settings: Settings) -> tuple[str, ...]:
    """With presigned S3 downloads, pages show images straight from the bucket."""
    if settings.storage_backend != "s3" or settings.s3_download_mode != "presigned":
        return ()
    if settings.s3_endpoint:
        parts = urlsplit(settings.s3_endpoint)
        return (f"{parts.scheme}://{parts.netloc}",)
    return ("https://*.amazonaws.com",)


async def _prepare_storage(context: AppContext) -> None:
    """Create the S3 bucket on first start (a fresh MinIO has none)."""
    ensure = getattr(context.storage, "ensure_bucket", None)
    if ensure is not None:
        try:
            await ensure()
        except Exception:
            log.warning("could not check or create the storage bucket", exc_info=True)


def _install_docs(app: FastAPI) -> None:
    """Swagger UI from the vendored npm package when present (works offline),
    else from the public CDN FastAPI uses by default."""
    js_url = css_url = None
    if vendored_dir("swagger-ui") is not None:
        js_url = "/vendor/swagger-ui/swagger-ui-bundle.js"
        css_url = "/vendor/swagger-ui/swagger-ui.css"

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        kwargs: dict[str, Any] = {"openapi_url": "/openapi.json", "title": "ImageUpscalerPro API"}
        if js_url and css_url:
            kwargs |= {"swagger_js_url": js_url, "swagger_css_url": css_url}
        return get_swagger_ui_html(**kwargs)
