"""Run-time settings through `LiveSettings.update` (validated, stored in the
settings table, picked up by every replica and worker within its cache
TTL), each change written to the audit log with its old and new values."""

from __future__ import annotations

from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from upscaler.audit.service import Actor, record
from upscaler.context import AppContext
from upscaler.errors import APIError, FieldError
from upscaler.live_settings import InvalidSettingsError, RuntimeSettings

QUEUE_KEYS = {"queue_paused"}
MAINTENANCE_KEYS = {"maintenance_mode", "maintenance_message"}


def _action(diff: dict[str, tuple[Any, Any]]) -> str:
    keys = set(diff)
    if keys == QUEUE_KEYS:
        return "queue.pause" if diff["queue_paused"][1] else "queue.resume"
    if keys <= MAINTENANCE_KEYS and "maintenance_mode" in keys:
        return "maintenance.on" if diff["maintenance_mode"][1] else "maintenance.off"
    return "settings.update"


async def apply(
    context: AppContext, session: AsyncSession, changes: dict[str, Any], *, actor: Actor
) -> tuple[RuntimeSettings, dict[str, tuple[Any, Any]]]:
    try:
        updated, diff = await context.live.update(session, changes, user_id=actor.user_id)
    except InvalidSettingsError as error:
        fields = [FieldError(name, message) for name, message in error.errors.items()]
        raise APIError(
            400, "invalid_settings", "some settings are not valid", fields=fields
        ) from error
    if diff:
        await record(
            session,
            actor,
            _action(diff),
            entity_type="settings",
            details={key: {"old": old, "new": new} for key, (old, new) in diff.items()},
        )
    return updated, diff
