"""/api/v1/admin: run-time settings."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from upscaler.admin import schemas, settings_service
from upscaler.auth.deps import AdminPrincipal
from upscaler.deps import ContextDep, SessionDep
from upscaler.openapi import documented_error as error

router = APIRouter()


def _settings_out(
    values: Any, diff: dict[str, tuple[Any, Any]] | None = None
) -> schemas.SettingsOut:
    return schemas.SettingsOut(
        settings=values.model_dump(mode="json"),
        changed={k: {"old": old, "new": new} for k, (old, new) in (diff or {}).items()},
    )


@router.get("/settings", response_model=schemas.SettingsOut)
async def get_settings_(context: ContextDep) -> schemas.SettingsOut:
    """The run-time settings in effect."""
    return _settings_out(await context.live.get())


@router.post(
    "/settings",
    response_model=schemas.SettingsOut,
    responses={400: error("Some settings are not valid (field errors)")},
)
async def update_settings(
    body: schemas.SettingsChanges,
    principal: AdminPrincipal,
    context: ContextDep,
    session: SessionDep,
) -> schemas.SettingsOut:
    """Change any run-time settings (upload size, types, pixels, rate limit,
    job timeout and retries, retention, maintenance, queue pause). Applied on
    every API replica and worker within a few seconds, without a restart."""
    changes = body.model_dump(exclude_unset=True)
    updated, diff = await settings_service.apply(context, session, changes, actor=principal.actor)
    return _settings_out(updated, diff)
