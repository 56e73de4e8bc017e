"""/api/v1/admin: invitations, for registration by invitation."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request, status
from pydantic import BaseModel, ConfigDict, Field
from sqlmodel.ext.asyncio.session import AsyncSession

from upscaler.audit.service import Actor, add
from upscaler.auth.deps import AdminPrincipal
from upscaler.context import AppContext
from upscaler.db.types import utcnow
from upscaler.deps import ContextDep, SessionDep
from upscaler.downloads.request_links import base_url
from upscaler.me.registration import INVITE_MAX_AGE_SECONDS, invitation
from upscaler.openapi import documented_error as error

router = APIRouter()


class InviteRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str = Field(min_length=3, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]{2,}$")


class InviteOut(BaseModel):
    email: str
    link: str = Field(description="The registration page with the invitation: send it to them")
    expires_at: str


async def invite(
    email: str, request: Request, context: AppContext, session: AsyncSession, actor: Actor
) -> InviteOut:
    """Make an invitation for one address, recorded in the audit log (the
    API's and the users page's)."""
    token = invitation(context, email)
    expires = utcnow() + timedelta(seconds=INVITE_MAX_AGE_SECONDS)
    add(session, actor, "invite.create", details={"email": email})
    await session.commit()
    link = f"{base_url(context, request)}/register?invite={token}"
    return InviteOut(email=email, link=link, expires_at=expires.isoformat())


@router.post(
    "/invites",
    response_model=InviteOut,
    status_code=status.HTTP_201_CREATED,
    responses={400: error("Not an e-mail address")},
)
async def create_invite(
    body: InviteRequest,
    request: Request,
    principal: AdminPrincipal,
    context: ContextDep,
    session: SessionDep,
) -> InviteOut:
    """An invitation (valid a week) for one address to make an account while
    registration is by invitation; the address still has to be confirmed."""
    return await invite(body.email, request, context, session, principal.actor)
