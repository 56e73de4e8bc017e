"""/admin/login, /admin/logout, /admin/password."""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Request
from starlette.responses import Response

from upscaler.admin.guards import PageResponse, login_redirect, safe_next
from upscaler.admin.rendering import error_page, redirect, render
from upscaler.auth import sessions
from upscaler.auth.cookies import set_login_csrf_cookie, set_session_cookie
from upscaler.auth.deps import OptionalPrincipal, Principal, auth_runtime, check_csrf, client_ip
from upscaler.auth.policy import LOGIN_CSRF_COOKIE
from upscaler.auth.service import change_password, sign_in, sign_out
from upscaler.auth.tokens import same
from upscaler.db.tables import User
from upscaler.deps import ContextDep, SessionDep
from upscaler.errors import APIError

router = APIRouter(prefix="/admin", include_in_schema=False)


def _login_form(
    request: Request,
    *,
    next_url: str,
    username: str = "",
    error: str | None = None,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    context = request.app.state.context
    token = secrets.token_urlsafe(24)
    response = render(
        request,
        "admin/login.html",
        None,
        status_code=status_code,
        headers=headers,
        login_csrf=token,
        next_url=next_url,
        username=username,
        error=error,
        title="Sign in",
    )
    set_login_csrf_cookie(response, token, auth_runtime(context).policy)
    return response


@router.get("/login")
async def login_page(request: Request, principal: OptionalPrincipal) -> Response:
    next_url = safe_next(request.query_params.get("next"))
    if principal is not None and principal.is_admin and not principal.must_change_password:
        return redirect(request, next_url)
    return _login_form(request, next_url=next_url)


@router.post("/login")
async def login_submit(request: Request, context: ContextDep, session: SessionDep) -> Response:
    form = await request.form()
    username = str(form.get("username", ""))[:64]
    password = str(form.get("password", ""))[:256]
    next_url = safe_next(str(form.get("next", "")))
    if not same(str(form.get("csrf_token", "")), request.cookies.get(LOGIN_CSRF_COOKIE)):
        return _login_form(
            request,
            next_url=next_url,
            username=username,
            error="The sign-in form expired; please try again.",
            status_code=403,
        )
    runtime = auth_runtime(context)
    try:
        signed = await sign_in(
            session,
            runtime.throttle,
            runtime.policy,
            username,
            password,
            kind="cookie",
            ip=client_ip(request),
            user_agent=request.headers.get("user-agent"),
        )
    except APIError as error:
        return _login_form(
            request,
            next_url=next_url,
            username=username,
            error=error.message[:1].upper() + error.message[1:] + ".",
            status_code=error.status,
            headers=error.headers,
        )
    if signed.user.force_password_reset:
        target = "/admin/password"
    elif signed.user.role != "admin":
        target = "/admin/dashboard"  # answered with "admins only"
    else:
        target = next_url
    response = redirect(request, target)
    set_session_cookie(response, signed.issued.secret, runtime.policy)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/admin/login", httponly=True, samesite="strict")
    return response


@router.post("/logout")
async def logout(
    request: Request, principal: OptionalPrincipal, context: ContextDep, session: SessionDep
) -> Response:
    if principal is not None:
        try:
            await check_csrf(request, principal)
        except APIError as error:
            return error_page(request, 403, "Request refused", error.message, principal=principal)
    response = redirect(request, "/admin/login", "You are signed out.")
    await sign_out(session, principal, response, auth_runtime(context).policy)
    return response


def _signed_in(request: Request, principal: Principal | None) -> Principal:
    if principal is None:
        raise PageResponse(login_redirect(request))
    return principal


@router.get("/password")
async def password_page(request: Request, principal: OptionalPrincipal) -> Response:
    principal = _signed_in(request, principal)
    return render(request, "admin/password.html", principal, title="Change password", errors={})


@router.post("/password")
async def password_submit(
    request: Request, principal: OptionalPrincipal, context: ContextDep, session: SessionDep
) -> Response:
    principal = _signed_in(request, principal)
    try:
        await check_csrf(request, principal)
    except APIError as error:
        return render(
            request,
            "admin/password.html",
            principal,
            status_code=403,
            title="Change password",
            errors={"form": error.message},
        )
    form = await request.form()
    user = await session.get(User, principal.user_id)
    assert user is not None
    try:
        # Every session of the account ends, this one included: the browser
        # gets a fresh session below, so a stolen old cookie is worthless.
        await change_password(
            session,
            user,
            str(form.get("current_password", "")),
            str(form.get("new_password", "")),
            str(form.get("confirm_password", "")),
            actor=principal.actor,
            keep_session=None,
        )
    except APIError as error:
        errors = {f.field: f.message for f in error.fields} or {"form": error.message}
        return render(
            request,
            "admin/password.html",
            principal,
            status_code=400,
            title="Change password",
            errors=errors,
        )
    runtime = auth_runtime(context)
    issued = await sessions.issue(
        session,
        user,
        "cookie",
        runtime.policy,
        ip=client_ip(request),
        user_agent=request.headers.get("user-agent"),
    )
    target = "/admin/dashboard" if user.role == "admin" else "/admin/login"
    response = redirect(
        request, target, "Your password was changed; your other sessions were ended."
    )
    set_session_cookie(response, issued.secret, runtime.policy)
    return response
