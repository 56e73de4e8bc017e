"""What the admin does to accounts beyond `upscaler.auth.accounts`: the plan
(whose daily quota applies), a user's usage against that quota, and revoking
any user's API key. Each change is written to the audit log."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from upscaler.accounts import keys
from upscaler.accounts.caller import Caller
from upscaler.accounts.limits import daily_quota, jobs_since, start_of_day
from upscaler.admin import schemas
from upscaler.audit.service import Actor, add
from upscaler.auth import accounts
from upscaler.db.tables import ApiKey, User
from upscaler.db.types import utcnow
from upscaler.errors import APIError, FieldError
from upscaler.live_settings import RuntimeSettings

PLANS = ("free", "pro")


def check_plan(plan: str) -> None:
    if plan not in PLANS:
        message = f"must be one of {list(PLANS)}"
        raise APIError(400, "invalid_request", message, fields=[FieldError("plan", message)])


async def set_plan(session: AsyncSession, user_id: int, plan: str, *, actor: Actor) -> User:
    """Change the user's plan; audited like the other changes to a user
    (`user.update` with `{"changes": {"plan": [old, new]}}`)."""
    check_plan(plan)
    user = await accounts.get_user(session, user_id)
    if plan == user.plan:
        return user
    add(
        session,
        actor,
        "user.update",
        entity_type="user",
        entity_id=user.id,
        details={"changes": {"plan": [user.plan, plan]}},
    )
    user.plan = plan
    session.add(user)
    await session.commit()
    return user


async def usage(session: AsyncSession, user: User, live: RuntimeSettings) -> schemas.UserUsageOut:
    """Jobs today against the quota of the user's plan (as the public API
    counts them, `upscaler.accounts.limits`), and jobs this month."""
    assert user.id is not None
    today = start_of_day(utcnow())
    return schemas.UserUsageOut(
        plan=user.plan,
        jobs_today=await jobs_since(session, user.id, today),
        daily_quota=daily_quota(Caller(ip="", user=user), live),
        resets_at=today + timedelta(days=1),
        jobs_this_month=await jobs_since(session, user.id, today.replace(day=1)),
    )


async def revoke_key(session: AsyncSession, key_id: int, *, actor: Actor) -> ApiKey:
    """Revoke any user's key at once (404 for an unknown one). Revoking a
    revoked key changes nothing but is recorded too (`was_live` false)."""
    found = await session.get(ApiKey, key_id)
    was_live = found is not None and found.revoked_at is None
    row = await keys.revoke_key(session, key_id, owner_id=None)
    add(
        session,
        actor,
        "api_key.revoke",
        entity_type="api_key",
        entity_id=row.id,
        details={
            "user_id": row.user_id,
            "name": row.name,
            "prefix": row.prefix,
            "was_live": was_live,
        },
    )
    await session.commit()
    return row
