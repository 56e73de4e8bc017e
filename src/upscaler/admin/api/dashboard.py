"""/api/v1/admin: the dashboard figures."""

from __future__ import annotations

from fastapi import APIRouter

from upscaler.admin import schemas, stats
from upscaler.deps import ContextDep

router = APIRouter()


@router.get("/stats", response_model=schemas.StatsOut)
async def get_stats(context: ContextDep) -> schemas.StatsOut:
    """The dashboard's figures: queue, today's outcomes, average time, storage, workers."""
    figures = await stats.kpis(context)
    return schemas.StatsOut.model_validate(figures, from_attributes=True)
