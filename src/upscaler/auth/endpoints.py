"""POST /api/v1/auth/login, /logout, /password and GET /api/v1/auth/me."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status

from upscaler.auth import sessions
from upscaler.auth.cookies import set_session_cookie
from upscaler.auth.deps import UserPrincipal, auth_runtime, client_ip
from upscaler.auth.schemas import (
    LoginRequest,
    MeOut,
    PasswordChanged,
    PasswordChangeRequest,
    TokenOut,
)
from upscaler.auth.service import change_password, sign_in, sign_out
from upscaler.auth.tokens import csrf_token_for
from upscaler.deps import ContextDep, SessionDep
from upscaler.openapi import documented_error as error

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])


@router.post(
    "/login",
    response_model=TokenOut,
    responses={
        400: error("Missing or malformed fields"),
        401: error("Wrong username or password (or the account is deactivated)"),
        429: error("Too many failed attempts for this account or from this address"),
    },
)
async def login(
    body: LoginRequest,
    request: Request,
    response: Response,
    context: ContextDep,
    session: SessionDep,
) -> TokenOut:
    """Sign in. Returns a bearer token (or, with `cookie: true`, starts a
    browser session) with the role and expiry. While
    `password_change_required` is true the token is good only for
    `POST /api/v1/auth/password` and logout. Failed attempts are throttled per
    account and per address (429 with Retry-After)."""
    runtime = auth_runtime(context)
    kind: sessions.Kind = "cookie" if body.cookie else "bearer"
    signed = await sign_in(
        session,
        runtime.throttle,
        runtime.policy,
        body.username,
        body.password,
        kind=kind,
        ip=client_ip(request),
        user_agent=request.headers.get("user-agent"),
    )
    response.headers["Cache-Control"] = "no-store"
    user, issued = signed.user, signed.issued
    csrf = None
    if kind == "cookie":
        set_session_cookie(response, issued.secret, runtime.policy)
        csrf = csrf_token_for(context.settings.secret(), issued.secret)
    return TokenOut(
        access_token=issued.secret if kind == "bearer" else None,
        token_type=kind,
        username=user.username,
        role=user.role,
        expires_at=issued.row.expires_at,
        password_change_required=user.force_password_reset,
        csrf_token=csrf,
    )


@router.post(
    "/logout",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={401: error("Not signed in"), 403: error("CSRF token missing (cookie sessions)")},
)
async def logout(principal: UserPrincipal, context: ContextDep, session: SessionDep) -> Response:
    """End this session or token at once."""
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    await sign_out(session, principal, response, auth_runtime(context).policy)
    return response


@router.post(
    "/password",
    response_model=PasswordChanged,
    responses={
        400: error("The current password is wrong or the new one is too weak"),
        401: error("Not signed in"),
        403: error("CSRF token missing (cookie sessions)"),
    },
)
async def change_my_password(
    body: PasswordChangeRequest, principal: UserPrincipal, session: SessionDep
) -> PasswordChanged:
    """Change your password. Every other session and token of yours ends;
    the one making this request stays valid."""
    user = await session.get(type(principal.user), principal.user_id)
    assert user is not None
    ended = await change_password(
        session,
        user,
        body.current_password,
        body.new_password,
        None,
        actor=principal.actor,
        keep_session=principal.auth.id,
    )
    return PasswordChanged(other_sessions_ended=ended)


@router.get("/me", response_model=MeOut, responses={401: error("Not signed in")})
async def get_me(principal: UserPrincipal) -> MeOut:
    """Who this token or session belongs to."""
    return MeOut(
        id=principal.user_id,
        username=principal.user.username,
        role=principal.user.role,
        via=principal.via,
        expires_at=principal.auth.expires_at,
        password_change_required=principal.must_change_password,
    )
