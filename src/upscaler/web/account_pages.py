"""The account pages: /register, /verify-email, /login, /logout,
/forgot-password, /reset-password and /me (usage, API keys, jobs).

The forms without a session (register, sign in, reset) are refused when a
browser says they come from another site (Origin or Referer), like the
upload form; the forms of /me carry the session's CSRF token."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel.ext.asyncio.session import AsyncSession

from upscaler.accounts import keys
from upscaler.accounts.caller import Caller
from upscaler.auth.cookies import clear_session_cookie, set_session_cookie
from upscaler.auth.deps import (
    OptionalPrincipal,
    Principal,
    auth_runtime,
    check_csrf,
    client_ip,
)
from upscaler.auth.service import sign_in, sign_out
from upscaler.context import AppContext
from upscaler.contracts import JobStatus
from upscaler.deps import ContextDep, SessionDep
from upscaler.downloads.request_links import base_url
from upscaler.errors import APIError
from upscaler.jobs.service import artifact_links
from upscaler.me import registration
from upscaler.me.endpoints import newest_jobs, usage_of
from upscaler.web.origin import is_same_origin
from upscaler.web.pages import _page, error_page
from upscaler.web.templating import sentence

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True)
class Input:
    name: str
    label: str
    type: str = "text"
    autocomplete: str = "off"
    value: str = ""
    required: bool = True


def _form(
    request: Request,
    title: str,
    *,
    action: str = "",
    fields: list[Input] | None = None,
    submit: str = "",
    message: str | None = None,
    error: APIError | None = None,
    hidden: dict[str, str] | None = None,
    links: list[dict[str, str]] | None = None,
) -> HTMLResponse:
    problem = None
    if error is not None:
        details = "; ".join(f"{p.field}: {p.message}" for p in error.fields)
        problem = sentence(details or error.message)
    return _page(
        request,
        "public/account/form.html",
        {
            "title": title,
            "action": action,
            "fields": fields or [],
            "submit": submit,
            "message": message,
            "error": problem,
            "hidden": hidden or {},
            "links": links or [],
        },
        status_code=error.status if error is not None else 200,
        headers=error.headers if error is not None else None,
    )


async def _fields(request: Request) -> dict[str, str]:
    form = await request.form()
    return {name: str(value)[:1000] for name, value in form.items() if isinstance(value, str)}


def _cross_site(request: Request, context: AppContext) -> bool:
    return not is_same_origin(request, context.settings.public_base_url)


def _refilled(fields: list[Input], values: dict[str, str]) -> list[Input]:
    """The form again with what was typed, never the passwords."""
    return [f if f.type == "password" else replace(f, value=values.get(f.name, "")) for f in fields]


REGISTER = [
    Input("email", "E-mail address", "email", "email"),
    Input("username", "User name (optional)", "text", "username", required=False),
    Input("password", "Password (10 characters or more)", "password", "new-password"),
]
SIGN_IN = [
    Input("username", "User name", "text", "username"),
    Input("password", "Password", "password", "current-password"),
]
SIGN_IN_LINKS = [
    {"href": "/register", "text": "Make an account"},
    {"href": "/forgot-password", "text": "Forgot your password?"},
]


@router.get("/register", response_class=HTMLResponse)
async def register_page(request: Request, context: ContextDep) -> HTMLResponse:
    mode = (await context.live.get()).registration
    invite = request.query_params.get("invite", "")
    if mode == "off" or (mode == "invite" and not invite):
        closed = "by invitation only" if mode == "invite" else "not taking new accounts"
        return _form(request, "Make an account", message=f"This server is {closed}.")
    return _form(
        request,
        "Make an account",
        action="/register",
        fields=REGISTER,
        submit="Make the account",
        hidden={"invite": invite} if invite else None,
    )


@router.post("/register", response_class=HTMLResponse)
async def register_submit(request: Request, context: ContextDep) -> HTMLResponse:
    if _cross_site(request, context):
        return error_page(request, 403, "Request refused", "The form was sent from another site.")
    values = await _fields(request)
    try:
        user = await registration.register(
            context,
            client_ip(request),
            values.get("email", ""),
            values.get("password", ""),
            values.get("username") or None,
            base_url(context, request),
            values.get("invite") or None,
        )
    except APIError as error:
        invite = values.get("invite")
        return _form(
            request,
            "Make an account",
            action="/register",
            fields=_refilled(REGISTER, values),
            submit="Make the account",
            error=error,
            hidden={"invite": invite} if invite else None,
        )
    return _form(
        request,
        "Check your e-mail",
        message=f"We sent a link to {user.email}. Follow it to confirm the address, then sign in "
        f"as {user.username}.",
    )


@router.get("/verify-email", response_class=HTMLResponse)
async def verify_email_page(request: Request, context: ContextDep) -> HTMLResponse:
    try:
        user = await registration.verify_email(context, request.query_params.get("token", ""))
    except APIError as error:
        return _form(request, "Confirm your e-mail", error=error)
    return _form(
        request,
        "Address confirmed",
        message=f"Thank you: the account {user.username} can sign in now.",
        links=[{"href": "/login", "text": "Sign in"}],
    )


@router.get("/login", response_class=HTMLResponse)
async def login_page(request: Request, principal: OptionalPrincipal) -> Response:
    if principal is not None:
        return RedirectResponse("/me", status_code=303)
    return _form(
        request, "Sign in", action="/login", fields=SIGN_IN, submit="Sign in", links=SIGN_IN_LINKS
    )


@router.post("/login", response_model=None)
async def login_submit(request: Request, context: ContextDep, session: SessionDep) -> Response:
    if _cross_site(request, context):
        return error_page(request, 403, "Request refused", "The form was sent from another site.")
    values = await _fields(request)
    runtime = auth_runtime(context)
    try:
        signed = await sign_in(
            session,
            runtime.throttle,
            runtime.policy,
            values.get("username", "")[:64],
            values.get("password", "")[:256],
            kind="cookie",
            ip=client_ip(request),
            user_agent=request.headers.get("user-agent"),
        )
    except APIError as error:
        return _form(
            request,
            "Sign in",
            action="/login",
            fields=_refilled(SIGN_IN, values),
            submit="Sign in",
            error=error,
            links=SIGN_IN_LINKS,
        )
    response = RedirectResponse("/me", status_code=303)
    set_session_cookie(response, signed.issued.secret, runtime.policy)
    return response


@router.post("/logout", response_model=None)
async def logout(
    request: Request, principal: OptionalPrincipal, context: ContextDep, session: SessionDep
) -> Response:
    response = RedirectResponse("/login", status_code=303)
    if principal is None:
        clear_session_cookie(response, auth_runtime(context).policy)
        return response
    await check_csrf(request, principal)
    await sign_out(session, principal, response, auth_runtime(context).policy)
    return response


@router.get("/forgot-password", response_class=HTMLResponse)
async def forgot_page(request: Request) -> HTMLResponse:
    fields = [Input("email", "E-mail address of the account", "email", "email")]
    return _form(
        request,
        "Reset your password",
        action="/forgot-password",
        fields=fields,
        submit="Send me a link",
    )


@router.post("/forgot-password", response_class=HTMLResponse)
async def forgot_submit(request: Request, context: ContextDep) -> HTMLResponse:
    if _cross_site(request, context):
        return error_page(request, 403, "Request refused", "The form was sent from another site.")
    values = await _fields(request)
    try:
        await registration.request_reset(
            context, client_ip(request), values.get("email", ""), base_url(context, request)
        )
    except APIError as error:
        return _form(request, "Reset your password", error=error)
    return _form(
        request,
        "Check your e-mail",
        message="If the address has an account, a link to choose a new password is on its way.",
    )


@router.get("/reset-password", response_class=HTMLResponse)
async def reset_page(request: Request) -> HTMLResponse:
    fields = [
        Input("new_password", "New password (10 characters or more)", "password", "new-password")
    ]
    token = request.query_params.get("token", "")
    return _form(
        request,
        "Choose a new password",
        action="/reset-password",
        fields=fields,
        submit="Save the password",
        hidden={"token": token},
    )


@router.post("/reset-password", response_class=HTMLResponse)
async def reset_submit(request: Request, context: ContextDep) -> HTMLResponse:
    if _cross_site(request, context):
        return error_page(request, 403, "Request refused", "The form was sent from another site.")
    values = await _fields(request)
    try:
        user = await registration.reset_password(
            context, values.get("token", ""), values.get("new_password", "")
        )
    except APIError as error:
        return _form(request, "Choose a new password", error=error)
    return _form(
        request,
        "Password changed",
        message=f"The account {user.username} has its new password; every session was ended.",
        links=[{"href": "/login", "text": "Sign in"}],
    )


async def _me(
    request: Request,
    context: AppContext,
    session: AsyncSession,
    principal: Principal,
    **extra: Any,
) -> HTMLResponse:
    caller = Caller(client_ip(request), principal.user)
    jobs = await newest_jobs(session, principal.user_id, 50)
    # Finished jobs show their preview and a download (freshly signed links).
    links = {
        job.job_id: await artifact_links(context, request, job, upload, inline_original=False)
        for job, upload in jobs
        if job.status == JobStatus.COMPLETED
    }
    return _page(
        request,
        "public/account/me.html",
        {
            "user": principal.user,
            "usage": await usage_of(session, caller, await context.live.get()),
            "keys": await keys.list_keys(session, principal.user_id),
            "jobs": jobs,
            "links": links,
            "csrf": principal.csrf_token or "",
            **extra,
        },
    )


@router.get("/me", response_model=None)
async def me_page(
    request: Request, principal: OptionalPrincipal, context: ContextDep, session: SessionDep
) -> Response:
    if principal is None:
        return RedirectResponse("/login", status_code=303)
    return await _me(request, context, session, principal)


@router.post("/me/keys", response_model=None)
async def create_key(
    request: Request, principal: OptionalPrincipal, context: ContextDep, session: SessionDep
) -> Response:
    if principal is None:
        return RedirectResponse("/login", status_code=303)
    await check_csrf(request, principal)
    name = (await _fields(request)).get("name", "").strip()[:64] or "key"
    row, key = await keys.create_key(session, principal.user, name)
    return await _me(request, context, session, principal, new_key=key, new_key_name=row.name)


@router.post("/me/keys/{key_id}/revoke", response_model=None)
async def revoke_key(
    key_id: int, request: Request, principal: OptionalPrincipal, session: SessionDep
) -> Response:
    if principal is None:
        return RedirectResponse("/login", status_code=303)
    await check_csrf(request, principal)
    await keys.revoke_key(session, key_id, owner_id=principal.user_id)
    return RedirectResponse("/me", status_code=303)
