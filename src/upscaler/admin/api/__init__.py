"""The admin JSON API, /api/v1/admin/* (blueprint 001), one module a section.
Every endpoint needs the admin role through a bearer token or the session
cookie (with its CSRF token for changes); every change is written to the
audit log."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from upscaler.admin.api import (
    audit,
    batches,
    dashboard,
    invites,
    jobs,
    models,
    settings,
    users,
    workers,
)
from upscaler.admin.api.common import AUTH_ERRORS
from upscaler.auth.deps import require_admin

router = APIRouter(
    prefix="/api/v1/admin",
    tags=["admin"],
    dependencies=[Depends(require_admin)],
    responses=AUTH_ERRORS,
)
for section in (dashboard, jobs, batches, workers, models, settings, users, invites, audit):
    router.include_router(section.router)
