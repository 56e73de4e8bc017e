"""/api/v1/auth: registering, confirming the address, resetting a password."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, status
from pydantic import BaseModel, ConfigDict, Field

from upscaler.auth.deps import client_ip
from upscaler.deps import ContextDep
from upscaler.downloads.request_links import base_url
from upscaler.me import registration
from upscaler.openapi import documented_error as error

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])


class RegisterRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str = Field(max_length=254)
    password: str = Field(max_length=256)
    username: str | None = Field(default=None, max_length=64, description="Else from the e-mail")
    invite: str | None = Field(
        default=None, max_length=1000, description="An admin's invitation (invite-only servers)"
    )


class Registered(BaseModel):
    username: str
    email: str
    verification_sent: bool = True


class TokenRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    token: str = Field(max_length=1000)


class Verified(BaseModel):
    username: str
    email_verified: bool = True


class ResetRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str = Field(max_length=254)


class ResetConfirm(BaseModel):
    model_config = ConfigDict(extra="forbid")

    token: str = Field(max_length=1000)
    new_password: str = Field(max_length=256)


class Accepted(BaseModel):
    message: str


COMMON: dict[int | str, dict[str, Any]] = {
    400: error("Invalid fields (field-level errors) or an invalid or expired link"),
    429: error("Too many requests from this client"),
    503: error("E-mail is not configured, or could not be sent"),
}


@router.post(
    "/register",
    status_code=status.HTTP_201_CREATED,
    responses={
        **COMMON,
        403: error("Registration is off, or by invitation and none was given"),
        409: error("E-mail or name taken"),
    },
)
async def register(body: RegisterRequest, request: Request, context: ContextDep) -> Registered:
    """Make an account; it can sign in once the address is confirmed through
    the link e-mailed to it (valid two days)."""
    user = await registration.register(
        context,
        client_ip(request),
        body.email,
        body.password,
        body.username,
        base_url(context, request),
        body.invite,
    )
    return Registered(username=user.username, email=user.email or body.email)


@router.post("/verify-email", responses=COMMON)
async def verify_email(body: TokenRequest, context: ContextDep) -> Verified:
    """Confirm the address with the token from the e-mail's link."""
    user = await registration.verify_email(context, body.token)
    return Verified(username=user.username)


@router.post("/password-reset", status_code=status.HTTP_202_ACCEPTED, responses=COMMON)
async def request_password_reset(
    body: ResetRequest, request: Request, context: ContextDep
) -> Accepted:
    """E-mail a reset link (valid an hour) if the address has an account; the
    answer is the same either way."""
    await registration.request_reset(
        context, client_ip(request), body.email, base_url(context, request)
    )
    return Accepted(message="if the address has an account, a reset link is on its way")


@router.post("/password-reset/confirm", responses=COMMON)
async def confirm_password_reset(body: ResetConfirm, context: ContextDep) -> Verified:
    """Set a new password with the token from the e-mail's link; every session
    of the account ends."""
    user = await registration.reset_password(context, body.token, body.new_password)
    return Verified(username=user.username)
