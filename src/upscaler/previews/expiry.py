"""Previews are kept PREVIEW_TTL, then deleted, rows and files (they are a
means to choose a model, not a record). Run by the retention sweeper."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlmodel import col, select

from upscaler.context import AppContext
from upscaler.db.tables import Preview
from upscaler.db.types import utcnow
from upscaler.previews.service import PREVIEW_TTL

log = logging.getLogger(__name__)

BATCH = 500


async def purge_expired_previews(context: AppContext, *, now: datetime | None = None) -> int:
    """One pass (at most BATCH); returns how many previews went."""
    cutoff = (now or utcnow()) - PREVIEW_TTL
    async with context.sessions() as session:
        statement = select(Preview).where(col(Preview.created_at) < cutoff).limit(BATCH)
        previews = (await session.exec(statement)).all()
        for preview in previews:
            keys = [preview.crop_storage_key] + [
                entry["storage_key"] for entry in preview.models if entry.get("storage_key")
            ]
            for key in keys:
                await context.storage.delete(key)
            await session.delete(preview)
        await session.commit()
    if previews:
        log.info("removed %d expired preview(s)", len(previews))
    return len(previews)
