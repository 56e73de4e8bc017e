"""How long a job will take, from how long similar jobs took here.

The rate is seconds per input megapixel for a model, averaged over its recent
completed jobs; a conservative CPU figure stands in until there are any.
"""

from __future__ import annotations

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from upscaler.contracts import JobStatus
from upscaler.db.tables import Job, Upload

FALLBACK_SECONDS_PER_MEGAPIXEL = 40.0
MIN_SECONDS = 2
RECENT_JOBS = 50


async def seconds_per_megapixel(session: AsyncSession, model: str | None) -> float:
    statement = (
        select(Job.duration_seconds, Upload.width, Upload.height)
        .join(Upload, col(Upload.id) == col(Job.upload_id))
        .where(Job.status == JobStatus.COMPLETED.value, col(Job.duration_seconds).is_not(None))
        .order_by(col(Job.finished_at).desc())
        .limit(RECENT_JOBS)
    )
    if model is not None:
        statement = statement.where(Job.model == model)
    rows = (await session.exec(statement)).all()
    rates = [d / max(w * h / 1e6, 0.01) for d, w, h in rows if d is not None]
    if not rates:
        return FALLBACK_SECONDS_PER_MEGAPIXEL
    rates.sort()
    return rates[len(rates) // 2]  # the median resists one slow outlier


def estimate_seconds(rate: float, pixels: int, *, progress: int = 0, jobs_ahead: int = 0) -> int:
    own = rate * pixels / 1e6
    remaining = own * (1 - progress / 100) + jobs_ahead * own
    return max(MIN_SECONDS, round(remaining))
