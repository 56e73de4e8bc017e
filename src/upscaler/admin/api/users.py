"""/api/v1/admin: users, their plans, usage, API keys and sessions."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response, status

from upscaler.accounts import keys
from upscaler.admin import accounts_service, convert, schemas
from upscaler.auth import accounts, sessions
from upscaler.auth.deps import AdminPrincipal, auth_runtime
from upscaler.deps import ContextDep, SessionDep
from upscaler.openapi import documented_error as error

router = APIRouter()


@router.get("/users", response_model=list[schemas.UserOut])
async def get_users(context: ContextDep, session: SessionDep) -> list[schemas.UserOut]:
    counts = await sessions.live_counts(session, auth_runtime(context).policy)
    return [
        convert.user_out(user, counts.get(user.id or 0, 0))
        for user in await accounts.list_users(session)
    ]


@router.post(
    "/users",
    response_model=schemas.UserCreated,
    status_code=status.HTTP_201_CREATED,
    responses={400: error("Invalid fields"), 409: error("Username or e-mail taken")},
)
async def create_user(
    body: schemas.UserCreate, principal: AdminPrincipal, session: SessionDep
) -> schemas.UserCreated:
    """Create an account; it must change its password at first login."""
    created = await accounts.create_user(
        session,
        username=body.username,
        email=body.email,
        role=body.role,
        password=body.password,
        actor=principal.actor,
    )
    return schemas.UserCreated(
        **convert.user_out(created.user).model_dump(),
        generated_password=created.generated_password,
    )


USER_ERRORS: dict[int | str, dict[str, Any]] = {
    404: error("No such user"),
    409: error("Refused: yourself, or the last active admin"),
}


@router.patch("/users/{user_id}", response_model=schemas.UserOut, responses=USER_ERRORS)
async def update_user(
    user_id: int, body: schemas.UserUpdate, principal: AdminPrincipal, session: SessionDep
) -> schemas.UserOut:
    """Change role, plan, activate or deactivate (ends the user's sessions), e-mail."""
    user = await accounts.update_user(
        session,
        user_id,
        role=body.role,
        is_active=body.is_active,
        email=body.email,
        actor=principal.actor,
    )
    if body.plan is not None:
        user = await accounts_service.set_plan(session, user_id, body.plan, actor=principal.actor)
    return convert.user_out(user)


@router.get("/users/{user_id}/usage", response_model=schemas.UserUsageOut, responses=USER_ERRORS)
async def user_usage(
    user_id: int, context: ContextDep, session: SessionDep
) -> schemas.UserUsageOut:
    """Jobs today against the daily quota of the user's plan, and this month's jobs."""
    user = await accounts.get_user(session, user_id)
    return await accounts_service.usage(session, user, await context.live.get())


@router.get(
    "/users/{user_id}/api-keys",
    response_model=list[schemas.UserApiKeyOut],
    responses=USER_ERRORS,
)
async def user_api_keys(user_id: int, session: SessionDep) -> list[schemas.UserApiKeyOut]:
    """The user's API keys, revoked ones too (never the keys or their hashes)."""
    user = await accounts.get_user(session, user_id)
    assert user.id is not None
    return [convert.api_key_out(row) for row in await keys.list_keys(session, user.id)]


@router.delete("/api-keys/{key_id}", status_code=204, responses={404: error("No such API key")})
async def revoke_api_key(key_id: int, principal: AdminPrincipal, session: SessionDep) -> Response:
    """Revoke any user's API key: the next request with it is refused (401).
    Revoking a revoked key again changes nothing."""
    await accounts_service.revoke_key(session, key_id, actor=principal.actor)
    return Response(status_code=204)


@router.post(
    "/users/{user_id}/force-password-reset",
    response_model=schemas.PasswordResetOut,
    responses=USER_ERRORS,
)
async def force_password_reset(
    user_id: int,
    principal: AdminPrincipal,
    session: SessionDep,
    body: schemas.PasswordResetRequest | None = None,
) -> schemas.PasswordResetOut:
    """The user must choose a new password at next login; their sessions end
    now. Optionally replace the password (given, or generated and shown once)."""
    body = body or schemas.PasswordResetRequest()
    new_password = "" if body.generate else body.new_password
    user, generated, ended = await accounts.force_password_reset(
        session, user_id, new_password=new_password, actor=principal.actor
    )
    return schemas.PasswordResetOut(
        user=convert.user_out(user), generated_password=generated, sessions_ended=ended
    )


@router.post(
    "/users/{user_id}/end-sessions", response_model=schemas.SessionsEnded, responses=USER_ERRORS
)
async def end_sessions(
    user_id: int, principal: AdminPrincipal, session: SessionDep
) -> schemas.SessionsEnded:
    """End every session and token of the user at once."""
    ended = await accounts.end_sessions(session, user_id, actor=principal.actor)
    return schemas.SessionsEnded(sessions_ended=ended)


@router.get(
    "/users/{user_id}/sessions", response_model=list[schemas.SessionOut], responses=USER_ERRORS
)
async def user_sessions(
    user_id: int, context: ContextDep, session: SessionDep
) -> list[schemas.SessionOut]:
    """The user's live sessions and tokens."""
    user = await accounts.get_user(session, user_id)
    assert user.id is not None
    rows = await sessions.live_for_user(session, user.id, auth_runtime(context).policy)
    return [convert.session_out(row) for row in rows]


@router.delete("/sessions/{session_id}", status_code=204, responses={404: error("No such session")})
async def end_one_session(
    session_id: int, principal: AdminPrincipal, session: SessionDep
) -> Response:
    """End one session or token."""
    await accounts.end_session(session, session_id, actor=principal.actor)
    return Response(status_code=204)
