"""Who is calling the public API: anonymous, or an account by its API key
(`Authorization: Bearer upk_…`), its login token (`uap_…`) or its session
cookie (our own pages). A key or token that is presented but not valid is a
401 at once; a stale cookie is simply anonymous. A cookie-authenticated call
that changes state must come from our own origin (the pages send it)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from upscaler.accounts.keys import KEY_PREFIX, resolve_key
from upscaler.auth.deps import (
    ADMIN,
    SAFE_METHODS,
    client_ip,
    cookie_scheme,
    optional_principal,
    same_origin,
)
from upscaler.db.tables import User
from upscaler.deps import ContextDep
from upscaler.errors import APIError

api_key_scheme = HTTPBearer(
    auto_error=False,
    scheme_name="apiKey",
    description=(
        "Optional: an API key (`upk_…`, made on /me or with `POST /api/v1/me/api-keys`) "
        "or a login token. Jobs are then the account's: only it and admins see them, "
        "and its quotas apply. Without it the call is anonymous."
    ),
)


@dataclass(frozen=True)
class Caller:
    ip: str
    user: User | None = None

    @property
    def user_id(self) -> int | None:
        return self.user.id if self.user is not None else None

    @property
    def is_admin(self) -> bool:
        return self.user is not None and self.user.role == ADMIN

    def may_see(self, owner_id: int | None) -> bool:
        """Anonymous work is seen by whoever has its id; an account's by the
        account and admins."""
        return owner_id is None or self.is_admin or owner_id == self.user_id


def invalid_key() -> APIError:
    return APIError(
        401,
        "not_authenticated",
        "the API key or token is not valid (revoked, expired or mistyped)",
        headers={"WWW-Authenticate": "Bearer"},
    )


async def current_caller(
    request: Request,
    context: ContextDep,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(api_key_scheme)],
    cookie: Annotated[str | None, Depends(cookie_scheme)],
) -> Caller:
    ip = client_ip(request)
    if bearer is not None and bearer.credentials.startswith(KEY_PREFIX):
        async with context.sessions() as session:
            user = await resolve_key(session, bearer.credentials)
        if user is None:
            raise invalid_key()
        return Caller(ip, user)
    principal = await optional_principal(request, context, bearer, cookie)
    if principal is None:
        if bearer is not None:
            raise invalid_key()
        return Caller(ip)
    if (
        principal.via == "cookie"
        and request.method not in SAFE_METHODS
        and not same_origin(request)
    ):
        raise APIError(403, "csrf_failed", "cross-site request refused")
    return Caller(ip, principal.user)


CallerDep = Annotated[Caller, Depends(current_caller)]
