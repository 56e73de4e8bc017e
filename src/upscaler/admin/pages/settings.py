"""/admin/settings: every run-time setting, validated, applied everywhere
within seconds; and the default model."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from upscaler.admin import convert, settings_service
from upscaler.admin.guards import AdminPage, admin_page_principal
from upscaler.admin.pages.forms import checked
from upscaler.admin.rendering import human_bytes, redirect, render
from upscaler.catalog import registry
from upscaler.catalog.service import is_variant
from upscaler.contracts import ModelStatus
from upscaler.deps import ContextDep, SessionDep
from upscaler.errors import APIError
from upscaler.live_settings import KNOWN_MIMES, TTL_SECONDS, RuntimeSettings

router = APIRouter(
    prefix="/admin", include_in_schema=False, dependencies=[Depends(admin_page_principal)]
)

INTEGER_FIELDS = (
    "max_upload_size_bytes",
    "max_input_pixels",
    "rate_limit_per_minute",
    "job_timeout_seconds",
    "job_max_retries",
    "retention_days",
    "account_rate_limit_per_minute",
    "free_daily_jobs",
    "pro_daily_jobs",
    "max_queued_jobs",
)
#: Settings that take a decimal number.
DECIMAL_FIELDS = ("free_monthly_megapixels", "pro_monthly_megapixels")
FLAG_FIELDS = ("maintenance_mode", "queue_paused", "instant_repeats", "watermark_free_tier")


async def _page(
    request: Request,
    principal: AdminPage,
    session: SessionDep,
    values: dict[str, Any],
    errors: dict[str, str],
    status_code: int = 200,
) -> Response:
    models = [
        convert.model_out(m)
        for m in await registry.list_models(session)
        if m.status == ModelStatus.ACTIVE and not is_variant(m)
    ]
    return render(
        request,
        "admin/settings.html",
        principal,
        status_code=status_code,
        section="settings",
        title="Settings",
        values=values,
        errors=errors,
        known_mimes=KNOWN_MIMES,
        ttl=TTL_SECONDS,
        models=models,
        default_model=next((m.name for m in models if m.is_default), ""),
        human_bytes=human_bytes,
        fields=RuntimeSettings.model_fields,
    )


@router.get("/settings")
async def settings_page(
    request: Request, principal: AdminPage, context: ContextDep, session: SessionDep
) -> Response:
    current = (await context.live.get()).model_dump()
    return await _page(request, principal, session, current, {})


@router.post("/settings")
async def settings_submit(
    request: Request, principal: AdminPage, context: ContextDep, session: SessionDep
) -> Response:
    form = await request.form()
    changes: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name in INTEGER_FIELDS:
        if name not in form:
            continue  # a form without the field leaves the setting as it is
        raw = str(form.get(name, "")).strip().replace("_", "").replace(",", "")
        try:
            changes[name] = int(raw)
        except ValueError:
            errors[name] = "must be a whole number"
    for name in DECIMAL_FIELDS:
        if name not in form:
            continue
        try:
            changes[name] = float(str(form.get(name, "")).strip().replace(",", ""))
        except ValueError:
            errors[name] = "must be a number"
    for name in FLAG_FIELDS:
        changes[name] = checked(form, name)
    if "registration" in form:
        changes["registration"] = str(form.get("registration", "")).strip()
    changes["allowed_mimes"] = [str(m) for m in form.getlist("allowed_mimes")]
    changes["maintenance_message"] = str(form.get("maintenance_message", "")).strip()
    shown = (await context.live.get()).model_dump() | changes
    if errors:
        return await _page(request, principal, session, shown, errors, 400)
    try:
        _updated, diff = await settings_service.apply(
            context, session, changes, actor=principal.actor
        )
    except APIError as error:
        errors = {f.field.split(".")[0]: f.message for f in error.fields}
        return await _page(request, principal, session, shown, errors, 400)
    default = str(form.get("default_model", "")).strip()
    note = ""
    if default:
        try:
            current_default = next(
                (m.name for m in await registry.list_models(session) if m.is_default), None
            )
            if default != current_default:
                await registry.set_default(session, default, principal.actor)
                note = f" {default} is the default model."
        except APIError as error:
            return await _page(
                request, principal, session, shown, {"default_model": error.message}, 400
            )
    if not diff and not note:
        return redirect(request, "/admin/settings", "Nothing changed.")
    changed = ", ".join(sorted(diff))
    return redirect(
        request,
        "/admin/settings",
        (f"Saved {changed}; in effect everywhere within {TTL_SECONDS:.0f} s." if diff else "")
        + note,
    )
