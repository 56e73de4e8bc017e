"""/admin/users: accounts, roles, plans and usage, deactivation, forced
password resets, live sessions, API keys."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import ValidationError
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.responses import Response

from upscaler.accounts import keys
from upscaler.admin import accounts_service, convert
from upscaler.admin.api.invites import InviteRequest, invite
from upscaler.admin.guards import AdminPage, admin_page_principal
from upscaler.admin.pages.forms import checked, text
from upscaler.admin.rendering import redirect, render
from upscaler.audit import queries as audit_queries
from upscaler.auth import accounts, sessions
from upscaler.auth.deps import Principal, auth_runtime
from upscaler.context import AppContext
from upscaler.db.tables import User
from upscaler.deps import ContextDep, SessionDep
from upscaler.errors import APIError

router = APIRouter(
    prefix="/admin", include_in_schema=False, dependencies=[Depends(admin_page_principal)]
)


def _detail(error: APIError) -> str:
    return "; ".join(f"{f.field}: {f.message}" for f in error.fields) or error.message


async def _user_page(
    request: Request,
    principal: Principal,
    context: AppContext,
    session: AsyncSession,
    user: User,
    **extra: Any,
) -> Response:
    """The user page: account, plan and usage, sessions, API keys, audit."""
    assert user.id is not None
    live = await sessions.live_for_user(session, user.id, auth_runtime(context).policy)
    by_user, _ = await audit_queries.search(
        session, audit_queries.AuditFilter(username=user.username), per_page=20
    )
    values: dict[str, Any] = {
        "section": "users",
        "title": f"User {user.username}",
        "user": convert.user_out(user, len(live)),
        "sessions": [convert.session_out(s) for s in live],
        "current_session": principal.auth.id,
        "by_user": by_user,
        "about_user": await audit_queries.for_entity(session, "user", str(user.id), limit=20),
        "roles": accounts.ROLES,
        "plans": accounts_service.PLANS,
        "usage": await accounts_service.usage(session, user, await context.live.get()),
        "api_keys": [convert.api_key_out(row) for row in await keys.list_keys(session, user.id)],
        "generated": None,
    }
    return render(request, "admin/user.html", principal, **(values | extra))


async def _users(
    request: Request,
    principal: AdminPage,
    context: AppContext,
    session: AsyncSession,
    status_code: int = 200,
    **extra: Any,
) -> Response:
    counts = await sessions.live_counts(session, auth_runtime(context).policy)
    users = [
        convert.user_out(u, counts.get(u.id or 0, 0)) for u in await accounts.list_users(session)
    ]
    values: dict[str, Any] = {
        "created": None,
        "errors": {},
        "form_values": {},
        "invitation": None,
        "registration": (await context.live.get()).registration,
    }
    return render(
        request,
        "admin/users.html",
        principal,
        status_code=status_code,
        section="users",
        title="Users",
        users=users,
        roles=accounts.ROLES,
        **(values | extra),
    )


@router.get("/users")
async def users_page(
    request: Request, principal: AdminPage, context: ContextDep, session: SessionDep
) -> Response:
    return await _users(request, principal, context, session)


@router.post("/invites")
async def invite_someone(
    request: Request, principal: AdminPage, context: ContextDep, session: SessionDep
) -> Response:
    email = text(await request.form(), "email", 254) or ""
    try:
        made = await invite(
            InviteRequest(email=email).email, request, context, session, principal.actor
        )
    except ValidationError:
        return await _users(
            request, principal, context, session, 400, errors={"invite": "is not an e-mail address"}
        )
    return await _users(request, principal, context, session, 201, invitation=made)


@router.post("/users")
async def create_user(
    request: Request, principal: AdminPage, context: ContextDep, session: SessionDep
) -> Response:
    form = await request.form()
    values = {
        "username": text(form, "username", 64) or "",
        "email": text(form, "email", 254),
        "role": text(form, "role", 16) or "user",
    }
    errors: dict[str, str] = {}
    created = None
    status = 201
    try:
        created = await accounts.create_user(
            session,
            username=values["username"] or "",
            email=values["email"],
            role=values["role"] or "user",
            password=text(form, "password", 256),
            actor=principal.actor,
        )
    except APIError as error:
        errors = {f.field: f.message for f in error.fields} or {"form": error.message}
        status = error.status
    return await _users(
        request,
        principal,
        context,
        session,
        status,
        created=created,
        errors=errors,
        form_values=values if errors else {},
    )


@router.get("/users/{user_id}")
async def user_page(
    user_id: int, request: Request, principal: AdminPage, context: ContextDep, session: SessionDep
) -> Response:
    try:
        user = await accounts.get_user(session, user_id)
    except APIError as error:
        return render(
            request,
            "admin/error.html",
            principal,
            status_code=404,
            title="No such user",
            message=error.message,
            section="users",
        )
    return await _user_page(request, principal, context, session, user)


@router.post("/users/{user_id}/update")
async def update_user(
    user_id: int, request: Request, principal: AdminPage, session: SessionDep
) -> Response:
    form = await request.form()
    plan = text(form, "plan", 16)
    try:
        if plan is not None:
            accounts_service.check_plan(plan)  # before anything else changes
        await accounts.update_user(
            session,
            user_id,
            role=text(form, "role", 16),
            is_active=checked(form, "is_active"),
            email=str(form.get("email", "")),
            actor=principal.actor,
        )
        if plan is not None:
            await accounts_service.set_plan(session, user_id, plan, actor=principal.actor)
    except APIError as error:
        return redirect(request, f"/admin/users/{user_id}", _detail(error), "error")
    return redirect(request, f"/admin/users/{user_id}", "Saved.")


@router.post("/users/{user_id}/force-reset")
async def force_reset(
    user_id: int, request: Request, principal: AdminPage, context: ContextDep, session: SessionDep
) -> Response:
    form = await request.form()
    replace = text(form, "replace", 16)
    new_password = text(form, "new_password", 256) if replace == "given" else None
    if replace == "generate":
        new_password = ""
    try:
        user, generated, ended = await accounts.force_password_reset(
            session, user_id, new_password=new_password, actor=principal.actor
        )
    except APIError as error:
        return redirect(request, f"/admin/users/{user_id}", _detail(error), "error")
    if user.id == principal.user_id:
        return redirect(request, "/admin/login", "Your password must be changed: sign in again.")
    message = (
        f"{user.username} must choose a new password at next sign-in; {ended} session(s) ended."
    )
    if generated:
        # Shown once, on this response only (not carried in a cookie).
        return await _user_page(
            request,
            principal,
            context,
            session,
            user,
            generated=generated,
            flash={"kind": "ok", "text": message},
        )
    return redirect(request, f"/admin/users/{user_id}", message)


@router.post("/users/{user_id}/end-sessions")
async def end_sessions(
    user_id: int, request: Request, principal: AdminPage, session: SessionDep
) -> Response:
    try:
        ended = await accounts.end_sessions(session, user_id, actor=principal.actor)
    except APIError as error:
        return redirect(request, "/admin/users", _detail(error), "error")
    if user_id == principal.user_id:
        return redirect(request, "/admin/login", "All your sessions were ended.")
    return redirect(request, f"/admin/users/{user_id}", f"Ended {ended} session(s).")


@router.post("/sessions/{session_id}/end")
async def end_session(
    session_id: int, request: Request, principal: AdminPage, session: SessionDep
) -> Response:
    try:
        row = await accounts.end_session(session, session_id, actor=principal.actor)
    except APIError as error:
        return redirect(request, "/admin/users", _detail(error), "error")
    if session_id == principal.auth.id:
        return redirect(request, "/admin/login", "Your session was ended.")
    return redirect(request, f"/admin/users/{row.user_id}", "Session ended.")


@router.post("/api-keys/{key_id}/revoke")
async def revoke_api_key(
    key_id: int, request: Request, principal: AdminPage, session: SessionDep
) -> Response:
    try:
        row = await accounts_service.revoke_key(session, key_id, actor=principal.actor)
    except APIError as error:
        return redirect(request, "/admin/users", _detail(error), "error")
    return redirect(
        request, f"/admin/users/{row.user_id}", f"API key {row.name} ({row.prefix}…) revoked."
    )
