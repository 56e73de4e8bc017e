"""The limits a request for new jobs meets, each with its own 429 and
Retry-After, and a body saying which limit it was:

- anonymous callers: the per-client (IP) rate, as before accounts;
- an account: its own rate per minute and its plan's jobs per UTC day,
  independent of the IP it calls from (colleagues behind one address do not
  share a limit, and an account's quota does not touch anonymous uploads);
- everyone: the queue's cap, so the backlog stays bounded.

Counters of the per-minute rates are shared by every replica (Redis in the
scaled-out mode); the daily quota and the queue are counted in the database,
which every replica shares.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from upscaler.accounts.caller import Caller
from upscaler.context import AppContext
from upscaler.contracts import JobStatus
from upscaler.db.tables import Job, Upload
from upscaler.db.types import utcnow
from upscaler.live_settings import RuntimeSettings
from upscaler.ratelimit import too_many

#: When the queue is full, how long to wait before trying again.
QUEUE_FULL_RETRY_SECONDS = 60


def start_of_day(now: datetime) -> datetime:
    return now.replace(hour=0, minute=0, second=0, microsecond=0)


def daily_quota(caller: Caller, live: RuntimeSettings) -> int:
    """0: none (admins never have one)."""
    if caller.user is None or caller.is_admin:
        return 0
    return live.pro_daily_jobs if caller.user.plan == "pro" else live.free_daily_jobs


def monthly_megapixels(caller: Caller, live: RuntimeSettings) -> float:
    """0: none (admins never have one)."""
    if caller.user is None or caller.is_admin:
        return 0.0
    pro = caller.user.plan == "pro"
    return live.pro_monthly_megapixels if pro else live.free_monthly_megapixels


def start_of_month(now: datetime) -> datetime:
    return start_of_day(now).replace(day=1)


async def pixels_since(session: AsyncSession, owner_id: int, since: datetime) -> int:
    """Input pixels (every frame) of the owner's jobs since `since`."""
    statement = (
        select(func.coalesce(func.sum(Upload.width * Upload.height * Upload.frames), 0))
        .select_from(Job)
        .join(Upload, col(Upload.id) == col(Job.upload_id))
        .where(col(Job.owner_id) == owner_id, col(Job.created_at) >= since)
    )
    return int((await session.exec(statement)).one())


async def jobs_since(session: AsyncSession, owner_id: int, since: datetime) -> int:
    statement = select(func.count()).where(
        col(Job.owner_id) == owner_id, col(Job.created_at) >= since
    )
    return int((await session.exec(statement)).one())


async def queued_jobs(session: AsyncSession) -> int:
    statement = select(func.count()).where(col(Job.status) == JobStatus.QUEUED.value)
    return int((await session.exec(statement)).one())


def wants_watermark(caller: Caller, live: RuntimeSettings) -> bool:
    """The free tier's results carry the mark when the setting says so."""
    if not live.watermark_free_tier or caller.is_admin:
        return False
    return caller.user is None or caller.user.plan != "pro"


async def check_rate(context: AppContext, caller: Caller, live: RuntimeSettings) -> None:
    """Per-minute rates: counted per request, before the body is read."""
    if caller.user is None:
        await context.limiter.hit("uploads", caller.ip, live.rate_limit_per_minute)
        return
    if caller.is_admin:
        return
    await context.limiter.hit(
        "account-uploads",
        str(caller.user_id),
        live.account_rate_limit_per_minute,
        whose="this account",
    )


async def _check_month(
    session: AsyncSession, caller: Caller, live: RuntimeSettings, pixels: int
) -> None:
    quota = monthly_megapixels(caller, live)
    if not quota or caller.user_id is None:
        return
    now = utcnow()
    used = await pixels_since(session, caller.user_id, start_of_month(now)) / 1e6
    if used + pixels / 1e6 > quota:
        month = start_of_month(now)
        following = (month + timedelta(days=32)).replace(day=1)
        raise too_many(
            "quota_exceeded",
            f"the monthly quota of this account's plan is {quota:g} input megapixels; "
            f"{used:.2f} used this month, this request needs {pixels / 1e6:.2f}; "
            "it resets on the 1st (UTC)",
            max(1, int((following - now).total_seconds())),
        )


async def check_room(
    context: AppContext, caller: Caller, live: RuntimeSettings, jobs: int = 1, pixels: int = 0
) -> None:
    """The daily and monthly quotas and the queue cap, for `jobs` new jobs of
    `pixels` input pixels together."""
    quota = daily_quota(caller, live)
    async with context.sessions() as session:
        await _check_month(session, caller, live, pixels)
        if quota and caller.user_id is not None:
            now = utcnow()
            used = await jobs_since(session, caller.user_id, start_of_day(now))
            if used + jobs > quota:
                midnight = start_of_day(now) + timedelta(days=1)
                wait = max(1, int((midnight - now).total_seconds()))
                left = max(0, quota - used)
                raise too_many(
                    "quota_exceeded",
                    f"the daily quota of this account's plan is {quota} jobs; {used} used today, "
                    f"{left} left, this request needs {jobs}; it resets at 00:00 UTC",
                    wait,
                )
        if live.max_queued_jobs and await queued_jobs(session) + jobs > live.max_queued_jobs:
            raise too_many(
                "queue_full",
                f"the queue is full ({live.max_queued_jobs} jobs waiting at most); "
                f"try again in {QUEUE_FULL_RETRY_SECONDS} s",
                QUEUE_FULL_RETRY_SECONDS,
            )
