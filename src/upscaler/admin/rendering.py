"""Server-rendered admin pages: Jinja templates, filters, common context.

Every page carries the session's CSRF token in a meta tag (htmx sends it as a
header, see src/upscaler/static/admin/admin.js) and in every form. Pages are never
cached: they show live operational data to one signed-in person.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.templating import Jinja2Templates
from itsdangerous import BadSignature, URLSafeSerializer
from starlette.responses import RedirectResponse, Response

from upscaler.auth.deps import Principal
from upscaler.db.types import utcnow
from upscaler.resources import TEMPLATES_DIR

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}

templates = Jinja2Templates(directory=str(TEMPLATES_DIR))


def human_bytes(value: int | float | None) -> str:
    if value is None:
        return "—"
    size = float(value)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if abs(size) < 1024 or unit == "TB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} TB"


def human_duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {rest:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def timestamp(value: datetime | None) -> str:
    if value is None:
        return "—"
    return value.strftime("%Y-%m-%d %H:%M:%S UTC")


def ago(value: datetime | None) -> str:
    if value is None:
        return "never"
    seconds = max(0.0, (utcnow() - value).total_seconds())
    if seconds < 60:
        return f"{int(seconds)} s ago"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    if seconds < 86400:
        return f"{int(seconds // 3600)} h ago"
    return f"{int(seconds // 86400)} d ago"


def query_with(params: dict[str, Any], **changes: Any) -> str:
    merged = {k: v for k, v in (params | changes).items() if v not in (None, "", [])}
    return urlencode(merged, doseq=True)


templates.env.filters["bytes"] = human_bytes
templates.env.filters["duration"] = human_duration
templates.env.filters["ts"] = timestamp
templates.env.filters["ago"] = ago
templates.env.globals["query_with"] = query_with
templates.env.globals["ceil"] = math.ceil

NAV = (
    ("dashboard", "/admin/dashboard", "Dashboard"),
    ("jobs", "/admin/jobs", "Jobs"),
    ("workers", "/admin/workers", "Workers"),
    ("models", "/admin/models", "Models"),
    ("settings", "/admin/settings", "Settings"),
    ("users", "/admin/users", "Users"),
    ("audit", "/admin/audit", "Audit log"),
    ("system", "/admin/system", "System"),
)

FLASH_COOKIE = "upscaler_flash"
_FLASH_SALT = "upscaler.admin.flash.v1"


def _serializer(request: Request) -> URLSafeSerializer:
    context = request.app.state.context
    return URLSafeSerializer(context.settings.secret(), salt=_FLASH_SALT)


def _secure(request: Request) -> bool:
    context = request.app.state.context
    return bool(context.settings.env not in ("development", "test"))


def read_flash(request: Request) -> dict[str, str] | None:
    raw = request.cookies.get(FLASH_COOKIE)
    if not raw:
        return None
    try:
        value = _serializer(request).loads(raw)
    except BadSignature:
        return None
    if isinstance(value, dict) and isinstance(value.get("text"), str):
        return {"kind": str(value.get("kind", "ok")), "text": value["text"][:1000]}
    return None


def redirect(request: Request, url: str, text: str | None = None, kind: str = "ok") -> Response:
    """303 to `url`, carrying a one-time message (a signed, short-lived cookie)."""
    response = RedirectResponse(url, status_code=303, headers=NO_STORE)
    if text:
        response.set_cookie(
            FLASH_COOKIE,
            _serializer(request).dumps({"kind": kind, "text": text[:1000]}),
            max_age=60,
            path="/admin",
            secure=_secure(request),
            httponly=True,
            samesite="strict",
        )
    return response


def render(
    request: Request,
    template: str,
    principal: Principal | None = None,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
    **context: Any,
) -> Response:
    flash = read_flash(request)
    values: dict[str, Any] = {
        "principal": principal,
        "csrf_token": principal.csrf_token if principal is not None else "",
        "nav": NAV,
        "flash": flash,
        "now": utcnow(),
    }
    values.update(context)
    response = templates.TemplateResponse(
        request, template, values, status_code=status_code, headers=NO_STORE | (headers or {})
    )
    if flash is not None:
        response.delete_cookie(
            FLASH_COOKIE, path="/admin", secure=_secure(request), httponly=True, samesite="strict"
        )
    return response


def partial(request: Request, template: str, *, status_code: int = 200, **context: Any) -> Response:
    """An htmx fragment (no flash message is consumed)."""
    return templates.TemplateResponse(
        request, template, context, status_code=status_code, headers=NO_STORE
    )


def fragment(template: str, **context: Any) -> str:
    """A partial rendered to a string (for server-sent events)."""
    return templates.get_template(template).render(**context)


def error_page(
    request: Request,
    status_code: int,
    title: str,
    message: str,
    *,
    principal: Principal | None = None,
) -> Response:
    return render(
        request,
        "admin/error.html",
        principal,
        status_code=status_code,
        title=title,
        message=message,
    )
