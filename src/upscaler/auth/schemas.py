"""Request and response bodies of the auth API (/api/v1/auth)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class LoginRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)
    cookie: bool = Field(
        default=False,
        description="Start a browser session (HttpOnly cookie) instead of returning a bearer token",
    )


class TokenOut(BaseModel):
    access_token: str | None = Field(description="Send as `Authorization: Bearer <token>`")
    token_type: Literal["bearer", "cookie"]
    username: str
    role: str
    expires_at: datetime
    password_change_required: bool = Field(
        description="While true, only POST /api/v1/auth/password and logout are allowed"
    )
    csrf_token: str | None = Field(
        default=None, description="For cookie sessions: send it as the X-CSRF-Token header"
    )


class PasswordChangeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    current_password: str = Field(min_length=1, max_length=256)
    new_password: str = Field(min_length=1, max_length=256)


class PasswordChanged(BaseModel):
    other_sessions_ended: int


class MeOut(BaseModel):
    id: int
    username: str
    role: str
    via: Literal["cookie", "bearer"]
    expires_at: datetime
    password_change_required: bool
